#!/bin/sh
# fault-logforge.sh: text that reaches the logs from drop-ins, file names,
# processes and control clients cannot forge a line: newlines and control
# bytes are escaped, '%' is printed literally, every line of the app's log
# starts with its timestamp, and nothing crashes.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 20

forged='2020-01-01 00:00:00 bluepilld[1]: forged'
# A valid app whose commands and output carry '%' directives and newlines.
write_conf lf <<EOF
log_file = "$T/app.log";
processes = (
  { name = "w"; daemonize = true; stdout = "$T/out/w.out";
    stop_grace_time = "3s";
    start_command = "printf '%%s%%n%%x\\\\n$forged\\\\n'\\nexec $BPTEST sleep";
    stop_command = "printf '%%n%%s\\\\n$forged\\\\n'; kill {{PID}}; exit 3";
    checks = ( { type = "exec"; every = "1s"; times = 64;
      command = "printf '%%n%%s\\\\n$forged\\\\n'; exit 1"; } ); }
);
EOF
# Broken drop-ins whose errors quote hostile text, and a hostile file name.
write_conf badname <<EOF
processes = ( { name = "x\\n$forged%n%s"; start_command = "true"; } );
EOF
write_conf baduser <<EOF
uid = "no%s%n\\n$forged";
processes = ( { name = "x"; start_command = "true"; } );
EOF
evil=$(printf 'ev%%n%%s\n%s.conf' "$forged")
printf 'processes = ( { name = "x"; start_command = "true"; } );\n' \
    >"$T/conf.d/$evil"
chmod 0644 "$T/conf.d/$evil"
BP_APPS=lf
start_daemon -v || bail_out "bluepilld did not start"
wait_for "w up" 10 up_with_new_pid lf w
w=$(proc_pid lf w)
wait_for "its output" 5 grep -q forged "$T/out/w.out"
is "$(head -n 2 "$T/out/w.out")" "$(printf '%%s%%n%%x\n%s' "$forged")" \
    "the process wrote '%' directives and a newline, literally, to its stdout"

# An exec check whose command prints hostile text logs only its sample.
wait_for "a failing exec sample" 10 grep -q 'lf:w: exec: \[' "$T/app.log"
like "$(cat "$T/app.log")" 'lf:w: exec: \[.*\*\]' "a failing exec check is logged"
# A stop_command that prints hostile text and fails.
ctl stop w >/dev/null 2>&1
is "$?" 0 "stop with a failing, chatty stop_command exits 0"
wait_for "the stop_command's status" 5 grep -q 'lf:w: stop_command exited, status 3' "$T/app.log"
like "$(cat "$T/app.log")" 'lf:w: stop_command exited, status 3' \
    "the failing stop_command is logged by its status"
ctl start w >/dev/null 2>&1
is "$?" 0 "start exits 0"

# Control clients with hostile targets and app names.
target=$(printf 'a\n%s%%n%%s' "$forged")
ctl status "$target" >"$T/ctl1.out" 2>&1
is "$?" 1 "a target with a newline and '%n' is refused (exit 1)"
like "$(cat "$T/ctl1.out")" "invalid target" "the worker names it an invalid target"
ok "! grep -q '^2020-01-01' '$T/ctl1.out'" \
    "bluepillctl's error does not print the target's newline raw"
ctl -a "$(printf 'x%%n\n../lf')" status >"$T/ctl2.out" 2>&1
rc=$?
ok "[ '$rc' -ne 0 ] && [ '$rc' -ne 139 ]" \
    "an app name with a newline and '%n' is refused cleanly (exit $rc)"
# A reload whose error text quotes hostile values.
ctl reload >"$T/ctl3.out" 2>&1
is "$?" 6 "reload reports the broken drop-ins (exit 6)"
ok "! grep -q '^2020-01-01' '$T/ctl3.out'" \
    "the reload report has no line starting with the forged text"

ok "alive $BP_MASTER && alive \"\$(worker_pid lf)\"" \
    "the master and the worker are alive"

# The app's log: every line is one whole line with one timestamp prefix.
d='[0-9][0-9]'
stamp="^$d$d-$d-$d $d:$d:$d bluepilld\\[[0-9]+\\]: "
bad=$(grep -Evn "$stamp" "$T/app.log")
[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 5 | diag
is "$(printf '%s' "$bad" | grep -c .)" 0 \
    "every line of the app's log starts with the timestamp"
is "$(grep -c "^$forged" "$T/app.log")" 0 "no forged line in the app's log"
ok "grep -q '\\\\' '$T/app.log' || ! grep -qi forged '$T/app.log'" \
    "hostile text in the app's log is escaped, if present at all"

# The master's log (standard error with -d): lines of the master and of
# the worker, each starting "bluepilld[PID]: ".
ml=$T/bluepilld.log
bad=$(grep -Evn '^bluepilld\[[0-9]+\]: ' "$ml")
[ -z "$bad" ] || printf '%s\n' "$bad" | head -n 5 | diag
is "$(printf '%s' "$bad" | grep -c .)" 0 \
    "every line of the master's log starts with its prefix"
is "$(grep -c '^bluepilld\[1\]: forged' "$ml")" 0 \
    "no forged line in the master's log"
# (The loader escapes the newline as \x0a; the log keeps that escape as it
# is, with one backslash, as bluepilld -n prints it.)
like "$(cat "$ml")" 'unknown user "no%s%n\\x0a2020-01-01 00:00:00 bluepilld\[1\]: forged"' \
    "'%s%n' is logged literally and the newline escaped once"
like "$(cat "$ml")" 'ev%n%s\\x0a2020-01-01 00:00:00 bluepilld\[1\]: forged\.conf' \
    "a drop-in's file name is logged escaped once"

lost=0
wait_for "w up" 10 up_with_new_pid lf w "$w" || lost=1
is "$lost" 0 "w is up at the end"
if [ "$BP_NFAIL" -eq 0 ]; then r=pass; else r=FAIL; fi
diag "fault: log forging: $r: processes lost: $lost"
