#!/bin/sh
# fault-clients.sh: a thousand control clients that connect and never send
# a byte are shed without blocking real commands: while they hold their
# connections (and while they keep reconnecting), status, stop and start
# answer quickly, the worker lives and its descriptors stay bounded.
# Unauthorized clients are turned away before they cost anything.
. "$(dirname "$0")/lib.sh"
need_root
setup
if ! perl -MIO::Socket::UNIX -e 1 2>/dev/null; then
	echo "1..0 # SKIP perl with IO::Socket::UNIX is needed"
	exit 0
fi
plan 18

write_conf fc <<EOF
log_file = "$T/app.log";
uid = "nobody";
processes = (
  { name = "p1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; },
  { name = "p2"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "p1 up" 10 up_with_new_pid fc p1
wait_for "p2 up" 10 up_with_new_pid fc p2
w=$(worker_pid fc)
p2=$(proc_pid fc p2)
fds0=$(ls "/proc/$w/fd" | wc -l)
diag "worker $w has $fds0 descriptors before the flood"

# The flooder: connects COUNT clients that never send; in "hold" mode keeps
# them for SECONDS, in "churn" mode keeps reconnecting for SECONDS (at most
# 200 open).  Writes the number connected to STATUSFILE when done
# connecting (hold) or every 100 connections (churn).
cat >"$T/flood.pl" <<'EOF'
use strict;
use IO::Socket::UNIX;
my ($path, $mode, $count, $secs, $status) = @ARGV;
my (@s, $n);
my $end = time + $secs;
$n = 0;
sub note { open(my $f, '>', "$status.tmp") or return; print $f "$_[0]\n";
	close $f; rename "$status.tmp", $status; }
while ($n < $count && time < $end) {
	my $c = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path);
	next unless $c;
	push @s, $c;
	$n++;
	shift @s if $mode eq 'churn' && @s > 200;
	note($n) if $mode eq 'churn' && $n % 100 == 0;
	$n = 0 if $mode eq 'churn' && $n >= $count;
}
note($n);
sleep 1 while time < $end;
EOF
chmod 0644 "$T/flood.pl"
ulimit -n 4096 2>/dev/null


# timed NAME CMD...: runs a bluepillctl command; sets rc and ms.
timed() {
	tname=$1
	shift
	t0=$(now_ms)
	ctl "$@" >"$T/ctl.out" 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	diag "$tname: exit $rc after $ms ms"
}

# Phase 1: 1000 clients of the app's own uid connect and hold.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    perl "$T/flood.pl" "$T/run/fc.sock" hold 1000 25 "$T/out/hold" \
    >"$T/flood1.log" 2>&1 &
f1=$!
track_pid "$f1"
wait_for "1000 idle clients connected" 20 eval \
    "[ \"\$(cat '$T/out/hold' 2>/dev/null)\" = 1000 ]"
is "$(cat "$T/out/hold" 2>/dev/null)" 1000 "1000 idle clients connected"
fds=$(ls "/proc/$w/fd" | wc -l)
diag "worker $w holds $fds descriptors with 1000 idle clients"
between "$fds" 1 $((fds0 + 20)) "the worker's descriptors stay bounded (16 clients of one uid)"
timed status status
is "$rc" 0 "1000 idle clients: status exits 0"
between "$ms" 0 2000 "1000 idle clients: status answers within 2 s"
p1=$(proc_pid fc p1)
timed stop stop p1
is "$rc" 0 "1000 idle clients: stop exits 0"
between "$ms" 0 2000 "1000 idle clients: stop answers within 2 s"
timed start start p1
is "$rc" 0 "1000 idle clients: start exits 0"
between "$ms" 0 2000 "1000 idle clients: start answers within 2 s"
ok "up_with_new_pid fc p1 '$p1'" "p1 was stopped and started again"
ok "alive '$w'" "the worker survived the idle clients"
kill "$f1" 2>/dev/null
wait "$f1" 2>/dev/null

# Phase 2: the app's uid keeps reconnecting; real commands (root's) still
# get in: one uid holds at most 16 clients and sheds only its own.
setpriv --reuid=nobody --regid=nogroup --clear-groups \
    perl "$T/flood.pl" "$T/run/fc.sock" churn 1000000 12 "$T/out/churn" \
    >"$T/flood2.log" 2>&1 &
f2=$!
track_pid "$f2"
wait_for "the churn to start" 10 test -s "$T/out/churn"
fails=0
slow=0
worst=0
i=0
while [ "$i" -lt 10 ]; do
	case $i in
	4) timed "churn $i" stop p1 ;;
	5) timed "churn $i" start p1 ;;
	*) timed "churn $i" status ;;
	esac
	[ "$rc" -eq 0 ] || { fails=$((fails + 1)); diag "$(cat "$T/ctl.out")"; }
	[ "$ms" -le 2000 ] || slow=$((slow + 1))
	[ "$ms" -le "$worst" ] || worst=$ms
	i=$((i + 1))
done
diag "churn: $(cat "$T/out/churn") connections so far; worst command $worst ms"
is "$fails" 0 "reconnecting clients of another uid: ten commands all succeed"
is "$slow" 0 "reconnecting clients: each answers within 2 s"
ok "alive '$w'" "the worker survived the reconnecting clients"
fds=$(ls "/proc/$w/fd" | wc -l)
between "$fds" 1 $((fds0 + 70)) "the worker's descriptors are still bounded ($fds)"
kill "$f2" 2>/dev/null
wait "$f2" 2>/dev/null

# Phase 3: a user who may not control the app is refused before a read.
setpriv --reuid=daemon --regid=daemon --clear-groups \
    perl "$T/flood.pl" "$T/run/fc.sock" hold 1000 8 "$T/out/denied" \
    >"$T/flood3.log" 2>&1 &
f3=$!
track_pid "$f3"
wait_for "1000 unauthorized connections" 20 eval \
    "[ \"\$(cat '$T/out/denied' 2>/dev/null)\" = 1000 ]"
timed status status
is "$rc" 0 "1000 refused clients: status exits 0 within 2 s"
fds=$(ls "/proc/$w/fd" | wc -l)
between "$fds" 1 $((fds0 + 5)) "refused clients hold no descriptor of the worker"
kill "$f3" 2>/dev/null
wait "$f3" 2>/dev/null

lost=0
state_is fc p1 up || lost=$((lost + 1))
[ "$(proc_pid fc p2)" = "$p2" ] && alive "$p2" || lost=$((lost + 1))
is "$lost" 0 "both processes are up, p2 with its first pid"
is "$(worker_pid fc)" "$w" "the same worker served everything"
if [ "$BP_NFAIL" -ne 0 ]; then
	r=FAIL
else
	r=pass
fi
diag "fault: 1000 idle control clients: $r: processes lost: $lost"
