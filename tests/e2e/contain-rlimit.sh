#!/bin/sh
# contain-rlimit.sh: where bluepilld cannot make a pids cgroup (here: it
# runs unprivileged), max_processes falls back to RLIMIT_NPROC on every
# process it starts: an endless fork bomb stops at the limit, the master
# says which containment applies, the app's other process still restarts,
# and stopping the bomb leaves nothing behind.
#
# The whole test runs as a uid of its own (no passwd entry, below the
# range bluepilld reserves for workers), because RLIMIT_NPROC counts every
# process of a uid and other tests run processes as nobody and daemon.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 7

U=60999
MAX=24
chown "$U" "$T/run"
write_conf solo <<EOF2
log_file = "$T/solo.log";
max_processes = $MAX;
processes = (
  { name = "c"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "b"; daemonize = true; auto_start = false;
    start_command = [ "$BPTEST", "fork-bomb", "0" ];
    monitor_children = { stop_command = "kill -TERM {{PID}}"; }; }
);
EOF2
touch "$T/solo.log"
chown "$U" "$T/solo.log"
BP_LAUNCH="setpriv --reuid=$U --regid=$U --clear-groups"
start_daemon || bail_out "bluepilld did not start as uid $U"
wait_for "c up" 10 up_with_new_pid solo c
like "$(cat "$T/bluepilld.log")" \
    "at most $MAX processes per uid \\(RLIMIT_NPROC" \
    "the master warns that max_processes is RLIMIT_NPROC here"

# Counts the live processes of uid U (the master and worker included).
count_uid() {
	count_uid_procs "$U"
}

ctl -a solo start b >/dev/null 2>&1
is "$?" 0 "the bomb starts"
bomb=$(proc_pid solo b)
uid_full() {
	[ "$(count_uid)" -ge $((MAX - 2)) ]
}
wait_for "the uid to reach its limit" 20 uid_full
most=$(max_of 5 count_uid)
diag "uid $U: at most $most processes in 5 samples (limit $MAX)"
between "$most" $((MAX - 2)) "$MAX" "the uid never exceeds max_processes"

old=$(proc_pid solo c)
ctl -a solo restart c >/dev/null 2>&1
is "$?" 0 "the app's other process restarts while the bomb is full"
ok "up_with_new_pid solo c '$old'" "c is up with a new pid"

ctl -a solo stop b >/dev/null 2>&1
is "$?" 0 "the bomb can be stopped"
# bomb_gone: nothing of the bomb's session is left.
bomb_gone() {
	for q in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(bp_stat_field "$q" 6 2>/dev/null)" = "$bomb" ] &&
		    alive "$q" && return 1
	done
	return 0
}
wait_for "the bomb's processes to go" 15 bomb_gone
ok bomb_gone "no process of the bomb is left behind"
