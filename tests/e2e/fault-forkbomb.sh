#!/bin/sh
# fault-forkbomb.sh: a process that forks endlessly is contained to its
# app's max_processes (a pids cgroup, or RLIMIT_NPROC where no cgroup can
# be made), another application is not disturbed (its processes keep their
# pids, its bluepillctl answers, its restarts still fork), and the bombing
# app can be stopped with nothing of the bomb left behind.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 17

# More than the 256 descendants monitor_children watches (MAX_KIDS), so the
# stop must rely on the session scan, done again until the session is empty.
MAX=300
write_conf calm <<EOF2
log_file = "$T/calm.log";
uid = "daemon";
processes = (
  { name = "c1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "c2"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "c3"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF2
write_conf bomb <<EOF2
log_file = "$T/bomb.log";
uid = "nobody";
max_processes = $MAX;
processes = (
  { name = "b"; daemonize = true; auto_start = false; stop_grace_time = "5s";
    start_command = [ "$BPTEST", "fork-bomb", "0" ];
    monitor_children = { stop_command = "kill -TERM {{PID}}"; }; }
);
EOF2
start_daemon || bail_out "bluepilld did not start"
for p in c1 c2 c3; do
	wait_for "calm:$p up" 10 up_with_new_pid calm "$p"
done
calm_pids=$(for p in c1 c2 c3; do proc_pid calm "$p"; done | tr '\n' ' ')
diag "calm: $calm_pids"
how=$(grep -o "at most $MAX processes[^)]*)" "$T/bluepilld.log" | head -n 1)
isnt "$how" "" "the master says how it contains the bomb app"
diag "containment: $how"

# Counts the bomb's processes: this test's bptest running as nobody.
count_bomb() {
	count_uid_procs 65534 "$BPTEST"
}
# What fills up: the app's cgroup, or (where no cgroup can be made, as in
# a container) nobody's RLIMIT_NPROC, which other tests' processes of
# nobody share, so the bomb itself may stop short of MAX there.
case $how in
*RLIMIT_NPROC*)
	count_full() { count_uid_procs 65534; }
	low=1
	;;
*)
	count_full() { count_bomb; }
	low=$((MAX - 10))
	;;
esac

t0=$(now_ms)
ctl -a bomb start >/dev/null 2>&1
is "$?" 0 "the bomb app starts"
bombpid=$(proc_pid bomb b)
# bomb_full: the bomb has hit its limit (a few slots may be in flux).
bomb_full() {
	[ "$(count_full)" -ge $((MAX - 10)) ]
}
wait_for "the bomb to reach $MAX processes" 30 bomb_full
diag "the bomb (main pid $bombpid) is full after $(($(now_ms) - t0)) ms"
# Sampled while the bomb keeps trying to fork: never above the limit.
most=$(max_of 5 count_bomb)
diag "the bomb: at most $most processes in 5 samples"
between "$most" "$low" "$MAX" "the bomb never exceeds max_processes"
ctl -a bomb status >/dev/null 2>&1
is "$?" 0 "the bomb app's own status answers while it is full"

# The other app while the bomb runs.
worst=0
fails=0
i=0
while [ "$i" -lt 5 ]; do
	t1=$(now_ms)
	ctl -a calm status >/dev/null 2>&1 || fails=$((fails + 1))
	ms=$(($(now_ms) - t1))
	[ "$ms" -le "$worst" ] || worst=$ms
	i=$((i + 1))
done
diag "calm status: worst $worst ms"
is "$fails" 0 "calm: status answers during the bomb"
between "$worst" 0 2000 "calm: each status within 2 s"
now=$(for p in c1 c2 c3; do proc_pid calm "$p"; done | tr '\n' ' ')
is "$now" "$calm_pids" "calm: its processes keep their pids"
old=$(proc_pid calm c1)
t1=$(now_ms)
ctl -a calm restart c1 >/dev/null 2>&1
rc=$?
diag "calm restart c1 during the bomb: exit $rc after $(($(now_ms) - t1)) ms"
is "$rc" 0 "calm: a restart (a fork by the master) works during the bomb"
ok "up_with_new_pid calm c1 '$old'" "calm: c1 is up with a new pid"

# The bomb app is stopped, every descendant with it.
t1=$(now_ms)
ctl -a bomb stop >/dev/null 2>&1
rc=$?
diag "bomb stop: exit $rc after $(($(now_ms) - t1)) ms"
is "$rc" 0 "the bomb app can be stopped"
ok "gone '$bombpid'" "the bomb's main process is gone"
bomb_gone() {
	[ "$(count_bomb)" -eq 0 ]
}
wait_for "the bomb's children to go" 15 bomb_gone
is "$(count_bomb)" 0 "no process of the bomb is left behind"
is "$(proc_state bomb b)" unmonitored "the bomb is unmonitored"

# Dropping max_processes lifts the limit of the cgroup, where the app's
# processes (adopted by the new worker) would otherwise stay limited.
cg=$(echo "$how" | sed -n 's/.*(cgroup \(.*\))$/\1/p')
sed -i '/^max_processes/d' "$T/conf.d/bomb.conf"
ctl -a bomb reload >/dev/null 2>&1
is "$?" 0 "reload without max_processes"
if [ -n "$cg" ]; then
	is "$(cat "$cg/pids.max" 2>/dev/null)" max \
	    "the app's cgroup has no limit any more"
else
	skip 1 "no cgroup here (RLIMIT_NPROC ends with the processes)"
fi
wait_for "bomb's new worker" 10 eval '[ -n "$(worker_pid bomb)" ]'

ok "alive $BP_MASTER && [ -n \"\$(worker_pid calm)\" ] && [ -n \"\$(worker_pid bomb)\" ]" \
    "the master and both workers are alive"
lost=0
for p in c1 c2 c3; do
	state_is calm "$p" up || lost=$((lost + 1))
done
for q in $(proc_pid calm c2) $(proc_pid calm c3); do
	case " $calm_pids " in *" $q "*) ;; *) lost=$((lost + 1)) ;; esac
done
is "$lost" 0 "calm: every process up, c2 and c3 with their first pids"
if [ "$BP_NFAIL" -ne 0 ]; then
	r=FAIL
else
	r="pass (endless bomb held at $most of max_processes $MAX: $how)"
fi
diag "fault: fork bomb in another app: $r: processes lost: $lost"
