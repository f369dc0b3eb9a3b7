/*
 * check: condition evaluators, the N-of-M window, the sample log line and
 * the flapping trigger.  Pure: readings and times come in as arguments.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* A bounded text being appended to; len counts what would have been. */
struct check_out {
	char *buf;
	size_t size;
	size_t len;
};

/* Appends s, cutting it to fit but counting all of it. */
static void
check_out_str(struct check_out *o, const char *s)
{
	size_t n = strlen(s), room;

	if (o->size > 0 && o->len < o->size - 1) {
		room = o->size - 1 - o->len;
		memcpy(o->buf + o->len, s, n < room ? n : room);
		o->buf[o->len + (n < room ? n : room)] = '\0';
	}
	o->len += n;
}

/* Returns the window of a check as (N, M), both within [1, 64]. */
static void
check_window(const struct check_conf *cc, unsigned int *n, unsigned int *m)
{
	*n = cc->times_n != 0 ? cc->times_n : 1;
	*m = cc->times_m != 0 ? cc->times_m : *n;
	if (*m < *n)
		*m = *n;
	if (*m > BP_MAX_TIMES)
		*m = BP_MAX_TIMES;
	if (*n > *m)
		*n = *m;
}

/* Fills in from a usage reading; boot_ms is procfs_boottime_ms(). */
void
check_input_fill(struct check_input *in, const struct procfs_usage *u,
    uint64_t now_ms, uint64_t boot_ms, long clk_tck)
{
	uint64_t hz = clk_tck > 0 ? (uint64_t)clk_tck : 100, start_ms;

	memset(in, 0, sizeof(*in));
	start_ms = u->starttime / hz * 1000 + u->starttime % hz * 1000 / hz;
	in->now_ms = now_ms;
	in->age_ms = boot_ms > start_ms ? boot_ms - start_ms : 0;
	in->rss = u->rss;
	in->tree_rss = u->tree_rss;
	in->cpu_ticks = u->cpu_ticks;
	in->tree_cpu_ticks = u->tree_cpu_ticks;
	in->clk_tck = (long)hz;
	in->state = u->state;
}

/* Forgets the window, the log and the cpu baseline (new pid, not up). */
void
check_reset(struct check_state *cs)
{
	memset(cs, 0, sizeof(*cs));
}

/* mem_usage: value = bytes; fails when bytes >= below. */
int
check_mem_usage(const struct check_conf *cc, uint64_t bytes, uint64_t *value)
{
	*value = bytes;
	return bytes >= cc->below ? CHECK_FAIL : CHECK_PASS;
}

/* cpu_usage: hundredths of a percent of one core since the last sample. */
int
check_cpu_usage(const struct check_conf *cc, struct check_state *cs,
    uint64_t ticks, uint64_t now_ms, long clk_tck, uint64_t *value)
{
	uint64_t hz = clk_tck > 0 ? (uint64_t)clk_tck : 100;
	uint64_t dticks, dms, cpu_ms;

	*value = 0;
	if (cs->have_prev && now_ms == cs->prev_ms)
		return CHECK_SKIP;
	if (!cs->have_prev || now_ms < cs->prev_ms) {
		cs->have_prev = 1;
		cs->prev_ticks = ticks;
		cs->prev_ms = now_ms;
		return CHECK_SKIP;
	}
	/* Fewer ticks than before: time left the tree; count nothing. */
	dticks = ticks > cs->prev_ticks ? ticks - cs->prev_ticks : 0;
	dms = now_ms - cs->prev_ms;
	cs->prev_ticks = ticks;
	cs->prev_ms = now_ms;
	cpu_ms = dticks / hz * 1000 + dticks % hz * 1000 / hz;
	if (cpu_ms > UINT64_MAX / 10000)
		*value = UINT64_MAX;
	else
		*value = cpu_ms * 10000 / dms;
	return *value >= cc->below ? CHECK_FAIL : CHECK_PASS;
}

