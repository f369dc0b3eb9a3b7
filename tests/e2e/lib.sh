# tests/e2e/lib.sh: the end-to-end harness, sourced by every tests/e2e/*.sh.
#
# POSIX sh (the test driver runs scripts with $(SHELL), often dash).  Each
# script does:
#
#	. "$(dirname "$0")/lib.sh"
#	need_root
#	setup
#	plan N
#	write_conf app <<EOF ... EOF
#	start_daemon || bail_out "..."
#	ok / is / like / between ...
#
# and speaks TAP; the EXIT trap stops the master, kills only the processes
# this test started (by pid, checked against their start time) and removes
# the temp dir.  On failure it prints the daemon's and the apps' logs as
# TAP diagnostics.
#
# Environment (set by AM_TESTS_ENVIRONMENT; defaults for direct runs):
# BLUEPILLD, BLUEPILLCTL, TOP_SRCDIR, TOP_BUILDDIR.

set -u

BP_E2E_DIR=$(cd "$(dirname "$0")" && pwd)
: "${TOP_SRCDIR:=$(cd "$BP_E2E_DIR/../.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
: "${BLUEPILLD:=$TOP_BUILDDIR/bluepilld}"
: "${BLUEPILLCTL:=$TOP_BUILDDIR/bluepillctl}"
BPTEST_BUILT=$TOP_BUILDDIR/tests/bptest

T=
BPTEST=
BP_LAUNCH=
BP_MASTER=
BP_MASTERS=
BP_APPS=
BP_NTEST=0
BP_NFAIL=0
BP_PLANNED=

# ---------------------------------------------------------------- TAP

# Prints each line of its arguments (or of stdin) as a TAP diagnostic.
diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*"
	else
		cat
	fi | sed 's/^/# /'
}

# Announces the number of tests.
plan() {
	BP_PLANNED=$1
	echo "1..$1"
}

# Records one result: $1 = 0 passes; $2 = description.
bp_result() {
	BP_NTEST=$((BP_NTEST + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $BP_NTEST - $2"
	else
		BP_NFAIL=$((BP_NFAIL + 1))
		echo "not ok $BP_NTEST - $2"
	fi
	return "$1"
}

# ok COND DESC: COND is an exit status (0 passes) or a shell command that
# is evaluated, e.g. ok "alive $pid" "process runs" or ok $? "it worked".
ok() {
	case $1 in
	'' | *[!0-9]*)
		if eval "$1" >/dev/null 2>&1; then
			bp_result 0 "$2"
		else
			bp_result 1 "$2"
			diag "  condition failed: $1"
			return 1
		fi
		;;
	*)
		bp_result "$1" "$2" || { diag "  exit status $1"; return 1; }
		;;
	esac
}

# is GOT EXPECTED DESC: exact string comparison.
is() {
	if [ "$1" = "$2" ]; then
		bp_result 0 "$3"
	else
		bp_result 1 "$3"
		diag "  got:"
		printf '%s\n' "$1" | sed 's/^/#     |/'
		diag "  expected:"
		printf '%s\n' "$2" | sed 's/^/#     |/'
		return 1
	fi
}

# isnt GOT UNEXPECTED DESC: the strings differ.
isnt() {
	if [ "$1" != "$2" ]; then
		bp_result 0 "$3"
	else
		bp_result 1 "$3"
		diag "  got '$1', expected anything else"
		return 1
	fi
}

# like GOT ERE DESC: GOT matches the extended regular expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		bp_result 0 "$3"
	else
		bp_result 1 "$3"
		diag "  got:"
		printf '%s\n' "$1" | sed 's/^/#     |/'
		diag "  expected to match: $2"
		return 1
	fi
}

# between VALUE LOW HIGH DESC: an integer within [LOW, HIGH].
between() {
	case $1 in
	'' | *[!0-9-]*)
		bp_result 1 "$4"
		diag "  got '$1', not a number (expected $2..$3)"
		return 1
		;;
	esac
	if [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; then
		bp_result 0 "$4"
	else
		bp_result 1 "$4"
		diag "  got $1, expected between $2 and $3"
		return 1
	fi
}

