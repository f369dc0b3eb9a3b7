/*
 * ctl_proto: the bluepillctl <-> worker protocol on <rundir>/<app>.sock.
 *
 * A SOCK_STREAM unix socket.  The worker checks the peer's credentials
 * (SO_PEERCRED) before reading: root, the app's uid and members of
 * ctl_groups are admitted; anyone else gets
 *	{"v":1,"exit":3,"error":"permission denied"}
 * and the connection is closed.
 *
 * Request: one JSON object on one line, at most CTL_REQ_MAX bytes with the
 * newline, sent within CTL_REQ_TIMEOUT_MS of connecting:
 *	{"v":1,"cmd":"stop","target":"web:unicorn","timeout_ms":60000}
 * "cmd" is one of status, start, stop, restart, unmonitor, log, quit,
 * reload, version; "target" (optional) a group, a process name or
 * group:process; "timeout_ms" (optional) bounds how long an action waits for
 * its targets to settle; "follow_ms" (log only) how long to follow, 0 =
 * until the client hangs up.
 *
 * Reply: JSON objects, one per line.  Every reply ends with an object that
 * has "exit" (bluepillctl's exit code, SPEC §5), after which the worker
 * closes the connection, except "log" which streams {"log":"line"} objects
 * until follow_ms passes or the client hangs up, then sends {"v":1,"exit":0}.
 *
 * status (and metrics, which bluepillctl renders from status):
 *	{"v":1,"exit":0,"app":"shop","processes":[
 *	  {"name":"unicorn","group":"web","pid":4211,"state":"up",
 *	   "since":1764290000,"restarts":0,"memory":10485760,"cpu":1.5,
 *	   "children":[{"pid":4230,"state":"up","memory":1024,"cpu":0.0}],
 *	   "history":[{"time":1764290000,"event":"down -> starting (start)"}]}]}
 * "group" is null when ungrouped; "pid" 0 when none; "since" and "time"
 * are Unix epoch seconds; "memory" bytes (RSS); "cpu" percent of one core
 * since the previous sample; "history" (newest first) only when the target
 * named exactly one process.  Processes are in configuration order.
 *
 * start, stop, restart, unmonitor:
 *	{"v":1,"exit":0,"results":[{"name":"unicorn","group":"web",
 *	  "pid":4211,"state":"up","settled":true}]}
 * exit 5 when any target did not settle in time (its "settled" is false).
 *
 * Errors: {"v":1,"exit":N,"error":"text"}: 1 malformed request or unknown
 * command, 4 target matched no process, 3 permission denied.
 *
 * version: {"v":1,"exit":0,"version":"x.y.z"}
 * quit:    {"v":1,"exit":0} then the worker exits (processes keep running).
 * reload:  {"v":1,"exit":0 or 6,"message":"text"} relayed from the master.
 */
#ifndef BP_CTL_PROTO_H
#define BP_CTL_PROTO_H

#define CTL_PROTO_VERSION 1
#define CTL_REQ_MAX 4096
#define CTL_REQ_TIMEOUT_MS 5000
#define CTL_MAX_CLIENTS 64
#define CTL_MAX_UID_CLIENTS 16 /* of one non-root uid */
#define CTL_DEFAULT_TIMEOUT_S 60

/* bluepillctl exit codes (SPEC §5). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_USAGE = 1,
	CTL_EXIT_NOAPP = 2,
	CTL_EXIT_PERM = 3,
	CTL_EXIT_NOMATCH = 4,
	CTL_EXIT_TIMEOUT = 5,
	CTL_EXIT_CONFIG = 6,
};

#include <stddef.h>
#include <stdint.h>
#include "bluepill.h"

enum ctl_cmd {
	CTL_CMD_NONE = 0,
	CTL_CMD_STATUS,
	CTL_CMD_START,
	CTL_CMD_STOP,
	CTL_CMD_RESTART,
	CTL_CMD_UNMONITOR,
	CTL_CMD_LOG,
	CTL_CMD_QUIT,
	CTL_CMD_RELOAD,
	CTL_CMD_VERSION,
};

/* A decoded request; target "" means every process. */
struct ctl_request {
	int version;
	enum ctl_cmd cmd;
	char target[2 * BP_NAME_MAX];
	uint32_t timeout_ms;
	uint32_t follow_ms;
};

/* Returns the wire name of cmd ("status", ...), or NULL. */
const char *ctl_cmd_name(enum ctl_cmd cmd);
/* Returns the command named s, or CTL_CMD_NONE. */
enum ctl_cmd ctl_cmd_parse(const char *s);
/*
 * Decodes one request line (without or with its newline): exact version,
 * known command, known keys only, bounded strings.  0, or -1 with a short
 * reason in err.
 */
int ctl_request_decode(const char *buf, size_t len, struct ctl_request *req,
    char *err, size_t errlen);
/* Encodes req as one JSON line ending in a newline; malloc'd, or NULL. */
char *ctl_request_encode(const struct ctl_request *req);
/*
 * Tells whether a process (group may be "") is selected by target: "" =
 * all, "group", "name" (in any group) or "group:name".
 */
int ctl_target_match(const char *target, const char *group, const char *name);

#endif /* BP_CTL_PROTO_H */
