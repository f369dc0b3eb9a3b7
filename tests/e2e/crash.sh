#!/bin/sh
# crash.sh: a killed process is noticed at once and started again with a
# new pid; a process that crashes at once is started at most once a second.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 12

write_conf beta <<EOF
log_file = "$T/app.log";
processes = (
  { name = "victim"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "crasher"; daemonize = true;
    stdout = "$T/out/crasher.out";
    start_command = [ "$BPTEST", "crash", "0" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "victim up" 10 up_with_new_pid beta victim
old=$(proc_pid beta victim)
ok "alive '$old'" "victim is up with a live pid"

# Up for longer than a second: the restart must not wait for a poll.
sleep 1.1
t0=$(now_ms)
kill -KILL "$old"
wait_for "victim restarted" 5 up_with_new_pid beta victim "$old"
new=$(proc_pid beta victim)
elapsed=$(($(now_ms) - t0))
diag "victim $old -> $new in $elapsed ms"
ok "alive '$new' && [ '$new' != '$old' ]" "SIGKILL: a new pid appears, up"
between "$elapsed" 0 1500 "the exit is noticed at once (no poll delay)"
ok "gone '$old'" "the old pid is gone"
is "$(pidfile_pid "$T/run/pids/beta/victim.pid")" "$new" \
    "the pid file names the new pid"

# Kill it again and again, each time right after it came up.
n=0
for i in 1 2 3; do
	prev=$(proc_pid beta victim)
	kill -KILL "$prev" 2>/dev/null
	wait_for "victim restarted ($i)" 5 up_with_new_pid beta victim "$prev" &&
	    n=$((n + 1))
done
is "$n" 3 "three more kills, three more restarts"
is "$(proc_state beta victim)" up "victim ends up"
ok "alive '$(proc_pid beta victim)'" "and its pid is alive"

# crasher exits at once: count its starts through its stdout.
starts() {
	c=$(grep -c 'bptest crash: started' "$T/out/crasher.out" 2>/dev/null)
	echo "${c:-0}"
}
# Tells whether crasher has been started at least $1 times.
starts_reach() {
	[ "$(starts)" -ge "$1" ]
}
wait_for "crasher's first start" 5 starts_reach 1
c0=$(starts)
t0=$(now_ms)
# Four more starts need at least three gaps of one second between them.
wait_for "four more crasher starts" 10 starts_reach $((c0 + 4))
elapsed=$(($(now_ms) - t0))
c1=$(starts)
diag "crasher: $c0 -> $c1 starts in $elapsed ms"
ok "[ $c1 -ge $((c0 + 4)) ]" "a crashing process keeps being started"
between "$elapsed" 2900 10000 \
    "two starts of a crashing process are at least 1 s apart"
c0=$(starts)
sleep 3
c1=$(starts)
between $((c1 - c0)) 2 4 "over 3 s it is started 2 to 4 times"
ok "alive '$(proc_pid beta victim)'" "the other process is unaffected"
