/*
 * test_ctl: the control request codec, target matching and bluepillctl's
 * renderers, fed fixed input and compared with fixed text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "ctl_proto.h"
#include "ctl_render.h"

/* The renderer under test, as a function of the reply alone. */
typedef int (*render_fn)(FILE *, const json_t *);

/* Runs a renderer on a JSON text; returns its output (malloc'd) and rc. */
static char *
render(render_fn fn, const char *text, int *rc)
{
	json_error_t jerr;
	json_t *reply;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	reply = json_loads(text, 0, &jerr);
	if (reply == NULL)
		fail_msg("bad fixture: %s", jerr.text);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	*rc = fn(fp, reply);
	fclose(fp);
	json_decref(reply);
	return out;
}

/* Asserts that a renderer accepts text and prints exactly expect. */
static void
assert_renders(render_fn fn, const char *text, const char *expect)
{
	int rc;
	char *out = render(fn, text, &rc);

	assert_int_equal(rc, 0);
	assert_string_equal(out, expect);
	free(out);
}

/* Asserts that a renderer refuses text and prints nothing. */
static void
assert_refuses(render_fn fn, const char *text)
{
	int rc;
	char *out = render(fn, text, &rc);

	assert_int_equal(rc, -1);
	assert_string_equal(out, "");
	free(out);
}

/* Decodes s (a C string) and returns decode's result. */
static int
decode(const char *s, struct ctl_request *req, char *err, size_t errlen)
{
	return ctl_request_decode(s, strlen(s), req, err, errlen);
}

/* Every command survives encode then decode unchanged. */
static void
test_codec_roundtrip(void **state)
{
	static const enum ctl_cmd cmds[] = { CTL_CMD_STATUS, CTL_CMD_START,
		CTL_CMD_STOP, CTL_CMD_RESTART, CTL_CMD_UNMONITOR, CTL_CMD_LOG,
		CTL_CMD_QUIT, CTL_CMD_RELOAD, CTL_CMD_VERSION };
	static const char *targets[] = { "", "web", "web:unicorn", ":solo" };
	struct ctl_request in, out;
	char err[64], *line;
	size_t i, t;

	(void)state;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
			memset(&in, 0, sizeof(in));
			in.version = CTL_PROTO_VERSION;
			in.cmd = cmds[i];
			strcpy(in.target, targets[t]);
			in.timeout_ms = (uint32_t)(i * 1000 + t);
			in.follow_ms = i == 5 ? UINT32_MAX : 0;
			line = ctl_request_encode(&in);
			assert_non_null(line);
			assert_int_equal(line[strlen(line) - 1], '\n');
			/* One line: the newline is the last byte only. */
			assert_ptr_equal(strchr(line, '\n'),
			    line + strlen(line) - 1);
			assert_int_equal(decode(line, &out, err, sizeof(err)),
			    0);
			assert_memory_equal(&in, &out, sizeof(in));
			/* Without its newline too. */
			assert_int_equal(ctl_request_decode(line,
			                     strlen(line) - 1, &out, err,
			                     sizeof(err)),
			    0);
			assert_memory_equal(&in, &out, sizeof(in));
			free(line);
		}
	}
}

/* The encoder's exact output, as the header documents it. */
static void
test_codec_encode_exact(void **state)
{
	struct ctl_request req;
	char *line;

	(void)state;
	memset(&req, 0, sizeof(req));
	req.version = 1;
	req.cmd = CTL_CMD_STOP;
	strcpy(req.target, "web:unicorn");
	req.timeout_ms = 60000;
	line = ctl_request_encode(&req);
	assert_string_equal(line,
	    "{\"v\":1,\"cmd\":\"stop\",\"target\":\"web:unicorn\","
	    "\"timeout_ms\":60000}\n");
	free(line);

	memset(&req, 0, sizeof(req));
	req.cmd = CTL_CMD_STATUS;
	line = ctl_request_encode(&req);
	assert_string_equal(line, "{\"v\":1,\"cmd\":\"status\"}\n");
	free(line);

	memset(&req, 0, sizeof(req));
	req.cmd = CTL_CMD_LOG;
	line = ctl_request_encode(&req);
	assert_string_equal(line,
	    "{\"v\":1,\"cmd\":\"log\",\"follow_ms\":0}\n");
	free(line);

	/* Unknown commands and unterminated targets are not encoded. */
	memset(&req, 0, sizeof(req));
	assert_null(ctl_request_encode(&req));
	req.cmd = (enum ctl_cmd)99;
	assert_null(ctl_request_encode(&req));
	req.cmd = CTL_CMD_STATUS;
	memset(req.target, 'a', sizeof(req.target));
	assert_null(ctl_request_encode(&req));
	assert_null(ctl_request_encode(NULL));
}

