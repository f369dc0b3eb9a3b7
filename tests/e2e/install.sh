#!/bin/sh
# install.sh: "make install DESTDIR=..." lays out the programs, manual pages,
# init script, systemd unit, logrotate and rsyslog snippets and an inactive
# example drop-in; the installed init script then runs the installed daemon
# against a temp drop-in and run directory: start, status, reload, stop
# (the processes keep running), configtest, restart.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 71

# make, clean of the enclosing "make check"'s flags and jobserver.
bp_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
	    make -s -C "$TOP_BUILDDIR" "$@"
}

S=$T/stage
# A umask that leaves directories group-writable: the drop-in directory
# must still be 0755, or bluepilld would refuse it.
(umask 002 && bp_make install DESTDIR="$S") >"$T/install.log" 2>&1
ok $? "make install DESTDIR=... succeeds"
dirs=$(bp_make install-print-dirs 2>/dev/null) || bail_out "no install-print-dirs"
eval "$dirs"
diag "sbindir=$bp_sbindir sysconfdir=$bp_sysconfdir runstatedir=$bp_runstatedir unitdir=$bp_unitdir"
[ -n "$bp_sbindir" ] && [ -n "$bp_sysconfdir" ] || bail_out "directories unknown"

# ----------------------------------------------------------------- layout
# Prints the octal mode of a file.
mode_of() {
	stat -c %a "$1" 2>/dev/null
}

ok "[ -x '$S$bp_sbindir/bluepilld' ]" "bluepilld is in sbindir"
ok "[ -x '$S$bp_bindir/bluepillctl' ]" "bluepillctl is in bindir"
for m in man8/bluepilld.8 man8/bluepillctl.8 man5/bluepill.conf.5; do
	ok "[ -s '$S$bp_mandir/$m' ]" "manual page $m is installed"
done
if command -v mandoc >/dev/null 2>&1; then
	for m in man8/bluepilld.8 man8/bluepillctl.8 man5/bluepill.conf.5; do
		out=$(mandoc -Tlint -W warning "$S$bp_mandir/$m" 2>&1)
		is "$out" "" "mandoc -Tlint -W warning $m is clean"
	done
else
	skip 3 "mandoc is not installed"
fi

E=$S$bp_sysconfdir
init=$E/init.d/bluepill
is "$(mode_of "$init")" 755 "init.d/bluepill is installed mode 0755"
ok "sh -n '$init'" "the init script is valid sh"
ok "grep -q '^### BEGIN INIT INFO' '$init' && grep -q '^# Provides: *bluepill' '$init'" \
    "the init script has an LSB header"
ok "! grep -q '@[a-z]*@' '$init'" "the init script has no @dir@ left"
ok "grep -q '^#*DAEMON_ARGS=' '$E/default/bluepill'" \
    "default/bluepill is installed"
ok "[ -d '$E/bluepill.d' ]" "the drop-in directory is installed"
is "$(mode_of "$E/bluepill.d")" 755 "the drop-in directory is mode 0755"
ok "[ -s '$E/bluepill.d/example.conf.sample' ]" \
    "the example drop-in is installed"
is "$(cd "$E/bluepill.d" && ls | grep '\.conf$')" "" \
    "the drop-in directory holds no active drop-in"

unit=$S$bp_unitdir/bluepilld.service
ok "[ -s '$unit' ]" "bluepilld.service is installed in $bp_unitdir"
svc=$(grep -E '^[A-Za-z]+=' "$unit" 2>/dev/null | tr '\n' '|')
for want in "Type=forking" \
    "PIDFile=$bp_runstatedir/bluepill/bluepilld.pid" \
    "ExecStartPre=-$bp_sbindir/bluepilld -n" \
    "ExecStart=$bp_sbindir/bluepilld" \
    "ExecReload=/bin/kill -HUP \$MAINPID" \
    "KillMode=process" "Restart=on-failure"; do
	case "|$svc" in
	*"|$want|"*) bp_result 0 "the unit says $want" ;;
	*) bp_result 1 "the unit says $want"; diag "  unit: $svc" ;;
	esac
