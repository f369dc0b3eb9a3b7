/*
 * ctl_render: bluepillctl's output formats, kept apart from the socket
 * code so tests can feed fixed replies and compare the text.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ctl_render.h"

/* The states a process can be in (SPEC §4), for bluepill_process_state. */
static const char *const ctl_render_states[] = {
	"unmonitored",
	"down",
	"starting",
	"up",
	"stopping",
	"restarting",
};

#define CTL_RENDER_NSTATES \
	(sizeof(ctl_render_states) / sizeof(ctl_render_states[0]))

/* Writes s with control bytes replaced, so no reply can drive a terminal. */
static void
ctl_render_puts(FILE *fp, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, fp);
	}
}

/* Tells whether v is absent or an integer in [0, max]. */
static int
ctl_render_int_ok(const json_t *v, json_int_t max)
{
	return v == NULL ||
	    (json_is_integer(v) && json_integer_value(v) >= 0 &&
	        json_integer_value(v) <= max);
}

/* Tells whether v is absent or a non-negative number. */
static int
ctl_render_num_ok(const json_t *v)
{
	return v == NULL || (json_is_number(v) && json_number_value(v) >= 0);
}

/* Returns the integer v or 0 when it is absent. */
static json_int_t
ctl_render_int(const json_t *v)
{
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* Returns a process's group, "" for none (null or absent). */
static const char *
ctl_render_group(const json_t *proc)
{
	const json_t *g = json_object_get(proc, "group");

	return json_is_string(g) ? json_string_value(g) : "";
}

/* Checks one child entry of a process. */
static int
ctl_render_child_ok(const json_t *child)
{
	return json_is_object(child) &&
	    json_is_integer(json_object_get(child, "pid")) &&
	    ctl_render_int_ok(json_object_get(child, "pid"), INT32_MAX) &&
	    json_is_string(json_object_get(child, "state")) &&
	    ctl_render_num_ok(json_object_get(child, "memory")) &&
	    ctl_render_num_ok(json_object_get(child, "cpu"));
}

/* Checks one history entry of a process. */
static int
ctl_render_event_ok(const json_t *ev)
{
	return json_is_object(ev) &&
	    json_is_integer(json_object_get(ev, "time")) &&
	    json_is_string(json_object_get(ev, "event"));
}

/* Checks every member of one process that the renderers read. */
static int
ctl_render_proc_ok(const json_t *proc)
{
	const json_t *v, *g, *e;
	size_t i;

	if (!json_is_object(proc))
		return 0;
	v = json_object_get(proc, "name");
	if (!json_is_string(v) || json_string_length(v) == 0)
		return 0;
	g = json_object_get(proc, "group");
	if (g != NULL && !json_is_null(g) && !json_is_string(g))
		return 0;
	v = json_object_get(proc, "pid");
	if (v == NULL || !ctl_render_int_ok(v, INT32_MAX))
		return 0;
	if (!json_is_string(json_object_get(proc, "state")))
		return 0;
	if (!ctl_render_int_ok(json_object_get(proc, "since"), INT64_MAX) ||
	    !ctl_render_int_ok(json_object_get(proc, "restarts"), INT64_MAX) ||
	    !ctl_render_num_ok(json_object_get(proc, "memory")) ||
	    !ctl_render_num_ok(json_object_get(proc, "cpu")))
		return 0;
	if ((v = json_object_get(proc, "children")) != NULL) {
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
		{
			if (!ctl_render_child_ok(e))
				return 0;
		}
	}
	if ((v = json_object_get(proc, "history")) != NULL) {
		if (!json_is_array(v))
			return 0;
		json_array_foreach(v, i, e)
		{
			if (!ctl_render_event_ok(e))
				return 0;
		}
	}
	return 1;
}

/* Returns the processes array of a well-formed status reply, or NULL. */
static const json_t *
ctl_render_status_procs(const json_t *reply)
{
	const json_t *procs, *p, *app;
	size_t i;

	if (!json_is_object(reply))
		return NULL;
	app = json_object_get(reply, "app");
	if (app != NULL && !json_is_string(app))
		return NULL;
	procs = json_object_get(reply, "processes");
	if (!json_is_array(procs))
		return NULL;
	json_array_foreach(procs, i, p)
	{
		if (!ctl_render_proc_ok(p))
			return NULL;
	}
	return procs;
}

/* Prints "pid" as Ruby bluepill does: nothing at all when there is none. */
static void
ctl_render_pid(FILE *fp, const json_t *obj)
{
	json_int_t pid = ctl_render_int(json_object_get(obj, "pid"));

	if (pid > 0)
		fprintf(fp, "%" JSON_INTEGER_FORMAT, pid);
}

/* Prints a process's event history, newest first as the worker sent it. */
static void
ctl_render_history(FILE *fp, const json_t *hist)
{
	const json_t *ev;
	size_t i;
	time_t t;
	struct tm tm;
	char when[64];

	fputs("event history:\n", fp);
	json_array_foreach(hist, i, ev)
	{
		t = (time_t)json_integer_value(json_object_get(ev, "time"));
		if (localtime_r(&t, &tm) == NULL ||
		    strftime(when, sizeof(when), "%m/%d/%Y %H:%M:%S", &tm) == 0)
			strncpy(when, "?", sizeof(when));
		fputs("  ", fp);
		ctl_render_puts(fp,
		    json_string_value(json_object_get(ev, "event")));
		fprintf(fp, " at %s\n", when);
	}
}

/* Prints one process line, its children and any history. */
static void
ctl_render_proc(FILE *fp, const json_t *proc, const char *indent)
{
	const json_t *kids, *kid, *hist;
	size_t i;

	fputs(indent, fp);
	ctl_render_puts(fp, json_string_value(json_object_get(proc, "name")));
	fputs("(pid:", fp);
	ctl_render_pid(fp, proc);
	fputs("): ", fp);
	ctl_render_puts(fp, json_string_value(json_object_get(proc, "state")));
	fputc('\n', fp);
	kids = json_object_get(proc, "children");
	json_array_foreach(kids, i, kid)
	{
		fprintf(fp, "%s  <child(pid:", indent);
		ctl_render_pid(fp, kid);
		fputs(")>: ", fp);
		ctl_render_puts(fp,
		    json_string_value(json_object_get(kid, "state")));
		fputc('\n', fp);
	}
	hist = json_object_get(proc, "history");
	if (json_is_array(hist))
		ctl_render_history(fp, hist);
}

/* Prints a status reply in Ruby bluepill's text format. */
int
ctl_render_status(FILE *fp, const json_t *reply)
{
	const json_t *procs, *p, *q;
	const char *group;
	size_t i, j;
	int seen;

	if ((procs = ctl_render_status_procs(reply)) == NULL)
		return -1;
	json_array_foreach(procs, i, p)
	{
		group = ctl_render_group(p);
		seen = 0;
		for (j = 0; j < i && !seen; j++)
			seen = strcmp(
			           ctl_render_group(json_array_get(procs, j)),
			           group) == 0;
		if (seen)
			continue;
		/* A block per group, placed where the group first appears. */
		if (*group != '\0') {
			ctl_render_puts(fp, group);
			fputs(":\n", fp);
		}
		for (j = i; j < json_array_size(procs); j++) {
			q = json_array_get(procs, j);
			if (strcmp(ctl_render_group(q), group) == 0)
				ctl_render_proc(fp, q,
				    *group != '\0' ? "  " : "");
		}
		fputc('\n', fp);
	}
	return 0;
}

/* Checks one entry of an action reply's results. */
static int
ctl_render_result_ok(const json_t *r)
{
	const json_t *g, *s;

	if (!json_is_object(r))
		return 0;
	g = json_object_get(r, "group");
	s = json_object_get(r, "settled");
	return json_is_string(json_object_get(r, "name")) &&
	    (g == NULL || json_is_null(g) || json_is_string(g)) &&
	    ctl_render_int_ok(json_object_get(r, "pid"), INT32_MAX) &&
	    json_is_string(json_object_get(r, "state")) &&
	    (s == NULL || json_is_boolean(s));
}

/* Prints the results of start, stop, restart or unmonitor. */
int
ctl_render_results(FILE *fp, const json_t *reply)
{
	const json_t *res, *r, *s;
	const char *group;
	json_int_t pid;
	size_t i;

	if (!json_is_object(reply))
		return -1;
	res = json_object_get(reply, "results");
	if (!json_is_array(res))
		return -1;
	json_array_foreach(res, i, r)
	{
		if (!ctl_render_result_ok(r))
			return -1;
	}
	json_array_foreach(res, i, r)
	{
		group = ctl_render_group(r);
		if (*group != '\0') {
			ctl_render_puts(fp, group);
			fputc(':', fp);
		}
		ctl_render_puts(fp,
		    json_string_value(json_object_get(r, "name")));
		fputs(": ", fp);
		ctl_render_puts(fp,
		    json_string_value(json_object_get(r, "state")));
		pid = ctl_render_int(json_object_get(r, "pid"));
		if (pid != 0)
			fprintf(fp, " (pid %" JSON_INTEGER_FORMAT ")", pid);
		s = json_object_get(r, "settled");
		if (json_is_false(s))
			fputs(" (did not settle in time)", fp);
		fputc('\n', fp);
	}
	return 0;
}

/* Escapes a label value per the text exposition format. */
int
ctl_render_label(char *dst, size_t dstlen, const char *src)
{
	size_t n = 0;
	const char *esc;

	if (dstlen == 0)
		return -1;
	for (; *src != '\0'; src++) {
		switch (*src) {
		case '\\':
			esc = "\\\\";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\n':
			esc = "\\n";
			break;
		default:
			esc = NULL;
			break;
		}
		if (n + (esc != NULL ? 2 : 1) >= dstlen) {
			dst[0] = '\0';
			return -1;
		}
		if (esc != NULL) {
			memcpy(dst + n, esc, 2);
			n += 2;
		} else
			dst[n++] = *src;
	}
	dst[n] = '\0';
	return 0;
}

/* Prints the app, group and process labels of one process's series. */
static void
ctl_render_labels(FILE *fp, const char *app, const json_t *proc)
{
	/* Each source string is at most a few hundred bytes; escaping doubles. */
	char a[1024], g[1024], n[1024];

	if (ctl_render_label(a, sizeof(a), app) == -1 ||
	    ctl_render_label(g, sizeof(g), ctl_render_group(proc)) == -1 ||
	    ctl_render_label(n, sizeof(n),
	        json_string_value(json_object_get(proc, "name"))) == -1) {
		strncpy(a, "?", sizeof(a));
		strncpy(g, "?", sizeof(g));
		strncpy(n, "?", sizeof(n));
	}
	fprintf(fp, "app=\"%s\",group=\"%s\",process=\"%s\"", a, g, n);
}

/* Prints a JSON number as Prometheus reads it; absent counts as 0. */
static void
ctl_render_number(FILE *fp, const json_t *v)
{
	if (json_is_integer(v))
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(fp, "%.15g", json_real_value(v));
	else
		fputs("0", fp);
}

/* Prints the HELP and TYPE lines of one metric family. */
static void
ctl_render_family(FILE *fp, const char *name, const char *type,
    const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Prints one metric family with a sample per process from a JSON field. */
static void
ctl_render_series(FILE *fp, const char *app, const json_t *procs,
    const char *name, const char *type, const char *help, const char *key)
{
	const json_t *p;
	size_t i;

	ctl_render_family(fp, name, type, help);
	json_array_foreach(procs, i, p)
	{
		fprintf(fp, "%s{", name);
		ctl_render_labels(fp, app, p);
		fputs("} ", fp);
		ctl_render_number(fp, json_object_get(p, key));
		fputc('\n', fp);
	}
}

/* Returns a process's uptime: seconds in state up, 0 otherwise. */
static json_int_t
ctl_render_uptime(const json_t *proc, time_t now)
{
	json_int_t since = ctl_render_int(json_object_get(proc, "since"));

	if (strcmp(json_string_value(json_object_get(proc, "state")), "up") !=
	        0 ||
	    ctl_render_int(json_object_get(proc, "pid")) == 0 || since <= 0 ||
	    (json_int_t)now <= since)
		return 0;
	return (json_int_t)now - since;
}

/* Prints a status reply in the Prometheus text exposition format. */
int
ctl_render_metrics(FILE *fp, const json_t *reply, time_t now)
{
	const json_t *procs, *p, *appv;
	const char *app, *state;
	size_t i, k;
	int up, known;

	if ((procs = ctl_render_status_procs(reply)) == NULL)
		return -1;
	appv = json_object_get(reply, "app");
	app = json_is_string(appv) ? json_string_value(appv) : "";

	ctl_render_family(fp, "bluepill_process_up", "gauge",
	    "Whether the process is up (1) or not (0).");
	json_array_foreach(procs, i, p)
	{
		up = strcmp(json_string_value(json_object_get(p, "state")),
		         "up") == 0;
		fputs("bluepill_process_up{", fp);
		ctl_render_labels(fp, app, p);
		fprintf(fp, "} %d\n", up);
	}

	ctl_render_family(fp, "bluepill_process_state", "gauge",
	    "The process's state: 1 for the current one, 0 for the others.");
	json_array_foreach(procs, i, p)
	{
		state = json_string_value(json_object_get(p, "state"));
		known = 0;
		for (k = 0; k < CTL_RENDER_NSTATES; k++) {
			fputs("bluepill_process_state{", fp);
			ctl_render_labels(fp, app, p);
			fprintf(fp, ",state=\"%s\"} %d\n", ctl_render_states[k],
			    strcmp(state, ctl_render_states[k]) == 0);
			known |= strcmp(state, ctl_render_states[k]) == 0;
		}
		if (!known) {
			char s[1024];

			if (ctl_render_label(s, sizeof(s), state) == -1)
				strncpy(s, "?", sizeof(s));
			fputs("bluepill_process_state{", fp);
			ctl_render_labels(fp, app, p);
			fprintf(fp, ",state=\"%s\"} 1\n", s);
		}
	}

	ctl_render_series(fp, app, procs, "bluepill_process_restarts_total",
	    "counter",
	    "Restarts of the process since its application was loaded.",
	    "restarts");
	ctl_render_series(fp, app, procs, "bluepill_process_memory_bytes",
	    "gauge", "Resident memory of the process, in bytes.", "memory");
	ctl_render_series(fp, app, procs, "bluepill_process_cpu_percent",
	    "gauge",
	    "CPU use of the process since the previous sample, in percent of one core.",
	    "cpu");

	ctl_render_family(fp, "bluepill_process_uptime_seconds", "gauge",
	    "Seconds the process has been up; 0 when it is not up.");
	json_array_foreach(procs, i, p)
	{
		fputs("bluepill_process_uptime_seconds{", fp);
		ctl_render_labels(fp, app, p);
		fprintf(fp, "} %" JSON_INTEGER_FORMAT "\n",
		    ctl_render_uptime(p, now));
	}
	return 0;
}

/* Pretty-prints a reply minus "exit", re-encoded rather than passed on. */
int
ctl_render_json(FILE *fp, const json_t *reply)
{
	json_t *copy;
	int rc;

	if (!json_is_object(reply))
		return -1;
	if ((copy = json_deep_copy(reply)) == NULL)
		return -1;
	json_object_del(copy, "exit");
	rc = json_dumpf(copy, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(copy);
	if (rc == -1)
		return -1;
	fputc('\n', fp);
	return 0;
}