/* running_time: value = age in ms; fails when age >= below. */
int
check_running_time(const struct check_conf *cc, uint64_t age_ms,
    uint64_t *value)
{
	*value = age_ms;
	return age_ms >= cc->below ? CHECK_FAIL : CHECK_PASS;
}

/* file_time: value = ms since mtime or missing; fails on either limit. */
int
check_file_time(const struct check_conf *cc, int exists, int64_t mtime_ms,
    int64_t real_now_ms, uint64_t *value)
{
	if (!exists) {
		*value = CHECK_VALUE_MISSING;
		return CHECK_FAIL;
	}
	/* A file touched "in the future" (clock steps) is brand new. */
	*value = real_now_ms > mtime_ms ? (uint64_t)(real_now_ms - mtime_ms) :
	                                  0;
	return *value >= cc->below ? CHECK_FAIL : CHECK_PASS;
}

/* zombie_process: value = the state letter; fails on 'Z'. */
int
check_zombie(const struct check_conf *cc, char state, uint64_t *value)
{
	*value = (unsigned char)state;
	return state == 'Z' ? CHECK_FAIL : CHECK_PASS;
}

/* Whether an http status passes kind (0 = any 2xx or 3xx). */
int
check_http_status_ok(const struct check_conf *cc, int status)
{
	if (cc->http_kind == 0)
		return status >= 200 && status < 400;
	return status == cc->http_kind;
}

/* Evaluates the conditions that a /proc reading decides. */
int
check_eval(const struct check_conf *cc, struct check_state *cs,
    const struct check_input *in, uint64_t *value)
{
	*value = 0;
	switch (cc->type) {
	case CHECK_MEM_USAGE:
		return check_mem_usage(cc,
		    cc->include_children ? in->tree_rss : in->rss, value);
	case CHECK_CPU_USAGE:
		return check_cpu_usage(cc, cs,
		    cc->include_children ? in->tree_cpu_ticks : in->cpu_ticks,
		    in->now_ms, in->clk_tck, value);
	case CHECK_RUNNING_TIME:
		return check_running_time(cc, in->age_ms, value);
	case CHECK_ZOMBIE_PROCESS:
		return check_zombie(cc, in->state, value);
	case CHECK_ALWAYS_TRUE:
		return CHECK_PASS;
	default:
		return CHECK_SKIP;
	}
}

/* Records a sample; returns 1 when N of the last M samples failed. */
int
check_record(struct check_state *cs, const struct check_conf *cc, int failed,
    uint64_t value)
{
	unsigned int n, m;
	uint64_t mask;

	check_window(cc, &n, &m);
	failed = failed > 0;
	if (cs->cleared) {
		cs->nhist = 0;
		cs->nlog = 0;
		cs->logfail = 0;
		cs->cleared = 0;
	}
	cs->values[cs->head] = value;
	if (failed)
		cs->logfail |= (uint8_t)(1u << cs->head);
	else
		cs->logfail &= (uint8_t) ~(1u << cs->head);
	cs->head = (uint8_t)((cs->head + 1) % CHECK_LOG_MAX);
	if (cs->nlog < CHECK_LOG_MAX)
		cs->nlog++;
	cs->history = cs->history << 1 | (uint64_t)failed;
	if (cs->nhist < m)
		cs->nhist++;
	mask = m >= 64 ? UINT64_MAX : ((uint64_t)1 << m) - 1;
	if ((unsigned int)__builtin_popcountll(cs->history & mask) < n)
		return 0;
	/*
	 * Fired: the failures are used up.  The window and the log restart
	 * with the next sample, so the line logged now still shows them.
	 */
	cs->history = 0;
	cs->cleared = 1;
	return 1;
}

