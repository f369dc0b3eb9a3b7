#!/bin/sh
# upgrade.sh: the upgrade path.  A master started by the init script from
# one copy of the binaries runs an app of 3 processes; the binary is
# replaced in place and the service restarted, then stopped and started
# from another path: each time every managed process keeps running with the
# same pid, is adopted up by the new master, is not started again, and is
# not duplicated.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 30

init=$TOP_BUILDDIR/etc/init.d/bluepill
[ -x "$init" ] || bail_out "$init is not built"
mkdir -m 0755 "$T/bin" "$T/new"
cp "$BLUEPILLD" "$T/bin/bluepilld"
cp "$BLUEPILLD" "$T/new/bluepilld"
# lib.sh finds the workers through $BLUEPILLD.
BLUEPILLD=$T/bin/bluepilld
: >"$T/defaults"

# Runs the build tree's init script with ARGS on this test's directories.
initd() {
	echo "== init.d/bluepill $*" >>"$T/initd.log"
	env BLUEPILL_DEFAULTS="$T/defaults" BLUEPILLD="$BLUEPILLD" \
	    CONFDIR="$T/conf.d" RUNDIR="$T/run" DAEMON_ARGS= \
	    "$init" "$@" >>"$T/initd.log" 2>&1
}

pidf=$T/out/d.pid
write_conf gamma <<EOF
log_file = "$T/gamma.log";
processes = (
  { name = "p1"; group = "g"; daemonize = true; stdout = "$T/out/p1.out";
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "p2"; group = "g"; daemonize = true; stdout = "$T/out/p2.out";
    start_command = "$BPTEST sleep"; },
  { name = "d"; daemonize = false; pid_file = "$pidf";
    stdout = "$T/out/d.out";
    start_command = [ "$BPTEST", "daemon", "$pidf" ]; }
);
EOF

# Counts the starts of the three processes (their stdout lines; a
# self-daemonizing bptest's child prints a line of its own).
nstarts() {
	cat "$T/out/p1.out" "$T/out/p2.out" "$T/out/d.out" 2>/dev/null |
	    grep -cE '^bptest (sleep|daemon): started pid'
}

# Prints "pid state" of the three processes as the master shows them.
shown() {
	echo "$(proc_pid gamma g:p1) $(proc_state gamma g:p1)" \
	    "$(proc_pid gamma g:p2) $(proc_state gamma g:p2)" \
	    "$(proc_pid gamma d) $(proc_state gamma d)"
}

# Tells whether the three processes are shown up.
all_up() {
	state_is gamma g:p1 up && state_is gamma g:p2 up && state_is gamma d up
}

# Records the current master from the pid file, for lib.sh's cleanup.
note_master() {
	BP_MASTER=$(pidfile_pid "$T/run/bluepilld.pid")
	BP_MASTERS="$BP_MASTERS $BP_MASTER"
}

# Tells whether PID runs a binary that was replaced on disk.
runs_deleted() {
	case $(readlink "/proc/$1/exe" 2>/dev/null) in
	*" (deleted)") return 0 ;;
	esac
	return 1
}

initd start
is "$?" 0 "init script start with the old binary exits 0"
note_master
ok "alive '$BP_MASTER'" "the old master runs"
wait_for "all three up" 10 all_up
p1=$(proc_pid gamma g:p1)
p2=$(proc_pid gamma g:p2)
d=$(proc_pid gamma d)
before="$p1 up $p2 up $d up"
is "$(shown)" "$before" "three processes are up"
ok "alive '$p1' && alive '$p2' && alive '$d'" "and run"
is "$(count_bptest)" 3 "exactly three processes run"
n0=$(nstarts)
is "$n0" 3 "each was started once"
old_master=$BP_MASTER
old_workers=$(worker_pids)
ok "[ -n '$old_workers' ]" "the old master has a worker"

# ------------------------------------------ 1: binary replaced in place
# As a package manager does: a new file renamed over the old one (writing
# into a running executable fails with ETXTBSY).
cp "$T/new/bluepilld" "$T/bin/bluepilld.tmp"
mv -f "$T/bin/bluepilld.tmp" "$T/bin/bluepilld"
ok "runs_deleted '$old_master'" "the old master runs a replaced binary"
initd status
is "$?" 0 "status still sees the old master"
initd restart
is "$?" 0 "restart exits 0"
note_master
ok "alive '$BP_MASTER' && [ '$BP_MASTER' != '$old_master' ] && gone '$old_master'" \
    "a new master replaced the old one"
ok "! runs_deleted '$BP_MASTER'" "the new master runs the new binary"
wait_for "adoption" 10 all_up
is "$(shown)" "$before" "the new master shows the same pids up"
ok "alive '$p1' && alive '$p2' && alive '$d'" "the processes kept running"
is "$(count_bptest)" 3 "no process is duplicated"
is "$(nstarts)" "$n0" "no process was started again"
# Tells whether every worker of the old master has exited.
old_workers_gone() {
	for x in $old_workers; do
		alive "$x" && return 1
	done
	return 0
}
wait_for "the old workers to exit" 10 old_workers_gone
ok "old_workers_gone" "no old worker is left"
nw=
for w in $(worker_pids); do
	runs_deleted "$w" || nw="$nw $w"
done
ok "[ -n '$nw' ]" "the new worker runs the new binary"
got=$("$BLUEPILLCTL" -r "$T/run" -a gamma status 2>&1)
like "$got" "p1\(pid:$p1\): up" "bluepillctl status shows p1 with its old pid"

# ------------------------------------ 2: stop, start from another path
old_master=$BP_MASTER
old_workers=$(worker_pids)
initd stop
is "$?" 0 "stop exits 0"
ok "gone '$old_master'" "the master has exited"
ok "alive '$p1' && alive '$p2' && alive '$d'" "the processes run with no master"
initd status
is "$?" 3 "status exits 3 with no master"
BLUEPILLD=$T/new/bluepilld
initd start
is "$?" 0 "start from the new path exits 0"
note_master
is "$(readlink "/proc/$BP_MASTER/exe")" "$T/new/bluepilld" \
    "the master runs the new path's binary"
wait_for "adoption" 10 all_up
is "$(shown)" "$before" "the new master adopts the same pids up"
is "$(count_bptest)" 3 "no process is duplicated"
is "$(nstarts)" "$n0" "no process was started again"
wait_for "the old workers to exit" 10 old_workers_gone
ok "old_workers_gone" "no old worker is left"

# The adopted processes are still supervised by the new master.
kill -KILL "$p2"
wait_for "p2 restarted" 10 up_with_new_pid gamma g:p2 "$p2"
ok "up_with_new_pid gamma g:p2 '$p2'" "an adopted process that dies is started again"
