#!/bin/sh
# chk-exec.sh: the exec condition (exit 0 keeps the process, exit 1
# restarts it, a command that outlives its timeout counts as a failure and
# is killed), fires as a list (["unmonitor"] leaves the process running,
# unwatched), and the window of times: [3, 5] fires on alternating
# failures that times = 3 (three in a row) never sees.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 16

SLOW="sleep 41.$$"
O=$T/out
# Fails on odd calls (1st, 3rd, ...), passes on even ones; $1 = counter.
# (No double quotes: it goes into a libconfig string as is.)
ALT='n=$(cat $1 2>/dev/null || echo 0); echo $((n + 1)) >$1; [ $((n % 2)) -eq 1 ]'

write_conf ex <<EOF
log_file = "$T/app.log";
processes = (
  { name = "pass"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; command = "true"; every = "300ms"; } ); },
  { name = "builtin"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; command = "exit 0"; every = "300ms"; } ); },
  { name = "fail"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; command = [ "/bin/sh", "-c", "exit 1" ];
                 every = "500ms"; } ); },
  { name = "slow"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; command = "$SLOW"; timeout = "1s";
                 every = "500ms"; } ); },
  { name = "unmon"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; command = [ "/bin/sh", "-c", "exit 3" ]; every = "500ms";
                 fires = [ "unmonitor" ]; } ); },
  { name = "window"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; every = "300ms"; times = [3, 5];
                 command = [ "/bin/sh", "-c", "$ALT", "sh", "$O/window" ]; } ); },
  { name = "inarow"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; every = "300ms"; times = 3;
                 command = [ "/bin/sh", "-c", "$ALT", "sh", "$O/inarow" ]; } ); }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in pass builtin fail slow unmon window inarow; do
	wait_for "$p up" 10 up_with_new_pid ex "$p" || bail_out "$p not up"
	eval "pid_$p=\$(proc_pid ex $p)"
done
t0=$(now_ms)

# Prints the elapsed ms since $1.
since() {
	echo $(($(now_ms) - $1))
}

# Prints a counter file's value (0 when missing).
counter() {
	c=$(cat "$1" 2>/dev/null)
	echo "${c:-0}"
}

# Prints the live pids running exactly the command line $1.
pids_running() {
	for p in $(pgrep -fx "$1"); do
		alive "$p" && echo "$p"
	done
}

# Tells whether a process runs exactly the command line $1.
running_cmd() {
	[ -n "$(pids_running "$1")" ]
}

# exec exit 1: restarted after its first sample.
wait_for "fail restarted" 8 up_with_new_pid ex fail "$pid_fail"
ok "gone $pid_fail" "exec exit 1: the process is restarted"
ok "grep -q 'ex:fail: exec: \[1\*\]' '$T/app.log'" \
    "exec exit 1: the sample is logged as [1*]"

# The slow command: seen running, then killed at its timeout.
wait_for "the slow command running" 5 running_cmd "$SLOW"
ok $? "exec timeout: the check command runs"
slow_cmd=$(pids_running "$SLOW" | head -n 1)
wait_for "slow restarted" 8 up_with_new_pid ex slow "$pid_slow"
ok "gone $pid_slow" "exec timeout: a command past its timeout fails"
ok "grep -q 'ex:slow: exec: \[timeout\*\]' '$T/app.log'" \
    "exec timeout: the sample is logged as [timeout*]"
wait_for "the timed-out command $slow_cmd killed" 3 gone "$slow_cmd"
ok $? "exec timeout: the timed-out command is killed"

# fires = ["unmonitor"]: unwatched, still running.
wait_for "unmon unmonitored" 8 state_is ex unmon unmonitored
is "$(proc_state ex unmon)" unmonitored \
    "fires [unmonitor]: the process is unmonitored"
ok "alive $pid_unmon" "fires [unmonitor]: and keeps running (same pid)"
ok "grep -q 'ex:unmon: exec: \[3\*\]' '$T/app.log'" \
    "fires [unmonitor]: exit status 3 is the logged value"

# [3, 5]: F P F P F -> fires on the fifth sample, with that window logged.
wait_for "window restarted" 10 up_with_new_pid ex window "$pid_window"
ok "gone $pid_window" "times [3, 5]: alternating failures fire"
ok "grep -q 'ex:window: exec: \[1\*, 0, 1\*, 0, 1\*\]' '$T/app.log'" \
    "times [3, 5]: fired on the fifth sample, logged [1*, 0, 1*, 0, 1*]"
is "$(grep -c 'ex:window: exec fired' "$T/app.log")" 1 \
    "times [3, 5]: fired once for five samples"

# times = 3 in a row: the same pattern never fires.  At least 10 samples.
wait_for "ten inarow samples" 10 sh -c "[ \$(cat '$O/inarow') -ge 10 ]"
diag "inarow: $(counter "$O/inarow") samples"
is "$(proc_pid ex inarow)" "$pid_inarow" \
    "times 3: alternating failures never make three in a row"
ok "! grep -q 'ex:inarow: exec fired' '$T/app.log'" \
    "times 3: nothing fired"

# exec "true" and "exit 0" have been passing all along.
diag "pass stayed for $(since "$t0") ms"
is "$(proc_pid ex pass)" "$pid_pass" "exec true: the process keeps its pid"
# A string runs through /bin/sh -c: a shell builtin is a command too.
is "$(proc_pid ex builtin)" "$pid_builtin" \
    "exec \"exit 0\" (a shell builtin): the process keeps its pid"
