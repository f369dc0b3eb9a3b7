#!/bin/sh
# worker.sh: each app's worker runs under a uid of its own (not root, not
# a managed uid, no account's, stable across restarts of bluepilld) with
# no capabilities and no way to regain them.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 22

write_conf wa <<EOF
log_file = "$T/wa.log";
processes = ( { name = "p"; uid = "nobody"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; } );
EOF
write_conf wb <<EOF
log_file = "$T/wb.log";
processes = ( { name = "p"; uid = "daemon"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; } );
EOF
start_daemon || bail_out "bluepilld did not start"
wait_for "wa:p up" 10 up_with_new_pid wa p
wait_for "wb:p up" 10 up_with_new_pid wb p

diag "master $BP_MASTER; its children:"
for c in $(children_of "$BP_MASTER"); do
	diag "  $c: $(cmdline_of "$c") (exe $(readlink "/proc/$c/exe"))"
done
is "$(worker_pids | wc -l)" 2 "the master has two worker children"
wa=$(worker_pid wa)
wb=$(worker_pid wb)
ok "[ -n '$wa' ] && [ -n '$wb' ] && [ '$wa' != '$wb' ]" \
    "each app's worker is found by its command line"
diag "workers: wa=$wa ($(cmdline_of "$wa")) wb=$wb ($(cmdline_of "$wb"))"

# check_worker APP PID: the tests on one worker.
check_worker() {
	u=$(status_field "$2" Uid)
	set -- "$1" "$2" $u
	ok "[ -n '$3' ] && [ '$3' = '$4' ] && [ '$3' = '$5' ] && [ '$3' = '$6' ]" \
	    "$1: real, effective, saved and fs uid agree ($u)"
	ok "[ -n '$3' ] && [ '$3' != 0 ] && [ '$3' != 65534 ] && [ '$3' != 1 ]" \
	    "$1: worker uid $3 is neither root nor a managed uid"
	ok "[ -n '$3' ] && ! getent passwd '$3'" "$1: no account uses uid $3"
	is "$(status_field "$2" Groups)" "" "$1: no supplementary groups"
	is "$(status_field "$2" CapEff) $(status_field "$2" CapPrm)" \
	    "0000000000000000 0000000000000000" "$1: no effective or permitted caps"
	is "$(status_field "$2" CapBnd)" 0000000000000000 "$1: empty bounding set"
	is "$(status_field "$2" CapInh) $(status_field "$2" CapAmb)" \
	    "0000000000000000 0000000000000000" "$1: no inheritable or ambient caps"
	is "$(status_field "$2" NoNewPrivs)" 1 "$1: no_new_privs is set"
}
check_worker wa "$wa"
check_worker wb "$wb"
uwa=$(status_field "$wa" Uid | awk '{ print $1 }')
uwb=$(status_field "$wb" Uid | awk '{ print $1 }')
ok "[ -n '$uwa' ] && [ '$uwa' != '$uwb' ]" "the two workers have different uids ($uwa, $uwb)"
ok "[ -n '$uwa$uwb' ] && [ '$uwa' != 0 ] && [ '$uwb' != 0 ]" "neither worker is root"

# Stable across a restart of bluepilld.
stop_daemon || diag "bluepilld needed KILL"
start_daemon || bail_out "bluepilld did not start again"
wa2=$(worker_pid wa)
wb2=$(worker_pid wb)
is "$(status_field "$wa2" Uid | awk '{ print $1 }')" "${uwa:-unknown}" \
    "wa's worker uid is the same after a restart of bluepilld"
is "$(status_field "$wb2" Uid | awk '{ print $1 }')" "${uwb:-unknown}" \
    "wb's worker uid is the same after a restart of bluepilld"