# skip N REASON: reports N skipped tests.
skip() {
	bp_i=0
	while [ "$bp_i" -lt "$1" ]; do
		BP_NTEST=$((BP_NTEST + 1))
		echo "ok $BP_NTEST # SKIP $2"
		bp_i=$((bp_i + 1))
	done
}

# Aborts the script: the remaining tests cannot run meaningfully.
bail_out() {
	echo "Bail out! $*"
	BP_NFAIL=$((BP_NFAIL + 1))
	exit 1
}

# ------------------------------------------------------------- processes

# Prints the milliseconds of the realtime clock.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Prints field N (1-based, 3 = state) of /proc/PID/stat, comm skipped.
bp_stat_field() {
	bp_line=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$bp_line" ] || return 1
	# The comm field may hold spaces and parentheses: cut at the last ")".
	bp_rest=${bp_line##*) }
	set -- $2 $bp_rest
	shift $(($1 - 2))
	echo "$1"
}

# Tells whether PID exists and is not a zombie.
alive() {
	case ${1:-} in
	'' | 0 | *[!0-9]*) return 1 ;;
	esac
	bp_st=$(bp_stat_field "$1" 3) || return 1
	[ "$bp_st" != Z ] && [ "$bp_st" != X ]
}

# Tells whether PID is gone (or a zombie).
gone() {
	! alive "$1"
}

# Prints the parent pid of PID.
ppid_of() {
	bp_stat_field "$1" 4
}

# Prints the start time (clock ticks since boot) of PID.
starttime_of() {
	bp_stat_field "$1" 22
}

# Prints the command line of PID with spaces between arguments.
cmdline_of() {
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | sed 's/ $//'
}

# Prints a field (e.g. Uid, CapEff) of /proc/PID/status.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null
}

# Prints the pid in a pid file (digits of its first line), or nothing.
pidfile_pid() {
	[ -r "$1" ] || return 1
	head -n 1 "$1" | tr -cd '0-9'
}

# Prints "pid ppid" for every process, read in one pass.
bp_ps() {
	cat /proc/[0-9]*/stat 2>/dev/null |
	    awk '{ pid = $1; sub(/^.*\) /, ""); print pid, $2 }'
}

# Prints the live children of PID.
children_of() {
	bp_ps | awk -v p="$1" '$2 == p { print $1 }' | while read -r bp_c; do
		alive "$bp_c" && echo "$bp_c"
	done
}

# Prints every descendant of the given pids.
descendants_of() {
	bp_ps | awk -v roots="$*" '
	    { parent[$1] = $2; pids[NR] = $1 }
	    END {
		n = split(roots, r, " ")
		for (i = 1; i <= n; i++) mark[r[i]] = 1
		do {
			changed = 0
			for (i = 1; i <= NR; i++) {
				p = pids[i]
				if (!(p in mark) && (parent[p] in mark)) {
					mark[p] = 1; changed = 1; print p
				}
			}
		} while (changed)
	    }'
}

# Counts the live processes running this test's copy of bptest.
count_bptest() {
	local n p
	n=0
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$BPTEST" ] &&
		    alive "$p" && n=$((n + 1))
	done
	echo "$n"
}