/* Command names map both ways and nothing else parses. */
static void
test_codec_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(ctl_cmd_name(CTL_CMD_UNMONITOR), "unmonitor");
	assert_null(ctl_cmd_name(CTL_CMD_NONE));
	assert_int_equal(ctl_cmd_parse("version"), CTL_CMD_VERSION);
	assert_int_equal(ctl_cmd_parse("Status"), CTL_CMD_NONE);
	assert_int_equal(ctl_cmd_parse("apps"), CTL_CMD_NONE);
	assert_int_equal(ctl_cmd_parse(""), CTL_CMD_NONE);
	assert_int_equal(ctl_cmd_parse(NULL), CTL_CMD_NONE);
}

/* Each malformed request is refused, with a reason and a zeroed result. */
static void
test_codec_rejects(void **state)
{
	static const char *bad[] = {
		"{\"v\":2,\"cmd\":\"status\"}",
		"{\"v\":0,\"cmd\":\"status\"}",
		"{\"v\":\"1\",\"cmd\":\"status\"}",
		"{\"v\":1.0,\"cmd\":\"status\"}",
		"{\"v\":true,\"cmd\":\"status\"}",
		"{\"cmd\":\"status\"}",
		"{\"v\":1}",
		"{\"v\":1,\"cmd\":\"apps\"}",
		"{\"v\":1,\"cmd\":\"STATUS\"}",
		"{\"v\":1,\"cmd\":7}",
		"{\"v\":1,\"cmd\":null}",
		"{\"v\":1,\"cmd\":\"status\",\"extra\":1}",
		"{\"v\":1,\"cmd\":\"status\",\"Target\":\"x\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":5}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":null}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":[\"x\"]}",
		"{\"v\":1,\"cmd\":\"stop\",\"timeout_ms\":\"5\"}",
		"{\"v\":1,\"cmd\":\"stop\",\"timeout_ms\":-1}",
		"{\"v\":1,\"cmd\":\"stop\",\"timeout_ms\":4294967296}",
		"{\"v\":1,\"cmd\":\"stop\",\"timeout_ms\":1.5}",
		"{\"v\":1,\"cmd\":\"log\",\"follow_ms\":-5}",
		"{\"v\":1,\"cmd\":\"log\",\"follow_ms\":false}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"we\\nb\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"we\\u001bb\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"web\\u007f\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"a:b:c\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"web:\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\":\"}",
		"{\"v\":1,\"cmd\":\"status\",\"target\":\"a\\u0000b\"}",
		"{\"v\":1,\"cmd\":\"status\",\"cmd\":\"stop\"}",
		"[\"v\",1]",
		"\"status\"",
		"42",
		"null",
		"garbage",
		"{\"v\":1,\"cmd\":\"status\"",
		"{\"v\":1,\"cmd\":\"status\"}x",
		"{\"v\":1,\"cmd\":\"status\"}{}",
		"{\"v\":1,\"cmd\":\"status\"}\n\n",
		"{\"v\":1,\n\"cmd\":\"status\"}",
		"\n",
		"",
	};
	struct ctl_request req;
	char err[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&req, 0xa5, sizeof(req));
		err[0] = '\0';
		if (decode(bad[i], &req, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_int_equal(req.cmd, CTL_CMD_NONE);
		assert_int_equal(req.target[0], '\0');
	}
	/* A NUL inside the buffer, even after a valid object. */
	{
		const char nul[] = "{\"v\":1,\"cmd\":\"status\"}\0\n";

		assert_int_equal(ctl_request_decode(nul, sizeof(nul) - 1, &req,
		                     err, sizeof(err)),
		    -1);
	}
	/* Errors are optional, and a NULL buffer is refused. */
	assert_int_equal(ctl_request_decode(NULL, 5, &req, NULL, 0), -1);
	assert_int_equal(decode("{}", &req, NULL, 0), -1);
}

/* Length limits: the target array and CTL_REQ_MAX. */
static void
test_codec_limits(void **state)
{
	struct ctl_request req;
	char err[64], target[sizeof(req.target) + 1], *buf;
	size_t n;
	int len;

	(void)state;
	/* Exactly sizeof(target) - 1 bytes fits, one more does not. */
	memset(target, 'x', sizeof(target));
	target[sizeof(req.target) - 1] = '\0';
	buf = malloc(CTL_REQ_MAX * 2);
	assert_non_null(buf);
	snprintf(buf, CTL_REQ_MAX,
	    "{\"v\":1,\"cmd\":\"status\",\"target\":\"%s\"}", target);
	assert_int_equal(decode(buf, &req, err, sizeof(err)), 0);
	assert_int_equal(strlen(req.target), sizeof(req.target) - 1);
	target[sizeof(req.target) - 1] = 'x';
	target[sizeof(req.target)] = '\0';
	snprintf(buf, CTL_REQ_MAX,
	    "{\"v\":1,\"cmd\":\"status\",\"target\":\"%s\"}", target);
	assert_int_equal(decode(buf, &req, err, sizeof(err)), -1);
	assert_string_equal(err, "target too long");

	/* Padding with spaces: CTL_REQ_MAX with the newline is fine. */
	len = snprintf(buf, CTL_REQ_MAX, "{\"v\":1,\"cmd\":\"status\"");
	n = (size_t)len;
	while (n < CTL_REQ_MAX - 2)
		buf[n++] = ' ';
	buf[n++] = '}';
	buf[n++] = '\n';
	assert_int_equal(n, CTL_REQ_MAX);
	assert_int_equal(ctl_request_decode(buf, n, &req, err, sizeof(err)), 0);
	assert_int_equal(req.cmd, CTL_CMD_STATUS);
	/* One byte more is too long, newline or not. */
	memmove(buf + len + 1, buf + len, n - (size_t)len);
	buf[len] = ' ';
	assert_int_equal(ctl_request_decode(buf, n + 1, &req, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "request too long");
	assert_int_equal(ctl_request_decode(buf, n, &req, err, sizeof(err)),
	    -1);

	/* A short err buffer still gets a terminated reason. */
	assert_int_equal(decode("nope", &req, err, 4), -1);
	assert_int_equal(strlen(err), 3);
	free(buf);
}

/* Target selection: all, group, name anywhere, group:name, :name. */
static void
test_target_match(void **state)
{
	(void)state;
	assert_true(ctl_target_match("", "web", "unicorn"));
	assert_true(ctl_target_match(NULL, "", "solo"));
	assert_true(ctl_target_match("web", "web", "unicorn"));
	assert_true(ctl_target_match("web", "web", "nginx"));
	assert_false(ctl_target_match("web", "jobs", "cron"));
	assert_true(ctl_target_match("unicorn", "web", "unicorn"));
	assert_true(ctl_target_match("unicorn", "other", "unicorn"));
	assert_true(ctl_target_match("solo", "", "solo"));
	assert_true(ctl_target_match("solo", NULL, "solo"));
	assert_true(ctl_target_match("web:unicorn", "web", "unicorn"));
	assert_false(ctl_target_match("web:unicorn", "other", "unicorn"));
	assert_false(ctl_target_match("web:unicorn", "web", "nginx"));
	assert_false(ctl_target_match("we:unicorn", "web", "unicorn"));
	assert_false(ctl_target_match("web:unicor", "web", "unicorn"));
	assert_false(ctl_target_match("nothing", "web", "unicorn"));
	assert_false(ctl_target_match("unicorn", "web", NULL));
	/* An ungrouped process never matches a group word of "". */
	assert_false(ctl_target_match("web", "", "unicorn"));
	/* ":name" is an ungrouped process only. */
	assert_true(ctl_target_match(":solo", "", "solo"));
	assert_false(ctl_target_match(":solo", "web", "solo"));
	/* A name equal to a group's selects the group and that process. */
	assert_true(ctl_target_match("web", "web", "nginx"));
	assert_true(ctl_target_match("web", "", "web"));
	assert_true(ctl_target_match("web", "jobs", "web"));
	assert_false(ctl_target_match("web", "jobs", "cron"));
	assert_true(ctl_target_match(":web", "", "web"));
	assert_false(ctl_target_match(":web", "web", "nginx"));
}

static const char status_reply[] =
    "{\"v\":1,\"exit\":0,\"app\":\"shop\",\"processes\":["
    "{\"name\":\"unicorn\",\"group\":\"web\",\"pid\":4211,\"state\":\"up\","
    " \"since\":1764290000,\"restarts\":2,\"memory\":10485760,\"cpu\":1.5,"
    " \"children\":[{\"pid\":4230,\"state\":\"up\",\"memory\":1024,"
    "  \"cpu\":0.0},{\"pid\":4231,\"state\":\"up\"}]},"
    "{\"name\":\"sidekiq\",\"group\":null,\"pid\":4300,"
    " \"state\":\"starting\",\"since\":1764290100},"
    "{\"name\":\"nginx\",\"group\":\"web\",\"pid\":4200,\"state\":\"up\","
    " \"since\":1764289000,\"restarts\":0,\"memory\":2048,\"cpu\":0},"
    "{\"name\":\"cron\",\"group\":\"jobs\",\"pid\":0,"
    " \"state\":\"unmonitored\",\"since\":0,\"children\":[]},"
    "{\"name\":\"mailer\",\"pid\":0,\"state\":\"down\"}]}";

/* The Ruby-compatible listing, blocks in order of first appearance. */
static void
test_render_status(void **state)
{
	(void)state;
	assert_renders(ctl_render_status, status_reply,
	    "web:\n"
	    "  unicorn(pid:4211): up\n"
	    "    <child(pid:4230)>: up\n"
	    "    <child(pid:4231)>: up\n"
	    "  nginx(pid:4200): up\n"
	    "\n"
	    "sidekiq(pid:4300): starting\n"
	    "mailer(pid:): down\n"
	    "\n"
	    "jobs:\n"
	    "  cron(pid:): unmonitored\n"
	    "\n");
	/* Ungrouped first, and nothing at all for no processes. */
	assert_renders(ctl_render_status,
	    "{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\"},"
	    "{\"name\":\"b\",\"group\":\"g\",\"pid\":2,\"state\":\"down\","
	    "\"children\":[{\"pid\":0,\"state\":\"up\"}]}]}",
	    "a(pid:1): up\n"
	    "\n"
	    "g:\n"
	    "  b(pid:2): down\n"
	    "    <child(pid:)>: up\n"
	    "\n");
	assert_renders(ctl_render_status, "{\"processes\":[]}", "");
	/* Control bytes from a peer never reach the terminal. */
	assert_renders(ctl_render_status,
	    "{\"processes\":[{\"name\":\"a\\u001b[2J\",\"pid\":1,"
	    "\"state\":\"up\\n\"}]}",
	    "a?[2J(pid:1): up?\n\n");
}

/* Event history, newest first, local time (TZ=UTC here). */
static void
test_render_history(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_renders(ctl_render_status,
	    "{\"processes\":[{\"name\":\"unicorn\",\"group\":\"web\","
	    "\"pid\":4211,\"state\":\"up\",\"children\":[{\"pid\":7,"
	    "\"state\":\"up\"}],\"history\":["
	    "{\"time\":1764290000,\"event\":\"starting -> up (started)\"},"
	    "{\"time\":1764289990,\"event\":\"down -> starting (start)\"},"
	    "{\"time\":1764200000,\"event\":\"up -> down (exited, status 1)\"}"
	    "]}]}",
	    "web:\n"
	    "  unicorn(pid:4211): up\n"
	    "    <child(pid:7)>: up\n"
	    "event history:\n"
	    "  starting -> up (started) at 11/28/2025 00:33:20\n"
	    "  down -> starting (start) at 11/28/2025 00:33:10\n"
	    "  up -> down (exited, status 1) at 11/26/2025 23:33:20\n"
	    "\n");
	assert_renders(ctl_render_status,
	    "{\"processes\":[{\"name\":\"solo\",\"pid\":0,\"state\":\"down\","
	    "\"history\":[]}]}",
	    "solo(pid:): down\n"
	    "event history:\n"
	    "\n");
}

/* Malformed status replies print nothing. */
static void
test_render_status_rejects(void **state)
{
	static const char *bad[] = {
		"[]",
		"{}",
		"{\"processes\":{}}",
		"{\"processes\":[1]}",
		"{\"processes\":[{\"pid\":1,\"state\":\"up\"}]}",
		"{\"processes\":[{\"name\":\"\",\"pid\":1,\"state\":\"up\"}]}",
		"{\"processes\":[{\"name\":\"a\",\"state\":\"up\"}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":-1,\"state\":\"up\"}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":\"1\",\"state\":\"up\"}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"group\":5}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"children\":{}}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"children\":[{\"pid\":1}]}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"history\":[{\"time\":\"x\",\"event\":\"e\"}]}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"memory\":\"big\"}]}",
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\","
		"\"restarts\":-3}]}",
		"{\"app\":7,\"processes\":[]}",
		/* A good process first: still nothing is printed. */
		"{\"processes\":[{\"name\":\"a\",\"pid\":1,\"state\":\"up\"},"
		"{\"name\":\"b\"}]}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_refuses(ctl_render_status, bad[i]);
	}
}

/* One line per action result, with pid and the unsettled mark. */
static void
test_render_results(void **state)
{
	(void)state;
	assert_renders(ctl_render_results,
	    "{\"v\":1,\"exit\":5,\"results\":["
	    "{\"name\":\"unicorn\",\"group\":\"web\",\"pid\":4211,"
	    "\"state\":\"up\",\"settled\":true},"
	    "{\"name\":\"solo\",\"group\":null,\"pid\":0,"
	    "\"state\":\"unmonitored\",\"settled\":true},"
	    "{\"name\":\"slow\",\"group\":\"jobs\",\"pid\":77,"
	    "\"state\":\"stopping\",\"settled\":false},"
	    "{\"name\":\"bare\",\"state\":\"down\"}]}",
	    "web:unicorn: up (pid 4211)\n"
	    "solo: unmonitored\n"
	    "jobs:slow: stopping (pid 77) (did not settle in time)\n"
	    "bare: down\n");
	assert_renders(ctl_render_results, "{\"results\":[]}", "");
	assert_refuses(ctl_render_results,
	    "{\"results\":[{\"name\":\"a\","
	    "\"state\":\"up\",\"settled\":1}]}");
	assert_refuses(ctl_render_results,
	    "{\"results\":[{\"name\":\"a\","
	    "\"state\":\"up\",\"pid\":-2}]}");
}

/* The Prometheus text exposition of the status fixture. */
static void
test_render_metrics(void **state)
{
	json_error_t jerr;
	json_t *reply;
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
#define L(g, p) "{app=\"shop\",group=\"" g "\",process=\"" p "\"}"
#define S(g, p, s) \
	"{app=\"shop\",group=\"" g "\",process=\"" p "\",state=\"" s "\"}"
#define STATES(g, p, u, d, st, up, sp, r)                                                                    \
	"bluepill_process_state" S(g, p,                                                                     \
	    "unmonitored") " " u "\n"                                                                        \
	                   "bluepill_process_state" S(g, p,                                                  \
	                       "down") " " d "\n"                                                            \
	                               "bluepill_process_state" S(g, p,                                      \
	                                   "starting") " " st "\n"                                           \
	                                               "bluepill_process_state" S(                           \
	                                                   g, p,                                             \
	                                                   "up") " " up "\n"                                 \
	                                                         "bluepill_process_state" S(                 \
	                                                             g, p,                                   \
	                                                             "stopping") " " sp                      \
	                                                                         "\n"                        \
	                                                                         "bluepill_process_state" S( \
	                                                                             g,                      \
	                                                                             p,                      \
	                                                                             "restarting") " " r     \
	                                                                                           "\n"
	static const char expect[] =
	    "# HELP bluepill_process_up Whether the process is up (1) or not (0).\n"
	    "# TYPE bluepill_process_up gauge\n"
	    "bluepill_process_up" L(
	        "web", "unicorn") " 1\n"
	                          "bluepill_process_up" L("",
	                              "sidekiq") " 0\n"
	                                         "bluepill_process_up" L("web",
	                                             "nginx") " 1\n"
	                                                      "bluepill_process_up" L(
	                                                          "jobs",
	                                                          "cron") " 0\n"
	                                                                  "bluepill_process_up" L(
	                                                                      "",
	                                                                      "mailer") " 0\n"
	                                                                                "# HELP bluepill_process_state The process's state: 1 for the current one, 0 for the others.\n"
	                                                                                "# TYPE bluepill_process_state gauge\n" STATES(
	                                                                                    "web",
	                                                                                    "unicorn",
	                                                                                    "0",
	                                                                                    "0",
	                                                                                    "0",
	                                                                                    "1",
	                                                                                    "0",
	                                                                                    "0") STATES("",
	                                                                                    "sidekiq",
	                                                                                    "0",
	                                                                                    "0",
	                                                                                    "1",
	                                                                                    "0",
	                                                                                    "0",
	                                                                                    "0")
	                                                                                    STATES(
	                                                                                        "web",
	                                                                                        "nginx",
	                                                                                        "0",
	                                                                                        "0",
	                                                                                        "0",
	                                                                                        "1",
	                                                                                        "0",
	                                                                                        "0") STATES("jobs", "cron", "1", "0", "0", "0", "0", "0") STATES("", "mailer", "0", "1", "0", "0", "0", "0") "# HELP bluepill_process_restarts_total Restarts of the process since its application was loaded.\n"
	                                                                                                                                                                                                     "# TYPE bluepill_process_restarts_total counter\n"
	                                                                                                                                                                                                     "bluepill_process_restarts_total" L("web", "unicorn") " 2\n"
	                                                                                                                                                                                                                                                           "bluepill_process_restarts_total" L(
	                                                                                                                                                                                                                                                               "",
	                                                                                                                                                                                                                                                               "sidekiq") " 0\n"
	                                                                                                                                                                                                                                                                          "bluepill_process_restarts_total" L("web",
	                                                                                                                                                                                                                                                                              "nginx") " 0\n"
	                                                                                                                                                                                                                                                                                       "bluepill_process_restarts_total" L("jobs", "cron") " 0\n"
	                                                                                                                                                                                                                                                                                                                                           "bluepill_process_restarts_total" L(
	                                                                                                                                                                                                                                                                                                                                               "", "mailer") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                             "# HELP bluepill_process_memory_bytes Resident memory of the process, in bytes.\n"
	                                                                                                                                                                                                                                                                                                                                                             "# TYPE bluepill_process_memory_bytes gauge\n"
	                                                                                                                                                                                                                                                                                                                                                             "bluepill_process_memory_bytes" L(
	                                                                                                                                                                                                                                                                                                                                                                 "web", "unicorn") " 10485760\n"
	                                                                                                                                                                                                                                                                                                                                                                                   "bluepill_process_memory_bytes" L(
	                                                                                                                                                                                                                                                                                                                                                                                       "", "sidekiq") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                      "bluepill_process_memory_bytes" L(
	                                                                                                                                                                                                                                                                                                                                                                                                          "web", "nginx") " 2048\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                          "bluepill_process_memory_bytes" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                              "jobs",
	                                                                                                                                                                                                                                                                                                                                                                                                                              "cron") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                      "bluepill_process_memory_bytes" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                          "",
	                                                                                                                                                                                                                                                                                                                                                                                                                                          "mailer") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                    "# HELP bluepill_process_cpu_percent CPU use of the process since the previous sample, in percent of one core.\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                    "# TYPE bluepill_process_cpu_percent gauge\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                    "bluepill_process_cpu_percent" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                        "web",
	                                                                                                                                                                                                                                                                                                                                                                                                                                                        "unicorn") " 1.5\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                   "bluepill_process_cpu_percent" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "",
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "sidekiq") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "bluepill_process_cpu_percent" L("web", "nginx") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                   "bluepill_process_cpu_percent" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "jobs",
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "cron") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                               "bluepill_process_cpu_percent" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                   "", "mailer") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "# HELP bluepill_process_uptime_seconds Seconds the process has been up; 0 when it is not up.\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "# TYPE bluepill_process_uptime_seconds gauge\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                 "bluepill_process_uptime_seconds" L("web", "unicorn") " 500\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                       "bluepill_process_uptime_seconds" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                           "", "sidekiq") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          "bluepill_process_uptime_seconds" L("web", "nginx") " 1500\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "bluepill_process_uptime_seconds" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "jobs",
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                  "cron") " 0\n"
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                          "bluepill_process_uptime_seconds" L(
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "",
	                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                                              "mailer") " 0\n";
