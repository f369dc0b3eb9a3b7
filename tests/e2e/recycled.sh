#!/bin/sh
# recycled.sh: a stale pid file that names an unrelated live process is
# never adopted and that process is never signalled; the app starts its own.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 14

# Helpers this test starts: a sleep as user daemon, a sleep as root, and a
# bptest identical to what the app itself runs.
setpriv --reuid=daemon --regid=daemon --clear-groups sleep 600 &
h1=$!
sleep 600 &
h2=$!
"$BPTEST" sleep >/dev/null 2>&1 &
h3=$!
for h in $h1 $h2 $h3; do
	wait_for "helper $h to run" 5 alive "$h"
	track_pid "$h"
done
# setpriv execs sleep: wait until the pid runs sleep itself.
wait_for "helper $h1 to exec sleep" 5 eval \
    "[ \"\$(readlink /proc/$h1/exe)\" = \"\$(readlink -f \"\$(command -v sleep)\")\" ]"
diag "helpers: daemon's sleep $h1, root's sleep $h2, bptest $h3"

mkdir -p "$T/run/pids/iota"
echo "$h1" >"$T/out/self.pid"
echo "$h2" >"$T/run/pids/iota/byus.pid"
echo "$h3" >"$T/run/pids/iota/twin.pid"
write_conf iota <<EOF
log_file = "$T/app.log";
processes = (
  { name = "self"; daemonize = false; pid_file = "$T/out/self.pid";
    start_command = [ "$BPTEST", "daemon", "$T/out/self.pid" ]; },
  { name = "byus"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "twin"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "self up, not as $h1" 10 up_with_new_pid iota self "$h1"
wait_for "byus up, not as $h2" 10 up_with_new_pid iota byus "$h2"
wait_for "twin up, not as $h3" 10 up_with_new_pid iota twin "$h3"

s=$(proc_pid iota self)
b=$(proc_pid iota byus)
w=$(proc_pid iota twin)
diag "app's pids: self $s, byus $b, twin $w"
ok "up_with_new_pid iota self '$h1'" "self-daemonizing: its own process, up"
ok "up_with_new_pid iota byus '$h2'" "daemonized by bluepill: its own process, up"
ok "up_with_new_pid iota twin '$h3'" "same command line: still its own process"
is "$(pidfile_pid "$T/out/self.pid")" "$s" "self's pid file now names its own"
is "$(pidfile_pid "$T/run/pids/iota/byus.pid")" "$b" \
    "byus's pid file now names its own"
is "$(pidfile_pid "$T/run/pids/iota/twin.pid")" "$w" \
    "twin's pid file now names its own"

# Stops and restarts must reach only the app's processes.
ctl stop >/dev/null 2>&1
is "$?" 0 "stop everything exits 0"
ok "gone '$s' && gone '$b' && gone '$w'" "the app's processes are gone"
ctl start >/dev/null 2>&1
is "$?" 0 "start everything exits 0"

helper_ok() {
	alive "$1" && [ "$(bp_stat_field "$1" 3)" != T ] &&
	    [ "$(status_field "$1" SigPnd)" = 0000000000000000 ] &&
	    [ "$(status_field "$1" ShdPnd)" = 0000000000000000 ]
}
ok "helper_ok $h1" "the daemon user's sleep was never signalled"
ok "helper_ok $h2" "root's sleep was never signalled"
ok "helper_ok $h3" "the look-alike bptest was never signalled"

# A new master with the now-valid pid files adopts its own, not the helpers.
s=$(proc_pid iota self)
stop_daemon
start_daemon || bail_out "bluepilld did not start again"
wait_for "self adopted" 10 state_is iota self up
is "$(proc_pid iota self)" "$s" "a restarted master adopts the app's own process"
ok "helper_ok $h1 && helper_ok $h2 && helper_ok $h3" \
    "the helpers are still untouched"
