#!/bin/sh
# chk-http.sh: the http condition against a local bptest http server whose
# answer a control file chooses: 200 keeps the process, 500 restarts it
# after `times` failures, and a server that accepts but never answers is
# restarted through the timeout -- and while that probe hangs, the worker
# still notices at once that another process of the app was killed.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 11

PORT=18110
CTL_FILE=$T/out/mode
echo ok >"$CTL_FILE"

write_conf web <<EOF
log_file = "$T/app.log";
processes = (
  { name = "server"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "http", "$PORT", "ok", "$CTL_FILE" ];
    checks = ( { type = "http"; url = "http://127.0.0.1:$PORT/";
                 every = "500ms"; timeout = "2s"; times = 2; } ); },
  { name = "other"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "server up" 10 up_with_new_pid web server ||
    bail_out "server did not come up"
wait_for "other up" 10 up_with_new_pid web other
server=$(proc_pid web server)

# Prints the elapsed ms since $1.
since() {
	echo $(($(now_ms) - $1))
}

# Counts the log lines about the server's http samples (info only when
# failed, so any line means a failure was seen).
http_lines() {
	n=$(grep -c 'server: http: \[' "$T/app.log" 2>/dev/null)
	echo "${n:-0}"
}

# 200: six probes or more pass, nothing changes.
sleep 3.5
is "$(proc_pid web server)" "$server" "200: the server keeps its pid"
is "$(http_lines)" 0 "200: no failed http sample is logged"

# 500: two failures in a row restart it.
t0=$(now_ms)
echo error >"$CTL_FILE"
wait_for "server restarted after 500" 10 up_with_new_pid web server "$server"
el=$(since "$t0")
echo ok >"$CTL_FILE"
new=$(proc_pid web server)
diag "500: server $server -> $new after $el ms"
ok "gone $server && alive '$new'" "500: the server is restarted (new pid)"
between "$el" 500 6000 "500: restarted after two failed probes"
ok "grep -Eq 'server: http: \[(200, )*500\*, 500\*\]' '$T/app.log'" \
    "500: the log shows [.., 500*, 500*]"
server=$new

# Past the new server's grace, probes pass again.
sleep 2
is "$(proc_pid web server)" "$server" "200 again: the new server stays"

# hang: accepted, never answered; a probe times out after 2 s.
t0=$(now_ms)
echo hang >"$CTL_FILE"
# Let a probe get stuck (they start every 500 ms), then kill another
# process of the app: its exit must not wait for the probe.
sleep 1
other=$(proc_pid web other)
t1=$(now_ms)
kill -KILL "$other"
wait_for "other restarted during the hang" 3 \
    up_with_new_pid web other "$other"
el=$(since "$t1")
diag "other $other -> $(proc_pid web other) in $el ms, while http hangs"
between "$el" 0 500 "a SIGKILL during a hanging probe is noticed at once"
is "$(proc_pid web server)" "$server" \
    "the hanging server is not restarted before the timeout"
wait_for "server restarted after hang" 12 \
    up_with_new_pid web server "$server"
el=$(since "$t0")
echo ok >"$CTL_FILE"
diag "hang: server $server -> $(proc_pid web server) after $el ms"
ok "gone $server" "hang: the server is restarted through the timeout"
between "$el" 3500 9000 "hang: after two timeouts of 2 s"
ok "grep -Eq 'server: http: \[.*timeout\*, timeout\*\]' '$T/app.log'" \
    "hang: the log shows [.., timeout*, timeout*]"
