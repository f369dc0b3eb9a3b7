# tests/bench/lib.sh: helpers of the benchmark driver (tests/bench/run).
#
# POSIX sh.  Every scenario gets its own drop-in and run directory under
# $T; the masters it starts are remembered by pid, and the processes they
# supervise run a private copy of bptest ($BPTEST), so cleanup kills only
# what this run started: by pid, after checking the pid still runs our
# binary (or is our master with its recorded start time).
#
# Environment (exported by `make bench`): BLUEPILLD, BLUEPILLCTL, BPTEST
# (the built bptest, copied to $T), BP_LATENCY, TOP_SRCDIR.

set -u

T=
S=
MASTER=
MASTERS=
BPTEST_BUILT=${BPTEST:-}

# Prints a progress line on stderr (the table alone goes to stdout).
say() {
	printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2
}

# Stops the run with a message.
die() {
	say "error: $*"
	exit 1
}

# Prints the milliseconds of the monotonic-enough realtime clock.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# Prints field N (1-based; 3 = state) of /proc/PID/stat, the comm skipped.
stat_field() {
	sf_line=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$sf_line" ] || return 1
	sf_rest=${sf_line##*) }
	set -- "$2" $sf_rest
	shift $(($1 - 2))
	echo "$1"
}

# Tells whether PID exists and is not a zombie.
alive() {
	case ${1:-} in
	'' | 0 | *[!0-9]*) return 1 ;;
	esac
	al_st=$(stat_field "$1" 3) || return 1
	[ "$al_st" != Z ] && [ "$al_st" != X ]
}

# Prints "pid ppid" of every process, in one pass.
ps_all() {
	cat /proc/[0-9]*/stat 2>/dev/null |
	    awk '{ pid = $1; sub(/^.*\) /, ""); print pid, $2 }'
}

# Prints the live children of PID.
children_of() {
	ps_all | awk -v p="$1" '$2 == p { print $1 }'
}

# Prints the pids of every process running our copy of bptest.
our_bptests() {
	find /proc -mindepth 2 -maxdepth 2 -name exe -lname "$BPTEST" \
	    2>/dev/null | awk -F/ '{ print $3 }'
}

# Counts the live processes running our copy of bptest.
count_bptests() {
	our_bptests | wc -l | tr -d ' '
}

# Prints "pid app" for each worker of master PID (by its command line).
workers_of() {
	for wo_c in $(children_of "$1"); do
		wo_cmd=$(tr '\0' ' ' <"/proc/$wo_c/cmdline" 2>/dev/null)
		case $wo_cmd in
		"bluepilld: worker "*)
			wo_app=${wo_cmd#bluepilld: worker }
			echo "$wo_c ${wo_app%% *}"
			;;
		esac
	done
}

# Skips unless root and the programs are built; creates $T and the trap.
bench_setup() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "make bench needs root (it runs bluepilld as root)" >&2
		exit 77
	fi
	for bs_f in "$BLUEPILLD" "$BLUEPILLCTL" "$BPTEST_BUILT" "$BP_LATENCY"; do
		[ -x "$bs_f" ] || die "$bs_f is not built"
	done
	T=$(mktemp -d /tmp/bpbench.XXXXXXXX) || die "mktemp failed"
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	chmod 0755 "$T"
	cp "$BPTEST_BUILT" "$T/bptest"
	chmod 0755 "$T/bptest"
	BPTEST=$T/bptest
}

# scenario NAME: makes $S = $T/NAME with conf.d, run, pids and out dirs.
scenario() {
	S=$T/$1
	mkdir -m 0755 "$S" "$S/conf.d" "$S/run" "$S/pids" "$S/out"
}

# write_conf APP: stdin becomes $S/conf.d/APP.conf (root's, mode 0644).
write_conf() {
	cat >"$S/conf.d/$1.conf"
	chmod 0644 "$S/conf.d/$1.conf"
}

# ctl ARGS: bluepillctl on the current scenario's run directory.
ctl() {
	"$BLUEPILLCTL" -r "$S/run" "$@"
}

# start_master [PREFIX...]: runs bluepilld -d for $S in the background,
# optionally under a wrapper (valgrind) that execs it; sets $MASTER.
start_master() {
	"$@" "$BLUEPILLD" -d -c "$S/conf.d" -r "$S/run" \
	    ${MASTER_ARGS:-} >>"$S/bluepilld.log" 2>&1 &
	MASTER=$!
	MASTERS="$MASTERS $MASTER:$(stat_field "$MASTER" 22)"
}

# Counts the processes of APP that status shows up with a pid.
count_up() {
	ctl -a "$1" status 2>/dev/null | grep -cE '\(pid:[0-9]+\): up$'
}

