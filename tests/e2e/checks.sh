#!/bin/sh
# checks.sh: the /proc and file conditions end to end: mem_usage restarts
# a leaking process and logs its samples; cpu_usage catches a process that
# starts spinning but not one whose CPU was spent long ago (the use since
# the previous sample counts, not the lifetime average); file_time
# restarts a process whose heartbeat stops; running_time restarts after
# the duration.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 13

# The early spinner burns CPU inside its start grace (bash arithmetic, no
# forks, so the time is its own), then execs an idle program in place.
SPIN_THEN_IDLE="end=\$((SECONDS + 4)); while [ \$SECONDS -lt \$end ]; do :; done; exec $BPTEST sleep"

write_conf alpha <<EOF
log_file = "$T/app.log";
processes = (
  { name = "leaker"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "leak", "20", "400" ];
    checks = ( { type = "mem_usage"; below = "40MB"; every = "500ms";
                 times = 2; } ); },
  { name = "spinner"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "spin-after", "3" ];
    checks = ( { type = "cpu_usage"; below = 30; every = "1s";
                 times = [2, 3]; } ); },
  { name = "rested"; daemonize = true; start_grace_time = "5s";
    start_command = [ "/bin/bash", "-c", "$SPIN_THEN_IDLE" ];
    checks = ( { type = "cpu_usage"; below = 10; every = "1s";
                 times = [2, 3]; } ); },
  { name = "beat"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "heartbeat", "$T/out/beat", "200", "3" ];
    checks = ( { type = "file_time"; filename = "$T/out/beat";
                 below = "1500ms"; every = "500ms"; } ); },
  { name = "aging"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "sleep" ];
    checks = ( { type = "running_time"; below = "4s"; every = "250ms"; } ); }
);
EOF
start_daemon || bail_out "bluepilld did not start"
t0=$(now_ms)
for p in leaker spinner rested beat aging; do
	wait_for "$p up" 10 up_with_new_pid alpha "$p" ||
	    bail_out "$p did not come up"
done
leaker=$(proc_pid alpha leaker)
spinner=$(proc_pid alpha spinner)
rested=$(proc_pid alpha rested)
beat=$(proc_pid alpha beat)
aging=$(proc_pid alpha aging)
aging_t0=$(now_ms)

# Prints the elapsed ms since $1.
since() {
	echo $(($(now_ms) - $1))
}

# running_time first: it is the one with the tightest timing.
wait_for "aging restarted" 10 up_with_new_pid alpha aging "$aging"
el=$(since "$aging_t0")
diag "aging: $aging -> $(proc_pid alpha aging) after $el ms"
ok "gone $aging" "running_time: the old pid is gone"
between "$el" 3500 7000 "running_time: restarted after the duration (4 s)"

# 20 MB/s against 40MB: fired within a few seconds of the grace.
wait_for "leaker restarted" 10 up_with_new_pid alpha leaker "$leaker"
ok "gone $leaker && alive '$(proc_pid alpha leaker)'" \
    "mem_usage: a leaking process is restarted with a new pid"
line=$(grep -E 'leaker: mem_usage: \[[0-9]+MB\*, [0-9]+MB\*\]$' "$T/app.log" |
    head -n 1)
like "$line" 'mem_usage: \[[0-9]+MB\*, [0-9]+MB\*\]' \
    "mem_usage: the log shows the failed samples as [..MB*, ..MB*]"
vals=$(printf '%s\n' "$line" | sed -n 's/.*mem_usage: \[\(.*\)\]$/\1/p' |
    tr ',' '\n' | grep -F '*' | tr -cd '0-9\n')
low=$(printf '%s\n' "$vals" | sort -n | head -n 1)
between "${low:-0}" 40 400 "mem_usage: every starred sample is >= below"
ok "grep -q 'leaker.*mem_usage fired restart' '$T/app.log'" \
    "mem_usage: the log says what fired"

# file_time: touched for 3 s, stale 1.5 s later.
wait_for "beat restarted" 12 up_with_new_pid alpha beat "$beat"
el=$(since "$t0")
diag "beat: $beat -> $(proc_pid alpha beat) after $el ms"
ok "gone $beat" "file_time: a stale heartbeat restarts the process"
ok "grep -q 'beat.*file_time: \[.*\*\]' '$T/app.log'" \
    "file_time: the failed sample is logged"

# cpu_usage: idle 3 s, then spinning; [2, 3] of 1 s samples.
wait_for "spinner restarted" 15 up_with_new_pid alpha spinner "$spinner"
el=$(since "$t0")
diag "spinner: $spinner -> $(proc_pid alpha spinner) after $el ms"
ok "gone $spinner" "cpu_usage: a process that starts spinning is restarted"
# The sample line logged as it fired: two of (at most) three starred, the
# newest among them.
line=$(grep -B1 'spinner: cpu_usage fired' "$T/app.log" | head -n 1)
stars=$(printf '%s' "$line" | tr -cd '*' | wc -c)
like "$stars:$line" '^2:.*cpu_usage: \[([0-9.]+%\*?, ){1,2}[0-9.]+%\*\]$' \
    "cpu_usage: fired on 2 failed samples of 3, logged as such"

# rested spent up to 4 s of CPU in its first 5 s: its lifetime average
# stays above 10% for several samples after the grace, its recent use
# is nil.  Watch it until it is 10 s old.
age_ms() {
	awk -v st="$(starttime_of "$1")" -v hz="$(getconf CLK_TCK)" \
	    '{ printf "%d", ($1 - st / hz) * 1000 }' /proc/uptime
}
cpu_ms() {
	bp_l=$(cat "/proc/$1/stat") || return 1
	bp_l=${bp_l##*) }
	set -- $bp_l
	echo $(((${12} + ${13}) * 1000 / $(getconf CLK_TCK)))
}
a=$(age_ms "$rested")
[ "$a" -lt 10000 ] && sleep "$(awk -v a="$a" 'BEGIN { print (10000 - a) / 1000 }')"
is "$(proc_pid alpha rested)" "$rested" \
    "cpu_usage: a process idle since its grace is not restarted"
c=$(cpu_ms "$rested")
a=$(age_ms "$rested")
diag "rested: ${c} ms of CPU in ${a} ms of life"
# The test only means something if the lifetime average is still above
# the threshold when the first samples were taken (age 6-7 s).
ok "[ $((c * 100 / 7000)) -ge 10 ]" \
    "cpu_usage: (its lifetime average at 7 s was >= 10%)"
ok "! grep -q 'rested.*fired' '$T/app.log'" \
    "cpu_usage: nothing fired for the idle process"