done
if command -v systemd-analyze >/dev/null 2>&1 &&
    [ "$(systemd-analyze --version 2>/dev/null | head -n 1 | tr -cd 0-9 | cut -c 1-3)" -ge 250 ] 2>/dev/null; then
	# verify needs the binaries at the paths the unit names: a copy with
	# the staged paths.
	sed "s|$bp_sbindir/|$S$bp_sbindir/|g" "$unit" >"$T/bluepilld.service"
	out=$(SYSTEMD_LOG_LEVEL=err systemd-analyze verify --man=no \
	    "$T/bluepilld.service" 2>&1 | grep 'bluepilld\.service')
	is "$out" "" "systemd-analyze verify finds nothing wrong in the unit"
else
	skip 1 "systemd-analyze is not usable"
fi

lr=$E/logrotate.d/bluepill
ok "grep -q '^/var/log/bluepill.log' '$lr' && grep -q '^/var/log/bluepill/\*.log' '$lr'" \
    "logrotate.d/bluepill rotates both log locations"
ok "grep -q 'kill -USR1' '$lr' && grep -q '$bp_runstatedir/bluepill/bluepilld.pid' '$lr'" \
    "logrotate.d/bluepill sends USR1 to the master named by its pid file"
rs=$E/rsyslog.d/30-bluepill.conf
ok "grep -q local6 '$rs' && grep -q /var/log/bluepill.log '$rs' && grep -qw stop '$rs'" \
    "rsyslog.d/30-bluepill.conf routes local6 to /var/log/bluepill.log and stops"
if command -v rsyslogd >/dev/null 2>&1; then
	printf 'include(file="%s")\n' "$rs" >"$T/rsyslog.conf"
	rsyslogd -N1 -f "$T/rsyslog.conf" >"$T/rsyslog-check.log" 2>&1
	ok $? "rsyslogd -N1 accepts the snippet"
else
	skip 1 "rsyslogd is not installed"
fi

# ---------------------------------------------------- running the service
# The installed script, on this test's directories; the defaults file
# names RUNDIR and CONFDIR, the environment overrides RUNDIR.
BLUEPILLD=$S$bp_sbindir/bluepilld
BLUEPILLCTL=$S$bp_bindir/bluepillctl
cat >"$T/defaults" <<EOF
CONFDIR=$T/conf.d
RUNDIR=$T/nosuchdir
DAEMON_ARGS=-v
EOF
# Runs the installed init script with ARGS; its output goes to a log.
initd() {
	echo "== init.d/bluepill $*" >>"$T/initd.log"
	env BLUEPILL_DEFAULTS="$T/defaults" BLUEPILLD="$BLUEPILLD" \
	    RUNDIR="$T/run" "$init" "$@" >>"$T/initd.log" 2>&1
}
ok "[ -s '$S$bp_sysconfdir/bluepill.d/example.conf.sample' ] &&
    cp '$S$bp_sysconfdir/bluepill.d/example.conf.sample' '$T/conf.d/example.conf'" \
    "the example drop-in can be copied into place"
initd configtest
is "$?" 0 "configtest accepts the example drop-in"
rm -f "$T/conf.d/example.conf"

