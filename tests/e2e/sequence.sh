#!/bin/sh
# sequence.sh: commands fired back to back run one after another in the
# order received (no race, the last one wins), and status, version and
# log answer at once while a long action runs.  Each command is launched
# as soon as the previous one has sent its request (seen from /proc), not
# after a guessed delay, so the order of arrival is known.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 27

write_conf shop <<EOF
log_file = "$T/shop.log";
processes = (
  { name = "x"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "slow"; daemonize = true; stop_grace_time = "5s";
    start_command = [ "$BPTEST", "ignore-term" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "x up" 10 up_with_new_pid shop x || bail_out "x did not come up"
wait_for "slow up" 10 up_with_new_pid shop slow ||
    bail_out "slow did not come up"

# Tells whether bluepillctl PID has sent its request and now waits for the
# reply (asleep, holding a socket: it sleeps nowhere else), or has ended.
sent_or_done() {
	alive "$1" || return 0
	[ "$(bp_stat_field "$1" 3)" = S ] &&
	    ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'socket:'
}

# fire PREFIX N FIRST: launches N alternating commands on x, FIRST (stop or
# start) first, each in the background once the previous one has sent its
# request, so they arrive in launch order; then waits for all of them.
# Command I leaves its output in $T/PREFIX.I.out and its exit code in
# $T/PREFIX.I.rc.
fire() {
	local i cmd pids p
	i=1
	cmd=$3
	pids=
	while [ "$i" -le "$2" ]; do
		"$BLUEPILLCTL" -r "$T/run" -a shop "$cmd" x \
		    >"$T/$1.$i.out" 2>&1 &
		p=$!
		pids="$pids $i:$p"
		wait_for "command $i ($cmd) to be sent" 5 sent_or_done "$p"
		if [ "$cmd" = stop ]; then cmd=start; else cmd=stop; fi
		i=$((i + 1))
	done
	for p in $pids; do
		wait "${p#*:}"
		echo $? >"$T/$1.${p%%:*}.rc"
	done
}

# Prints "I CMD RC OUTPUT" for each command of a round, PREFIX N FIRST.
replies() {
	local i cmd
	i=1
	cmd=$3
	while [ "$i" -le "$2" ]; do
		echo "$i $cmd $(cat "$T/$1.$i.rc") $(cat "$T/$1.$i.out")"
		if [ "$cmd" = stop ]; then cmd=start; else cmd=stop; fi
		i=$((i + 1))
	done
}

# ------------------------------------------------ 40 commands, ends in start

n_start0=$(grep -c 'x: unmonitored -> starting (bluepillctl start)' \
    "$T/shop.log")
t0=$(now_ms)
fire a 40 stop
diag "40 commands took $(($(now_ms) - t0)) ms"
replies a 40 stop >"$T/a.replies"
is "$(awk '$3 != 0' "$T/a.replies")" "" "all 40 commands exit 0"
is "$(awk '$2 == "stop" && $0 !~ / stop 0 x: unmonitored$/' \
    "$T/a.replies")" "" "every stop reply says x: unmonitored (settled)"
is "$(awk '$2 == "start" && $0 !~ / start 0 x: up \(pid [0-9]+\)$/' \
    "$T/a.replies")" "" "every start reply says x: up (pid N) (settled)"
is "$(grep -c 'did not settle' "$T/a.replies")" 0 \
    "no command reports it did not settle"
is "$(awk '$2 == "start" { print $NF }' "$T/a.replies" | sort -u | wc -l |
    tr -d ' ')" 20 "each start found x stopped: 20 distinct pids"
last=$(awk 'END { print $NF }' "$T/a.replies" | tr -cd '0-9')
is "$(proc_state shop x)" up "the last command (start) wins: x is up"
is "$(proc_pid shop x)" "$last" "... with the pid the last start printed"
ok "alive '$last'" "... and that pid runs"
is "$(grep -c 'x: unmonitored -> starting (bluepillctl start)' \
    "$T/shop.log")" $((n_start0 + 20)) "the log shows 20 starts of x"
is "$(grep -c 'x: up -> stopping (bluepillctl stop)' "$T/shop.log")" 20 \
    "the log shows 20 stops of x"
is "$(count_bptest)" 2 "exactly two supervised processes run (x and slow)"

# ------------------------------------------------- 11 commands, ends in stop

fire b 11 stop
replies b 11 stop >"$T/b.replies"
is "$(awk '$3 != 0' "$T/b.replies")" "" "all 11 commands exit 0"
is "$(awk '($2 == "stop" && $0 !~ / stop 0 x: unmonitored$/) ||
    ($2 == "start" && $0 !~ / start 0 x: up \(pid [0-9]+\)$/)' \
    "$T/b.replies")" "" "every reply shows its own command settled"
is "$(proc_state shop x) $(proc_pid shop x)" "unmonitored 0" \
    "the last command (stop) wins: x is unmonitored with no pid"
is "$(count_bptest)" 1 "x no longer runs"

# ------------------------------------------ status while a long action runs

t0=$(now_ms)
ctl -a shop stop slow >"$T/slow.out" 2>&1 &
sp=$!
wait_for "slow stopping" 5 state_is shop slow stopping
ok $? "stop slow (ignores TERM, 5 s grace) is under way"
# An action queued behind it must wait for it.
ctl -a shop start x >"$T/x.out" 2>&1 &
xp=$!
t1=$(now_ms)
out=$(ctl -a shop status 2>&1)
rc=$?
t2=$(now_ms)
is "$rc" 0 "status during the long stop exits 0"
between $((t2 - t1)) 0 999 "status answers within 1 s during the long stop"
like "$out" '^slow\(pid:[0-9]+\): stopping$' "status shows slow stopping"
t1=$(now_ms)
ctl -a shop version >/dev/null 2>&1
t2=$(now_ms)
between $((t2 - t1)) 0 999 "version answers within 1 s too"
is "$(ctl -a shop -t 1 log slow 2>&1 | grep -c 'slow: up -> stopping')" 1 \
    "log answers during the long stop"
wait "$sp"
is "$?" 0 "stop slow exits 0 once the process is killed"
between $(($(now_ms) - t0)) 4000 15000 "... after about the 5 s grace"
wait "$xp"
is "$?" 0 "the queued start x exits 0"
n_done=$(grep -n 'slow: stopping -> unmonitored' "$T/shop.log" | tail -n 1 |
    cut -d: -f1)
n_x=$(grep -n 'x: unmonitored -> starting (bluepillctl start)' \
    "$T/shop.log" | tail -n 1 | cut -d: -f1)
ok "[ '${n_done:-0}' -gt 0 ] && [ '${n_x:-0}' -gt '${n_done:-0}' ]" \
    "the queued start ran only after the stop had settled"

# --------------------------------------------- an action that cannot settle

ctl -a shop start slow >/dev/null 2>&1
out=$(ctl -a shop -t 1 stop slow 2>&1)
is "$?" 5 "stop -t 1 of a process that ignores TERM exits 5"
like "$out" '^slow: stopping \(pid [0-9]+\) \(did not settle in time\)$' \
    "... and says it did not settle in time"
