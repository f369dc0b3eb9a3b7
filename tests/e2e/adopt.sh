#!/bin/sh
# adopt.sh: managed processes outlive their worker and their master; a new
# worker and a new master adopt the same pids up, without starting them
# again, and still notice when they die.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 18

pidf=$T/out/d.pid
write_conf zeta <<EOF
log_file = "$T/app.log";
processes = (
  { name = "p1"; daemonize = true; stdout = "$T/out/p1.out";
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "d"; daemonize = false; pid_file = "$pidf";
    stdout = "$T/out/d.out";
    start_command = [ "$BPTEST", "daemon", "$pidf" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "p1 up" 10 up_with_new_pid zeta p1
wait_for "d up" 10 up_with_new_pid zeta d
p1=$(proc_pid zeta p1)
d=$(proc_pid zeta d)
# Counts the starts of p1 and of d (their stdout lines).
nstarts() {
	cat "$T/out/p1.out" "$T/out/d.out" 2>/dev/null | grep -c 'started pid'
}
n0=$(nstarts)
diag "p1=$p1 d=$d starts=$n0"

# The worker dies.
w=$(worker_pid zeta)
ok "alive '$w'" "the worker is found"
kill -KILL "$w"
# Tells whether a live worker other than $w serves zeta.
new_worker() {
	nw=$(worker_pid zeta) && [ -n "$nw" ] && [ "$nw" != "$w" ] &&
	    alive "$nw"
}
wait_for "a new worker" 10 new_worker
ok "new_worker" "a new worker replaces the killed one"
wait_for "status answers" 10 state_is zeta p1 up
ok "alive '$p1' && alive '$d'" "worker killed: the processes keep running"
is "$(proc_pid zeta p1) $(proc_state zeta p1)" "$p1 up" \
    "the new worker shows p1 up with the same pid"
is "$(proc_pid zeta d) $(proc_state zeta d)" "$d up" \
    "the new worker shows d up with the same pid"
is "$(nstarts)" "$n0" "nothing was started again"

# The master stops with TERM.
workers=$(worker_pids)
stop_daemon
is "$?" 0 "bluepilld exits on TERM"
ok "alive '$p1' && alive '$d'" "master stopped: the processes keep running"
# Tells whether every worker of the stopped master has exited.
workers_gone() {
	for x in $workers; do
		alive "$x" && return 1
	done
	return 0
}
wait_for "the old workers to exit" 5 workers_gone
left=
for x in $workers; do
	alive "$x" && left="$left $x"
done
is "$left" "" "no worker is left behind"

# A new master adopts them.
start_daemon || bail_out "bluepilld did not start again"
wait_for "p1 up again" 10 state_is zeta p1 up
wait_for "d up again" 10 state_is zeta d up
is "$(proc_pid zeta p1) $(proc_state zeta p1)" "$p1 up" \
    "a new master adopts p1 up, same pid"
is "$(proc_pid zeta d) $(proc_state zeta d)" "$d up" \
    "a new master adopts d up, same pid"
is "$(nstarts)" "$n0" "nothing was started again"
ok "alive '$p1' && alive '$d'" "the processes run"

# Adopted processes are still watched: deaths are noticed at once.
t0=$(now_ms)
kill -KILL "$p1"
wait_for "adopted p1 restarted" 10 up_with_new_pid zeta p1 "$p1"
ms=$(($(now_ms) - t0))
diag "adopted p1 killed: restarted after $ms ms"
ok "up_with_new_pid zeta p1 '$p1'" "an adopted process that dies is started again"
between "$ms" 0 1500 "and its death is noticed at once"
kill -TERM "$d"
wait_for "adopted d restarted" 10 up_with_new_pid zeta d "$d"
ok "up_with_new_pid zeta d '$d'" "an adopted self-daemonized process is started again"

# quit: the worker leaves, the processes stay.
p1=$(proc_pid zeta p1)
ctl quit >/dev/null 2>&1
is "$?" 0 "quit exits 0"
ok "alive '$p1'" "after quit the process keeps running"
