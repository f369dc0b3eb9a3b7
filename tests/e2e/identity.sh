#!/bin/sh
# identity.sh: a process runs as its configured user with that user's own
# groups, a clean environment, default signal state, only fds 0-2, its
# working directory and a session of its own; its output files are the
# user's and are appended to.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 27

mkdir -m 0755 "$T/wd"
write_conf theta <<EOF
log_file = "$T/app.log";
environment = { FOO = "bar"; };
processes = (
  { name = "rep"; uid = "nobody"; daemonize = true;
    working_dir = "$T/wd";
    environment = { BAZ = "qux"; };
    stdout = "$T/out/rep.out"; stderr = "$T/out/rep.err";
    start_command = [ "$BPTEST", "report", "$T/out/id" ]; },
  { name = "rep2"; uid = "daemon"; supplementary_groups = [ "adm" ];
    daemonize = true;
    start_command = [ "$BPTEST", "report", "$T/out/id2" ]; }
);
EOF

# A hostile inheritance: a stray variable, an open descriptor, and ignored
# signals, among them glibc's reserved 32 and 33 as make(1) leaves them.
BP_E2E_LEAK=1
export BP_E2E_LEAK
exec 7>"$T/leaked-fd"
BP_LAUNCH="$BPTEST with-ignored 1,2,3,13,15,32,33,34"
start_daemon || bail_out "bluepilld did not start"
BP_LAUNCH=
exec 7>&-

wait_for "report of rep" 10 test -s "$T/out/id"
wait_for "report of rep2" 10 test -s "$T/out/id2"
# key FILE KEY: the value of KEY=... in a report.
key() {
	sed -n "s/^$2=//p" "$1" | head -n 1
}
# sorted LIST: comma- or space-separated numbers, sorted, space-separated.
sorted() {
	echo "$1" | tr ', ' '\n\n' | grep -v '^$' | sort -n | tr '\n' ' '
}
id1=$T/out/id
pid=$(proc_pid theta rep)
is "$(key "$id1" pid)" "$pid" "the report is from the supervised pid"
is "$(key "$id1" uid) $(key "$id1" euid)" "65534 65534" "uid is nobody's"
is "$(key "$id1" gid) $(key "$id1" egid)" "65534 65534" \
    "gid is nobody's primary group"
is "$(sorted "$(key "$id1" groups)")" "$(sorted "$(id -G nobody)")" \
    "supplementary groups are nobody's own"
is "$(key "$id1" fds)" "0,1,2" "only fds 0, 1 and 2 are open"
is "$(key "$id1" sigign)" 0000000000000000 "no signal is ignored"
is "$(key "$id1" sigblk)" 0000000000000000 "the signal mask is empty"
is "$(key "$id1" cwd)" "$T/wd" "cwd is working_dir"
is "$(key "$id1" sid)" "$pid" "the process leads a session of its own"
is "$(key "$id1" capeff)" 0000000000000000 "no effective capabilities"
envkeys=$(sed -n 's/^env=\([^=]*\)=.*/\1/p' "$id1" | sort | tr '\n' ' ')
is "$envkeys" "BAZ FOO HOME LOGNAME PATH PWD SHELL USER " \
    "environment: exactly PATH HOME USER LOGNAME SHELL PWD and the configured"
envvals=$(grep -E '^env=(BAZ|FOO|HOME|LOGNAME|PWD|SHELL|USER)=' "$id1" | sort |
    tr '\n' ' ')
is "$envvals" "env=BAZ=qux env=FOO=bar env=HOME=/nonexistent env=LOGNAME=nobody env=PWD=$T/wd env=SHELL=/usr/sbin/nologin env=USER=nobody " \
    "environment values come from nobody's passwd entry and the config"
like "$(grep '^env=PATH=' "$id1")" "^env=PATH=(.*:)?/usr/bin(:|$)" "PATH is set"

# Output files: created by the user, appended to across restarts.
is "$(stat -c %U "$T/out/rep.out" 2>&1)" nobody "stdout file belongs to nobody"
is "$(stat -c %U "$T/out/rep.err" 2>&1)" nobody "stderr file belongs to nobody"
like "$(cat "$T/out/rep.out")" "^bptest report: started pid $pid$" \
    "stdout reaches its file"
like "$(cat "$T/out/rep.err")" "^bptest report: started pid $pid$" \
    "stderr reaches its file"
rm -f "$id1"
ctl restart rep >/dev/null 2>&1
is "$?" 0 "restart rep exits 0"
wait_for "report of the restarted rep" 10 test -s "$id1"
pid2=$(proc_pid theta rep)
is "$(grep -c 'started pid' "$T/out/rep.out")" 2 \
    "stdout is appended to, not truncated"
like "$(tail -n 1 "$T/out/rep.out")" "started pid $pid2$" \
    "the new line is the new process's"

# The daemon user with an extra group.
id2=$T/out/id2
is "$(key "$id2" uid) $(key "$id2" gid)" "1 1" "rep2 runs as daemon:daemon"
g=" $(sorted "$(key "$id2" groups)")"
ok "case '$g' in *' 4 '*) true ;; *) false ;; esac" \
    "supplementary_groups adds adm (4)"
ok "case '$g' in *' 1 '*) true ;; *) false ;; esac" \
    "the user's own group (daemon) stays"
is "$(key "$id2" fds)" "0,1,2" "rep2: only fds 0, 1 and 2"
is "$(key "$id2" cwd)" "/" "rep2: default working_dir is /"
is "$(key "$id2" sigign) $(key "$id2" sigblk)" \
    "0000000000000000 0000000000000000" "rep2: default signal state"
ok "! grep -q BP_E2E_LEAK '$id1' '$id2'" "the master's environment is not passed on"
