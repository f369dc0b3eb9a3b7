#!/bin/sh
# fault-forkbomb.sh: a process that forks a few hundred processes does not
# disturb another application: its processes keep running with their pids,
# its bluepillctl answers and its restarts still fork; the bombing app can
# be stopped and leaves nothing behind.
#
# bluepilld sets no RLIMIT_NPROC and no cgroup pids limit on an app, so an
# unbounded bomb is NOT contained (see doc/security.md); this test uses a
# bounded one (bptest fork-bomb) and asserts only what holds today.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 15

# known_defect STATUS DESC WHY: a test of a known defect: a pass is a plain
# ok, a failure a TODO (reported, not fatal) until the defect is fixed.
known_defect() {
	BP_NTEST=$((BP_NTEST + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $BP_NTEST - $2"
	else
		echo "not ok $BP_NTEST - $2 # TODO $3"
		defects="$defects $3;"
	fi
}
defects=

# More than the 256 descendants monitor_children watches (MAX_KIDS).
BOMB=300
write_conf calm <<EOF
log_file = "$T/calm.log";
uid = "daemon";
processes = (
  { name = "c1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "c2"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "c3"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
write_conf bomb <<EOF
log_file = "$T/bomb.log";
uid = "nobody";
processes = (
  { name = "b"; daemonize = true; auto_start = false; stop_grace_time = "5s";
    start_command = [ "$BPTEST", "fork-bomb", "$BOMB" ];
    monitor_children = { stop_command = "kill -TERM {{PID}}"; }; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in c1 c2 c3; do
	wait_for "calm:$p up" 10 up_with_new_pid calm "$p"
done
calm_pids=$(for p in c1 c2 c3; do proc_pid calm "$p"; done | tr '\n' ' ')
diag "calm: $calm_pids"

# Counts the bomb's processes: this test's bptest running as nobody.
count_bomb() {
	n=0
	for q in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$q/exe" 2>/dev/null)" = "$BPTEST" ] &&
		    [ "$(status_field "$q" Uid | awk '{ print $1 }')" = 65534 ] &&
		    alive "$q" && n=$((n + 1))
	done
	echo "$n"
}

t0=$(now_ms)
ctl -a bomb start >/dev/null 2>&1
is "$?" 0 "the bomb app starts"
bombpid=$(proc_pid bomb b)
# bomb_grown: the bomb has forked nearly all it will.
bomb_grown() {
	[ "$(count_bomb)" -ge $((BOMB - 5)) ]
}
wait_for "the bomb to grow to $BOMB" 30 bomb_grown
nb=$(count_bomb)
diag "the bomb (main pid $bombpid) has $nb processes after $(($(now_ms) - t0)) ms"
between "$nb" $((BOMB - 5)) "$BOMB" "the bomb forked its $BOMB processes"

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
n=0
for q in $calm_pids; do alive "$q" && n=$((n + 1)); done
is "$n" 3 "calm: its three processes run"
old=$(proc_pid calm c1)
t1=$(now_ms)
ctl -a calm restart c1 >/dev/null 2>&1
rc=$?
ms=$(($(now_ms) - t1))
diag "calm restart c1 during the bomb: exit $rc after $ms ms"
is "$rc" 0 "calm: a restart (a fork by the master) works during the bomb"
between "$ms" 0 5000 "calm: the restart takes less than 5 s"
ok "up_with_new_pid calm c1 '$old'" "calm: c1 is up with a new pid"

# The bomb app is stopped, children and all.
t1=$(now_ms)
ctl -a bomb stop >/dev/null 2>&1
rc=$?
ms=$(($(now_ms) - t1))
diag "bomb stop: exit $rc after $ms ms"
is "$rc" 0 "the bomb app can be stopped"
ok "gone '$bombpid'" "the bomb's main process is gone"
bomb_gone() {
	[ "$(count_bomb)" -eq 0 ]
}
wait_for "the bomb's children to go" 10 bomb_gone
left=$(count_bomb)
[ "$left" -eq 0 ]
known_defect $? "no process of the bomb is left behind ($left left)" \
    "monitor_children stops at most 256 orphans (MAX_KIDS)"
is "$(proc_state bomb b)" unmonitored "the bomb is unmonitored"

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
	r="pass (bounded bomb, not contained: no RLIMIT_NPROC/cgroup;${defects:+ TODO:$defects})"
fi
diag "fault: fork bomb in another app: $r: processes lost: $lost"