# known_defect STATUS DESC WHY: a test of a known defect: a pass is a plain
# ok, a failure a TODO (reported, not fatal) until the defect is fixed;
# WHY is added to $defects for the test's summary line.
defects=
known_defect() {
	BP_NTEST=$((BP_NTEST + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $BP_NTEST - $2"
	else
		echo "not ok $BP_NTEST - $2 # TODO $3"
		defects="$defects $3;"
	fi
}

# count_uid_procs UID [EXE]: counts the live processes of UID (real uid),
# only those running EXE when it is given.
count_uid_procs() {
	local n q
	n=0
	for q in $(ls /proc | grep -E '^[0-9]+$'); do
		[ -z "${2:-}" ] ||
		    [ "$(readlink "/proc/$q/exe" 2>/dev/null)" = "$2" ] || continue
		[ "$(status_field "$q" Uid | awk '{ print $1 }')" = "$1" ] &&
		    alive "$q" && n=$((n + 1))
	done
	echo "$n"
}

# max_of N CMD...: the largest number CMD prints in N runs.
max_of() {
	local n i v m
	n=$1
	shift
	m=0
	i=0
	while [ "$i" -lt "$n" ]; do
		v=$("$@")
		[ "$v" -le "$m" ] || m=$v
		i=$((i + 1))
	done
	echo "$m"
}

# Remembers PID as started by this test, so cleanup kills it.
track_pid() {
	bp_t=$(starttime_of "$1") || return 0
	echo "$1 $bp_t" >>"$T/.tracked"
}

# ----------------------------------------------------------- the daemon

# Skips the whole script unless run as root.
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root"
		exit 0
	fi
}

# Creates the temp dir and installs the cleanup trap.
setup() {
	for bp_f in "$BLUEPILLD" "$BLUEPILLCTL" "$BPTEST_BUILT"; do
		if [ ! -x "$bp_f" ]; then
			echo "1..0 # SKIP $bp_f is not built"
			exit 0
		fi
	done
	T=$(mktemp -d /tmp/bpe2e.XXXXXXXX) || bail_out "mktemp failed"
	trap bp_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	chmod 0755 "$T"
	mkdir -m 0755 "$T/conf.d" "$T/run"
	mkdir -m 1777 "$T/out"
	chmod 1777 "$T/out"
	: >"$T/.tracked"
	# A private copy: every process running it is this test's.
	cp "$BPTEST_BUILT" "$T/bptest"
	chmod 0755 "$T/bptest"
	BPTEST=$T/bptest
}

# write_conf NAME: stdin becomes $T/conf.d/NAME.conf (mode 0644).
write_conf() {
	cat >"$T/conf.d/$1.conf"
	chmod 0644 "$T/conf.d/$1.conf"
}

# Prints the app names the daemon should serve: $BP_APPS or the drop-ins.
bp_expected_apps() {
	if [ -n "$BP_APPS" ]; then
		echo "$BP_APPS"
		return
	fi
	for bp_f in "$T"/conf.d/*.conf; do
		[ -e "$bp_f" ] || continue
		bp_f=${bp_f##*/}
		printf '%s ' "${bp_f%.conf}"
	done
}

# Tells whether the master is ready: its pid file and every app answering.
bp_daemon_ready() {
	[ "$(pidfile_pid "$T/run/bluepilld.pid")" = "$BP_MASTER" ] || return 1
	for bp_a in $(bp_expected_apps); do
		[ -S "$T/run/$bp_a.sock" ] || return 1
		ctl -a "$bp_a" status >/dev/null 2>&1 || return 1
	done
}

# start_daemon [ARGS]: runs the master in the foreground mode, in the
# background, and waits until it and the expected apps are ready.
# $BP_LAUNCH, if set, is a command prefix that must exec its arguments
# (e.g. "$BPTEST with-ignored 2,32"), so $! is still the master's pid.
start_daemon() {
	${BP_LAUNCH:-} "$BLUEPILLD" -d -c "$T/conf.d" -r "$T/run" "$@" \
	    >>"$T/bluepilld.log" 2>&1 &
	BP_MASTER=$!
	BP_MASTERS="$BP_MASTERS $BP_MASTER"
	bp_deadline=$(($(now_ms) + 10000))
	while [ "$(now_ms)" -lt "$bp_deadline" ]; do
		if ! alive "$BP_MASTER"; then
			diag "bluepilld $BP_MASTER exited while starting"
			return 1
		fi
		bp_daemon_ready && return 0
		sleep 0.05
	done
	diag "bluepilld not ready after 10 s (pid file, sockets of:" \
	    "$(bp_expected_apps))"
	return 1
}

# stop_daemon [SIG]: signals the current master (TERM) and waits, bounded,
# for it to exit; KILL after 10 s.  Returns 1 if TERM did not suffice.
stop_daemon() {
	[ -n "$BP_MASTER" ] || return 0
	bp_rc=0
	kill "-${1:-TERM}" "$BP_MASTER" 2>/dev/null
	if ! wait_for "bluepilld $BP_MASTER to exit" 10 gone "$BP_MASTER"; then
		kill -KILL "$BP_MASTER" 2>/dev/null
		bp_rc=1
	fi
	wait "$BP_MASTER" 2>/dev/null
	BP_MASTER=
	return $bp_rc
}

