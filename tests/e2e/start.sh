#!/bin/sh
# start.sh: an app's processes come up with live pids, the default pid files
# hold those pids, and bluepillctl status prints the exact Ruby format.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 14

write_conf alpha <<EOF
log_file = "$T/app.log";
processes = (
  { name = "one"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "two"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "solo"; daemonize = true;
    start_command = "$BPTEST sleep"; }
);
EOF
start_daemon || bail_out "bluepilld did not start"

for p in web:one web:two solo; do
	wait_for "$p up" 10 up_with_new_pid alpha "$p"
done
p1=$(proc_pid alpha web:one)
p2=$(proc_pid alpha web:two)
p3=$(proc_pid alpha solo)
diag "pids: one=$p1 two=$p2 solo=$p3"

ok "alive '$p1' && alive '$p2' && alive '$p3'" "all three processes run"
ok "[ '$p1' != '$p2' ] && [ '$p2' != '$p3' ] && [ '$p1' != '$p3' ]" \
    "each process has its own pid"
is "$(readlink "/proc/$p1/exe")" "$BPTEST" "web:one's pid is bptest itself"
is "$(readlink "/proc/$p3/exe")" "$BPTEST" \
    "a shell-string command's pid is the program's own, not a shell's"
is "$(pidfile_pid "$T/run/pids/alpha/web_one.pid")" "$p1" \
    "default pid file pids/alpha/web_one.pid holds web:one's pid"
is "$(pidfile_pid "$T/run/pids/alpha/web_two.pid")" "$p2" \
    "default pid file pids/alpha/web_two.pid holds web:two's pid"
is "$(pidfile_pid "$T/run/pids/alpha/solo.pid")" "$p3" \
    "default pid file pids/alpha/solo.pid holds solo's pid"

expected=$(printf 'web:\n  one(pid:%s): up\n  two(pid:%s): up\n\nsolo(pid:%s): up\n\nexit=0' \
    "$p1" "$p2" "$p3")
got=$(ctl status 2>&1; echo "exit=$?")
is "$got" "$expected" "status without -a (single app) prints the exact format"
got=$(ctl -a alpha status 2>&1; echo "exit=$?")
is "$got" "$expected" "status -a alpha prints the same"
got=$(ctl -a alpha status web 2>&1; echo "exit=$?")
like "$got" "^web:$" "status web shows the group header"
ok "! printf '%s\n' \"\$got\" | grep -q solo" "status web leaves out other groups"

is "$(ctl apps 2>&1)" "alpha" "apps lists the one application"
ctl -a nosuch status >/dev/null 2>&1
is "$?" 2 "status of an unknown application exits 2"

ok "alive '$p1' && alive '$p2' && alive '$p3'" "the processes still run"
