#!/bin/sh
# fault-disk.sh: a full file system under log_file loses log lines, never
# supervision: a killed process is started again and status is right while
# every write to the log fails; once space is freed logging resumes, and
# a line cut short by the full disk does not glue itself to the next one.
. "$(dirname "$0")/lib.sh"
need_root
setup

# The small file system is unmounted (lazily: the daemon may still hold
# the log open) before lib.sh's cleanup removes $T.
fault_disk_cleanup() {
	fault_rc=$?
	if [ -n "$T" ] && mountpoint -q "$T/logs" 2>/dev/null; then
		umount -l "$T/logs" 2>/dev/null
	fi
	(exit $fault_rc)
	bp_cleanup
}
trap fault_disk_cleanup EXIT

mkdir -m 0755 "$T/logs"
if ! mount -t tmpfs -o size=64k,mode=0755 fault-disk "$T/logs" 2>/dev/null; then
	echo "1..0 # SKIP cannot mount a tmpfs"
	exit 0
fi
plan 15

# Fills the file system under $T/logs: the log file cannot grow at all.
fill() {
	dd if=/dev/zero of="$T/logs/fill$1" bs=1024 count=128 2>/dev/null
	return 0
}
fill 1
ok "! dd if=/dev/zero of='$T/logs/probe' bs=512 count=1 conv=fsync" \
    "the file system is full"
rm -f "$T/logs/probe"

write_conf fd <<EOF
log_file = "$T/logs/app.log";
processes = (
  { name = "p1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "p2"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "p1 up" 10 up_with_new_pid fd p1
wait_for "p2 up" 10 up_with_new_pid fd p2
p1=$(proc_pid fd p1)
p2=$(proc_pid fd p2)
diag "full disk: p1=$p1 p2=$p2, log $(stat -c %s "$T/logs/app.log") bytes"
is "$(stat -c %s "$T/logs/app.log" 2>&1)" 0 \
    "the log file exists and no line could be written"

# Supervision goes on while every log write fails.
kill -KILL "$p1"
wait_for "p1 restarted on a full disk" 10 up_with_new_pid fd p1 "$p1"
ok "up_with_new_pid fd p1 '$p1'" "full disk: a killed process is started again"
ok "gone '$p1'" "full disk: the killed pid is gone"
is "$(proc_pid fd p2) $(proc_state fd p2)" "$p2 up" \
    "full disk: the other process keeps its pid, up"
ctl stop p2 >/dev/null 2>&1
is "$?" 0 "full disk: stop answers"
ctl start p2 >/dev/null 2>&1
is "$?" 0 "full disk: start answers"
wait_for "p2 up again" 10 up_with_new_pid fd p2 "$p2"
ok "alive $BP_MASTER && [ -n \"\$(worker_pid fd)\" ]" \
    "full disk: the master and the worker are alive"
is "$(stat -c %s "$T/logs/app.log" 2>&1)" 0 "full disk: still nothing logged"

# Space comes back: logging resumes with the next state change.
rm -f "$T/logs/fill1"
p1=$(proc_pid fd p1)
kill -KILL "$p1"
wait_for "p1 restarted" 10 up_with_new_pid fd p1 "$p1"
wait_for "a state change logged" 5 grep -q "fd:p1: up -> down" "$T/logs/app.log"
like "$(cat "$T/logs/app.log")" "fd:p1: up -> down \\(exited, signal 9\\)" \
    "space freed: the state change is logged"

# Now a disk that fills up mid-line: append lines until writes fail.
fill 2
sz=$(stat -c %s "$T/logs/app.log")
diag "filled again with the log at $sz bytes"
n=0
while [ "$n" -lt 40 ]; do
	p1=$(proc_pid fd p1)
	kill -KILL "$p1" 2>/dev/null
	wait_for "p1 restarted (round $n)" 10 up_with_new_pid fd p1 "$p1" ||
	    break
	n=$((n + 1))
	[ "$(stat -c %s "$T/logs/app.log")" -eq "$sz" ] && break
	sz=$(stat -c %s "$T/logs/app.log")
done
diag "the log stopped growing at $sz bytes after $n rounds"
ok "up_with_new_pid fd p1" "filled mid-line: supervision goes on"
rm -f "$T/logs/fill2"
p1=$(proc_pid fd p1)
kill -KILL "$p1"
wait_for "p1 restarted" 10 up_with_new_pid fd p1 "$p1"
wait_for "the log to grow" 5 eval \
    "[ \"\$(stat -c %s '$T/logs/app.log')\" -gt $sz ]"
ok "[ \"\$(stat -c %s '$T/logs/app.log')\" -gt $sz ]" \
    "space freed again: logging resumes"

# Every line, the ones written around the full disk included, should be
# whole: one timestamp, at its start.
# (no {n} intervals: mawk lacks them)
stamp='[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] bluepilld\\['
broken=$(awk -v s="$stamp" '
    { line = $0; n = gsub(s, "", line) }
    n != 1 || $0 !~ ("^" s) { print NR ": " $0 }' "$T/logs/app.log")
nbroken=$(printf '%s' "$broken" | grep -c .)
[ "$nbroken" -eq 0 ] || printf '%s\n' "$broken" | head -n 5 | diag
between "$nbroken" 0 1 "no log line is damaged but the one the full disk cut"
# A short write leaves a line without its newline; log.c ends it before
# the next line, so no line runs into another.
is "$nbroken" 0 "no line cut by the full disk runs into the next"

lost=0
for p in p1 p2; do
	state_is fd "$p" up || lost=$((lost + 1))
done
is "$lost" 0 "both processes are up at the end"
if [ "$BP_NFAIL" -ne 0 ]; then
	r=FAIL
elif [ "$nbroken" -ne 0 ]; then
	r="FAIL (a line cut by ENOSPC runs into the next)"
else
	r=pass
fi
diag "fault: full disk under log_file: $r: processes lost: $lost"
