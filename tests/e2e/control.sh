#!/bin/sh
# control.sh: every bluepillctl command and its exit code, target
# resolution, the exact status text, event history, JSON, metrics, log
# following, the socket's permission check and quit/reload.
. "$(dirname "$0")/lib.sh"
need_root
setup
plan 81

# The event history is rendered in local time: pin it.
TZ=UTC
export TZ

write_conf shop <<EOF
log_file = "$T/shop.log";
processes = (
  { name = "unicorn"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "sidekiq"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "worker"; group = "jobs"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "helper"; group = "web"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "mailer"; daemonize = true; auto_start = false;
    start_command = [ "$BPTEST", "sleep" ]; },
  { name = "helper"; group = "jobs"; daemonize = true;
    start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
write_conf other <<EOF
log_file = "$T/other.log";
ctl_groups = [ "daemon" ];
processes = (
  { name = "y"; daemonize = true; start_command = [ "$BPTEST", "sleep" ]; }
);
EOF
t_start=$(date +%s)
start_daemon || bail_out "bluepilld did not start"
for p in web:unicorn sidekiq jobs:worker web:helper jobs:helper; do
	wait_for "shop $p up" 10 up_with_new_pid shop "$p" ||
	    bail_out "shop $p did not come up"
done
wait_for "other y up" 10 up_with_new_pid other y ||
    bail_out "other y did not come up"

# sc ARGS: bluepillctl on app shop.
sc() {
	ctl -a shop "$@"
}

p_uni=$(proc_pid shop web:unicorn)
p_side=$(proc_pid shop sidekiq)
p_work=$(proc_pid shop jobs:worker)
p_whelp=$(proc_pid shop web:helper)
p_jhelp=$(proc_pid shop jobs:helper)

# ---------------------------------------------------------- applications

out=$(ctl status 2>&1)
is "$?" 1 "status without -a and two apps exits 1"
is "$out" "bluepillctl: several applications are running, choose one with -a:
other
shop" "... and lists the apps"
out=$(ctl apps 2>&1)
is "$?" 0 "apps exits 0"
is "$out" "other
shop" "apps lists both apps, sorted"
out=$(ctl -a nosuch status 2>&1)
is "$?" 2 "-a with an unknown app exits 2"
like "$out" 'application "nosuch" is not running' "... saying it is not running"
out=$(sc frobnicate 2>&1)
is "$?" 1 "an unknown command exits 1"
like "$out" '^usage: bluepillctl' "... and prints the usage"
out=$(sc version 2>&1)
is "$?" 0 "version exits 0"
v=$(printf '%s\n' "$out" | sed -n '1s/^bluepillctl //p')
is "$out" "bluepillctl $v
worker $v (shop)" "version prints bluepillctl's and the worker's"

# ---------------------------------------------------------------- status

expected="web:
  unicorn(pid:$p_uni): up
  helper(pid:$p_whelp): up

sidekiq(pid:$p_side): up
mailer(pid:): unmonitored

jobs:
  worker(pid:$p_work): up
  helper(pid:$p_jhelp): up
"
sc status >"$T/status.out" 2>&1
is "$?" 0 "status exits 0"
is "$(cat "$T/status.out"; echo x)" "$expected
x" "status: the exact listing (groups in order, ungrouped block, no pid)"

# One process: its line and its event history, newest first.
sc status web:unicorn >"$T/one.out" 2>&1
is "$?" 0 "status web:unicorn exits 0"
date_re='at [0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}$'
is "$(sed -n 1,3p "$T/one.out")" "web:
  unicorn(pid:$p_uni): up
event history:" "status PROCESS adds 'event history:' after the process"
like "$(sed -n 4p "$T/one.out")" "^  starting -> up \(started\) $date_re" \
    "the newest event comes first"
bad=$(sed -n '4,$p' "$T/one.out" | sed '$d' |
    grep -Ev "^  [a-z]+ -> [a-z]+ \(.+\) $date_re")
is "$bad" "" "every history line reads '  FROM -> TO (WHY) at DATE'"
like "$(sed -n 4p "$T/one.out")" " at $(date +%m/%d/%Y) " \
    "the history shows today's date"
is "$(tail -n 1 "$T/one.out")" "" "the block ends with an empty line"

# Targets: a group, a name in any group, group:name, :name.
is "$(sc status web 2>&1)" "web:
  unicorn(pid:$p_uni): up
  helper(pid:$p_whelp): up" "status GROUP lists that group only"
is "$(sc status helper 2>&1)" "web:
  helper(pid:$p_whelp): up

jobs:
  helper(pid:$p_jhelp): up" "status NAME lists that name in every group"
is "$(sc status jobs:helper 2>&1 | sed -n 1,3p)" "jobs:
  helper(pid:$p_jhelp): up
event history:" "status GROUP:NAME selects one process"
is "$(sc status :sidekiq 2>&1 | sed -n 1,2p)" "sidekiq(pid:$p_side): up
event history:" "status :NAME selects the ungrouped process"
out=$(sc status :helper 2>&1)
is "$?" 4 "status :helper (no ungrouped helper) exits 4"
out=$(sc status nosuch 2>&1)
is "$?" 4 "status of an unknown target exits 4"
like "$out" 'no process matches "nosuch"' "... saying it matched nothing"
sc stop nosuch:unicorn >/dev/null 2>&1
is "$?" 4 "stop GROUP:NAME with an unknown group exits 4"

# ------------------------------------------------------------------ JSON

if command -v python3 >/dev/null 2>&1 && python3 -c pass 2>/dev/null; then
	sc -j status >"$T/status.json" 2>&1
	is "$?" 0 "-j status exits 0"
	got=$(python3 - "$T/status.json" "$t_start" <<'PY'
import json, sys, time
d = json.load(open(sys.argv[1]))
t0, now = int(sys.argv[2]), int(time.time())
def isint(v):
    return isinstance(v, int) and not isinstance(v, bool)
print("v=%r app=%r exit=%s" % (d.get("v"), d.get("app"), "exit" in d))
for p in d["processes"]:
    since, mem, cpu = p.get("since"), p.get("memory"), p.get("cpu")
    kids = p.get("children")
    print(" ".join(str(x) for x in (
        p.get("name"), p.get("group"), p.get("pid"), p.get("state"),
        "since=" + ("ok" if isint(since) and t0 - 2 <= since <= now + 2
                    else repr(since)),
        "restarts=%r" % p.get("restarts"),
        "memory=" + (repr(mem) if not isint(mem) or mem <= 0 else ">0"),
        "cpu=" + ("ok" if isinstance(cpu, (int, float)) and
                  not isinstance(cpu, bool) and cpu >= 0 else repr(cpu)),
        "children=" + (str(len(kids)) if isinstance(kids, list)
                       else repr(kids)),
        "history=%s" % ("history" in p))))
PY
)
	is "$got" "v=1 app='shop' exit=False
unicorn web $p_uni up since=ok restarts=0 memory=>0 cpu=ok children=0 history=False
sidekiq None $p_side up since=ok restarts=0 memory=>0 cpu=ok children=0 history=False
worker jobs $p_work up since=ok restarts=0 memory=>0 cpu=ok children=0 history=False
helper web $p_whelp up since=ok restarts=0 memory=>0 cpu=ok children=0 history=False
mailer None 0 unmonitored since=ok restarts=0 memory=0 cpu=ok children=0 history=False
helper jobs $p_jhelp up since=ok restarts=0 memory=>0 cpu=ok children=0 history=False" \
	    "-j status: name, group, pid, state, since, restarts, memory, cpu, children"
	got=$(sc -j status :sidekiq 2>&1 | python3 -c '
import json, sys
p = json.load(sys.stdin)["processes"]
h = p[0]["history"]
print(len(p), len(h) >= 2, all(isinstance(e["time"], int) and
      isinstance(e["event"], str) for e in h), h[0]["event"])')
	is "$got" "1 True True starting -> up (started)" \
	    "-j status PROCESS has the history, newest first"
else
	skip 3 "python3 is not installed"
fi

# --------------------------------------------------------------- metrics

sc metrics >"$T/metrics.out" 2>&1
is "$?" 0 "metrics exits 0"
# The text exposition grammar, line by line; prints the lines that break it.
bad=$(awk '
    # Tells whether one line is a HELP, TYPE or sample line.
    function valid(line,    name) {
	if (line ~ /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/)
		return 1
	if (line ~ /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/) {
		if ($3 in typed)
			return 0
		typed[$3] = 1
		return 1
	}
	if (line ~ /^#/ || !match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/))
		return 0
	name = substr(line, 1, RLENGTH)
	line = substr(line, RLENGTH + 1)
	if (!(name in typed))
		return 0
	if (substr(line, 1, 1) == "{") {
		line = substr(line, 2)
		while (substr(line, 1, 1) != "}") {
			if (!match(line, /^[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\["\\n])*"/))
				return 0
			line = substr(line, RLENGTH + 1)
			if (substr(line, 1, 1) == ",")
				line = substr(line, 2)
			else if (substr(line, 1, 1) != "}")
				return 0
		}
		line = substr(line, 2)
	}
	return line ~ /^ [-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?$/ ||
	    line ~ /^ ([-+]?Inf|NaN)$/
    }
    !valid($0) { print NR ": " $0 }' "$T/metrics.out")
is "$bad" "" "metrics parses as Prometheus text (HELP/TYPE/sample lines)"
is "$(sed -n 's/^# TYPE //p' "$T/metrics.out")" "bluepill_process_up gauge
bluepill_process_state gauge
bluepill_process_restarts_total counter
bluepill_process_memory_bytes gauge
bluepill_process_cpu_percent gauge
bluepill_process_uptime_seconds gauge" "metrics: the six families and their types"
is "$(grep -v '^#' "$T/metrics.out" | sed 's/{.*//' | sort | uniq -c |
    awk '{ print $2, $1 }')" "bluepill_process_cpu_percent 6
bluepill_process_memory_bytes 6
bluepill_process_restarts_total 6
bluepill_process_state 36
bluepill_process_up 6
bluepill_process_uptime_seconds 6" "metrics: one sample per process (six per process for state)"
ok "grep -qx 'bluepill_process_up{app=\"shop\",group=\"web\",process=\"unicorn\"} 1' '$T/metrics.out'" \
    "metrics: up 1 with app, group and process labels"
ok "grep -qx 'bluepill_process_up{app=\"shop\",group=\"\",process=\"mailer\"} 0' '$T/metrics.out'" \
    "metrics: an ungrouped, unmonitored process: group=\"\", up 0"
is "$(grep '^bluepill_process_state{app="shop",group="",process="mailer"' \
    "$T/metrics.out" | awk '$NF == 1')" \
    'bluepill_process_state{app="shop",group="",process="mailer",state="unmonitored"} 1' \
    "metrics: exactly one state sample is 1, with a state label"
up_s=$(sed -n 's/^bluepill_process_uptime_seconds{app="shop",group="web",process="unicorn"} //p' \
    "$T/metrics.out")
between "$up_s" 0 $(($(date +%s) - t_start + 2)) "metrics: a plausible uptime"
is "$(sc metrics jobs:worker 2>&1 | grep -c '^bluepill_process_up{')" 1 \
    "metrics TARGET: only that process"

# ------------------------------------------------------------------- log

out=$(sc -t 1 log 2>&1)
is "$?" 0 "log -t 1 exits 0"
like "$out" '^shop:web:unicorn: starting -> up \(started\)$' \
    "log shows recent lines"
out=$(sc -t 1 log sidekiq 2>&1)
like "$out" 'shop:sidekiq: starting -> up' "log TARGET shows the target's lines"
is "$(printf '%s\n' "$out" | grep -vc 'shop:sidekiq: ')" 0 \
    "log TARGET shows no other process's lines"

t0=$(now_ms)
sc -t 4 log >"$T/follow.out" 2>&1 &
lp=$!
wait_for "log to print its recent lines" 5 grep -q 'unicorn: starting -> up' \
    "$T/follow.out"
n0=$(wc -l <"$T/follow.out")
out=$(sc stop jobs:worker 2>&1)
is "$?" 0 "stop exits 0"
is "$out" "jobs:worker: unmonitored" "stop prints the settled state, no pid"
ok "gone $p_work" "stop: the process is gone"
wait_for "the follower to see the stop" 5 sh -c \
    "sed '1,${n0}d' '$T/follow.out' | grep -q 'shop:jobs:worker: .* -> unmonitored'"
ok $? "log follows: the state change arrives while following"
wait "$lp"
is "$?" 0 "log -t 4 ends by itself with exit 0"
between $(($(now_ms) - t0)) 3500 9000 "log -t 4 follows for about 4 s"

# --------------------------------------------------------------- actions

out=$(sc start jobs:worker 2>&1)
is "$?" 0 "start exits 0"
like "$out" '^jobs:worker: up \(pid [0-9]+\)$' "start prints 'up (pid N)'"
p_work=$(proc_pid shop jobs:worker)
is "$out" "jobs:worker: up (pid $p_work)" "start: the printed pid is the status pid"
ok "alive $p_work" "start: the process runs"
sc restart worker >/dev/null 2>&1
is "$?" 0 "restart exits 0"
ok "up_with_new_pid shop jobs:worker $p_work && gone $p_work" \
    "restart: a new pid, the old one gone"
p_work=$(proc_pid shop jobs:worker)
out=$(sc unmonitor jobs 2>&1)
is "$?" 0 "unmonitor GROUP exits 0"
is "$out" "jobs:worker: unmonitored (pid $p_work)
jobs:helper: unmonitored (pid $p_jhelp)" "unmonitor: both members, pids kept"
ok "alive $p_work && alive $p_jhelp" "unmonitor: the processes keep running"
sc start jobs >/dev/null 2>&1
is "$?" 0 "start of unmonitored running processes exits 0"
is "$(proc_pid shop jobs:worker) $(proc_pid shop jobs:helper)" \
    "$p_work $p_jhelp" "start adopts them: same pids"

# ------------------------------------------------------------ permission

# as_daemon APP ARGS: runs bluepillctl as user daemon ten times; prints
# "COUNT EXIT OUTPUT" for each distinct outcome.
as_daemon() {
	local i app out
	app=$1
	shift
	for i in 1 2 3 4 5 6 7 8 9 10; do
		out=$(runuser -u daemon -- "$T/bluepillctl" -r "$T/run" \
		    -a "$app" "$@" 2>&1)
		echo "$? $out"
	done | sort | uniq -c | awk '{ $1 = $1; print }'
}

cp "$BLUEPILLCTL" "$T/bluepillctl"
chmod 0755 "$T/bluepillctl"
if command -v runuser >/dev/null 2>&1 && id daemon >/dev/null 2>&1; then
	# Ten tries each: the refusal races with the request being sent.
	is "$(as_daemon shop stop web:unicorn)" \
	    "10 3 bluepillctl: permission denied" \
	    "neither root, uid nor ctl_groups: exit 3, 'permission denied'"
	is "$(as_daemon shop status)" "10 3 bluepillctl: permission denied" \
	    "... even for status"
	is "$(proc_pid shop web:unicorn) $(proc_state shop web:unicorn)" \
	    "$p_uni up" "refused: state and pid unchanged"
	ok "alive $p_uni" "refused: the process still runs"
	p_y=$(proc_pid other y)
	out=$(runuser -u daemon -- "$T/bluepillctl" -r "$T/run" -a other \
	    stop y 2>&1)
	is "$?" 0 "a member of ctl_groups is admitted (stop exits 0)"
	ok "gone $p_y && state_is other y unmonitored" \
	    "... and the stop took effect"
	runuser -u daemon -- "$T/bluepillctl" -r "$T/run" -a other \
	    start y >/dev/null 2>&1
	is "$?" 0 "... start as a ctl_groups member exits 0"
	ok "up_with_new_pid other y $p_y" "... and y is up again"
else
	skip 8 "runuser or the user daemon is missing"
fi

# ---------------------------------------------------------- reload, quit

w_shop=$(worker_pid shop)
out=$(sc reload 2>&1)
is "$?" 0 "reload exits 0"
is "$out" "reloaded: 0 added, 0 changed, 0 removed, 0 refused" \
    "reload prints the master's summary"
is "$(worker_pid shop)" "$w_shop" "reload of unchanged drop-ins keeps the worker"

out=$(sc quit 2>&1)
is "$?" 0 "quit exits 0"
wait_for "shop's worker to exit" 5 gone "$w_shop"
ok $? "quit: the worker exits"
ok "alive $p_uni && alive $p_side && alive $p_whelp" \
    "quit: the app's processes keep running"
out=$(sc status 2>&1)
is "$?" 2 "after quit, status exits 2"
like "$out" 'application "shop" is not running' "... saying not running"
is "$(ctl apps 2>&1)" "other" "after quit, apps lists only the other app"
ctl -a other reload >/dev/null 2>&1
is "$?" 0 "reload (through the other app) exits 0"
wait_for "shop's worker back" 10 sc status
ok $? "reload brings the worker back"
w2=$(worker_pid shop)
ok "[ -n '$w2' ] && [ '$w2' != '$w_shop' ]" "... a new worker"
is "$(proc_pid shop web:unicorn) $(proc_state shop web:unicorn)" \
    "$p_uni up" "the new worker adopts the running process (same pid, up)"
is "$(proc_pid shop sidekiq) $(proc_pid shop web:helper)" \
    "$p_side $p_whelp" "... and the others"