# wait_up APP N TIMEOUT_S: waits until N processes of APP are up.
wait_up() {
	wu_end=$(($(now_ms) + $3 * 1000))
	while [ "$(now_ms)" -lt "$wu_end" ]; do
		alive "$MASTER" || die "bluepilld $MASTER exited (see $S)"
		[ "$(count_up "$1")" -ge "$2" ] && return 0
		sleep 0.2
	done
	die "$1: $2 processes not up after $3 s ($(count_up "$1") are)"
}

# stop_master: TERM the current master and wait (KILL after 30 s).
stop_master() {
	[ -n "$MASTER" ] || return 0
	kill -TERM "$MASTER" 2>/dev/null
	sm_end=$(($(now_ms) + 30000))
	while alive "$MASTER" && [ "$(now_ms)" -lt "$sm_end" ]; do
		sleep 0.05
	done
	alive "$MASTER" && kill -KILL "$MASTER" 2>/dev/null
	wait "$MASTER" 2>/dev/null
	MASTER=
}

# kill_ours: KILLs every process running our bptest copy and waits.
kill_ours() {
	for ko_i in 1 2 3 4 5 6 7 8 9 10; do
		ko_p=$(our_bptests)
		[ -n "$ko_p" ] || return 0
		# shellcheck disable=SC2086
		kill -KILL $ko_p 2>/dev/null
		sleep 0.2
	done
}

# end_scenario: stops the master and every process of the scenario.
end_scenario() {
	stop_master
	kill_ours
}

# Stops what this run started and removes $T (unless BENCH_KEEP=1).
bench_cleanup() {
	bc_rc=$?
	trap - EXIT INT TERM
	[ -n "$T" ] && [ -d "$T" ] || exit $bc_rc
	for bc_m in $MASTERS; do
		bc_p=${bc_m%%:*}
		# Our master only if its start time is the one we recorded.
		[ "$(stat_field "$bc_p" 22 2>/dev/null)" = "${bc_m#*:}" ] &&
		    kill -TERM "$bc_p" 2>/dev/null
	done
	sleep 0.5
	for bc_m in $MASTERS; do
		bc_p=${bc_m%%:*}
		[ "$(stat_field "$bc_p" 22 2>/dev/null)" = "${bc_m#*:}" ] &&
		    kill -KILL "$bc_p" 2>/dev/null
	done
	kill_ours
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "kept $T"
	else
		rm -rf "$T"
	fi
	exit $bc_rc
}

# usage_of PID...: "pid cpu_ms rss_kib pss_kib uss_kib" lines.
usage_of() {
	"$BP_LATENCY" usage "$@"
}

# heap_inuse PID LOG: "ARENA/INUSE", the bytes PID's malloc holds and
# has in use (glibc's malloc_stats, called through gdb, writes to the
# process's stderr, which is LOG; chunks in its thread cache count as in
# use); nothing when gdb is missing or the figures cannot be read.
heap_inuse() {
	command -v gdb >/dev/null 2>&1 || return 0
	hi_n=$(wc -l <"$2")
	gdb -nx -batch -iex 'set debuginfod enabled off' -p "$1" \
	    -ex 'call (void)malloc_stats()' >/dev/null 2>&1
	sleep 0.3
	tail -n +"$((hi_n + 1))" "$2" | awk '
	    /^Total \(incl\. mmap\):/ { t = 1; next }
	    t && /^system bytes/ { a = $NF }
	    t && /^in use bytes/ { print a "/" $NF; exit }'
}

# mem_max PID: "rss uss" in KiB, the largest of five readings 0.2 s apart
# (a fork in flight makes the parent's pages briefly shared).
mem_max() {
	for mm_i in 1 2 3 4 5; do
		usage_of "$1"
		sleep 0.2
	done | awk '{ if ($3 > r) r = $3; if ($5 > u) u = $5 }
	    END { print r + 0, u + 0 }'
}

# smaps_rss PID: "KiB mapping" per mapping of PID (anonymous ones by
# address), for telling where a process grew.
smaps_rss() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { n = $6 " " $2; if ($6 == "") n = "[anon " $1 "]" }
	    /^Rss:/ { r[n] += $2 }
	    END { for (k in r) print r[k], k }' "/proc/$1/smaps" 2>/dev/null
}

# smaps_grew BEFORE AFTER: the mappings whose RSS grew between two
# smaps_rss outputs, as "mapping +N KiB" joined by "; ".
smaps_grew() {
	awk 'NR == FNR { b[substr($0, index($0, " ") + 1)] = $1; next }
	    { k = substr($0, index($0, " ") + 1); d = $1 - b[k]
	      if (d > 0) { sub(/.*\//, "", k); out = out sep k " +" d " KiB"; sep = "; " } }
	    END { print out }' "$1" "$2"
}