/* Returns "mem_usage", "http", ... ("unknown" when out of range). */
const char *
check_type_name(int type)
{
	/* clang-format off */
	static const char *const names[] = {
		[CHECK_MEM_USAGE] = "mem_usage",
		[CHECK_CPU_USAGE] = "cpu_usage",
		[CHECK_RUNNING_TIME] = "running_time",
		[CHECK_FILE_TIME] = "file_time",
		[CHECK_HTTP] = "http",
		[CHECK_ZOMBIE_PROCESS] = "zombie_process",
		[CHECK_EXEC] = "exec",
		[CHECK_ALWAYS_TRUE] = "always_true",
		[CHECK_FLAPPING] = "flapping",
	};
	/* clang-format on */

	if (type <= CHECK_NONE || type > CHECK_FLAPPING || names[type] == NULL)
		return "unknown";
	return names[type];
}

/* Formats a size: B, KB, MB integer; GB and up with a tenth below 100. */
int
check_format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB", "PB",
		"EB" };
	uint64_t whole, tenth;
	unsigned int u = 0;

	while (u < 6 && bytes >> (10 * (u + 1)) != 0)
		u++;
	whole = bytes >> (10 * u);
	if (u < 3 || whole >= 100)
		return snprintf(buf, len, "%" PRIu64 "%s", whole, units[u]);
	/* The remainder scaled to KB-of-unit first, so *10 cannot overflow. */
	tenth = (((bytes - (whole << (10 * u))) >> (10 * (u - 1))) * 10) >> 10;
	if (tenth == 0)
		return snprintf(buf, len, "%" PRIu64 "%s", whole, units[u]);
	return snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%s", whole, tenth,
	    units[u]);
}

/* Formats hundredths of a percent: "12%", "12.5%" (floored). */
int
check_format_percent(char *buf, size_t len, uint64_t hundredths)
{
	uint64_t whole = hundredths / 100, tenth = hundredths % 100 / 10;

	if (tenth == 0)
		return snprintf(buf, len, "%" PRIu64 "%%", whole);
	return snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%%", whole, tenth);
}

/* Formats ms with at most two units: "500ms", "3m5s", "1d3h" (floored). */
int
check_format_duration(char *buf, size_t len, uint64_t ms)
{
	/* clang-format off */
	static const struct {
		uint64_t ms;
		const char *name;
	} units[] = {
		{ 86400000, "d" },
		{ 3600000, "h" },
		{ 60000, "m" },
		{ 1000, "s" },
	};
	/* clang-format on */
	uint64_t big, small;
	size_t i;

	if (ms < 1000)
		return snprintf(buf, len, "%" PRIu64 "ms", ms);
	for (i = 0; ms < units[i].ms; i++)
		;
	big = ms / units[i].ms;
	if (i == 3)
		return snprintf(buf, len, "%" PRIu64 "s", big);
	small = ms % units[i].ms / units[i + 1].ms;
	if (small == 0)
		return snprintf(buf, len, "%" PRIu64 "%s", big, units[i].name);
	return snprintf(buf, len, "%" PRIu64 "%s%" PRIu64 "%s", big,
	    units[i].name, small, units[i + 1].name);
}

/* Formats one value the way its check type logs it. */
int
check_format_value(char *buf, size_t len, int type, uint64_t value)
{
	switch (type) {
	case CHECK_MEM_USAGE:
		return check_format_size(buf, len, value);
	case CHECK_CPU_USAGE:
		return check_format_percent(buf, len, value);
	case CHECK_FILE_TIME:
		if (value == CHECK_VALUE_MISSING)
			return snprintf(buf, len, "missing");
		return check_format_duration(buf, len, value);
	case CHECK_RUNNING_TIME:
		return check_format_duration(buf, len, value);
	case CHECK_HTTP:
		if (value == CHECK_HTTP_TIMEOUT)
			return snprintf(buf, len, "timeout");
		if (value == CHECK_HTTP_ERROR)
			return snprintf(buf, len, "error");
		break;
	case CHECK_EXEC:
		if (value == CHECK_EXEC_TIMEOUT)
			return snprintf(buf, len, "timeout");
		if (value > CHECK_EXEC_SIGNAL &&
		    value < CHECK_EXEC_SIGNAL + 128)
			return snprintf(buf, len, "signal %" PRIu64,
			    value - CHECK_EXEC_SIGNAL);
		break;
	case CHECK_ZOMBIE_PROCESS:
		if ((value >= 'A' && value <= 'Z') ||
		    (value >= 'a' && value <= 'z'))
			return snprintf(buf, len, "%c", (char)value);
		return snprintf(buf, len, "?");
	case CHECK_ALWAYS_TRUE:
		return snprintf(buf, len, "ok");
	}
	return snprintf(buf, len, "%" PRIu64, value);
}

