#!/bin/sh
# reload.sh: every reload case, once through SIGHUP to the master and once
# through bluepillctl reload: a new drop-in starts its app, a removed one's
# worker exits leaving its processes, a changed one gets a new worker that
# adopts them, an unchanged one is untouched, a broken one is reported and
# its previous version keeps running, a broken new one starts nothing.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 58

# app_conf NAME [EXTRA]: a drop-in with one process p; EXTRA goes into p.
app_conf() {
	write_conf "$1" <<EOF
log_file = "$T/$1.log";
processes = (
  { name = "p"; daemonize = true; ${2:-}
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
}

for m in h c; do
	for a in keep gone chg brk; do
		app_conf "$m$a"
	done
done
start_daemon || bail_out "bluepilld did not start"
for m in h c; do
	for a in keep gone chg brk; do
		wait_for "$m$a:p up" 10 up_with_new_pid "$m$a" p ||
		    bail_out "$m$a:p did not come up"
	done
done

# Prints the last reload summary the master logged.
summary() {
	grep 'reloaded: ' "$T/bluepilld.log" | tail -n 1 | sed 's/.*reloaded: //'
}

# reload MODE [APP]: makes the master re-read the drop-ins, by SIGHUP (h)
# or by bluepillctl reload (c) through APP (ckeep), and waits until it has.
# Sets RC and OUT to the exit code and output of bluepillctl (empty for h).
reload() {
	local n
	n=$(grep -c 'reloaded: ' "$T/bluepilld.log")
	RC=
	OUT=
	if [ "$1" = h ]; then
		kill -HUP "$BP_MASTER"
	else
		OUT=$(ctl -a "${2:-ckeep}" reload 2>&1)
		RC=$?
	fi
	wait_for "the reload to be logged" 10 sh -c \
	    "[ \$(grep -c 'reloaded: ' '$T/bluepilld.log') -gt $n ]"
}

# Tells whether APP's socket answers and p is up with pid $2.
app_up_with() {
	ctl -a "$1" status >/dev/null 2>&1 &&
	    [ "$(proc_pid "$1" p)" = "$2" ] && state_is "$1" p up
}

# Tells whether APP has a worker other than $2 that answers.
new_worker() {
	bp_nw=$(worker_pid "$1") || return 1
	[ -n "$bp_nw" ] && [ "$bp_nw" != "$2" ] && ctl -a "$1" status
}

# Records the worker and process pids of every running app.
snapshot() {
	for a in $(ls "$T/conf.d" | sed -n 's/\.conf$//p'); do
		[ -S "$T/run/$a.sock" ] || continue
		echo "$a $(worker_pid "$a") $(proc_pid "$a" p)"
	done
}

for m in h c; do
	if [ $m = h ]; then how="HUP"; else how="bluepillctl reload"; fi
	keep_w=$(worker_pid ${m}keep)
	keep_p=$(proc_pid ${m}keep p)

	# A new drop-in starts its app.
	app_conf ${m}new
	reload $m
	is "$(summary)" "1 added, 0 changed, 0 removed, 0 refused" \
	    "$how: a new drop-in is counted as added"
	[ $m = c ] && is "$RC $OUT" \
	    "0 reloaded: 1 added, 0 changed, 0 removed, 0 refused" \
	    "$how: exits 0 and prints the summary"
	wait_for "${m}new:p up" 10 up_with_new_pid ${m}new p
	ok $? "$how: the new app's process is up"
	ok "ctl -a ${m}new status" "$how: the new app's socket answers"

	# A removed drop-in: its worker exits, its process keeps running.
	gone_w=$(worker_pid ${m}gone)
	gone_p=$(proc_pid ${m}gone p)
	rm "$T/conf.d/${m}gone.conf"
	reload $m
	is "$(summary)" "0 added, 0 changed, 1 removed, 0 refused" \
	    "$how: a removed drop-in is counted as removed"
	[ $m = c ] && is "$RC" 0 "$how: exits 0"
	wait_for "${m}gone's worker to exit" 10 gone "$gone_w"
	ok $? "$how: the removed app's worker exits"
	ok "alive '$gone_p'" "$how: the removed app's process keeps running"
	ctl -a ${m}gone status >/dev/null 2>&1
	is "$?" 2 "$how: bluepillctl says the removed app is not running"

	# A changed drop-in: a new worker adopts the running process.
	chg_w=$(worker_pid ${m}chg)
	chg_p=$(proc_pid ${m}chg p)
	app_conf ${m}chg 'stop_grace_time = "4s";'
	reload $m
	is "$(summary)" "0 added, 1 changed, 0 removed, 0 refused" \
	    "$how: a changed drop-in is counted as changed"
	[ $m = c ] && is "$RC" 0 "$how: exits 0"
	wait_for "a new ${m}chg worker" 10 new_worker ${m}chg "$chg_w"
	ok $? "$how: the changed app gets a new worker"
	wait_for "${m}chg's old worker to exit" 10 gone "$chg_w"
	ok $? "$how: the changed app's old worker exits"
	ok "app_up_with ${m}chg '$chg_p' && alive '$chg_p'" \
	    "$how: the new worker adopts the process (same pid, up)"
	is "$(grep -c 'p: unmonitored -> up (adopted' "$T/${m}chg.log")" 1 \
	    "$how: the changed app's log says it adopted the process"

	# A broken drop-in is reported; its previous version keeps running.
	brk_w=$(worker_pid ${m}brk)
	brk_p=$(proc_pid ${m}brk p)
	cp "$T/conf.d/${m}brk.conf" "$T/${m}brk.orig"
	write_conf ${m}brk <<EOF
log_file = "$T/${m}brk.log";
processes = (
  { name = "p"; bogus = 1; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
	reload $m
	is "$(summary)" "0 added, 0 changed, 0 removed, 1 refused" \
	    "$how: a broken drop-in is counted as refused"
	if [ $m = c ]; then
		is "$RC" 6 "$how: exits 6 for a broken drop-in"
		like "$OUT" "^$T/conf.d/${m}brk.conf:3: .*bogus" \
		    "$how: the message names FILE:LINE and the key"
	fi
	ok "grep -q '$T/conf.d/${m}brk.conf:3: .*bogus' '$T/bluepilld.log'" \
	    "$how: the master logs FILE:LINE of the error"
	is "$(worker_pid ${m}brk)" "$brk_w" \
	    "$how: the broken app keeps its worker"
	ok "app_up_with ${m}brk '$brk_p'" \
	    "$how: ... which still answers, the process up with the same pid"
	cp "$T/${m}brk.orig" "$T/conf.d/${m}brk.conf"
	reload $m
	is "$(summary) $(worker_pid ${m}brk)" \
	    "0 added, 0 changed, 0 removed, 0 refused $brk_w" \
	    "$how: the repaired drop-in equals the running version: untouched"

	# A broken drop-in for a new app starts nothing.
	nw=$(worker_pids | wc -l)
	nb=$(count_bptest)
	printf 'log_file = "%s";\nprocesses = (\n  { name = = "p"; }\n);\n' \
	    "$T/${m}bad.log" | write_conf ${m}bad
	reload $m
	is "$(summary)" "0 added, 0 changed, 0 removed, 1 refused" \
	    "$how: a broken new drop-in is counted as refused"
	if [ $m = c ]; then
		is "$RC" 6 "$how: exits 6 for a broken new drop-in"
		like "$OUT" "^$T/conf.d/${m}bad.conf:3: " \
		    "$how: the message names FILE:LINE"
	else
		ok "grep -q '$T/conf.d/${m}bad.conf:3: ' '$T/bluepilld.log'" \
		    "$how: the master logs FILE:LINE of the error"
	fi
	is "$(worker_pids | wc -l) $(count_bptest)" "$nw $nb" \
	    "$how: a broken new drop-in starts no worker and no process"
	ok "[ ! -e '$T/run/${m}bad.sock' ]" "$how: ... and has no socket"
	rm "$T/conf.d/${m}bad.conf"

	# The unchanged app was untouched through all of this.
	is "$(worker_pid ${m}keep) $(proc_pid ${m}keep p)" "$keep_w $keep_p" \
	    "$how: an unchanged app keeps its worker and process"
done

# bluepillctl reload through the very app whose drop-in changed, or went:
# the common case of a single app.  The reply must still arrive.
self_w=$(worker_pid ckeep)
self_p=$(proc_pid ckeep p)
app_conf ckeep 'stop_grace_time = "4s";'
reload c ckeep
is "$RC $OUT" "0 reloaded: 0 added, 1 changed, 0 removed, 0 refused" \
    "reload through the app whose drop-in changed: exit 0 and the summary"
wait_for "a new ckeep worker" 10 new_worker ckeep "$self_w"
ok $? "... the app gets a new worker"
ok "app_up_with ckeep '$self_p'" "... which adopts the process"
self_p=$(proc_pid cchg p)
rm "$T/conf.d/cchg.conf"
reload c cchg
is "$RC $OUT" "0 reloaded: 0 added, 0 changed, 1 removed, 0 refused" \
    "reload through the app whose drop-in was removed: exit 0 and the summary"
ok "alive '$self_p'" "... its process keeps running"

# The two rounds left each other's apps alone.
before=$(snapshot)
reload h
is "$(summary)" "0 added, 0 changed, 0 removed, 0 refused" \
    "a final reload finds nothing to do"
is "$(snapshot)" "$before" "... and every app keeps its worker and process"
ok "alive '$gone_p'" "the last removed app's process still runs"
