#!/bin/sh
# actions.sh: start, stop, restart and unmonitor through bluepillctl, with
# every form of target, and stop/start back to back.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 37

write_conf gamma <<EOF
log_file = "$T/app.log";
processes = (
  { name = "a"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "b"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "c"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in web:a web:b c; do
	wait_for "$p up" 10 up_with_new_pid gamma "$p"
done

# stop
pa=$(proc_pid gamma web:a)
out=$(ctl stop web:a 2>&1)
is "$?" 0 "stop web:a exits 0"
like "$out" "a.*unmonitored" "stop prints the process's new state"
ok "gone '$pa'" "stop: the process is gone when stop returns"
is "$(proc_state gamma web:a)" unmonitored "stop: state unmonitored"
is "$(proc_pid gamma web:a)" 0 "stop: status shows no pid"

# start
ctl start web:a >/dev/null 2>&1
is "$?" 0 "start web:a exits 0"
is "$(proc_state gamma web:a)" up "start: state up"
pa=$(proc_pid gamma web:a)
ok "alive '$pa'" "start: the new pid is alive"

# restart
ctl restart web:a >/dev/null 2>&1
is "$?" 0 "restart web:a exits 0"
pa2=$(proc_pid gamma web:a)
ok "[ '$pa2' != '$pa' ] && alive '$pa2'" "restart: a new live pid"
ok "gone '$pa'" "restart: the old pid is gone"
is "$(proc_state gamma web:a)" up "restart: state up"

# unmonitor, then start adopts the running process
ctl unmonitor web:a >/dev/null 2>&1
is "$?" 0 "unmonitor web:a exits 0"
ok "alive '$pa2'" "unmonitor: the process keeps running"
is "$(proc_state gamma web:a)" unmonitored "unmonitor: state unmonitored"
ctl start web:a >/dev/null 2>&1
is "$?" 0 "start of a running unmonitored process exits 0"
is "$(proc_pid gamma web:a)" "$pa2" "start adopts it: same pid"
is "$(proc_state gamma web:a)" up "start adopts it: state up"

# restart of a stopped process ends up and monitored
ctl stop web:b >/dev/null 2>&1
ctl restart web:b >/dev/null 2>&1
is "$?" 0 "restart of a stopped process exits 0"
ok "up_with_new_pid gamma web:b" "restart of a stopped process: up"

# targets: a group, a bare name, group:name
pa=$(proc_pid gamma web:a)
pb=$(proc_pid gamma web:b)
pc=$(proc_pid gamma c)
ctl stop web >/dev/null 2>&1
is "$?" 0 "stop web (a group) exits 0"
ok "gone '$pa' && gone '$pb'" "stop web: both members are gone"
is "$(proc_state gamma web:a) $(proc_state gamma web:b)" \
    "unmonitored unmonitored" "stop web: both unmonitored"
ok "alive '$pc' && [ \"\$(proc_state gamma c)\" = up ]" \
    "stop web: the ungrouped process is untouched"
ctl start web >/dev/null 2>&1
is "$?" 0 "start web exits 0"
ok "up_with_new_pid gamma web:a && up_with_new_pid gamma web:b" \
    "start web: both up"
ctl restart b >/dev/null 2>&1
is "$?" 0 "restart b (a bare name in a group) exits 0"
pa=$(proc_pid gamma web:a)
ok "up_with_new_pid gamma web:b '$pb'" "restart b: b has a new pid"

ctl stop nosuch >/dev/null 2>&1
is "$?" 4 "an unknown target exits 4"
ctl stop web:c >/dev/null 2>&1
is "$?" 4 "group:name with the wrong group exits 4"
ctl stop nosuch:a >/dev/null 2>&1
is "$?" 4 "group:name with an unknown group exits 4"
ctl frobnicate >/dev/null 2>&1
is "$?" 1 "an unknown command exits 1"
ok "alive '$pa' && alive '$pc'" "failed commands touched nothing"

# stop then start, back to back
pc=$(proc_pid gamma c)
ctl stop c >/dev/null 2>&1
r1=$?
ctl start c >/dev/null 2>&1
r2=$?
is "$r1 $r2" "0 0" "stop c; start c: both exit 0"
ok "up_with_new_pid gamma c '$pc'" "stop c; start c: up with a new pid"
ok "gone '$pc'" "stop c; start c: the old pid is gone"
is "$(count_bptest)" 3 "exactly three supervised processes run"