/* Formats the window as "mem_usage: [57MB, 62MB*, 67MB*]", oldest first. */
int
check_format_sample(char *buf, size_t len, const struct check_conf *cc,
    const struct check_state *cs)
{
	struct check_out o = { buf, len, 0 };
	char val[32];
	unsigned int shown, i, slot;

	if (len > 0)
		buf[0] = '\0';
	shown = cs->nhist < cs->nlog ? cs->nhist : cs->nlog;
	check_out_str(&o, check_type_name(cc->type));
	check_out_str(&o, ": [");
	if (cs->nhist > shown)
		check_out_str(&o, shown > 0 ? "..., " : "...");
	for (i = 0; i < shown; i++) {
		slot = (cs->head + CHECK_LOG_MAX - shown + i) % CHECK_LOG_MAX;
		check_format_value(val, sizeof(val), cc->type,
		    cs->values[slot]);
		if (i > 0)
			check_out_str(&o, ", ");
		check_out_str(&o, val);
		if (cs->logfail & (1u << slot))
			check_out_str(&o, "*");
	}
	check_out_str(&o, "]");
	return o.len > INT32_MAX ? INT32_MAX : (int)o.len;
}

/* Forgets the recorded starts (a user start or stop). */
void
check_flap_reset(struct check_flap *fs)
{
	memset(fs, 0, sizeof(*fs));
}

/* Decides whether a start at now_ms is allowed, recording it if so. */
int
check_flapping(struct check_flap *fs, const struct check_conf *cc,
    uint64_t now_ms, uint64_t *retry_at_ms)
{
	unsigned int times = cc->times_n != 0 ? cc->times_n : 1, i, drop;
	uint64_t t, shift;

	if (times > CHECK_FLAP_MAX)
		times = CHECK_FLAP_MAX;
	if (fs->n > CHECK_FLAP_MAX)
		fs->n = CHECK_FLAP_MAX;
	/* Starts at least `within` ago have slid out of the window. */
	for (drop = 0; drop < fs->n; drop++) {
		t = fs->base_ms + fs->starts[drop];
		if (now_ms < t || now_ms - t < cc->within_ms)
			break;
	}
	fs->n -= (uint8_t)drop;
	memmove(fs->starts, fs->starts + drop, fs->n * sizeof(fs->starts[0]));
	*retry_at_ms = 0;
	if (fs->n >= times) {
		fs->n = 0;
		if (cc->retry_in_ms != 0)
			*retry_at_ms = now_ms + cc->retry_in_ms;
		return 1;
	}
	if (fs->n == 0) {
		fs->base_ms = now_ms;
		fs->starts[0] = 0;
	} else {
		/*
		 * Rebase on the oldest start: every kept start is less than
		 * within_ms (a uint32_t) old, so each offset fits 32 bits.
		 */
		shift = fs->starts[0];
		fs->base_ms += shift;
		for (i = 0; i < fs->n; i++)
			fs->starts[i] -= (uint32_t)shift;
		t = now_ms > fs->base_ms ? now_ms - fs->base_ms : 0;
		fs->starts[fs->n] = t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
	}
	fs->n++;
	return 0;
}
