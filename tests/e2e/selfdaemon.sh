#!/bin/sh
# selfdaemon.sh: a program that daemonizes itself and writes its own pid
# file is supervised under the daemon's pid, not the launcher's, and is
# started again when it dies.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 10

pidf=$T/out/d.pid
write_conf eta <<EOF
log_file = "$T/app.log";
processes = (
  { name = "d"; daemonize = false; pid_file = "$pidf";
    stdout = "$T/out/d.out";
    start_command = [ "$BPTEST", "daemon", "$pidf", "--delay", "300" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "d up" 10 up_with_new_pid eta d
pid=$(proc_pid eta d)
launcher=$(sed -n 's/^bptest daemon: started pid //p' "$T/out/d.out" | tail -n 1)
child=$(sed -n 's/^bptest daemon-child: started pid //p' "$T/out/d.out" |
    tail -n 1)
diag "launcher $launcher, daemon $child, status $pid"
is "$pid" "$child" "status shows the daemon's pid"
isnt "$pid" "$launcher" "not the launcher's"
ok "gone '$launcher'" "the launcher has exited"
is "$(pidfile_pid "$pidf")" "$pid" "the program's own pid file names it"
ok "alive '$pid'" "the daemon runs"

# SIGKILL leaves a stale pid file behind: it must not be taken for the new
# process.
kill -KILL "$pid"
wait_for "d restarted after KILL" 10 up_with_new_pid eta d "$pid"
new=$(proc_pid eta d)
diag "after KILL: $pid -> $new"
ok "alive '$new' && [ '$new' != '$pid' ]" "killed: started again, new pid up"
is "$(pidfile_pid "$pidf")" "$new" "the pid file names the new daemon"

# TERM: the daemon removes its pid file as it exits.
kill -TERM "$new"
wait_for "d restarted after TERM" 10 up_with_new_pid eta d "$new"
third=$(proc_pid eta d)
diag "after TERM: $new -> $third"
ok "alive '$third' && [ '$third' != '$new' ]" \
    "terminated: started again, new pid up"
ok "gone '$new'" "the terminated daemon is gone"
is "$(pidfile_pid "$pidf")" "$third" "the pid file names the third daemon"
