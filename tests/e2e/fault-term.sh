#!/bin/sh
# fault-term.sh: processes that ignore TERM are still stopped, within
# bounded times: by a stop_signals list ending in KILL, by the default
# TERM then KILL at stop_grace_time, by KILL at stop_grace_time when every
# listed signal is ignored, and when a stop_command hangs.  Stops of
# several such processes run side by side, and a restart replaces one.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 23

write_conf ft <<EOF
log_file = "$T/app.log";
processes = (
  { name = "listed"; daemonize = true; uid = "nobody";
    stop_signals = ( "TERM", 1, "KILL" ); stop_grace_time = "4s";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "deaf"; daemonize = true; uid = "nobody"; stop_grace_time = "2s";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "nokill"; daemonize = true; uid = "nobody";
    stop_signals = ( "TERM", 1, "TERM" ); stop_grace_time = "2s";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "hung"; daemonize = true; uid = "nobody"; stop_grace_time = "2s";
    stop_command = "sleep 30";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "d1"; group = "pool"; daemonize = true; uid = "nobody";
    stop_grace_time = "2s"; start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "d2"; group = "pool"; daemonize = true; uid = "nobody";
    stop_grace_time = "2s"; start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "d3"; group = "pool"; daemonize = true; uid = "nobody";
    stop_grace_time = "2s"; start_command = [ "$BPTEST", "ignore-term" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in listed deaf nokill hung d1 d2 d3; do
	wait_for "$p up" 10 up_with_new_pid ft "$p" ||
	    bail_out "$p did not come up"
done

# Tells whether bptest has installed its TERM disposition (ignored).
term_ignored() {
	sigign=$(status_field "$1" SigIgn)
	[ -n "$sigign" ] && [ $((0x$sigign & 0x4000)) -ne 0 ]
}

# timed_stop TARGET: stops TARGET; sets rc and ms.
timed_stop() {
	t0=$(now_ms)
	ctl stop "$1" >/dev/null 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	diag "stop $1: exit $rc after $ms ms"
}

# hung_cmd: the pids of the "sleep 30" stop_command, a child of the master.
hung_cmd() {
	for q in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(cmdline_of "$q" 2>/dev/null)" = "sleep 30" ] &&
		    [ "$(ppid_of "$q")" = "$BP_MASTER" ] && echo "$q"
	done
}

for p in listed deaf nokill; do
	pid=$(proc_pid ft "$p")
	wait_for "$p to ignore TERM" 5 term_ignored "$pid"
	timed_stop "$p"
	case $p in
	listed)
		is "$rc" 0 "listed: stop exits 0"
		between "$ms" 800 3000 "listed: TERM, 1 s, KILL: about 1 s"
		;;
	deaf)
		is "$rc" 0 "deaf: stop exits 0"
		between "$ms" 1800 4000 "deaf: TERM, then KILL at stop_grace_time"
		;;
	nokill)
		is "$rc" 0 "nokill: stop exits 0"
		between "$ms" 1800 4000 \
		    "nokill: every listed signal ignored: KILL at stop_grace_time"
		;;
	esac
	ok "gone '$pid'" "$p: the TERM-ignoring process is gone"
done
# A stop_command that hangs: cut at stop_grace_time with its group.
pid=$(proc_pid ft hung)
wait_for "hung to ignore TERM" 5 term_ignored "$pid"
t0=$(now_ms)
ctl stop hung >/dev/null 2>&1 &
ctlpid=$!
wait_for "the stop_command to run" 3 eval '[ -n "$(hung_cmd)" ]'
cmdpid=$(hung_cmd)
wait "$ctlpid"
rc=$?
ms=$(($(now_ms) - t0))
diag "stop hung: exit $rc after $ms ms (stop_command pid '$cmdpid')"
ok "[ -n '$cmdpid' ]" "hung: the stop_command ran"
is "$rc" 0 "hung: stop exits 0"
between "$ms" 1800 4000 "hung: the stop is bounded by stop_grace_time"
ok "gone '$pid'" "hung: the TERM-ignoring process is gone"
wait_for "the hung stop_command to be killed" 5 gone "$cmdpid"
ok "gone '$cmdpid'" "hung: the stop_command was killed with its group"

# Three at once: the stops run side by side, not one after another.
pids=$(for p in d1 d2 d3; do proc_pid ft "$p"; done)
for pid in $pids; do
	wait_for "$pid to ignore TERM" 5 term_ignored "$pid"
done
timed_stop pool
is "$rc" 0 "pool: stop of three deaf processes exits 0"
between "$ms" 1800 4500 "pool: three 2 s escalations take about 2 s, not 6 s"
n=0
for pid in $pids; do alive "$pid" && n=$((n + 1)); done
is "$n" 0 "pool: all three are gone"

# A restart must replace a TERM-ignoring process (KILL at the grace time).
ctl start deaf >/dev/null 2>&1
wait_for "deaf up again" 10 up_with_new_pid ft deaf
old=$(proc_pid ft deaf)
wait_for "deaf to ignore TERM" 5 term_ignored "$old"
t0=$(now_ms)
ctl restart deaf >/dev/null 2>&1
rc=$?
ms=$(($(now_ms) - t0))
diag "restart deaf: exit $rc after $ms ms ($old -> $(proc_pid ft deaf))"
is "$rc" 0 "restart of a TERM-ignoring process exits 0"
between "$ms" 1800 5000 "restart: the old process is killed at stop_grace_time"
ok "gone '$old' && up_with_new_pid ft deaf '$old'" \
    "restart: the old pid is gone and a new one is up"

# Everything comes back: nothing was lost for good.
ctl start >/dev/null 2>&1
lost=0
for p in listed deaf nokill hung d1 d2 d3; do
	wait_for "$p up at the end" 10 up_with_new_pid ft "$p" ||
	    lost=$((lost + 1))
done
is "$lost" 0 "every process is up again after start"
# Not one stray TERM-ignoring bptest: exactly the seven of the app.
is "$(count_bptest)" 7 "exactly seven bptest processes run"
ok "alive $BP_MASTER && [ -n \"\$(worker_pid ft)\" ]" \
    "the master and the worker are alive"
if [ "$BP_NFAIL" -eq 0 ]; then r=pass; else r=FAIL; fi
diag "fault: TERM-ignoring processes: $r: processes lost: $lost"
