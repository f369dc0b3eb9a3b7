#!/bin/sh
# badconf.sh: bluepilld -n reports each drop-in as FILE: OK or
# FILE:LINE: message and exits 6 when any is bad; a running daemon with one
# broken drop-in still runs the others.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 18

# mkconf DIR NAME: stdin becomes DIR/NAME (mode 0644).
mkconf() {
	mkdir -p -m 0755 "$1"
	cat >"$1/$2"
	chmod 0644 "$1/$2"
}
good() {
	mkconf "$1" "$2" <<EOF
processes = (
  { name = "p"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
}

# Only good drop-ins (and a file that is not a drop-in).
good "$T/ok" good.conf
echo "not a drop-in" >"$T/ok/README"
out=$("$BLUEPILLD" -n -c "$T/ok" 2>&1)
is "$?" 0 "-n with a valid drop-in exits 0"
is "$out" "$T/ok/good.conf: OK" "-n prints FILE: OK (and nothing for README)"

# -n needs no root.
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$BLUEPILLD" -n -c "$T/ok" 2>&1)
is "$?" 0 "-n as nobody exits 0"
like "$out" "good\.conf: OK$" "-n as nobody reads the drop-in"

# One defect per file.
d=$T/mixed
good "$d" a-good.conf
mkconf "$d" b-unknown.conf <<EOF
processes = (
  { name = "p"; start_command = "/bin/true";
    bogus_key = 1; }
);
EOF
mkconf "$d" c-syntax.conf <<EOF
processes = (
  { name = "p"; start_command = ; }
);
EOF
mkconf "$d" d-nostart.conf <<EOF
processes = (
  { name = "p"; }
);
EOF
mkconf "$d" e-perms.conf <<EOF
processes = ( { name = "p"; start_command = "/bin/true"; } );
EOF
chmod 0666 "$d/e-perms.conf"
out=$("$BLUEPILLD" -n -c "$d" 2>&1)
rc=$?
diag "bluepilld -n output:"
printf '%s\n' "$out" | diag
is "$rc" 6 "-n with bad drop-ins exits 6"
like "$out" "^$d/a-good\.conf: OK$" "the good drop-in is still OK"
like "$out" "^$d/b-unknown\.conf:3: .*bogus_key" \
    "unknown key: FILE:LINE naming the key"
like "$out" "^$d/c-syntax\.conf:2: " "syntax error: FILE:LINE"
like "$out" "^$d/d-nostart\.conf:2: .*start_command" \
    "missing start_command: FILE:LINE naming the key"
like "$out" "^$d/e-perms\.conf(:[0-9]+)?: " "group/world-writable drop-in refused"
ok "! printf '%s\n' \"\$out\" | grep -q 'e-perms\.conf: OK'" \
    "the writable drop-in is not reported OK"

# A running daemon with one broken drop-in runs the other app.
good "$T/conf.d" good.conf
mkconf "$T/conf.d" bad.conf <<EOF
processes = (
  { name = "p"; start_command = [ "$BPTEST", "sleep" ];
    bogus_key = 1; }
);
EOF
BP_APPS=good
start_daemon || bail_out "bluepilld did not start"
wait_for "good:p up" 10 up_with_new_pid good p
ok "up_with_new_pid good p" "the good app's process is up"
is "$(ctl apps 2>&1)" good "apps lists only the good app"
ctl -a bad status >/dev/null 2>&1
is "$?" 2 "the broken app is not running (exit 2)"
ok "[ ! -e '$T/run/bad.sock' ]" "no socket for the broken app"
like "$(cat "$T/bluepilld.log")" "bad\.conf:3: .*bogus_key" \
    "the daemon logs the broken drop-in's FILE:LINE"
ok "alive '$BP_MASTER'" "the master keeps running"
is "$(count_bptest)" 1 "only the good app's process runs"