# ctl ARGS: bluepillctl on this test's run directory.
ctl() {
	"$BLUEPILLCTL" -r "$T/run" "$@"
}

# wait_for DESC TIMEOUT_S CMD...: polls CMD every 25 ms until it succeeds;
# on timeout prints a diagnostic naming DESC and returns 1.
wait_for() {
	bp_desc=$1
	bp_ms=$(awk -v s="$2" 'BEGIN { printf "%d", s * 1000 }')
	shift 2
	bp_end=$(($(now_ms) + bp_ms))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -lt "$bp_end" ] || break
		sleep 0.025
	done
	diag "timed out after $((bp_ms / 1000)).$((bp_ms % 1000 / 100)) s" \
	    "waiting for $bp_desc"
	return 1
}

# Prints "name pid state" for each process line of a status listing on
# stdin, the name as group:name when grouped (children are skipped).
bp_parse_status() {
	awk '
	    /^$/ { group = ""; next }
	    /^[^ ]+:$/ { group = substr($0, 1, length($0) - 1); next }
	    /^ *[^ <(]+\(pid:[0-9]*\): / {
		line = $0
		sub(/^ */, "", line)
		name = line; sub(/\(pid:.*/, "", name)
		pid = line; sub(/^[^(]*\(pid:/, "", pid); sub(/\).*/, "", pid)
		state = line; sub(/^[^)]*\): /, "", state)
		if (group != "") name = group ":" name
		print name, (pid == "" ? 0 : pid), state
	    }'
}

# Prints the "name pid state" line of process NAME (or group:name).
bp_status_line() {
	ctl -a "$1" status 2>/dev/null | bp_parse_status |
	    awk -v n="$2" '$1 == n || (index(n, ":") == 0 &&
		substr($1, length($1) - length(n)) == ":" n) { print; exit }'
}

# proc_pid APP NAME: the pid bluepillctl status shows (0 when none).
proc_pid() {
	bp_status_line "$1" "$2" | awk '{ print $2 }'
}

# proc_state APP NAME: the state bluepillctl status shows.
proc_state() {
	bp_status_line "$1" "$2" | awk '{ $1 = ""; $2 = ""; sub(/^  /, "");
	    print }'
}

# Tells whether process NAME of APP is shown in STATE.
state_is() {
	[ "$(proc_state "$1" "$2")" = "$3" ]
}

# Tells whether NAME of APP is up with a live pid other than $3 (if set).
up_with_new_pid() {
	bp_l=$(bp_status_line "$1" "$2")
	bp_p=$(echo "$bp_l" | awk '{ print $2 }')
	[ "$(echo "$bp_l" | awk '{ print $3 }')" = up ] || return 1
	[ -n "$bp_p" ] && [ "$bp_p" != 0 ] && [ "$bp_p" != "${3:-}" ] &&
	    alive "$bp_p"
}

# Prints the pids of the master's workers (children running bluepilld).
worker_pids() {
	bp_exe=$(readlink -f "$BLUEPILLD")
	for bp_c in $(children_of "$BP_MASTER"); do
		[ "$(readlink "/proc/$bp_c/exe" 2>/dev/null)" = "$bp_exe" ] &&
		    echo "$bp_c"
	done
}

# worker_pid APP: the worker whose command line names APP (or the only
# worker, when there is one).
worker_pid() {
	bp_all=$(worker_pids)
	for bp_w in $bp_all; do
		case " $(cmdline_of "$bp_w") " in
		*[\ :]"$1"[\ :]*)
			echo "$bp_w"
			return 0
			;;
		esac
	done
	if [ "$(echo "$bp_all" | wc -w)" -eq 1 ]; then
		echo "$bp_all"
		return 0
	fi
	return 1
}

# ---------------------------------------------------------------- cleanup

# Prints the tail of a file as diagnostics.
bp_dump() {
	[ -s "$1" ] || return 0
	diag "---- last lines of ${1#"$T"/} ----"
	tail -n "${2:-40}" "$1" | diag
}

