/*
 * ctl_proto: the request codec of the control socket and target matching,
 * shared by bluepillctl (which encodes) and the worker (which decodes
 * whatever a peer sends, so decoding trusts nothing).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ctl_proto.h"

/* clang-format off */
static const struct {
	enum ctl_cmd	 cmd;
	const char	*name;
} ctl_proto_cmds[] = {
	{ CTL_CMD_STATUS,	"status" },
	{ CTL_CMD_START,	"start" },
	{ CTL_CMD_STOP,		"stop" },
	{ CTL_CMD_RESTART,	"restart" },
	{ CTL_CMD_UNMONITOR,	"unmonitor" },
	{ CTL_CMD_LOG,		"log" },
	{ CTL_CMD_QUIT,		"quit" },
	{ CTL_CMD_RELOAD,	"reload" },
	{ CTL_CMD_VERSION,	"version" },
};
/* clang-format on */

#define CTL_PROTO_NCMDS (sizeof(ctl_proto_cmds) / sizeof(ctl_proto_cmds[0]))

/* Returns the wire name of cmd, or NULL for an unknown command. */
const char *
ctl_cmd_name(enum ctl_cmd cmd)
{
	size_t i;

	for (i = 0; i < CTL_PROTO_NCMDS; i++)
		if (ctl_proto_cmds[i].cmd == cmd)
			return ctl_proto_cmds[i].name;
	return NULL;
}

/* Returns the command whose wire name is s, or CTL_CMD_NONE. */
enum ctl_cmd
ctl_cmd_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return CTL_CMD_NONE;
	for (i = 0; i < CTL_PROTO_NCMDS; i++)
		if (strcmp(ctl_proto_cmds[i].name, s) == 0)
			return ctl_proto_cmds[i].cmd;
	return CTL_CMD_NONE;
}

/* Copies a short reason into err, if the caller gave room for one. */
static int
ctl_proto_fail(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0) {
		strncpy(err, why, errlen - 1);
		err[errlen - 1] = '\0';
	}
	return -1;
}

/*
 * Checks the target grammar: "", "name", "group", "group:name" or ":name"
 * (an ungrouped process, for when a name equals a group's); one colon at
 * most, a non-empty name after it, printable bytes only.
 */
static int
ctl_proto_target_valid(const char *s, size_t len)
{
	const char *colon;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	if ((colon = memchr(s, ':', len)) == NULL)
		return 1;
	if (memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) != NULL)
		return 0;
	return colon + 1 < s + len;
}

