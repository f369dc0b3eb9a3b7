#!/bin/sh
# fault-worker.sh: one app's worker is killed again and again, each time as
# soon as it reappears.  The master restarts it with a back-off that starts
# at 1 s and doubles; meanwhile the other app answers every time and keeps
# its pids, the killed app's processes keep theirs, a process that dies
# while its app has no worker is started by the next worker, and a command
# sent during a back-off is answered when the worker is back.
#
# Five kills, not ten: the back-off doubles (1+2+4+8+16 s) and the script
# must stay under a minute.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 17


KILLS=5
for app in wk ok; do
	write_conf "$app" <<EOF
log_file = "$T/$app.log";
processes = (
  { name = "p1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "p2"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "p3"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
done
start_daemon || bail_out "bluepilld did not start"
for app in wk ok; do
	for p in p1 p2 p3; do
		wait_for "$app:$p up" 10 up_with_new_pid "$app" "$p"
	done
done
# pids APP: the pids status shows, in order.
pids() {
	for p in p1 p2 p3; do proc_pid "$1" "$p"; done | tr '\n' ' '
}
okpids=$(pids ok)
wkpids=$(pids wk)
okw=$(worker_pid ok)
diag "ok: $okpids; wk: $wkpids"

# Prints wk's worker, by its command line only (lib.sh's worker_pid
# falls back to the only worker, which is ok's while wk has none).
wk_worker() {
	for x in $(worker_pids); do
		case " $(cmdline_of "$x" 2>/dev/null) " in
		*" -W wk "*) echo "$x" ;;
		esac
	done
}
# Tells whether a live worker other than $w serves wk.
new_worker() {
	nw=$(wk_worker) && [ -n "$nw" ] && [ "$nw" != "$w" ] && alive "$nw"
}

w=$(wk_worker)
ok_fail=0
ok_moved=0
wk_moved=0
delays=
bad_delay=0
expect=1000
i=1
while [ "$i" -le "$KILLS" ]; do
	wkp=$(pids wk)
	kill -KILL "$w"
	t0=$(now_ms)
	if [ "$i" -eq 3 ]; then
		# A process that dies while its app has no worker.
		p2=$(proc_pid wk p2)
		wait_for "the worker $w to be reaped" 2 eval '[ "$(wk_worker)" != "$w" ]'
		kill -KILL "$p2"
	fi
	if [ "$i" -eq 4 ]; then
		# A command sent while the app has no worker.
		(
			t1=$(now_ms)
			ctl -a wk status >"$T/during.out" 2>&1
			echo "$? $(($(now_ms) - t1))" >"$T/during.rc"
		) &
		during=$!
	fi
	# The other app answers, with its pids, while wk has no worker.
	ctl -a ok status >/dev/null 2>&1 || ok_fail=$((ok_fail + 1))
	[ "$(pids ok)" = "$okpids" ] || ok_moved=$((ok_moved + 1))
	wait_for "worker $i to reappear" $((expect / 1000 * 2 + 5)) new_worker
	ms=$(($(now_ms) - t0))
	delays="$delays $ms"
	if [ "$ms" -lt $((expect * 95 / 100)) ] ||
	    [ "$ms" -gt $((expect + 2000)) ]; then
		bad_delay=$((bad_delay + 1))
	fi
	w=$nw
	if [ "$i" -lt "$KILLS" ]; then
		# wk's own processes keep their pids (p2 excepted once killed).
		[ "$i" -eq 3 ] || [ "$(pids wk)" = "$wkp" ] ||
		    wk_moved=$((wk_moved + 1))
	fi
	expect=$((expect * 2))
	i=$((i + 1))
done
diag "back-off delays (ms):$delays"
is "$bad_delay" 0 "each new worker came after 1, 2, 4, 8, 16 s (doubling)"
for b in 1000 2000 4000 8000 16000; do
	like "$(cat "$T/bluepilld.log")" "wk: restarting worker in $b ms" \
	    "the master announces a back-off of $b ms"
done
is "$ok_fail" 0 "the other app's status answered during every back-off"
is "$ok_moved" 0 "the other app's processes kept their pids"
is "$wk_moved" 0 "the killed app's processes kept their pids"

# The last worker stays: wk answers again.
wait_for "wk status" 10 state_is wk p1 up
is "$(wk_worker)" "$w" "the last worker is still running"
wait "$during"
set -- $(cat "$T/during.rc" 2>/dev/null)
diag "status sent during the 8 s back-off: exit ${1:-?} after ${2:-?} ms"
[ "${1:-}" = 0 ] || diag "$(cat "$T/during.out")"
[ "${1:-}" = 0 ]
known_defect $? "a status sent during a back-off is answered (exit 0)" \
    "a new worker answers before it has its configuration"
between "${2:-0}" 6000 12000 "it is answered when the worker is back"

wait_for "p2 restarted" 10 up_with_new_pid wk p2 "$p2"
ok "up_with_new_pid wk p2 '$p2'" \
    "a process that died while there was no worker is started again"
set -- $wkpids
is "$(proc_pid wk p1) $(proc_pid wk p3)" "$1 $3" \
    "wk's other processes still have their first pids"
is "$(pids ok)" "$okpids" "ok's processes still have their first pids"
ok "alive $BP_MASTER && alive '$okw'" "the master and ok's first worker are alive"

lost=0
for app in wk ok; do
	for p in p1 p2 p3; do
		state_is "$app" "$p" up || lost=$((lost + 1))
	done
done
for q in $wkpids $okpids; do
	[ "$q" = "$p2" ] && continue
	alive "$q" || lost=$((lost + 1))
done
is "$lost" 0 "all six processes up, five with their first pids"
if [ "$BP_NFAIL" -ne 0 ]; then
	r=FAIL
else
	r="pass${defects:+ (TODO:$defects)}"
fi
diag "fault: worker killed $KILLS times:$delays ms: $r: processes lost: $lost"