#undef STATES
#undef S
#undef L

	reply = json_loads(status_reply, 0, &jerr);
	assert_non_null(reply);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(ctl_render_metrics(fp, reply, 1764290500), 0);
	fclose(fp);
	assert_string_equal(out, expect);
	free(out);
	json_decref(reply);
}

/* Label values are escaped; unknown states still get a series. */
static void
test_render_metrics_escape(void **state)
{
	json_error_t jerr;
	json_t *reply;
	char *out = NULL, buf[8];
	size_t len = 0;
	FILE *fp;

	(void)state;
	assert_int_equal(ctl_render_label(buf, sizeof(buf), "a\"b\\c\nd"), -1);
	assert_string_equal(buf, "");
	assert_int_equal(ctl_render_label(buf, sizeof(buf), "a\"b\\"), 0);
	assert_string_equal(buf, "a\\\"b\\\\");
	assert_int_equal(ctl_render_label(buf, sizeof(buf), "\n"), 0);
	assert_string_equal(buf, "\\n");

	reply = json_loads("{\"app\":\"s\\\"h\",\"processes\":[{\"name\":"
	                   "\"a\\\\b\",\"group\":\"g\\nh\",\"pid\":3,"
	                   "\"state\":\"weird\",\"memory\":1.25e3}]}",
	    0, &jerr);
	assert_non_null(reply);
	fp = open_memstream(&out, &len);
	assert_non_null(fp);
	assert_int_equal(ctl_render_metrics(fp, reply, 0), 0);
	fclose(fp);
	assert_non_null(strstr(out,
	    "\nbluepill_process_up{app=\"s\\\"h\",group=\"g\\nh\","
	    "process=\"a\\\\b\"} 0\n"));
	assert_non_null(strstr(out,
	    "\nbluepill_process_state{app=\"s\\\"h\",group=\"g\\nh\","
	    "process=\"a\\\\b\",state=\"weird\"} 1\n"));
	assert_non_null(strstr(out,
	    "\nbluepill_process_memory_bytes{app=\"s\\\"h\",group=\"g\\nh\","
	    "process=\"a\\\\b\"} 1250\n"));
	free(out);
	json_decref(reply);
}