# Tells whether a pid found in a pid file is surely this test's process.
bp_is_ours() {
	[ "$(readlink "/proc/$1/exe" 2>/dev/null)" = "$BPTEST" ] && return 0
	case $(cmdline_of "$1") in
	*"$T"*) return 0 ;;
	esac
	return 1
}

# Prints pid:starttime for this test's processes and all their descendants:
# masters, tracked pids, pids in pid files that are ours, and anything
# running this test's private copy of bptest.
bp_collect() {
	local roots p t f
	roots=
	for p in $BP_MASTERS; do
		alive "$p" && roots="$roots $p"
	done
	while read -r p t; do
		[ "$(starttime_of "$p")" = "$t" ] && roots="$roots $p"
	done <"$T/.tracked"
	for f in $(find "$T" -name '*.pid' 2>/dev/null); do
		p=$(pidfile_pid "$f")
		alive "$p" && bp_is_ours "$p" && roots="$roots $p"
	done
	for p in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$BPTEST" ] &&
		    roots="$roots $p"
	done
	[ -n "$roots" ] || return 0
	for p in $roots $(descendants_of $roots); do
		t=$(starttime_of "$p") && echo "$p:$t"
	done
}

# Sends KILL to each pid:starttime given that still names the same process.
bp_kill_list() {
	local v p
	for v in "$@"; do
		p=${v%%:*}
		[ "$(starttime_of "$p")" = "${v#*:}" ] && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# Prints this test's cgroup directories (max_processes), apps first: named
# after its run directory, as bluepilld names them.
bp_cgroups() {
	local name d
	name=bluepill$(echo "$T/run" | tr / _)
	for d in $(find /sys/fs/cgroup -maxdepth 2 -type d -name "$name" \
	    2>/dev/null); do
		find "$d" -mindepth 1 -maxdepth 1 -type d
		echo "$d"
	done
}

# Kills what is left in this test's cgroups (all of it this test's, by
# their names) until they are empty, and removes them.
bp_cgroup_cleanup() {
	local d p n
	for d in $(bp_cgroups); do
		# No fork succeeds in it any more, so the kills converge.
		[ -f "$d/pids.max" ] && echo 0 >"$d/pids.max" 2>/dev/null
		n=0
		while [ -s "$d/cgroup.procs" ] && [ "$n" -lt 100 ]; do
			for p in $(cat "$d/cgroup.procs"); do
				kill -KILL "$p" 2>/dev/null
			done
			n=$((n + 1))
			sleep 0.05
		done
		rmdir "$d" 2>/dev/null || diag "could not remove cgroup $d"
	done
}

# Stops the master, kills what this test started, removes the temp dir.
bp_cleanup() {
	bp_exit_status=$?
	local rc f m
	rc=$bp_exit_status
	trap - EXIT INT TERM
	[ -n "$T" ] && [ -d "$T" ] || exit $rc
	if [ -n "$BP_PLANNED" ] && [ "$BP_NTEST" -ne "$BP_PLANNED" ]; then
		diag "planned $BP_PLANNED tests but ran $BP_NTEST"
		rc=1
	fi

	# Collect first, while the process tree is still intact.
	set -- $(bp_collect)
	if [ -n "$BP_MASTER" ] && alive "$BP_MASTER"; then
		stop_daemon TERM || diag "bluepilld ignored TERM for 10 s"
	fi
	for m in $BP_MASTERS; do
		alive "$m" && kill -KILL "$m" 2>/dev/null
		wait "$m" 2>/dev/null
	done
	bp_kill_list "$@"
	# A second pass catches what the master started while stopping.
	bp_kill_list $(bp_collect)
	bp_cgroup_cleanup

	if [ "$rc" -ne 0 ] || [ "$BP_NFAIL" -ne 0 ]; then
		bp_dump "$T/bluepilld.log" 60
		for f in "$T"/*.log "$T"/out/*; do
			[ "$f" = "$T/bluepilld.log" ] && continue
			[ -f "$f" ] && bp_dump "$f" 30
		done
		[ "$rc" -ne 0 ] || rc=1
	fi
	rm -rf "$T"
	exit $rc
}
