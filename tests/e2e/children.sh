#!/bin/sh
# children.sh: monitor_children on bptest forker pools: the children are
# listed under their parent in status, a killed child leaves the listing
# and its replacement joins it, a child check that fires "stop" runs the
# stop_command for that child only, and stopping or restarting the parent
# leaves none of its children behind, even when the parent orphans them.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 19

O=$T/out
write_conf fam <<EOF
log_file = "$T/app.log";
processes = (
  { name = "pool"; group = "g"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "forker", "2" ];
    monitor_children = { stop_command = "kill -TERM {{PID}}"; }; },
  { name = "aging"; group = "g"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "forker", "2" ];
    monitor_children = {
      stop_command = [ "/bin/sh", "-c",
                       "echo {{PID}} >>$O/stopped; kill -TERM {{PID}}" ];
      checks = ( { type = "running_time"; below = "7s"; every = "250ms";
                   fires = "stop"; } );
    }; },
  { name = "keeper"; group = "g"; daemonize = true; start_grace_time = "1s";
    start_command = [ "$BPTEST", "forker", "2", "--keep-children" ];
    monitor_children = { stop_command = "kill -TERM {{PID}}"; }; }
);
EOF
start_daemon || bail_out "bluepilld did not start"
for p in pool aging keeper; do
	wait_for "$p up" 10 up_with_new_pid fam "g:$p" || bail_out "$p not up"
done
t_up=$(now_ms)
pool=$(proc_pid fam g:pool)
aging=$(proc_pid fam g:aging)
keeper=$(proc_pid fam g:keeper)

# Prints the child lines listed under process $1 (group:name) of fam.
child_lines() {
	ctl -a fam status 2>/dev/null | awk -v n="$1" '
	    /^[^ ]+:$/ { group = substr($0, 1, length($0) - 1); next }
	    /^ *[^ <]+\(pid:/ { line = $0; sub(/^ */, "", line);
		sub(/\(pid:.*/, "", line); cur = group ":" line; next }
	    /^ *<child\(pid:/ { if (cur == n) print; next }
	    { cur = "" }'
}

# Prints the sorted child pids listed under process $1.
listed() {
	child_lines "$1" | sed -n 's/.*<child(pid:\([0-9]*\))>.*/\1/p' | sort -n |
	    tr '\n' ' ' | sed 's/ $//'
}

# Prints the sorted live children of pid $1.
kids() {
	children_of "$1" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# Tells whether the listing under $1 shows exactly the live children of
# pid $2, and there are $3 of them.
listing_matches() {
	l=$(listed "$1")
	[ -n "$l" ] && [ "$l" = "$(kids "$2")" ] &&
	    [ "$(echo "$l" | wc -w)" -eq "$3" ]
}

# Prints the elapsed ms since $1.
since() {
	echo $(($(now_ms) - $1))
}

# The listing: both children of each pool, in Ruby bluepill's form.
wait_for "pool's children listed" 5 listing_matches g:pool "$pool" 2
el=$(since "$t_up")
ok "listing_matches g:pool $pool 2" "pool: its two children are listed"
diag "listed after $el ms: $(listed g:pool)"
between "$el" 0 3000 "pool: within about 2 s of the parent's start (+grace)"
lines=$(child_lines g:pool)
like "$lines" '^    <child\(pid:[0-9]+\)>: up$' \
    "pool: a child line reads '    <child(pid:N)>: up'"
is "$(echo "$lines" | grep -cvE '^    <child\(pid:[0-9]+\)>: up$')" 0 \
    "pool: every child line has that form"

# aging: keep child A, replace child B now, so A reaches running_time
# (7 s) a few seconds before B's replacement does.
wait_for "aging's children listed" 5 listing_matches g:aging "$aging" 2
set -- $(kids "$aging")
kid_a=$1
kid_b=$2
kill -KILL "$kid_b"

# Kill one of pool's children: gone from the listing, its replacement in.
set -- $(kids "$pool")
victim=$1
other=$2
kill -KILL "$victim"
t0=$(now_ms)
wait_for "victim out of the listing" 5 sh -c \
    "! $BLUEPILLCTL -r $T/run -a fam status | grep -q '<child(pid:$victim)>'"
ok $? "pool: a killed child leaves the listing"
wait_for "replacement listed" 5 listing_matches g:pool "$pool" 2
new=$(listed g:pool)
diag "pool children: $victim $other -> $new in $(since "$t0") ms"
ok "listing_matches g:pool $pool 2 && ! echo ' $new ' | grep -q ' $victim '" \
    "pool: the forker's replacement child is listed"
is "$(proc_pid fam g:pool)" "$pool" "pool: the parent keeps its pid"

# aging: B's replacement, listed; then the first child to reach 7 s is A,
# and its stop_command runs for it alone.
wait_for "aging's new child listed" 5 listing_matches g:aging "$aging" 2
kid_b2=$(kids "$aging" | tr ' ' '\n' | grep -vx "$kid_a")
wait_for "child A stopped" 12 gone "$kid_a"
ok $? "child check fires stop: child A is stopped"
after=$(kids "$aging")
is "$(tr '\n' ' ' <"$O/stopped" | sed 's/ $//')" "$kid_a" \
    "the children's stop_command ran for that child only"
is "$(proc_pid fam g:aging)" "$aging" "the parent keeps its pid"
# Born about 2 s after A, it is younger than 7 s still.
ok "alive '$kid_b2' && [ '$kid_b2' != '$kid_a' ] && [ '$kid_b2' != '$kid_b' ]" \
    "the other child stays (same pid)"
ok "grep -q 'fam:g:aging: child $kid_a: running_time fired stop' '$T/app.log'" \
    "the log names the child and the check"
diag "aging: A=$kid_a B=$kid_b -> after: $after (other: $kid_b2)"

# keeper orphans its children on TERM: bluepill must still end them.
wait_for "keeper's children listed" 5 listing_matches g:keeper "$keeper" 2
tree="$keeper $(descendants_of "$keeper")"
diag "keeper tree before stop: $tree"
ctl -a fam stop g:keeper >/dev/null 2>&1
is "$?" 0 "bluepillctl stop on the parent succeeds"
# Tells whether every pid given is gone.
all_gone() {
	for p in "$@"; do
		alive "$p" && return 1
	done
	return 0
}
wait_for "keeper's tree gone" 10 all_gone $tree
ok $? "stop: the parent and all its descendants are gone"
is "$(proc_state fam g:keeper)" unmonitored "stop: the parent is unmonitored"

ctl -a fam start g:keeper >/dev/null 2>&1
wait_for "keeper up again" 10 up_with_new_pid fam g:keeper "$keeper"
keeper=$(proc_pid fam g:keeper)
wait_for "keeper's children listed" 5 listing_matches g:keeper "$keeper" 2
tree="$keeper $(descendants_of "$keeper")"
diag "keeper tree before restart: $tree"
ctl -a fam restart g:keeper >/dev/null 2>&1
is "$?" 0 "bluepillctl restart on the parent succeeds"
wait_for "keeper's old tree gone" 10 all_gone $tree
ok $? "restart: none of the old children is left behind"
ok "up_with_new_pid fam g:keeper $keeper" "restart: the parent is up again"
wait_for "new children listed" 5 listing_matches g:keeper \
    "$(proc_pid fam g:keeper)" 2
ok $? "restart: the new parent's children are listed"
