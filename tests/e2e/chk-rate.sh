#!/bin/sh
# chk-rate.sh: a check runs every `every`, not every other time: with all
# checks of the app at the same period (so the worker's tick has that
# period too), count the samples over ten seconds, for an exec check (its
# command counts its own runs) and for mem_usage (every sample is in the
# debug log).
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 4

O=$T/out
write_conf rate <<EOF
log_file = "$T/app.log";
processes = (
  { name = "counted"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "exec"; every = "1s";
                 command = [ "/bin/sh", "-c", "echo x >>$O/runs" ]; } ); },
  { name = "sampled"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "mem_usage"; below = "1GB"; every = "1s"; } ); }
);
EOF
start_daemon -v || bail_out "bluepilld did not start"
wait_for "counted up" 10 up_with_new_pid rate counted
wait_for "sampled up" 10 up_with_new_pid rate sampled
pid_c=$(proc_pid rate counted)
pid_s=$(proc_pid rate sampled)
wait_for "the first exec run" 5 test -s "$O/runs"

# Prints the number of lines of file $1 matching $2.
nlines() {
	n=$(grep -c -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

r0=$(nlines "$O/runs" x)
s0=$(nlines "$T/app.log" 'rate:sampled: mem_usage: \[')
t0=$(now_ms)
sleep 10
r1=$(nlines "$O/runs" x)
s1=$(nlines "$T/app.log" 'rate:sampled: mem_usage: \[')
el=$(($(now_ms) - t0))
diag "in $el ms: $((r1 - r0)) exec runs, $((s1 - s0)) mem_usage samples"
# One a second, give or take the ends of the window.
between $((r1 - r0)) 9 11 "exec every 1s: 9 to 11 runs in 10 s"
between $((s1 - s0)) 9 11 "mem_usage every 1s: 9 to 11 samples in 10 s"
is "$(proc_pid rate counted)" "$pid_c" "the counted process stayed up"
is "$(proc_pid rate sampled)" "$pid_s" "the sampled process stayed up"
