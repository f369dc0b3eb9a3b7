#!/bin/sh
# stopsig.sh: stop_signals escalation, KILL at stop_grace_time by default,
# and a stop_command run instead of signals.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 14

write_conf delta <<EOF
log_file = "$T/app.log";
processes = (
  { name = "stubborn"; daemonize = true;
    stop_signals = ( "TERM", 1, "KILL" ); stop_grace_time = "3s";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "deaf"; daemonize = true; stop_grace_time = "2s";
    start_command = [ "$BPTEST", "ignore-term" ]; },
  { name = "polite"; daemonize = true;
    stop_signals = ( "TERM", 2, "KILL" ); stop_grace_time = "5s";
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "custom"; daemonize = true; stop_grace_time = "5s";
    stop_command = "echo {{PID}} > $T/out/stopcmd.pid; kill -KILL {{PID}}";
    start_command = [ "$BPTEST", "ignore-term" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in stubborn deaf polite custom; do
	wait_for "$p up" 10 up_with_new_pid delta "$p"
done

# timed_stop NAME: stops NAME, sets pid, rc and ms (elapsed).
timed_stop() {
	pid=$(proc_pid delta "$1")
	t0=$(now_ms)
	ctl stop "$1" >/dev/null 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	diag "stop $1 (pid $pid): exit $rc after $ms ms"
}

timed_stop stubborn
is "$rc" 0 "stubborn: stop exits 0"
between "$ms" 800 2500 "stubborn: TERM, 1 s, KILL takes about 1 s"
ok "gone '$pid'" "stubborn: the process is gone"
is "$(proc_state delta stubborn)" unmonitored "stubborn: unmonitored"

timed_stop deaf
is "$rc" 0 "deaf: stop exits 0"
between "$ms" 1800 3500 "deaf: default TERM, then KILL at stop_grace_time"
ok "gone '$pid'" "deaf: the process is gone"

timed_stop polite
is "$rc" 0 "polite: stop exits 0"
between "$ms" 0 1500 "polite: escalation ends as soon as TERM suffices"
ok "gone '$pid'" "polite: the process is gone"

timed_stop custom
is "$rc" 0 "custom: stop exits 0"
between "$ms" 0 2500 "custom: the stop_command stops it, no grace wait"
ok "gone '$pid'" "custom: the process is gone"
is "$(pidfile_pid "$T/out/stopcmd.pid")" "$pid" \
    "custom: the stop_command ran with {{PID}} replaced"