mkdir -m 0755 "$T/logs"
write_conf alpha <<EOF
log_file = "$T/logs/alpha.log";
processes = (
  { name = "a1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
initd status
is "$?" 3 "status before start exits 3"
initd start
is "$?" 0 "start exits 0"
BP_MASTER=$(pidfile_pid "$T/run/bluepilld.pid")
BP_MASTERS="$BP_MASTERS $BP_MASTER"
ok "alive '$BP_MASTER'" "the master named by the pid file runs"
isnt "$(ppid_of "$BP_MASTER")" "$$" "the master detached"
like "$(cmdline_of "$BP_MASTER")" " -v( |$)" "DAEMON_ARGS from the defaults file is passed"
initd start
is "$?" 0 "start when running exits 0"
is "$(pidfile_pid "$T/run/bluepilld.pid")" "$BP_MASTER" "and starts no second master"
initd status
is "$?" 0 "status exits 0 while running"
wait_for "a1 up" 10 up_with_new_pid alpha a1
a1=$(proc_pid alpha a1)
ok "alive '$a1'" "the app's process runs"

# logrotate with the shipped snippet, on this test's log directory and pid
# file (the stanza for rsyslog's /var/log/bluepill.log is left out): the
# master must re-open the app's log file, so new lines go to a new file.
if command -v logrotate >/dev/null 2>&1; then
	awk '/^\/var\/log\/bluepill\.log / { skip = 1 }
	    !skip { print } /^}/ { skip = 0 }' "$lr" |
	    sed -e "s|^/var/log/bluepill/\*\.log|$T/logs/*.log|" \
	    -e "s|$bp_runstatedir/bluepill/bluepilld.pid|$T/run/bluepilld.pid|" \
	    >"$T/logrotate.conf"
	logrotate -f -s "$T/logrotate.state" "$T/logrotate.conf" \
	    >"$T/logrotate.log" 2>&1
	ok $? "logrotate runs the snippet"
	ok "[ -s '$T/logs/alpha.log.1' ]" "the app's log file is rotated"
	ctl -a alpha unmonitor a1 >/dev/null 2>&1
	ctl -a alpha start a1 >/dev/null 2>&1
	wait_for "a line in the new log" 10 grep -q 'bluepillctl start' \
	    "$T/logs/alpha.log"
	ok "grep -q 'bluepillctl start' '$T/logs/alpha.log'" \
	    "after USR1 the app logs to the new file"
	is "$(proc_pid alpha a1) $(proc_state alpha a1)" "$a1 up" \
	    "and its process is still up with the same pid"
else
	skip 4 "logrotate is not installed"
fi

write_conf beta <<EOF
log_file = "$T/beta.log";
processes = (
  { name = "b1"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
initd reload
is "$?" 0 "reload exits 0"
wait_for "beta.sock" 10 test -S "$T/run/beta.sock"
ok "[ -S '$T/run/beta.sock' ]" "reload creates the new app's socket"
wait_for "b1 up" 10 up_with_new_pid beta b1
b1=$(proc_pid beta b1)
ok "alive '$b1'" "the new app's process runs"
is "$(pidfile_pid "$T/run/bluepilld.pid")" "$BP_MASTER" "reload keeps the master"

initd restart
is "$?" 0 "restart exits 0"
old=$BP_MASTER
BP_MASTER=$(pidfile_pid "$T/run/bluepilld.pid")
BP_MASTERS="$BP_MASTERS $BP_MASTER"
ok "alive '$BP_MASTER' && [ '$BP_MASTER' != '$old' ] && gone '$old'" \
    "restart replaces the master"
wait_for "a1 adopted" 10 state_is alpha a1 up
wait_for "b1 adopted" 10 state_is beta b1 up
is "$(proc_pid alpha a1) $(proc_pid beta b1)" "$a1 $b1" \
    "after restart the same pids are up"

m=$BP_MASTER
initd stop
is "$?" 0 "stop exits 0"
ok "gone '$m'" "the master has exited when stop returns"
ok "[ ! -e '$T/run/bluepilld.pid' ]" "the pid file is removed"
initd status
is "$?" 3 "status after stop exits 3"
ok "alive '$a1' && alive '$b1'" "stop leaves the managed processes running"
initd stop
is "$?" 0 "stop when stopped exits 0"
initd reload
is "$?" 7 "reload when stopped exits 7"

# A pid file left by a master that died.
sh -c 'exit 0' &
dead=$!
wait "$dead"
echo "$dead" >"$T/run/bluepilld.pid"
initd status
is "$?" 1 "status with a stale pid file exits 1"
rm -f "$T/run/bluepilld.pid"

write_conf broken <<EOF
processes = ( { name = "x"; start_command = "true"; nosuchkey = 1; } );
EOF
initd configtest
is "$?" 6 "configtest on a broken drop-in exits 6"
like "$(cat "$T/initd.log")" "broken\.conf:[0-9]+: .*nosuchkey" \
    "configtest names the file, line and key"
initd start
is "$?" 0 "start with a broken drop-in still starts (the others must run)"
like "$(cat "$T/initd.log")" "broken\.conf:[0-9]+: .*nosuchkey" \
    "and reports the broken drop-in"
ok "[ -s '$T/run/bluepilld.pid' ] && kill -0 \$(cat '$T/run/bluepilld.pid')" \
    "a master runs"
ok "[ -S '$T/run/alpha.sock' ] && [ ! -e '$T/run/broken.sock' ]" \
    "with the good app and without the broken one"
initd stop
is "$?" 0 "stop"
rm -f "$T/conf.d/broken.conf"
initd configtest
is "$?" 0 "configtest exits 0 once the drop-ins are valid"

initd bogus
is "$?" 2 "an unknown action exits 2"

kill -TERM "$a1" "$b1"
wait_for "the processes to exit" 10 eval "gone $a1 && gone $b1"
ok "gone '$a1' && gone '$b1'" "the managed processes end when killed by pid"
