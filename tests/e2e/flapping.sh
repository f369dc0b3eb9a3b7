#!/bin/sh
# flapping.sh: the flapping trigger on processes that exit at once: after
# `times` starts within `within` the next start is refused and the process
# is unmonitored; a start is retried after retry_in (never with 0); a user
# stop or unmonitor during the wait cancels the retry.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 12

O=$T/out
# One block per process: each exits at once, its starts counted in out/.
proc() {
	cat <<EOF
  { name = "$1"; daemonize = true; stdout = "$O/$1";
    start_command = [ "$BPTEST", "crash", "0" ];
    checks = ( { type = "flapping"; times = 3; within = "20s";
                 retry_in = "$2"; } ); }
EOF
}
{
	echo "log_file = \"$T/app.log\";"
	echo "processes = ("
	proc retry 3s
	echo ","
	proc never 0
	echo ","
	proc stopped 3s
	echo ","
	proc unmon 3s
	echo ");"
} | write_conf flap
start_daemon || bail_out "bluepilld did not start"

# Prints how many times process $1 has been started.
starts() {
	c=$(grep -c 'bptest crash: started' "$O/$1" 2>/dev/null)
	echo "${c:-0}"
}

# Prints the elapsed ms since $1.
since() {
	echo $(($(now_ms) - $1))
}

# Starts are at least 1 s apart: three take about 2 s, then the refusal.
# (A status taken before the auto start also says unmonitored.)
for p in retry never stopped unmon; do
	wait_for "$p started 3 times" 10 sh -c \
	    "[ \$(grep -c started '$O/$p') -ge 3 ]" &&
	    wait_for "$p unmonitored" 5 state_is flap "$p" unmonitored
done
t0=$(now_ms)
# User actions first: they must come before the retry is due (3 s).
ctl -a flap stop stopped >/dev/null 2>&1
rc_stop=$?
ctl -a flap unmonitor unmon >/dev/null 2>&1
rc_unmon=$?
diag "stop exit $rc_stop, unmonitor exit $rc_unmon, $(since "$t0") ms"

for p in retry never stopped unmon; do
	is "$(starts $p)" 3 "$p: three starts, then unmonitored"
done
ok "grep -q 'flap:retry: flapping: too many starts' '$T/app.log'" \
    "the refusal is logged"

# retry_in = 3s: a fourth start about 3 s after the refusal.
wait_for "retry started again" 8 sh -c "[ \$(grep -c started '$O/retry') -ge 4 ]"
el=$(since "$t0")
diag "retry: fourth start $el ms after it was seen unmonitored"
between "$el" 1500 6000 "retry_in 3s: a start is retried after about 3 s"
# The retry gets a fresh window: three more starts, unmonitored again.
wait_for "retry unmonitored again" 8 sh -c \
    "[ \$(grep -c started '$O/retry') -ge 6 ]" &&
    wait_for "retry unmonitored again" 5 state_is flap retry unmonitored
is "$(proc_state flap retry)/$(starts retry)" unmonitored/6 \
    "after the retry: three more starts and unmonitored again"

# Well past retry_in (3 s) for the others.
el=$(since "$t0")
[ "$el" -lt 7000 ] && sleep "$(awk -v e="$el" 'BEGIN { print (7000 - e) / 1000 }')"
is "$(proc_state flap never)/$(starts never)" unmonitored/3 \
    "retry_in 0: it stays unmonitored, never retried"
is "$rc_stop" 0 "bluepillctl stop on the flapping process succeeds"
is "$(proc_state flap stopped)/$(starts stopped)" unmonitored/3 \
    "a user stop cancels the retry"
is "$rc_unmon" 0 "bluepillctl unmonitor on the flapping process succeeds"
is "$(proc_state flap unmon)/$(starts unmon)" unmonitored/3 \
    "a user unmonitor cancels the retry"