/* -j output: the reply re-encoded, indented, without "exit". */
static void
test_render_json(void **state)
{
	(void)state;
	assert_renders(ctl_render_json,
	    "{\"v\":1,\"exit\":0,\"app\":\"shop\",\"processes\":["
	    "{\"name\":\"a\",\"group\":null,\"pid\":1}]}",
	    "{\n"
	    "  \"v\": 1,\n"
	    "  \"app\": \"shop\",\n"
	    "  \"processes\": [\n"
	    "    {\n"
	    "      \"name\": \"a\",\n"
	    "      \"group\": null,\n"
	    "      \"pid\": 1\n"
	    "    }\n"
	    "  ]\n"
	    "}\n");
	assert_refuses(ctl_render_json, "[1]");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_codec_encode_exact),
		cmocka_unit_test(test_codec_cmd_names),
		cmocka_unit_test(test_codec_rejects),
		cmocka_unit_test(test_codec_limits),
		cmocka_unit_test(test_target_match),
		cmocka_unit_test(test_render_status),
		cmocka_unit_test(test_render_history),
		cmocka_unit_test(test_render_status_rejects),
		cmocka_unit_test(test_render_results),
		cmocka_unit_test(test_render_metrics),
		cmocka_unit_test(test_render_metrics_escape),
		cmocka_unit_test(test_render_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