/* Reads an integer member that must fit a uint32_t. */
static int
ctl_proto_get_u32(const json_t *v, uint32_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* Decodes one request line strictly; see ctl_proto.h for the format. */
int
ctl_request_decode(const char *buf, size_t len, struct ctl_request *req,
    char *err, size_t errlen)
{
	json_t *root, *v;
	json_error_t jerr;
	const char *key, *s;
	int have_v = 0, have_cmd = 0, rc = -1;
	const char *why = "malformed request";

	if (req == NULL)
		return ctl_proto_fail(err, errlen, "no request");
	memset(req, 0, sizeof(*req));
	if (buf == NULL || len == 0)
		return ctl_proto_fail(err, errlen, "empty request");
	if (len > CTL_REQ_MAX)
		return ctl_proto_fail(err, errlen, "request too long");
	if (buf[len - 1] == '\n')
		len--;
	/* The limit counts the newline, whether or not the peer sent one. */
	if (len > CTL_REQ_MAX - 1)
		return ctl_proto_fail(err, errlen, "request too long");
	/* One line: no embedded newline, and no NUL that would cut a string. */
	if (len == 0 || memchr(buf, '\0', len) != NULL ||
	    memchr(buf, '\n', len) != NULL)
		return ctl_proto_fail(err, errlen, "malformed request");

	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return ctl_proto_fail(err, errlen, "malformed JSON");
	if (!json_is_object(root)) {
		why = "request is not an object";
		goto out;
	}
	json_object_foreach(root, key, v)
	{
		if (strcmp(key, "v") == 0) {
			if (!json_is_integer(v) ||
			    json_integer_value(v) != CTL_PROTO_VERSION) {
				why = "unsupported protocol version";
				goto out;
			}
			req->version = CTL_PROTO_VERSION;
			have_v = 1;
		} else if (strcmp(key, "cmd") == 0) {
			if (!json_is_string(v) ||
			    (req->cmd = ctl_cmd_parse(json_string_value(v))) ==
			        CTL_CMD_NONE) {
				why = "unknown command";
				goto out;
			}
			have_cmd = 1;
		} else if (strcmp(key, "target") == 0) {
			size_t tlen;

			if (!json_is_string(v)) {
				why = "target is not a string";
				goto out;
			}
			s = json_string_value(v);
			tlen = json_string_length(v);
			if (tlen >= sizeof(req->target)) {
				why = "target too long";
				goto out;
			}
			if (!ctl_proto_target_valid(s, tlen)) {
				why = "invalid target";
				goto out;
			}
			memcpy(req->target, s, tlen);
			req->target[tlen] = '\0';
		} else if (strcmp(key, "timeout_ms") == 0) {
			if (ctl_proto_get_u32(v, &req->timeout_ms) == -1) {
				why = "invalid timeout_ms";
				goto out;
			}
		} else if (strcmp(key, "follow_ms") == 0) {
			if (ctl_proto_get_u32(v, &req->follow_ms) == -1) {
				why = "invalid follow_ms";
				goto out;
			}
		} else {
			why = "unknown key in request";
			goto out;
		}
	}
	if (!have_v) {
		why = "missing protocol version";
		goto out;
	}
	if (!have_cmd) {
		why = "missing command";
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	if (rc == -1) {
		memset(req, 0, sizeof(*req));
		return ctl_proto_fail(err, errlen, why);
	}
	return 0;
}

/*
 * Encodes req as one line.  timeout_ms goes out with every action and
 * follow_ms with log even when 0, so the worker never guesses a default.
 */
char *
ctl_request_encode(const struct ctl_request *req)
{
	json_t *root;
	const char *name;
	char *line = NULL, *out = NULL;
	size_t len, tlen;
	int action;

	if (req == NULL || (name = ctl_cmd_name(req->cmd)) == NULL)
		return NULL;
	tlen = strnlen(req->target, sizeof(req->target));
	if (tlen == sizeof(req->target))
		return NULL;
	if ((root = json_object()) == NULL)
		return NULL;
	action = req->cmd == CTL_CMD_START || req->cmd == CTL_CMD_STOP ||
	    req->cmd == CTL_CMD_RESTART || req->cmd == CTL_CMD_UNMONITOR;
	if (json_object_set_new(root, "v", json_integer(CTL_PROTO_VERSION)) ||
	    json_object_set_new(root, "cmd", json_string(name)))
		goto out;
	if (tlen > 0 &&
	    json_object_set_new(root, "target",
	        json_stringn(req->target, tlen)))
		goto out;
	if ((action || req->timeout_ms != 0) &&
	    json_object_set_new(root, "timeout_ms",
	        json_integer((json_int_t)req->timeout_ms)))
		goto out;
	if ((req->cmd == CTL_CMD_LOG || req->follow_ms != 0) &&
	    json_object_set_new(root, "follow_ms",
	        json_integer((json_int_t)req->follow_ms)))
		goto out;
	if ((line = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	len = strlen(line);
	if (len + 1 > CTL_REQ_MAX || (out = malloc(len + 2)) == NULL)
		goto out;
	memcpy(out, line, len);
	out[len] = '\n';
	out[len + 1] = '\0';
out:
	free(line);
	json_decref(root);
	return out;
}

/* Tells whether the process group:name (group "" = none) is selected. */
int
ctl_target_match(const char *target, const char *group, const char *name)
{
	const char *colon;
	size_t glen;

	if (group == NULL)
		group = "";
	if (name == NULL)
		return 0;
	if (target == NULL || *target == '\0')
		return 1;
	if ((colon = strchr(target, ':')) != NULL) {
		glen = (size_t)(colon - target);
		return strlen(group) == glen &&
		    strncmp(target, group, glen) == 0 &&
		    strcmp(colon + 1, name) == 0;
	}
	/* A bare word selects a whole group and any process of that name. */
	return (*group != '\0' && strcmp(target, group) == 0) ||
	    strcmp(target, name) == 0;
}
