/*
 * conf: reads drop-in files (libconfig syntax) into flat struct app, walking
 * every group against a table of allowed keys so that nothing is silently
 * ignored.  Errors are collected per file as "FILE:LINE: message" lines and
 * a file with any error is refused as a whole.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libconfig.h>

#include "check.h"
#include "conf.h"
#include "log.h"

#define CONF_FILE_MAX (1024 * 1024) /* bytes of one drop-in */
#define CONF_MAX_ERRORS 100         /* error lines kept per file */
#define CONF_MAX_ENV 1024           /* variables of one process */
#define CONF_MIN_EVERY_MS 100       /* shortest check interval */
#define CONF_DEFAULT_TIMEOUT_MS 5000
#define CONF_DEFAULT_FLAP_TIMES 5
#define CONF_MAX_PROCESSES_MAX 4194304 /* the kernel's PID_MAX_LIMIT */
#define CONF_QUOTE_MAX 256             /* room for a quoted foreign value */

/* A growable text buffer for error lines. */
struct conf_buf {
	char *s;
	size_t len;
	size_t cap;
};

/* A resolved user: the passwd entry the process runs as. */
struct conf_ident {
	int state; /* 0 unset, 1 resolved, -1 refused (error reported) */
	uint32_t uid;
	uint32_t gid; /* primary group from passwd */
	char name[BP_PATH_MAX];
	char home[BP_PATH_MAX];
	char shell[BP_PATH_MAX];
};

/* What load_dir needs to know about a file besides its struct app. */
struct conf_meta {
	unsigned name_line;  /* 0 when the name came from the file name */
	int worker_explicit; /* worker_user was given */
	unsigned worker_line;
};

/* State of one drop-in being loaded. */
struct conf_loader {
	const char *path;
	char qpath[BP_PATH_MAX * 4];
	const struct conf_opts *opts;
	struct app *app;
	struct conf_buf err;
	unsigned nerr;
	int strtab_full;
	size_t capchecks;
	struct conf_meta meta;
	struct conf_ident self; /* default identity of processes */
	struct conf_ident app_uid;
	int app_gid_state; /* as conf_ident.state */
	uint32_t app_gid;
	const char *app_wd;
	config_setting_t *app_env;
	int nflapping; /* flapping triggers of the current process */
};

/* Keys of the top level, in the order they are applied. */
enum {
	AK_NAME,
	AK_UID,
	AK_GID,
	AK_WORKING_DIR,
	AK_ENVIRONMENT,
	AK_LOG_FILE,
	AK_CTL_GROUPS,
	AK_WORKER_USER,
	AK_PROCESSES,
	AK_MAX_PROCESSES,
	AK_MAX
};

/* clang-format off */
static const char *const conf_app_keys[AK_MAX] = {
	"name", "uid", "gid", "working_dir", "environment", "log_file",
	"ctl_groups", "worker_user", "processes", "max_processes",
};
/* clang-format on */

/* Keys of a process group. */
enum {
	PK_NAME,
	PK_GROUP,
	PK_START_COMMAND,
	PK_STOP_COMMAND,
	PK_STOP_SIGNALS,
	PK_RESTART_COMMAND,
	PK_PRE_START_COMMAND,
	PK_PID_FILE,
	PK_DAEMONIZE,
	PK_WORKING_DIR,
	PK_ENVIRONMENT,
	PK_STDIN,
	PK_STDOUT,
	PK_STDERR,
	PK_UID,
	PK_GID,
	PK_SUPPLEMENTARY_GROUPS,
	PK_START_GRACE_TIME,
	PK_STOP_GRACE_TIME,
	PK_RESTART_GRACE_TIME,
	PK_AUTO_START,
	PK_CHECKS,
	PK_MONITOR_CHILDREN,
	PK_MAX
};

/* clang-format off */
static const char *const conf_proc_keys[PK_MAX] = {
	"name", "group", "start_command", "stop_command", "stop_signals",
	"restart_command", "pre_start_command", "pid_file", "daemonize",
	"working_dir", "environment", "stdin", "stdout", "stderr", "uid", "gid",
	"supplementary_groups", "start_grace_time", "stop_grace_time",
	"restart_grace_time", "auto_start", "checks", "monitor_children",
};
/* clang-format on */

/* Keys of a monitor_children group. */
enum { MK_STOP_COMMAND, MK_RESTART_COMMAND, MK_CHECKS, MK_MAX };

/* clang-format off */
static const char *const conf_child_keys[MK_MAX] = {
	"stop_command", "restart_command", "checks",
};
/* clang-format on */

/* Keys of a check group; conf_check_masks says which types take each. */
enum {
	CK_TYPE,
	CK_EVERY,
	CK_TIMES,
	CK_FIRES,
	CK_BELOW,
	CK_INCLUDE_CHILDREN,
	CK_FILENAME,
	CK_URL,
	CK_KIND,
	CK_PATTERN,
	CK_TIMEOUT,
	CK_COMMAND,
	CK_WITHIN,
	CK_RETRY_IN,
	CK_MAX
};

#define CM(t) (1u << (t))
#define CM_ALL 0x3feu
#define CM_COND (CM_ALL & ~CM(CHECK_FLAPPING))

/* clang-format off */
static const char *const conf_check_keys[CK_MAX] = {
	"type", "every", "times", "fires", "below", "include_children",
	"filename", "url", "kind", "pattern", "timeout", "command", "within",
	"retry_in",
};

static const unsigned conf_check_masks[CK_MAX] = {
	[CK_TYPE] = CM_ALL,
	[CK_EVERY] = CM_COND,
	[CK_TIMES] = CM_ALL,
	[CK_FIRES] = CM_COND,
	[CK_BELOW] = CM(CHECK_MEM_USAGE) | CM(CHECK_CPU_USAGE) |
	    CM(CHECK_RUNNING_TIME) | CM(CHECK_FILE_TIME),
	[CK_INCLUDE_CHILDREN] = CM(CHECK_MEM_USAGE) | CM(CHECK_CPU_USAGE),
	[CK_FILENAME] = CM(CHECK_FILE_TIME),
	[CK_URL] = CM(CHECK_HTTP),
	[CK_KIND] = CM(CHECK_HTTP),
	[CK_PATTERN] = CM(CHECK_HTTP),
	[CK_TIMEOUT] = CM(CHECK_HTTP) | CM(CHECK_EXEC),
	[CK_COMMAND] = CM(CHECK_EXEC),
	[CK_WITHIN] = CM(CHECK_FLAPPING),
	[CK_RETRY_IN] = CM(CHECK_FLAPPING),
};

static const char *const conf_actions[] = {
	[ACTION_NONE] = NULL,
	[ACTION_RESTART] = "restart",
	[ACTION_STOP] = "stop",
	[ACTION_UNMONITOR] = "unmonitor",
	[ACTION_START] = "start",
};

static const struct {
	const char *name;
	int signo;
} conf_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "ILL", SIGILL }, { "TRAP", SIGTRAP }, { "ABRT", SIGABRT },
	{ "IOT", SIGIOT }, { "BUS", SIGBUS }, { "FPE", SIGFPE },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM },
	{ "TERM", SIGTERM }, { "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO },
	{ "POLL", SIGPOLL }, { "PWR", SIGPWR }, { "SYS", SIGSYS },
};
/* clang-format on */

/* Why a duration or size string was refused. */
enum conf_why {
	WHY_OK,
	WHY_EMPTY,
	WHY_NEGATIVE,
	WHY_NOT_NUMBER,
	WHY_UNIT,
	WHY_RANGE,
	WHY_FRACTION,
};

static const char *const conf_whys[] = {
	[WHY_OK] = "",
	[WHY_EMPTY] = "empty",
	[WHY_NEGATIVE] = "negative",
	[WHY_NOT_NUMBER] = "not a number",
	[WHY_UNIT] = "unknown unit",
	[WHY_RANGE] = "out of range",
	[WHY_FRACTION] = "not a whole number",
};

static void conf_err(struct conf_loader *, unsigned, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Dies on allocation failure, which only happens at load time. */
static void *
conf_alloc(size_t n, size_t size)
{
	void *p;

	if ((p = calloc(n == 0 ? 1 : n, size)) == NULL)
		fatal("conf: calloc");
	return p;
}

/* Appends n bytes to a text buffer, keeping it NUL-terminated. */
static void
conf_buf_add(struct conf_buf *b, const char *s, size_t n)
{
	size_t ncap;
	char *p;

	if (b->len + n + 1 > b->cap) {
		ncap = b->cap ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((p = realloc(b->s, ncap)) == NULL)
			fatal("conf: realloc");
		b->s = p;
		b->cap = ncap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

/* Copies src into dst escaping quotes and unprintable bytes, truncating. */
static void
conf_escape(char *dst, size_t dstlen, const char *src)
{
	size_t o = 0;
	unsigned char c;

	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (o + 8 >= dstlen) {
			if (o + 4 <= dstlen) {
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (c == '"' || c == '\\') {
			dst[o++] = '\\';
			dst[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(dst + o, dstlen - o, "\\x%02x", c);
			o += 4;
		} else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
}

/* Returns src escaped and between double quotes, in a rotating buffer. */
static const char *
conf_q(const char *src)
{
	static char bufs[4][CONF_QUOTE_MAX + 2];
	static int next;
	char *b = bufs[next++ % 4];

	b[0] = '"';
	conf_escape(b + 1, CONF_QUOTE_MAX - 1, src);
	strcat(b, "\"");
	return b;
}

/* Records one error line of the file being loaded. */
static void
conf_err(struct conf_loader *l, unsigned line, const char *fmt, ...)
{
	char msg[1024], head[BP_PATH_MAX * 4 + 32];
	va_list ap;
	int n;

	if (l->nerr++ >= CONF_MAX_ERRORS) {
		if (l->nerr == CONF_MAX_ERRORS + 2) {
			n = snprintf(head, sizeof(head),
			    "%s: too many errors, giving up\n", l->qpath);
			conf_buf_add(&l->err, head, (size_t)n);
		}
		return;
	}
	if (line > 0)
		n = snprintf(head, sizeof(head), "%s:%u: ", l->qpath, line);
	else
		n = snprintf(head, sizeof(head), "%s: ", l->qpath);
	conf_buf_add(&l->err, head, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_buf_add(&l->err, msg, strlen(msg));
	conf_buf_add(&l->err, "\n", 1);
}

/* Returns the source line of a setting, 0 when unknown. */
static unsigned
conf_line(const config_setting_t *s)
{
	return s == NULL ? 0 : config_setting_source_line(s);
}

/* Returns the key a setting belongs to (the parent's for list members). */
static const char *
conf_key(const config_setting_t *s)
{
	while (s != NULL && config_setting_name(s) == NULL)
		s = config_setting_parent(s);
	return s == NULL ? "?" : config_setting_name(s);
}

/* Appends s with its NUL; tables never exceed BP_STRTAB_MAX bytes. */
uint32_t
strtab_add(struct strtab *st, const char *s)
{
	size_t n = strlen(s) + 1, ncap;
	uint32_t off;
	char *p;

	if (n > BP_STRTAB_MAX || st->len > BP_STRTAB_MAX - n)
		return UINT32_MAX;
	if (st->len + n > st->cap) {
		ncap = st->cap ? st->cap : 256;
		while (ncap < st->len + n)
			ncap *= 2;
		if ((p = realloc(st->buf, ncap)) == NULL)
			return UINT32_MAX;
		st->buf = p;
		st->cap = (uint32_t)ncap;
	}
	off = st->len;
	memcpy(st->buf + off, s, n);
	st->len += (uint32_t)n;
	return off;
}

/* Adds a string to one of the app's tables, reporting a full table once. */
static uint32_t
conf_str(struct conf_loader *l, struct strtab *st, const char *s)
{
	uint32_t off;

	if ((off = strtab_add(st, s)) == UINT32_MAX) {
		if (!l->strtab_full)
			conf_err(l, 0, "too many strings (more than %d bytes)",
			    BP_STRTAB_MAX);
		l->strtab_full = 1;
		return 0;
	}
	return off;
}

/* Parses digits[.digits] at *sp into integer part and fraction. */
static enum conf_why
conf_parse_number(const char **sp, uint64_t *ip, uint64_t *fp, unsigned *fd)
{
	const char *s = *sp;
	int digits = 0;

	*ip = *fp = 0;
	*fd = 0;
	if (*s == '-')
		return WHY_NEGATIVE;
	for (; isdigit((unsigned char)*s); s++, digits++) {
		if (__builtin_mul_overflow(*ip, 10, ip) ||
		    __builtin_add_overflow(*ip, (uint64_t)(*s - '0'), ip))
			return WHY_RANGE;
	}
	if (*s == '.') {
		for (s++; isdigit((unsigned char)*s); s++, digits++) {
			if (*fd == 9) {
				if (*s != '0')
					return WHY_FRACTION;
				continue;
			}
			*fp = *fp * 10 + (uint64_t)(*s - '0');
			(*fd)++;
		}
	}
	if (digits == 0)
		return WHY_NOT_NUMBER;
	*sp = s;
	return WHY_OK;
}

/* Computes (ip + fp / 10^fd) * unit exactly, or says why it cannot. */
static enum conf_why
conf_scale(uint64_t ip, uint64_t fp, unsigned fd, uint64_t unit, uint64_t *out)
{
	uint64_t pow = 1, q, r, v, fr;
	unsigned i;

	for (i = 0; i < fd; i++)
		pow *= 10;
	q = unit / pow;
	r = unit % pow;
	if (__builtin_mul_overflow(ip, unit, &v))
		return WHY_RANGE;
	/* fp * unit / pow, split so that no product overflows */
	if (__builtin_mul_overflow(fp, q, &fr) ||
	    __builtin_add_overflow(v, fr, &v))
		return WHY_RANGE;
	if (fp * r % pow != 0)
		return WHY_FRACTION;
	if (__builtin_add_overflow(v, fp * r / pow, &v))
		return WHY_RANGE;
	*out = v;
	return WHY_OK;
}

/* A unit suffix and what one of it is worth. */
struct conf_unit {
	const char *name;
	uint64_t factor;
};

/*
 * Parses "NUMBER [UNIT]" against a table of units (compared ignoring
 * case when nocase), saying why on failure.
 */
static enum conf_why
conf_unit_why(const char *s, const struct conf_unit *units, size_t nunits,
    int nocase, uint64_t *out)
{
	uint64_t ip, fp;
	unsigned fd;
	enum conf_why why;
	size_t i;

	if (s == NULL || *s == '\0')
		return WHY_EMPTY;
	if ((why = conf_parse_number(&s, &ip, &fp, &fd)) != WHY_OK)
		return why;
	while (*s == ' ')
		s++;
	for (i = 0; i < nunits; i++)
		if ((nocase ? strcasecmp(s, units[i].name) :
		              strcmp(s, units[i].name)) == 0)
			return conf_scale(ip, fp, fd, units[i].factor, out);
	return WHY_UNIT;
}

/* Parses a duration string into milliseconds, saying why on failure. */
static enum conf_why
conf_duration_why(const char *s, uint64_t *ms)
{
	static const struct conf_unit units[] = { { "", 1000 }, { "ms", 1 },
		{ "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 } };

	return conf_unit_why(s, units, sizeof(units) / sizeof(units[0]), 0, ms);
}

/* Parses a size string into bytes, saying why on failure. */
static enum conf_why
conf_size_why(const char *s, uint64_t *bytes)
{
	static const struct conf_unit units[] = { { "", 1 }, { "b", 1 },
		{ "k", 1ULL << 10 }, { "kb", 1ULL << 10 },
		{ "kib", 1ULL << 10 }, { "m", 1ULL << 20 },
		{ "mb", 1ULL << 20 }, { "mib", 1ULL << 20 },
		{ "g", 1ULL << 30 }, { "gb", 1ULL << 30 },
		{ "gib", 1ULL << 30 }, { "t", 1ULL << 40 },
		{ "tb", 1ULL << 40 }, { "tib", 1ULL << 40 } };

	return conf_unit_why(s, units, sizeof(units) / sizeof(units[0]), 1,
	    bytes);
}

/* Parses a duration string into milliseconds. */
int
conf_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t v;

	if (conf_duration_why(s, &v) != WHY_OK)
		return -1;
	*ms = v;
	return 0;
}

/* Parses a size string into bytes. */
int
conf_parse_size(const char *s, uint64_t *bytes)
{
	uint64_t v;

	if (conf_size_why(s, &v) != WHY_OK)
		return -1;
	*bytes = v;
	return 0;
}

/* Formats milliseconds the way a user would write them. */
static const char *
conf_fmt_ms(uint64_t ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	return buf;
}

/* Checks that a name is 1..63 bytes of [A-Za-z0-9_.-], not led by . or -. */
static int
conf_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= BP_NAME_MAX || s[0] == '.' || s[0] == '-')
		return 0;
	return strspn(s,
	           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	           "0123456789_.-") == n;
}

/* Checks an environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
static int
conf_valid_envname(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return 0;
	return strspn(s,
	           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	           "0123456789_") == strlen(s);
}

/* Fetches a string value or reports the wrong type. */
static int
conf_string(struct conf_loader *l, const config_setting_t *s, const char **out)
{
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(l, conf_line(s), "%s: expected a string", conf_key(s));
		return -1;
	}
	*out = config_setting_get_string(s);
	return 0;
}

/* Fetches a boolean value or reports the wrong type. */
static int
conf_bool(struct conf_loader *l, const config_setting_t *s, uint8_t *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(l, conf_line(s), "%s: expected true or false",
		    conf_key(s));
		return -1;
	}
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

/* Fetches a name (app, group, process) into buf. */
static int
conf_name(struct conf_loader *l, const config_setting_t *s, char *buf)
{
	const char *v;

	if (conf_string(l, s, &v) == -1)
		return -1;
	if (!conf_valid_name(v)) {
		conf_err(l, conf_line(s),
		    "%s: %s is not a valid name (1 to 63 of A-Z a-z 0-9 _ . -, "
		    "not starting with . or -)",
		    conf_key(s), conf_q(v));
		return -1;
	}
	snprintf(buf, BP_NAME_MAX, "%s", v);
	return 0;
}

/* Fetches an absolute path shorter than BP_PATH_MAX. */
static int
conf_path(struct conf_loader *l, const config_setting_t *s, const char **out)
{
	const char *v;

	if (conf_string(l, s, &v) == -1)
		return -1;
	if (v[0] != '/') {
		conf_err(l, conf_line(s), "%s: %s is not an absolute path",
		    conf_key(s), conf_q(v));
		return -1;
	}
	if (strlen(v) >= BP_PATH_MAX) {
		conf_err(l, conf_line(s), "%s: path longer than %d bytes",
		    conf_key(s), BP_PATH_MAX - 1);
		return -1;
	}
	*out = v;
	return 0;
}

/* Fetches a duration (seconds as a number, or a string with a unit). */
static int
conf_duration(struct conf_loader *l, const config_setting_t *s, uint64_t max,
    uint64_t *ms)
{
	const char *key = conf_key(s);
	enum conf_why why;
	long long iv;
	double dv;
	char b[32];

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		iv = config_setting_get_int64(s);
		if (iv < 0) {
			conf_err(l, conf_line(s), "%s: negative duration", key);
			return -1;
		}
		if ((uint64_t)iv > max / 1000) {
			conf_err(l, conf_line(s),
			    "%s: duration out of range (at most %s)", key,
			    conf_fmt_ms(max - max % 1000, b, sizeof(b)));
			return -1;
		}
		*ms = (uint64_t)iv * 1000;
		return 0;
	case CONFIG_TYPE_FLOAT:
		dv = config_setting_get_float(s);
		if (!isfinite(dv) || dv < 0) {
			conf_err(l, conf_line(s), "%s: negative duration", key);
			return -1;
		}
		if (dv * 1000 > (double)max) {
			conf_err(l, conf_line(s),
			    "%s: duration out of range (at most %s)", key,
			    conf_fmt_ms(max - max % 1000, b, sizeof(b)));
			return -1;
		}
		*ms = (uint64_t)(dv * 1000 + 0.5);
		return 0;
	case CONFIG_TYPE_STRING:
		why = conf_duration_why(config_setting_get_string(s), ms);
		if (why == WHY_OK && *ms > max)
			why = WHY_RANGE;
		if (why != WHY_OK) {
			conf_err(l, conf_line(s),
			    "%s: invalid duration %s (%s)", key,
			    conf_q(config_setting_get_string(s)),
			    conf_whys[why]);
			return -1;
		}
		return 0;
	default:
		conf_err(l, conf_line(s),
		    "%s: expected a duration (seconds, or a string such as "
		    "\"10s\")",
		    key);
		return -1;
	}
}

/* Fetches a size (bytes as an integer, or a string with a unit). */
static int
conf_size(struct conf_loader *l, const config_setting_t *s, uint64_t *bytes)
{
	const char *key = conf_key(s);
	enum conf_why why;
	long long iv;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		iv = config_setting_get_int64(s);
		if (iv < 0) {
			conf_err(l, conf_line(s), "%s: negative size", key);
			return -1;
		}
		*bytes = (uint64_t)iv;
		return 0;
	case CONFIG_TYPE_STRING:
		why = conf_size_why(config_setting_get_string(s), bytes);
		if (why != WHY_OK) {
			conf_err(l, conf_line(s), "%s: invalid size %s (%s)",
			    key, conf_q(config_setting_get_string(s)),
			    conf_whys[why]);
			return -1;
		}
		return 0;
	default:
		conf_err(l, conf_line(s),
		    "%s: expected a size (bytes, or a string such as "
		    "\"100MB\")",
		    key);
		return -1;
	}
}

/*
 * Fetches a command: a string for /bin/sh -c, or an array of strings used
 * as argv.  {{PID}} only makes sense where a pid is known.
 */
static int
conf_cmd(struct conf_loader *l, const config_setting_t *s, int allow_pid,
    struct cmd_conf *cmd)
{
	const char *key = conf_key(s), *v;
	config_setting_t *e;
	int i, n, bad = 0;

	memset(cmd, 0, sizeof(*cmd));
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		if (v[strspn(v, " \t\n")] == '\0') {
			conf_err(l, conf_line(s), "%s: empty command", key);
			return -1;
		}
		if (!allow_pid && strstr(v, "{{PID}}") != NULL) {
			conf_err(l, conf_line(s),
			    "%s: {{PID}} is only allowed in stop and restart "
			    "commands",
			    key);
			return -1;
		}
		cmd->argv = conf_str(l, &l->app->mstr, v);
		cmd->argc = 1;
		cmd->shell = 1;
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(l, conf_line(s),
		    "%s: expected a command (a string or an array of strings)",
		    key);
		return -1;
	}
	if ((n = config_setting_length(s)) == 0) {
		conf_err(l, conf_line(s), "%s: empty command", key);
		return -1;
	}
	if (n > UINT16_MAX) {
		conf_err(l, conf_line(s), "%s: too many arguments", key);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(l, conf_line(e),
			    "%s: expected an array of strings", key);
			return -1;
		}
		v = config_setting_get_string(e);
		if (!allow_pid && strstr(v, "{{PID}}") != NULL) {
			conf_err(l, conf_line(s),
			    "%s: {{PID}} is only allowed in stop and restart "
			    "commands",
			    key);
			return -1;
		}
		if (i == 0 && *v == '\0')
			bad = 1;
	}
	if (bad) {
		conf_err(l, conf_line(s), "%s: empty program name", key);
		return -1;
	}
	/* strtab_add appends, so the arguments end up consecutive */
	for (i = 0; i < n; i++) {
		v = config_setting_get_string(config_setting_get_elem(s, i));
		if (i == 0)
			cmd->argv = conf_str(l, &l->app->mstr, v);
		else
			conf_str(l, &l->app->mstr, v);
	}
	cmd->argc = (uint16_t)n;
	cmd->shell = 0;
	return 0;
}

/* Copies a passwd entry into id. */
static void
conf_ident_fill(struct conf_ident *id, const struct passwd *pw)
{
	memset(id, 0, sizeof(*id));
	id->state = 1;
	id->uid = (uint32_t)pw->pw_uid;
	id->gid = (uint32_t)pw->pw_gid;
	snprintf(id->name, sizeof(id->name), "%s", pw->pw_name);
	snprintf(id->home, sizeof(id->home), "%s",
	    pw->pw_dir && *pw->pw_dir ? pw->pw_dir : "/");
	snprintf(id->shell, sizeof(id->shell), "%s",
	    pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh");
}

/* Reads a user or group value: a name, a numeric string or an integer. */
static int
conf_id_value(struct conf_loader *l, const config_setting_t *s,
    const char *what, const char **name, long long *num, char *shown,
    size_t shownlen)
{
	const char *v;
	char *end;

	*name = NULL;
	*num = -1;
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_STRING:
		v = config_setting_get_string(s);
		snprintf(shown, shownlen, "%s", conf_q(v));
		if (*v == '\0') {
			conf_err(l, conf_line(s), "%s: empty %s name",
			    conf_key(s), what);
			return -1;
		}
		if (strspn(v, "0123456789") == strlen(v)) {
			errno = 0;
			*num = strtoll(v, &end, 10);
			if (errno != 0 || *num >= UINT32_MAX)
				*num = UINT32_MAX; /* never found */
		} else
			*name = v;
		return 0;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		*num = config_setting_get_int64(s);
		snprintf(shown, shownlen, "%lld", *num);
		if (*num < 0 || *num >= UINT32_MAX)
			*num = UINT32_MAX;
		return 0;
	default:
		conf_err(l, conf_line(s), "%s: expected a %s name", conf_key(s),
		    what);
		return -1;
	}
}

/* Resolves a user setting; unprivileged, only our own uid is possible. */
static int
conf_user(struct conf_loader *l, const config_setting_t *s,
    struct conf_ident *id)
{
	struct passwd *pw;
	const char *name;
	long long num;
	char shown[CONF_QUOTE_MAX + 2];

	memset(id, 0, sizeof(*id));
	id->state = -1;
	if (conf_id_value(l, s, "user", &name, &num, shown, sizeof(shown)) ==
	    -1)
		return -1;
	pw = name != NULL ? getpwnam(name) : getpwuid((uid_t)num);
	if (pw == NULL) {
		conf_err(l, conf_line(s), "%s: unknown user %s", conf_key(s),
		    shown);
		return -1;
	}
	if (!l->opts->privileged && pw->pw_uid != l->opts->self_uid) {
		conf_err(l, conf_line(s),
		    "%s: %s needs root (bluepilld runs as uid %u)", conf_key(s),
		    shown, (unsigned)l->opts->self_uid);
		return -1;
	}
	conf_ident_fill(id, pw);
	return 0;
}

/* Resolves a group setting; when it changes identity, only root may. */
static int
conf_group(struct conf_loader *l, const config_setting_t *s, uint32_t *gid,
    int identity)
{
	struct group *gr;
	const char *name;
	long long num;
	char shown[CONF_QUOTE_MAX + 2];

	if (conf_id_value(l, s, "group", &name, &num, shown, sizeof(shown)) ==
	    -1)
		return -1;
	gr = name != NULL ? getgrnam(name) : getgrgid((gid_t)num);
	if (gr == NULL) {
		conf_err(l, conf_line(s), "%s: unknown group %s", conf_key(s),
		    shown);
		return -1;
	}
	if (identity && !l->opts->privileged &&
	    gr->gr_gid != l->opts->self_gid) {
		conf_err(l, conf_line(s),
		    "%s: %s needs root (bluepilld runs as gid %u)", conf_key(s),
		    shown, (unsigned)l->opts->self_gid);
		return -1;
	}
	*gid = (uint32_t)gr->gr_gid;
	return 0;
}

/* Adds gid to a list unless present; -1 when the list is full. */
static int
conf_gid_add(uint32_t *list, unsigned *n, unsigned max, uint32_t gid)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (list[i] == gid)
			return 0;
	if (*n >= max)
		return -1;
	list[(*n)++] = gid;
	return 0;
}

/* Finds each key of a group in names[], reporting the unknown ones. */
static void
conf_collect(struct conf_loader *l, const config_setting_t *grp,
    const char *const *names, int n, config_setting_t **out, const char *ctx)
{
	config_setting_t *s;
	const char *name;
	int i, j, len;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	len = config_setting_length(grp);
	for (i = 0; i < len; i++) {
		s = config_setting_get_elem(grp, i);
		name = config_setting_name(s);
		for (j = 0; j < n; j++)
			if (strcmp(names[j], name) == 0)
				break;
		if (j == n) {
			conf_err(l, conf_line(s), "unknown setting \"%s\"%s",
			    name, ctx);
			continue;
		}
		out[j] = s;
	}
}

/* Checks an environment group: names and string values. */
static int
conf_env_check(struct conf_loader *l, const config_setting_t *s)
{
	config_setting_t *e;
	int i, n, bad = 0;

	if (!config_setting_is_group(s)) {
		conf_err(l, conf_line(s),
		    "environment: expected a group such as { NAME = \"value\"; }");
		return -1;
	}
	n = config_setting_length(s);
	if (n > CONF_MAX_ENV) {
		conf_err(l, conf_line(s), "environment: more than %d variables",
		    CONF_MAX_ENV);
		return -1;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (!conf_valid_envname(config_setting_name(e))) {
			conf_err(l, conf_line(e),
			    "environment: invalid variable name \"%s\"",
			    config_setting_name(e));
			bad = 1;
		} else if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(l, conf_line(e),
			    "environment: %s: expected a string",
			    config_setting_name(e));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Stores one "K=V" string in the master table. */
static void
conf_env_put(struct conf_loader *l, const config_setting_t *e, uint32_t *first,
    uint16_t *n)
{
	char *kv;
	uint32_t off;

	if (asprintf(&kv, "%s=%s", config_setting_name(e),
	        config_setting_get_string(e)) == -1)
		fatal("conf: asprintf");
	off = conf_str(l, &l->app->mstr, kv);
	free(kv);
	if ((*n)++ == 0)
		*first = off;
}

/* Stores the app's variables then the process's, the latter winning. */
static void
conf_env_merge(struct conf_loader *l, const config_setting_t *penv,
    struct proc_exec *ex)
{
	const config_setting_t *e;
	int i, n;

	ex->env = 0;
	ex->nenv = 0;
	if (l->app_env != NULL) {
		n = config_setting_length(l->app_env);
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(l->app_env, i);
			if (penv != NULL &&
			    config_setting_get_member(penv,
			        config_setting_name(e)) != NULL)
				continue;
			conf_env_put(l, e, &ex->env, &ex->nenv);
		}
	}
	if (penv != NULL) {
		n = config_setting_length(penv);
		for (i = 0; i < n; i++)
			conf_env_put(l, config_setting_get_elem(penv, i),
			    &ex->env, &ex->nenv);
	}
	if (ex->nenv > CONF_MAX_ENV)
		conf_err(l, conf_line(penv),
		    "environment: more than %d variables", CONF_MAX_ENV);
}

/* Returns the signal number of a name with or without SIG, or -1. */
static int
conf_signal(const char *name)
{
	size_t i;

	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(conf_signals) / sizeof(conf_signals[0]); i++)
		if (strcasecmp(name, conf_signals[i].name) == 0)
			return conf_signals[i].signo;
	return -1;
}

/* Parses stop_signals: signal, delay, signal, ..., signal. */
static void
conf_sigsteps(struct conf_loader *l, const config_setting_t *s,
    struct proc_conf *pc)
{
	config_setting_t *e;
	uint64_t delay, sum = 0;
	int i, n, signo, bad = 0;
	char b1[32], b2[32];

	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    config_setting_type(s) != CONFIG_TYPE_ARRAY) {
		conf_err(l, conf_line(s),
		    "stop_signals: expected a list such as ( \"TERM\", 10, "
		    "\"KILL\" )");
		return;
	}
	n = config_setting_length(s);
	if (n == 0 || n % 2 == 0) {
		conf_err(l, conf_line(s),
		    "stop_signals: must start and end with a signal, with a "
		    "delay between signals");
		return;
	}
	if ((n + 1) / 2 > BP_MAX_SIGSTEPS) {
		conf_err(l, conf_line(s), "stop_signals: more than %d signals",
		    BP_MAX_SIGSTEPS);
		return;
	}
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (i % 2 == 1) {
			if (conf_duration(l, e, UINT32_MAX, &delay) == -1) {
				bad = 1;
				continue;
			}
			pc->sigsteps[i / 2].delay_ms = (uint32_t)delay;
			sum += delay;
			continue;
		}
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(l, conf_line(e),
			    "stop_signals: expected a signal name at position "
			    "%d",
			    i + 1);
			bad = 1;
			continue;
		}
		if ((signo = conf_signal(config_setting_get_string(e))) == -1) {
			conf_err(l, conf_line(e),
			    "stop_signals: unknown signal %s",
			    conf_q(config_setting_get_string(e)));
			bad = 1;
			continue;
		}
		pc->sigsteps[i / 2].signo = signo;
	}
	if (bad)
		return;
	if (sum >= pc->stop_grace_ms) {
		conf_err(l, conf_line(s),
		    "stop_signals: delays add up to %s, not less than "
		    "stop_grace_time (%s)",
		    conf_fmt_ms(sum, b1, sizeof(b1)),
		    conf_fmt_ms(pc->stop_grace_ms, b2, sizeof(b2)));
		return;
	}
	pc->nsigsteps = (uint8_t)((n + 1) / 2);
}

/* Parses fires: one action or a list of them. */
static void
conf_fires(struct conf_loader *l, const config_setting_t *s, int children,
    struct check_conf *c)
{
	const config_setting_t *e;
	const char *v;
	int i, n, single, a, j;

	single = config_setting_type(s) == CONFIG_TYPE_STRING;
	if (!single && config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(l, conf_line(s),
		    "fires: expected an action or a list of actions");
		return;
	}
	n = single ? 1 : config_setting_length(s);
	if (n == 0) {
		conf_err(l, conf_line(s), "fires: empty list");
		return;
	}
	c->nfires = 0;
	for (i = 0; i < n; i++) {
		e = single ? s : config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			conf_err(l, conf_line(e),
			    "fires: expected an action or a list of actions");
			return;
		}
		v = config_setting_get_string(e);
		for (a = ACTION_RESTART; a <= ACTION_START; a++)
			if (strcmp(v, conf_actions[a]) == 0)
				break;
		if (a > ACTION_START) {
			conf_err(l, conf_line(e),
			    "fires: unknown action %s (restart, stop, unmonitor "
			    "or start)",
			    conf_q(v));
			return;
		}
		if (children && a != ACTION_RESTART && a != ACTION_STOP) {
			conf_err(l, conf_line(e),
			    "fires: %s does not apply to monitor_children checks "
			    "(restart or stop)",
			    conf_q(v));
			return;
		}
		for (j = 0; j < c->nfires; j++)
			if (c->fires[j] == a) {
				conf_err(l, conf_line(e),
				    "fires: %s is listed twice", conf_q(v));
				return;
			}
		if (c->nfires >= BP_MAX_FIRES) {
			conf_err(l, conf_line(s), "fires: more than %d actions",
			    BP_MAX_FIRES);
			return;
		}
		c->fires[c->nfires++] = (uint8_t)a;
	}
}

/* Parses times: N, or [N, M] for N failures among the last M samples. */
static void
conf_times(struct conf_loader *l, const config_setting_t *s, int flapping,
    struct check_conf *c)
{
	long long n, m;

	if (config_setting_type(s) == CONFIG_TYPE_INT ||
	    config_setting_type(s) == CONFIG_TYPE_INT64) {
		n = m = config_setting_get_int64(s);
	} else if (!flapping &&
	    (config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	        config_setting_type(s) == CONFIG_TYPE_LIST) &&
	    config_setting_length(s) == 2 &&
	    config_setting_type(config_setting_get_elem(s, 0)) ==
	        CONFIG_TYPE_INT &&
	    config_setting_type(config_setting_get_elem(s, 1)) ==
	        CONFIG_TYPE_INT) {
		n = config_setting_get_int_elem(s, 0);
		m = config_setting_get_int_elem(s, 1);
	} else {
		conf_err(l, conf_line(s),
		    flapping ?
		        "times: expected an integer" :
		        "times: expected an integer N or an array [N, M]");
		return;
	}
	if (n < 1 || n > m || m > BP_MAX_TIMES) {
		conf_err(l, conf_line(s),
		    flapping ? "times: must be between 1 and %d" :
		               "times: need 1 <= N <= M <= %d",
		    BP_MAX_TIMES);
		return;
	}
	c->times_n = (uint8_t)n;
	c->times_m = (uint8_t)m;
}

/* Checks a URL: http:// only, a host, an optional numeric port. */
static int
conf_valid_url(const char *u, const char **why)
{
	const char *h, *end, *p;
	long port;
	char *e;

	if (strncmp(u, "http://", 7) != 0) {
		*why = "only http:// URLs are supported";
		return 0;
	}
	if (u[strcspn(u, " \t\r\n")] != '\0') {
		*why = "contains white space";
		return 0;
	}
	h = u + 7;
	end = h + strcspn(h, "/?#");
	if (*h == '[') {
		if ((p = memchr(h, ']', (size_t)(end - h))) == NULL) {
			*why = "unterminated IPv6 address";
			return 0;
		}
		p++;
	} else
		for (p = h; p < end && *p != ':'; p++)
			;
	if (p == h || (*h == '[' && p == h + 2)) {
		*why = "no host";
		return 0;
	}
	if (p < end) {
		if (*p != ':' || p + 1 == end) {
			*why = "invalid port";
			return 0;
		}
		errno = 0;
		port = strtol(p + 1, &e, 10);
		if (e != end || port < 1 || port > 65535 ||
		    !isdigit((unsigned char)p[1])) {
			*why = "invalid port";
			return 0;
		}
	}
	return 1;
}

/* Appends a zeroed check to the app, growing its arrays. */
static struct check_conf *
conf_check_new(struct conf_loader *l, uint32_t *index)
{
	struct app *app = l->app;
	size_t ncap;

	if (app->conf.nchecks >= l->capchecks) {
		ncap = l->capchecks ? l->capchecks * 2 : 16;
		app->checks = reallocarray(app->checks, ncap,
		    sizeof(*app->checks));
		app->check_cmds = reallocarray(app->check_cmds, ncap,
		    sizeof(*app->check_cmds));
		if (app->checks == NULL || app->check_cmds == NULL)
			fatal("conf: reallocarray");
		l->capchecks = ncap;
	}
	*index = app->conf.nchecks++;
	memset(&app->checks[*index], 0, sizeof(app->checks[*index]));
	memset(&app->check_cmds[*index], 0, sizeof(app->check_cmds[*index]));
	return &app->checks[*index];
}

/* Parses one check of a process (or of its children). */
static void
conf_check(struct conf_loader *l, const config_setting_t *cs, uint16_t proc,
    int children, const char *pname)
{
	config_setting_t *k[CK_MAX];
	struct check_conf *c;
	const char *v, *why, *tname;
	char ctx[BP_NAME_MAX * 2 + 64], ebuf[256];
	uint64_t u;
	uint32_t idx;
	long long iv;
	double dv;
	regex_t re;
	int i, type, rc;

	snprintf(ctx, sizeof(ctx), " in %scheck of process \"%s\"",
	    children ? "monitor_children " : "", pname);
	if (!config_setting_is_group(cs)) {
		conf_err(l, conf_line(cs),
		    "checks: expected a list of groups such as ( { type = "
		    "\"mem_usage\"; ... } )");
		return;
	}
	conf_collect(l, cs, conf_check_keys, CK_MAX, k, ctx);
	if (k[CK_TYPE] == NULL) {
		conf_err(l, conf_line(cs), "missing \"type\"%s", ctx);
		return;
	}
	if (conf_string(l, k[CK_TYPE], &tname) == -1)
		return;
	for (type = CHECK_MEM_USAGE; type <= CHECK_FLAPPING; type++)
		if (strcmp(tname, check_type_name(type)) == 0)
			break;
	if (type > CHECK_FLAPPING) {
		conf_err(l, conf_line(k[CK_TYPE]),
		    "type: unknown check type %s", conf_q(tname));
		return;
	}
	if (children && type == CHECK_FLAPPING) {
		conf_err(l, conf_line(k[CK_TYPE]),
		    "type: flapping does not apply to monitor_children (bluepill "
		    "never starts children)");
		return;
	}
	if (type == CHECK_FLAPPING && l->nflapping++ > 0) {
		conf_err(l, conf_line(k[CK_TYPE]),
		    "type: only one flapping check per process");
		return;
	}
	for (i = 0; i < CK_MAX; i++)
		if (k[i] != NULL && !(conf_check_masks[i] & CM(type))) {
			conf_err(l, conf_line(k[i]),
			    "key \"%s\" does not apply to %s",
			    conf_check_keys[i], tname);
			k[i] = NULL;
		}

	c = conf_check_new(l, &idx);
	c->type = (uint8_t)type;
	c->proc = proc;
	c->for_children = children ? 1 : 0;
	c->line = conf_line(cs);
	c->times_n = c->times_m = 1;
	if (type == CHECK_FLAPPING)
		c->times_n = c->times_m = CONF_DEFAULT_FLAP_TIMES;
	else {
		c->nfires = 1;
		c->fires[0] = ACTION_RESTART;
	}
	if (type == CHECK_HTTP || type == CHECK_EXEC)
		c->timeout_ms = CONF_DEFAULT_TIMEOUT_MS;

	if (type != CHECK_FLAPPING && k[CK_EVERY] == NULL)
		conf_err(l, conf_line(cs), "missing \"every\"%s", ctx);
	if (k[CK_EVERY] != NULL &&
	    conf_duration(l, k[CK_EVERY], UINT32_MAX, &u) == 0) {
		if (u < CONF_MIN_EVERY_MS)
			conf_err(l, conf_line(k[CK_EVERY]),
			    "every: must be at least %dms", CONF_MIN_EVERY_MS);
		c->every_ms = (uint32_t)u;
	}
	if (k[CK_TIMES] != NULL)
		conf_times(l, k[CK_TIMES], type == CHECK_FLAPPING, c);
	if (k[CK_FIRES] != NULL)
		conf_fires(l, k[CK_FIRES], children, c);

	if ((conf_check_masks[CK_BELOW] & CM(type)) && k[CK_BELOW] == NULL)
		conf_err(l, conf_line(cs), "missing \"below\"%s", ctx);
	if (k[CK_BELOW] != NULL) {
		rc = -1;
		u = 0;
		if (type == CHECK_MEM_USAGE)
			rc = conf_size(l, k[CK_BELOW], &u);
		else if (type == CHECK_CPU_USAGE) {
			switch (config_setting_type(k[CK_BELOW])) {
			case CONFIG_TYPE_INT:
			case CONFIG_TYPE_INT64:
				iv = config_setting_get_int64(k[CK_BELOW]);
				dv = (double)iv;
				break;
			case CONFIG_TYPE_FLOAT:
				dv = config_setting_get_float(k[CK_BELOW]);
				break;
			default:
				dv = NAN;
				conf_err(l, conf_line(k[CK_BELOW]),
				    "below: expected a percentage (a number)");
				break;
			}
			if (isfinite(dv) && (dv < 0 || dv > 1e9))
				conf_err(l, conf_line(k[CK_BELOW]),
				    "below: percentage out of range");
			else if (isfinite(dv)) {
				u = (uint64_t)(dv * 100 + 0.5);
				rc = 0;
			}
		} else
			rc = conf_duration(l, k[CK_BELOW], UINT64_MAX, &u);
		if (rc == 0 && u == 0)
			conf_err(l, conf_line(k[CK_BELOW]),
			    "below: must be greater than 0");
		c->below = u;
	}
	if (k[CK_INCLUDE_CHILDREN] != NULL)
		conf_bool(l, k[CK_INCLUDE_CHILDREN], &c->include_children);

	if (type == CHECK_FILE_TIME && k[CK_FILENAME] == NULL)
		conf_err(l, conf_line(cs), "missing \"filename\"%s", ctx);
	if (k[CK_FILENAME] != NULL && conf_path(l, k[CK_FILENAME], &v) == 0)
		c->filename = conf_str(l, &l->app->wstr, v);

	if (type == CHECK_HTTP && k[CK_URL] == NULL)
		conf_err(l, conf_line(cs), "missing \"url\"%s", ctx);
	if (k[CK_URL] != NULL && conf_string(l, k[CK_URL], &v) == 0) {
		if (!conf_valid_url(v, &why))
			conf_err(l, conf_line(k[CK_URL]), "url: %s: %s",
			    conf_q(v), why);
		else if (strlen(v) >= BP_PATH_MAX)
			conf_err(l, conf_line(k[CK_URL]),
			    "url: longer than %d bytes", BP_PATH_MAX - 1);
		else
			c->url = conf_str(l, &l->app->wstr, v);
	}
	if (k[CK_KIND] != NULL) {
		switch (config_setting_type(k[CK_KIND])) {
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			iv = config_setting_get_int64(k[CK_KIND]);
			if (iv < 100 || iv > 599)
				conf_err(l, conf_line(k[CK_KIND]),
				    "kind: %lld is not an HTTP status code",
				    iv);
			else
				c->http_kind = (int16_t)iv;
			break;
		case CONFIG_TYPE_STRING:
			v = config_setting_get_string(k[CK_KIND]);
			if (strcmp(v, "success") != 0)
				conf_err(l, conf_line(k[CK_KIND]),
				    "kind: expected a status code or "
				    "\"success\", not %s",
				    conf_q(v));
			break;
		default:
			conf_err(l, conf_line(k[CK_KIND]),
			    "kind: expected a status code or \"success\"");
			break;
		}
	}
	if (k[CK_PATTERN] != NULL && conf_string(l, k[CK_PATTERN], &v) == 0) {
		if ((rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, &re, ebuf, sizeof(ebuf));
			conf_err(l, conf_line(k[CK_PATTERN]),
			    "pattern: invalid regular expression: %s", ebuf);
		} else {
			regfree(&re);
			c->pattern = conf_str(l, &l->app->wstr, v);
		}
	}
	if (k[CK_TIMEOUT] != NULL &&
	    conf_duration(l, k[CK_TIMEOUT], UINT32_MAX, &u) == 0) {
		if (u == 0)
			conf_err(l, conf_line(k[CK_TIMEOUT]),
			    "timeout: must be greater than 0");
		c->timeout_ms = (uint32_t)u;
	}
	if (type == CHECK_EXEC && k[CK_COMMAND] == NULL)
		conf_err(l, conf_line(cs), "missing \"command\"%s", ctx);
	if (k[CK_COMMAND] != NULL)
		conf_cmd(l, k[CK_COMMAND], 0, &l->app->check_cmds[idx]);

	if (type == CHECK_FLAPPING && k[CK_WITHIN] == NULL)
		conf_err(l, conf_line(cs), "missing \"within\"%s", ctx);
	if (k[CK_WITHIN] != NULL &&
	    conf_duration(l, k[CK_WITHIN], UINT32_MAX, &u) == 0) {
		if (u == 0)
			conf_err(l, conf_line(k[CK_WITHIN]),
			    "within: must be greater than 0");
		c->within_ms = (uint32_t)u;
	}
	if (k[CK_RETRY_IN] != NULL &&
	    conf_duration(l, k[CK_RETRY_IN], UINT32_MAX, &u) == 0)
		c->retry_in_ms = (uint32_t)u;
}

/* Parses a checks list into the app's array; returns how many it added. */
static uint16_t
conf_checks(struct conf_loader *l, const config_setting_t *s, uint16_t proc,
    int children, const char *pname)
{
	uint32_t first = l->app->conf.nchecks;
	int i, n;

	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(l, conf_line(s),
		    "checks: expected a list of groups such as ( { type = "
		    "\"mem_usage\"; ... } )");
		return 0;
	}
	n = config_setting_length(s);
	if (n > BP_MAX_PROC_CHECKS) {
		conf_err(l, conf_line(s), "checks: more than %d checks",
		    BP_MAX_PROC_CHECKS);
		return 0;
	}
	if (first + (uint32_t)n > BP_MAX_CHECKS) {
		conf_err(l, conf_line(s),
		    "checks: more than %d checks in the application",
		    BP_MAX_CHECKS);
		return 0;
	}
	for (i = 0; i < n; i++)
		conf_check(l, config_setting_get_elem(s, i), proc, children,
		    pname);
	return (uint16_t)(l->app->conf.nchecks - first);
}

/* Writes "group:name" or "name" for messages. */
static const char *
conf_pname(const struct proc_conf *pc, char *buf, size_t len)
{
	if (pc->group[0] != '\0')
		snprintf(buf, len, "%s:%s", pc->group, pc->name);
	else
		snprintf(buf, len, "%s", pc->name);
	return buf;
}

/*
 * Resolves a process's identity.  The uid comes from the process, else the
 * app, else the default; gid and uid travel as a pair, so an app's gid only
 * applies to processes that also take the app's uid.
 */
static void
conf_proc_ident(struct conf_loader *l, config_setting_t **k,
    struct proc_conf *pc, struct proc_exec *ex)
{
	struct conf_ident id;
	uint32_t gid = 0, gids[BP_MAX_GROUPS], g;
	gid_t list[BP_MAX_GROUPS * 2];
	unsigned ngids = 0, uline;
	int gid_state, i, n, nlist;
	config_setting_t *sg = k[PK_SUPPLEMENTARY_GROUPS], *e;

	if (k[PK_UID] != NULL)
		conf_user(l, k[PK_UID], &id);
	else if (l->app_uid.state != 0)
		id = l->app_uid;
	else
		id = l->self;

	gid_state = 0;
	if (k[PK_GID] != NULL)
		gid_state = conf_group(l, k[PK_GID], &gid, 1) == 0 ? 1 : -1;
	else if (k[PK_UID] == NULL && l->app_gid_state != 0) {
		gid_state = l->app_gid_state;
		gid = l->app_gid;
	}

	if (sg != NULL && config_setting_type(sg) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(sg) != CONFIG_TYPE_LIST) {
		conf_err(l, conf_line(sg),
		    "supplementary_groups: expected an array of group names");
		sg = NULL;
	}
	if (id.state != 1 || gid_state == -1)
		return;
	uline = k[PK_UID] != NULL ? conf_line(k[PK_UID]) : pc->line;

	if (!l->opts->privileged) {
		/* no setgroups without root: the spawner keeps our own */
		if (gid_state == 0)
			gid = l->opts->self_gid;
		n = sg ? config_setting_length(sg) : 0;
		for (i = 0; i < n; i++)
			conf_group(l, config_setting_get_elem(sg, i), &g, 1);
	} else {
		if (gid_state == 0) {
			gid = id.gid;
			nlist = BP_MAX_GROUPS * 2;
			if (getgrouplist(id.name, (gid_t)gid, list, &nlist) ==
			    -1) {
				conf_err(l, uline,
				    "uid: user %s belongs to more than %d groups",
				    conf_q(id.name), BP_MAX_GROUPS);
				return;
			}
			conf_gid_add(gids, &ngids, BP_MAX_GROUPS, gid);
			for (i = 0; i < nlist; i++)
				if (conf_gid_add(gids, &ngids, BP_MAX_GROUPS,
				        (uint32_t)list[i]) == -1) {
					conf_err(l, uline,
					    "uid: user %s belongs to more than "
					    "%d groups",
					    conf_q(id.name), BP_MAX_GROUPS);
					return;
				}
		} else
			conf_gid_add(gids, &ngids, BP_MAX_GROUPS, gid);
		n = sg ? config_setting_length(sg) : 0;
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(sg, i);
			if (conf_group(l, e, &g, 1) == -1)
				continue;
			if (conf_gid_add(gids, &ngids, BP_MAX_GROUPS, g) ==
			    -1) {
				conf_err(l, conf_line(sg),
				    "supplementary_groups: more than %d groups",
				    BP_MAX_GROUPS);
				return;
			}
		}
	}
	pc->uid = ex->uid = id.uid;
	pc->gid = ex->gid = gid;
	ex->ngroups = (uint16_t)ngids;
	memcpy(ex->groups, gids, ngids * sizeof(gids[0]));
	ex->user_name = conf_str(l, &l->app->mstr, id.name);
	ex->home = conf_str(l, &l->app->mstr, id.home);
	ex->shell = conf_str(l, &l->app->mstr, id.shell);
}

/* Parses a monitor_children group. */
static void
conf_children(struct conf_loader *l, const config_setting_t *s, uint16_t idx,
    struct proc_conf *pc, struct proc_exec *ex, const char *pname)
{
	config_setting_t *k[MK_MAX];
	char ctx[BP_NAME_MAX * 2 + 64];

	if (!config_setting_is_group(s)) {
		conf_err(l, conf_line(s),
		    "monitor_children: expected a group such as { stop_command "
		    "= \"...\"; }");
		return;
	}
	snprintf(ctx, sizeof(ctx), " in monitor_children of process \"%s\"",
	    pname);
	conf_collect(l, s, conf_child_keys, MK_MAX, k, ctx);
	pc->monitor_children = 1;
	if (k[MK_STOP_COMMAND] == NULL)
		conf_err(l, conf_line(s), "missing \"stop_command\"%s", ctx);
	else
		conf_cmd(l, k[MK_STOP_COMMAND], 1, &ex->child_stop);
	if (k[MK_RESTART_COMMAND] != NULL &&
	    conf_cmd(l, k[MK_RESTART_COMMAND], 1, &ex->child_restart) == 0)
		pc->has_child_restart_command = 1;
	pc->child_check_first = (uint16_t)l->app->conf.nchecks;
	if (k[MK_CHECKS] != NULL)
		pc->nchild_check = conf_checks(l, k[MK_CHECKS], idx, 1, pname);
}

/* Fetches a grace time (default 3s), which must be positive. */
static uint32_t
conf_grace(struct conf_loader *l, const config_setting_t *s)
{
	uint64_t ms;

	if (s == NULL || conf_duration(l, s, UINT32_MAX, &ms) == -1)
		return BP_DEFAULT_GRACE_MS;
	if (ms == 0) {
		conf_err(l, conf_line(s), "%s: must be greater than 0",
		    conf_key(s));
		return BP_DEFAULT_GRACE_MS;
	}
	return (uint32_t)ms;
}

/* Parses one process group into procs[idx] and execs[idx]. */
static void
conf_proc(struct conf_loader *l, const config_setting_t *ps, uint16_t idx)
{
	struct app *app = l->app;
	struct proc_conf *pc = &app->procs[idx], *o;
	struct proc_exec *ex = &app->execs[idx];
	config_setting_t *k[PK_MAX], *s;
	char ctx[BP_NAME_MAX * 2 + 64], pname[BP_NAME_MAX * 2 + 2];
	char pbuf[BP_PATH_MAX + 64], obuf[BP_NAME_MAX * 2 + 2];
	const char *v, *pidfile = NULL;
	uint32_t *stdio_off[3];
	unsigned pid_line;
	int i, dupname = 0;

	memset(pc, 0, sizeof(*pc));
	memset(ex, 0, sizeof(*ex));
	pc->line = conf_line(ps);
	l->nflapping = 0;
	if (!config_setting_is_group(ps)) {
		conf_err(l, conf_line(ps),
		    "processes: expected a list of groups such as ( { name = "
		    "\"web\"; ... } )");
		return;
	}
	s = config_setting_get_member(ps, "name");
	if (s != NULL && config_setting_type(s) == CONFIG_TYPE_STRING)
		snprintf(ctx, sizeof(ctx), " in process %s",
		    conf_q(config_setting_get_string(s)));
	else
		snprintf(ctx, sizeof(ctx), " in process #%u", idx + 1);
	conf_collect(l, ps, conf_proc_keys, PK_MAX, k, ctx);

	if (k[PK_NAME] == NULL)
		conf_err(l, conf_line(ps), "missing \"name\"%s", ctx);
	else
		conf_name(l, k[PK_NAME], pc->name);
	if (k[PK_GROUP] != NULL)
		conf_name(l, k[PK_GROUP], pc->group);
	conf_pname(pc, pname, sizeof(pname));
	if (pc->name[0] != '\0')
		for (i = 0; i < idx; i++) {
			o = &app->procs[i];
			if (strcmp(o->name, pc->name) == 0 &&
			    strcmp(o->group, pc->group) == 0) {
				conf_err(l, conf_line(k[PK_NAME]),
				    "name: process %s is already defined at "
				    "line %u",
				    conf_q(pname), o->line);
				dupname = 1;
			}
		}

	if (k[PK_START_COMMAND] == NULL)
		conf_err(l, conf_line(ps), "missing \"start_command\"%s", ctx);
	else
		conf_cmd(l, k[PK_START_COMMAND], 0, &ex->start);
	if (k[PK_STOP_COMMAND] != NULL &&
	    conf_cmd(l, k[PK_STOP_COMMAND], 1, &ex->stop) == 0)
		pc->has_stop_command = 1;
	if (k[PK_RESTART_COMMAND] != NULL &&
	    conf_cmd(l, k[PK_RESTART_COMMAND], 1, &ex->restart) == 0)
		pc->has_restart_command = 1;
	if (k[PK_PRE_START_COMMAND] != NULL &&
	    conf_cmd(l, k[PK_PRE_START_COMMAND], 0, &ex->pre_start) == 0)
		pc->has_pre_start_command = 1;

	pc->start_grace_ms = conf_grace(l, k[PK_START_GRACE_TIME]);
	pc->stop_grace_ms = conf_grace(l, k[PK_STOP_GRACE_TIME]);
	pc->restart_grace_ms = conf_grace(l, k[PK_RESTART_GRACE_TIME]);
	if (k[PK_STOP_SIGNALS] != NULL)
		conf_sigsteps(l, k[PK_STOP_SIGNALS], pc);

	pid_line = conf_line(ps);
	if (k[PK_PID_FILE] != NULL) {
		pid_line = conf_line(k[PK_PID_FILE]);
		if (conf_path(l, k[PK_PID_FILE], &v) == 0)
			pidfile = v;
	} else if (pc->name[0] != '\0') {
		if ((size_t)snprintf(pbuf, sizeof(pbuf),
		        "%s/pids/%s/%s%s%s.pid",
		        l->opts->rundir ? l->opts->rundir : BP_RUNDIR_DEFAULT,
		        app->conf.name, pc->group,
		        pc->group[0] != '\0' ? "_" : "",
		        pc->name) >= BP_PATH_MAX)
			conf_err(l, conf_line(ps),
			    "pid_file: the default pid file path is longer than "
			    "%d bytes",
			    BP_PATH_MAX - 1);
		else
			pidfile = pbuf;
	}
	if (pidfile != NULL) {
		/* a duplicate name already explains a clash of default paths */
		for (i = 0; i < idx && !(dupname && k[PK_PID_FILE] == NULL);
		     i++) {
			o = &app->procs[i];
			if (o->pid_file != 0 &&
			    strcmp(strtab_get(&app->wstr, o->pid_file),
			        pidfile) == 0)
				conf_err(l, pid_line,
				    "pid_file: %s is already the pid file of "
				    "process %s",
				    conf_q(pidfile),
				    conf_q(conf_pname(o, obuf, sizeof(obuf))));
		}
		pc->pid_file = conf_str(l, &app->wstr, pidfile);
	}

	pc->daemonize = 0;
	if (k[PK_DAEMONIZE] != NULL)
		conf_bool(l, k[PK_DAEMONIZE], &pc->daemonize);
	pc->auto_start = 1;
	if (k[PK_AUTO_START] != NULL)
		conf_bool(l, k[PK_AUTO_START], &pc->auto_start);

	v = l->app_wd != NULL ? l->app_wd : "/";
	if (k[PK_WORKING_DIR] != NULL &&
	    conf_path(l, k[PK_WORKING_DIR], &v) == -1)
		v = "/";
	ex->working_dir = conf_str(l, &app->mstr, v);

	stdio_off[0] = &ex->stdin_path;
	stdio_off[1] = &ex->stdout_path;
	stdio_off[2] = &ex->stderr_path;
	for (i = 0; i < 3; i++) {
		s = k[PK_STDIN + i];
		v = "/dev/null";
		if (s != NULL && conf_path(l, s, &v) == -1)
			v = "/dev/null";
		*stdio_off[i] = conf_str(l, &app->mstr, v);
	}

	if (k[PK_ENVIRONMENT] != NULL &&
	    conf_env_check(l, k[PK_ENVIRONMENT]) == -1)
		k[PK_ENVIRONMENT] = NULL;
	conf_env_merge(l, k[PK_ENVIRONMENT], ex);

	conf_proc_ident(l, k, pc, ex);

	pc->check_first = (uint16_t)app->conf.nchecks;
	if (k[PK_CHECKS] != NULL)
		pc->ncheck = conf_checks(l, k[PK_CHECKS], idx, 0, pname);
	pc->child_check_first = (uint16_t)app->conf.nchecks;
	if (k[PK_MONITOR_CHILDREN] != NULL)
		conf_children(l, k[PK_MONITOR_CHILDREN], idx, pc, ex, pname);
}

/* Resolves the app-level identity defaults and the default identity. */
static void
conf_app_ident(struct conf_loader *l, config_setting_t **k)
{
	struct passwd *pw;
	uint32_t self = l->opts->privileged ? 0 : l->opts->self_uid;

	memset(&l->self, 0, sizeof(l->self));
	if ((pw = getpwuid((uid_t)self)) != NULL)
		conf_ident_fill(&l->self, pw);
	else {
		l->self.state = 1;
		l->self.uid = self;
		snprintf(l->self.home, sizeof(l->self.home), "/");
		snprintf(l->self.shell, sizeof(l->self.shell), "/bin/sh");
	}
	if (!l->opts->privileged)
		l->self.gid = l->opts->self_gid;

	if (k[AK_UID] != NULL)
		conf_user(l, k[AK_UID], &l->app_uid);
	if (k[AK_GID] != NULL)
		l->app_gid_state = conf_group(l, k[AK_GID], &l->app_gid, 1) ==
		        0 ?
		    1 :
		    -1;

	l->app->conf.uid = l->app_uid.state == 1 ? l->app_uid.uid : l->self.uid;
	if (l->app_gid_state == 1)
		l->app->conf.gid = l->app_gid;
	else if (l->app_uid.state == 1 && l->opts->privileged)
		l->app->conf.gid = l->app_uid.gid;
	else
		l->app->conf.gid = l->self.gid;
}

/* Returns 1 when uid runs one of the app's processes. */
static int
conf_app_runs_uid(const struct app *app, uint32_t uid, const char **pname,
    char *buf, size_t len)
{
	uint32_t i;

	for (i = 0; i < app->conf.nprocs; i++)
		if (app->execs[i].uid == uid) {
			*pname = conf_pname(&app->procs[i], buf, len);
			return 1;
		}
	return 0;
}

/* Returns 1 when uid is in a list of used uids. */
static int
conf_uid_used(const uint32_t *used, size_t nused, uint32_t uid)
{
	size_t i;

	for (i = 0; i < nused; i++)
		if (used[i] == uid)
			return 1;
	return 0;
}

/* FNV-1a of a name, the start of the app's probe for a worker uid. */
static uint32_t
conf_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/*
 * Picks a worker uid in the reserved range: no passwd entry, no group with
 * that number (the gid is the same number), and not used by anyone else.
 */
static int
conf_worker_probe(struct app *app, const uint32_t *used, size_t nused)
{
	const uint32_t span = BP_DYN_UID_MAX - BP_DYN_UID_MIN + 1;
	uint32_t i, uid, start = conf_fnv1a(app->conf.name) % span;

	for (i = 0; i < span; i++) {
		uid = BP_DYN_UID_MIN + (start + i) % span;
		if (conf_uid_used(used, nused, uid) ||
		    getpwuid((uid_t)uid) != NULL ||
		    getgrgid((gid_t)uid) != NULL)
			continue;
		app->conf.worker_uid = uid;
		app->conf.worker_gid = uid;
		return 0;
	}
	return -1;
}

/* Resolves worker_user: an existing user, never root or a managed uid. */
static void
conf_worker_user(struct conf_loader *l, const config_setting_t *s)
{
	struct conf_ident id;
	const char *pname;
	char buf[BP_NAME_MAX * 2 + 2];

	l->meta.worker_explicit = 1;
	l->meta.worker_line = conf_line(s);
	if (conf_user(l, s, &id) == -1)
		return;
	if (!l->opts->privileged) {
		l->app->conf.worker_uid = l->opts->self_uid;
		l->app->conf.worker_gid = l->opts->self_gid;
		return;
	}
	if (id.uid == 0) {
		conf_err(l, conf_line(s), "worker_user: must not be root");
		return;
	}
	if (conf_app_runs_uid(l->app, id.uid, &pname, buf, sizeof(buf))) {
		conf_err(l, conf_line(s),
		    "worker_user: %s also runs process %s", conf_q(id.name),
		    conf_q(pname));
		return;
	}
	l->app->conf.worker_uid = id.uid;
	l->app->conf.worker_gid = id.gid;
}

/* Assigns a dynamic worker uid to an app considered alone. */
static void
conf_worker_alone(struct conf_loader *l)
{
	struct app *app = l->app;
	uint32_t *used;
	uint32_t i;

	if (!l->opts->privileged) {
		app->conf.worker_uid = l->opts->self_uid;
		app->conf.worker_gid = l->opts->self_gid;
		return;
	}
	if (l->meta.worker_explicit)
		return;
	used = conf_alloc(app->conf.nprocs, sizeof(*used));
	for (i = 0; i < app->conf.nprocs; i++)
		used[i] = app->execs[i].uid;
	if (conf_worker_probe(app, used, app->conf.nprocs) == -1)
		conf_err(l, 0, "no free worker uid in %d-%d", BP_DYN_UID_MIN,
		    BP_DYN_UID_MAX);
	free(used);
}

/* Reads max_processes: a whole number of processes the app may run. */
static void
conf_max_processes(struct conf_loader *l, const config_setting_t *s)
{
	long long n;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(l, conf_line(s),
		    "max_processes: expected an integer (processes and "
		    "threads the app may run at once)");
		return;
	}
	n = config_setting_get_int64(s);
	if (n < 1 || n > CONF_MAX_PROCESSES_MAX) {
		conf_err(l, conf_line(s),
		    "max_processes: must be between 1 and %d",
		    CONF_MAX_PROCESSES_MAX);
		return;
	}
	l->app->max_processes = (uint32_t)n;
}

/* Walks the top level of a parsed drop-in. */
static void
conf_app_walk(struct conf_loader *l, config_t *cf)
{
	struct app *app = l->app;
	config_setting_t *k[AK_MAX], *e, *root = config_root_setting(cf);
	const char *base, *v;
	char name[BP_PATH_MAX];
	size_t n;
	int i, len;

	conf_collect(l, root, conf_app_keys, AK_MAX, k, "");

	if (k[AK_NAME] != NULL) {
		l->meta.name_line = conf_line(k[AK_NAME]);
		conf_name(l, k[AK_NAME], app->conf.name);
	} else {
		base = strrchr(l->path, '/');
		base = base != NULL ? base + 1 : l->path;
		snprintf(name, sizeof(name), "%s", base);
		n = strlen(name);
		if (n > 5 && strcmp(name + n - 5, ".conf") == 0)
			name[n - 5] = '\0';
		if (!conf_valid_name(name))
			conf_err(l, 0,
			    "the file name gives no valid application name "
			    "(1 to 63 of A-Z a-z 0-9 _ . -); set \"name\"");
		else
			memcpy(app->conf.name, name, strlen(name) + 1);
	}

	conf_app_ident(l, k);
	if (k[AK_WORKING_DIR] != NULL &&
	    conf_path(l, k[AK_WORKING_DIR], &v) == 0)
		l->app_wd = v;
	if (k[AK_ENVIRONMENT] != NULL &&
	    conf_env_check(l, k[AK_ENVIRONMENT]) == 0)
		l->app_env = k[AK_ENVIRONMENT];
	if (k[AK_LOG_FILE] != NULL && conf_path(l, k[AK_LOG_FILE], &v) == 0) {
		snprintf(app->log_file, sizeof(app->log_file), "%s", v);
		app->conf.log_to_file = 1;
	}
	if (k[AK_CTL_GROUPS] != NULL) {
		e = k[AK_CTL_GROUPS];
		if (config_setting_type(e) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(e) != CONFIG_TYPE_LIST)
			conf_err(l, conf_line(e),
			    "ctl_groups: expected an array of group names");
		else {
			len = config_setting_length(e);
			for (i = 0; i < len; i++) {
				uint32_t gid;
				unsigned nct = app->conf.nctl_gids;

				if (conf_group(l, config_setting_get_elem(e, i),
				        &gid, 0) == -1)
					continue;
				if (conf_gid_add(app->conf.ctl_gids, &nct,
				        BP_MAX_CTL_GROUPS, gid) == -1) {
					conf_err(l, conf_line(e),
					    "ctl_groups: more than %d groups",
					    BP_MAX_CTL_GROUPS);
					break;
				}
				app->conf.nctl_gids = (uint8_t)nct;
			}
		}
	}

	if (k[AK_MAX_PROCESSES] != NULL)
		conf_max_processes(l, k[AK_MAX_PROCESSES]);

	e = k[AK_PROCESSES];
	if (e == NULL)
		conf_err(l, 0, "missing \"processes\" (at least one process)");
	else if (config_setting_type(e) != CONFIG_TYPE_LIST)
		conf_err(l, conf_line(e),
		    "processes: expected a list of groups such as ( { name = "
		    "\"web\"; ... } )");
	else if ((len = config_setting_length(e)) == 0)
		conf_err(l, conf_line(e),
		    "processes: empty list (at least one process)");
	else if (len > BP_MAX_PROCS)
		conf_err(l, conf_line(e), "processes: more than %d processes",
		    BP_MAX_PROCS);
	else {
		app->procs = conf_alloc((size_t)len, sizeof(*app->procs));
		app->execs = conf_alloc((size_t)len, sizeof(*app->execs));
		app->conf.nprocs = (uint32_t)len;
		for (i = 0; i < len; i++)
			conf_proc(l, config_setting_get_elem(e, i),
			    (uint16_t)i);
	}

	if (k[AK_WORKER_USER] != NULL)
		conf_worker_user(l, k[AK_WORKER_USER]);
}

/* Checks owner and mode of the file or of its directory. */
static void
conf_check_owner(struct conf_loader *l, const struct stat *st, const char *what)
{
	/* root in production; the tests run privileged=1 as themselves */
	if (st->st_uid != 0 && st->st_uid != geteuid())
		conf_err(l, 0, "%snot owned by root", what);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		conf_err(l, 0, "%swritable by group or others", what);
}

/* Opens and reads a drop-in safely into a NUL-terminated buffer. */
static char *
conf_read(struct conf_loader *l, size_t *lenp)
{
	char dir[BP_PATH_MAX], what[BP_PATH_MAX * 4 + 32];
	const char *base, *slash;
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	ssize_t r;
	int dfd = -1, fd = -1;

	if (strlen(l->path) >= BP_PATH_MAX) {
		conf_err(l, 0, "path longer than %d bytes", BP_PATH_MAX - 1);
		return NULL;
	}
	if ((slash = strrchr(l->path, '/')) == NULL) {
		snprintf(dir, sizeof(dir), ".");
		base = l->path;
	} else {
		snprintf(dir, sizeof(dir), "%.*s",
		    slash == l->path ? 1 : (int)(slash - l->path), l->path);
		base = slash + 1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		conf_err(l, 0, "cannot open directory: %s", strerror(errno));
		goto fail;
	}
	fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		conf_err(l, 0, "%s",
		    errno == ELOOP ? "is a symbolic link" : strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		conf_err(l, 0, "fstat: %s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		conf_err(l, 0, "not a regular file");
		goto fail;
	}
	if (l->opts->privileged) {
		conf_check_owner(l, &st, "");
		if (fstat(dfd, &st) == -1) {
			conf_err(l, 0, "fstat: %s", strerror(errno));
			goto fail;
		}
		snprintf(what, sizeof(what), "directory \"%s\" is ", dir);
		conf_check_owner(l, &st, what);
		if (l->nerr > 0)
			goto fail;
	}
	buf = conf_alloc(CONF_FILE_MAX + 2, 1);
	while (len <= CONF_FILE_MAX) {
		r = read(fd, buf + len, CONF_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			conf_err(l, 0, "read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONF_FILE_MAX) {
		conf_err(l, 0, "larger than %d bytes", CONF_FILE_MAX);
		goto fail;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		conf_err(l, 0, "contains a NUL byte");
		goto fail;
	}
	close(fd);
	close(dfd);
	*lenp = len;
	return buf;
fail:
	free(buf);
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	return NULL;
}

/*
 * Scans the text before libconfig sees it: @include would read a file we
 * never checked, and libconfig 1.5 silently truncates integers that do not
 * fit in 32 bits unless they carry an L suffix.  Returns -1 on @include.
 */
static int
conf_prescan(struct conf_loader *l, const char *b, size_t len)
{
	enum { S_CODE, S_LINE, S_BLOCK, S_STRING } st = S_CODE;
	unsigned line = 1;
	int bol = 1, inc = 0, neg;
	size_t i = 0, j;
	unsigned long long v;

	while (i < len) {
		if (b[i] == '\n') {
			line++;
			bol = 1;
			if (st == S_LINE)
				st = S_CODE;
			i++;
			continue;
		}
		if (bol) {
			if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
				i++;
				continue;
			}
			bol = 0;
			if (st != S_STRING &&
			    strncmp(b + i, "@include", 8) == 0) {
				conf_err(l, line, "@include is not allowed");
				inc = 1;
			}
		}
		switch (st) {
		case S_LINE:
			i++;
			continue;
		case S_BLOCK:
			if (b[i] == '*' && b[i + 1] == '/') {
				st = S_CODE;
				i += 2;
			} else
				i++;
			continue;
		case S_STRING:
			if (b[i] == '\\' && b[i + 1] != '\0' &&
			    b[i + 1] != '\n')
				i += 2;
			else {
				if (b[i] == '"')
					st = S_CODE;
				i++;
			}
			continue;
		case S_CODE:
			break;
		}
		if (b[i] == '#' || (b[i] == '/' && b[i + 1] == '/')) {
			st = S_LINE;
			i++;
		} else if (b[i] == '/' && b[i + 1] == '*') {
			st = S_BLOCK;
			i += 2;
		} else if (b[i] == '"') {
			st = S_STRING;
			i++;
		} else if (isalpha((unsigned char)b[i]) || b[i] == '_' ||
		    b[i] == '*') {
			while (isalnum((unsigned char)b[i]) || b[i] == '_' ||
			    b[i] == '*' || b[i] == '-')
				i++;
		} else if (isdigit((unsigned char)b[i]) ||
		    ((b[i] == '-' || b[i] == '+') &&
		        isdigit((unsigned char)b[i + 1]))) {
			neg = b[i] == '-';
			j = i + (b[i] == '-' || b[i] == '+');
			v = 0;
			if (b[j] == '0' &&
			    (b[j + 1] == 'x' || b[j + 1] == 'X')) {
				for (j += 2; isxdigit((unsigned char)b[j]); j++)
					if (v <= 0xffffffffULL)
						v = v * 16 +
						    (unsigned)(isdigit((
						                   unsigned char)
						                       b[j]) ?
						            b[j] - '0' :
						            (tolower(
						                 (unsigned char)
						                     b[j]) -
						                'a' + 10));
			} else
				for (; isdigit((unsigned char)b[j]); j++)
					if (v <= 0xffffffffULL)
						v = v * 10 +
						    (unsigned)(b[j] - '0');
			if (b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
				while (isdigit((unsigned char)b[j]) ||
				    b[j] == '.' || b[j] == 'e' || b[j] == 'E' ||
				    ((b[j] == '-' || b[j] == '+') &&
				        (b[j - 1] == 'e' || b[j - 1] == 'E')))
					j++;
			} else if (b[j] != 'L' &&
			    v > (neg ? 0x80000000ULL : 0x7fffffffULL))
				conf_err(l, line,
				    "integer %.*s does not fit in 32 bits (use a "
				    "string such as \"5GB\", or an L suffix)",
				    (int)(j - i > 40 ? 40 : j - i), b + i);
			i = j;
		} else
			i++;
	}
	return inc ? -1 : 0;
}

/* Loads one drop-in into app, filling meta for the directory pass. */
static int
conf_load_one(const char *path, const struct conf_opts *opts, struct app *app,
    char **errors, struct conf_meta *meta)
{
	struct conf_loader l;
	config_t cf;
	char *buf;
	size_t len;
	int rc;

	memset(app, 0, sizeof(*app));
	memset(&l, 0, sizeof(l));
	l.path = path;
	l.opts = opts;
	l.app = app;
	conf_escape(l.qpath, sizeof(l.qpath), path);
	*errors = NULL;

	if (strtab_add(&app->wstr, "") != 0 || strtab_add(&app->mstr, "") != 0)
		fatal("conf: strtab_add");
	snprintf(app->file, sizeof(app->file), "%s", path);

	if ((buf = conf_read(&l, &len)) != NULL) {
		if (conf_prescan(&l, buf, len) == 0) {
			config_init(&cf);
			/* @include is refused above; point any leftover at nothing */
			config_set_include_dir(&cf, "/dev/null");
			if (config_read_string(&cf, buf) == CONFIG_FALSE) {
				const char *t = config_error_text(&cf);

				/* libconfig's text is often "syntax error" */
				if (t == NULL || strcmp(t, "syntax error") == 0)
					conf_err(&l,
					    (unsigned)config_error_line(&cf),
					    "syntax error");
				else
					conf_err(&l,
					    (unsigned)config_error_line(&cf),
					    "syntax error: %s", t);
			} else {
				conf_app_walk(&l, &cf);
				if (l.nerr == 0)
					conf_worker_alone(&l);
			}
			config_destroy(&cf);
		}
		free(buf);
	}
	app->conf.strtab_len = app->wstr.len;

	rc = 0;
	if (l.nerr > 0) {
		conf_app_free(app);
		*errors = l.err.s;
		rc = -1;
	} else
		free(l.err.s);
	if (meta != NULL)
		*meta = l.meta;
	return rc;
}

/* Loads one drop-in on its own (its worker uid chosen without a set). */
int
conf_load_file(const char *path, const struct conf_opts *opts, struct app *app,
    char **errors)
{
	return conf_load_one(path, opts, app, errors, NULL);
}

/* Appends a formatted line to a malloc'ed error text. */
static void conf_text_add(char **text, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a formatted line to a malloc'ed error text. */
static void
conf_text_add(char **text, const char *fmt, ...)
{
	struct conf_buf b;
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memset(&b, 0, sizeof(b));
	if (*text != NULL) {
		b.s = *text;
		b.len = b.cap = strlen(*text);
		b.cap++;
	}
	conf_buf_add(&b, line, strlen(line));
	conf_buf_add(&b, "\n", 1);
	*text = b.s;
}

/* Sorts file names with strcmp. */
static int
conf_namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Refuses file i when it clashes with an earlier accepted file: the same
 * app name, a shared pid file, or a worker_user that runs processes.
 */
static void
conf_dir_clash(struct conf_set *set, size_t i, const struct conf_meta *metas,
    const struct conf_opts *opts)
{
	struct conf_file *f = &set->files[i], *o;
	struct app *a = f->app, *b;
	char qp[BP_PATH_MAX * 4], qo[BP_PATH_MAX * 4];
	char n1[BP_NAME_MAX * 2 + 2], n2[BP_NAME_MAX * 2 + 2];
	const char *pname;
	size_t j;
	uint32_t p, q;
	char *err = NULL;

	conf_escape(qp, sizeof(qp), f->path);
	for (j = 0; j < i; j++) {
		o = &set->files[j];
		if ((b = o->app) == NULL)
			continue;
		conf_escape(qo, sizeof(qo), o->path);
		if (strcmp(a->conf.name, b->conf.name) == 0) {
			if (metas[i].name_line > 0)
				conf_text_add(&err,
				    "%s:%u: name \"%s\" is already used by %s",
				    qp, metas[i].name_line, a->conf.name, qo);
			else
				conf_text_add(&err,
				    "%s: name \"%s\" (from the file name) is "
				    "already used by %s",
				    qp, a->conf.name, qo);
		}
		for (p = 0; p < a->conf.nprocs; p++)
			for (q = 0; q < b->conf.nprocs; q++)
				if (strcmp(strtab_get(&a->wstr,
				               a->procs[p].pid_file),
				        strtab_get(&b->wstr,
				            b->procs[q].pid_file)) == 0)
					conf_text_add(&err,
					    "%s:%u: pid_file %s is already the "
					    "pid file of process \"%s\" in %s",
					    qp, a->procs[p].line,
					    conf_q(strtab_get(&a->wstr,
					        a->procs[p].pid_file)),
					    conf_pname(&b->procs[q], n1,
					        sizeof(n1)),
					    qo);
		if (!opts->privileged)
			continue;
		if (metas[j].worker_explicit) {
			for (p = 0; p < a->conf.nprocs; p++)
				if (a->execs[p].uid == b->conf.worker_uid)
					conf_text_add(&err,
					    "%s:%u: uid: %u is the worker_user "
					    "of application \"%s\" in %s",
					    qp, a->procs[p].line,
					    a->execs[p].uid, b->conf.name, qo);
		}
		if (metas[i].worker_explicit) {
			if (conf_app_runs_uid(b, a->conf.worker_uid, &pname, n2,
			        sizeof(n2)))
				conf_text_add(&err,
				    "%s:%u: worker_user: uid %u runs process "
				    "\"%s\" of application \"%s\" in %s",
				    qp, metas[i].worker_line,
				    a->conf.worker_uid, pname, b->conf.name,
				    qo);
			if (metas[j].worker_explicit &&
			    b->conf.worker_uid == a->conf.worker_uid)
				conf_text_add(&err,
				    "%s:%u: worker_user: uid %u is already the "
				    "worker of application \"%s\" in %s",
				    qp, metas[i].worker_line,
				    a->conf.worker_uid, b->conf.name, qo);
		}
	}
	if (err != NULL) {
		conf_app_free(a);
		free(a);
		f->app = NULL;
		f->errors = err;
	}
}

/* Gives each accepted app without worker_user a uid of its own. */
static void
conf_dir_workers(struct conf_set *set, const struct conf_meta *metas,
    const struct conf_opts *opts)
{
	uint32_t *used = NULL;
	size_t nused = 0, cap = 0, i;
	uint32_t p;
	struct app *a;
	char qp[BP_PATH_MAX * 4];

	if (!opts->privileged)
		return;
	for (i = 0; i < set->nfiles; i++) {
		if ((a = set->files[i].app) == NULL)
			continue;
		if (nused + a->conf.nprocs + 1 > cap) {
			cap = (nused + a->conf.nprocs + 1) * 2;
			if ((used = reallocarray(used, cap, sizeof(*used))) ==
			    NULL)
				fatal("conf: reallocarray");
		}
		for (p = 0; p < a->conf.nprocs; p++)
			used[nused++] = a->execs[p].uid;
		if (metas[i].worker_explicit)
			used[nused++] = a->conf.worker_uid;
	}
	for (i = 0; i < set->nfiles; i++) {
		if ((a = set->files[i].app) == NULL || metas[i].worker_explicit)
			continue;
		if (conf_worker_probe(a, used, nused) == -1) {
			conf_escape(qp, sizeof(qp), set->files[i].path);
			conf_text_add(&set->files[i].errors,
			    "%s: no free worker uid in %d-%d", qp,
			    BP_DYN_UID_MIN, BP_DYN_UID_MAX);
			conf_app_free(a);
			free(a);
			set->files[i].app = NULL;
			continue;
		}
		if (nused + 1 > cap) {
			cap = (nused + 1) * 2;
			if ((used = reallocarray(used, cap, sizeof(*used))) ==
			    NULL)
				fatal("conf: reallocarray");
		}
		used[nused++] = a->conf.worker_uid;
	}
	free(used);
}

/* Loads a drop-in directory, refusing clashes and reserving worker uids. */
int
conf_load_dir(const char *dir, const struct conf_opts *opts,
    struct conf_set *set)
{
	struct conf_meta *metas;
	struct conf_file *f;
	struct dirent *de;
	char **names = NULL, qd[BP_PATH_MAX * 4], qp[BP_PATH_MAX * 4];
	size_t n = 0, cap = 0, i, len;
	DIR *d;
	int rc = 0;

	memset(set, 0, sizeof(*set));
	conf_escape(qd, sizeof(qd), dir);
	if ((d = opendir(dir)) == NULL) {
		conf_text_add(&set->errors, "%s: %s", qd, strerror(errno));
		return -1;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= 5 ||
		    strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((names = reallocarray(names, cap,
			         sizeof(*names))) == NULL)
				fatal("conf: reallocarray");
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			fatal("conf: strdup");
	}
	if (errno != 0) {
		conf_text_add(&set->errors, "%s: readdir: %s", qd,
		    strerror(errno));
		rc = -1;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), conf_namecmp);

	set->files = conf_alloc(n, sizeof(*set->files));
	metas = conf_alloc(n, sizeof(*metas));
	set->nfiles = n;
	for (i = 0; i < n; i++) {
		f = &set->files[i];
		if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", dir,
		        names[i]) >= sizeof(f->path)) {
			conf_escape(qp, sizeof(qp), names[i]);
			conf_text_add(&f->errors, "%s/%s: path too long", qd,
			    qp);
			continue;
		}
		f->app = conf_alloc(1, sizeof(*f->app));
		if (conf_load_one(f->path, opts, f->app, &f->errors,
		        &metas[i]) == -1) {
			free(f->app);
			f->app = NULL;
			continue;
		}
		conf_dir_clash(set, i, metas, opts);
	}
	conf_dir_workers(set, metas, opts);
	for (i = 0; i < n; i++) {
		if (set->files[i].app == NULL)
			rc = -1;
		free(names[i]);
	}
	free(names);
	free(metas);
	return rc;
}

/* Reports on every drop-in of a directory, for bluepilld -n. */
int
conf_check_dir(const char *dir, const struct conf_opts *opts, FILE *out)
{
	struct conf_set set;
	char qp[BP_PATH_MAX * 4];
	size_t i;
	int rc;

	rc = conf_load_dir(dir, opts, &set) == 0 ? 0 : 6;
	if (set.errors != NULL)
		fputs(set.errors, out);
	for (i = 0; i < set.nfiles; i++) {
		if (set.files[i].errors != NULL)
			fputs(set.files[i].errors, out);
		else {
			conf_escape(qp, sizeof(qp), set.files[i].path);
			fprintf(out, "%s: OK\n", qp);
		}
	}
	conf_set_free(&set);
	return rc;
}

/* Releases the arrays and tables of an app. */
void
conf_app_free(struct app *app)
{
	free(app->procs);
	free(app->execs);
	free(app->checks);
	free(app->check_cmds);
	free(app->wstr.buf);
	free(app->mstr.buf);
	memset(app, 0, sizeof(*app));
}

/* Releases every app and error text of a set. */
void
conf_set_free(struct conf_set *set)
{
	size_t i;

	for (i = 0; i < set->nfiles; i++) {
		if (set->files[i].app != NULL) {
			conf_app_free(set->files[i].app);
			free(set->files[i].app);
		}
		free(set->files[i].errors);
	}
	free(set->files);
	free(set->errors);
	memset(set, 0, sizeof(*set));
}

/* Compares two string tables by content. */
static int
conf_strtab_equal(const struct strtab *a, const struct strtab *b)
{
	return a->len == b->len &&
	    (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

/* Returns 1 when two apps are the same byte for byte, else 0. */
int
conf_app_equal(const struct app *a, const struct app *b)
{
	size_t np = a->conf.nprocs, nc = a->conf.nchecks;

	if (memcmp(&a->conf, &b->conf, sizeof(a->conf)) != 0)
		return 0;
	if (np > 0 &&
	    (memcmp(a->procs, b->procs, np * sizeof(*a->procs)) != 0 ||
	        memcmp(a->execs, b->execs, np * sizeof(*a->execs)) != 0))
		return 0;
	if (nc > 0 &&
	    (memcmp(a->checks, b->checks, nc * sizeof(*a->checks)) != 0 ||
	        memcmp(a->check_cmds, b->check_cmds,
	            nc * sizeof(*a->check_cmds)) != 0))
		return 0;
	return conf_strtab_equal(&a->wstr, &b->wstr) &&
	    conf_strtab_equal(&a->mstr, &b->mstr) &&
	    memcmp(a->file, b->file, sizeof(a->file)) == 0 &&
	    memcmp(a->log_file, b->log_file, sizeof(a->log_file)) == 0 &&
	    a->max_processes == b->max_processes;
}

/* Describes the calling process: root or not, and its ids. */
void
conf_opts_init(struct conf_opts *opts, const char *rundir)
{
	memset(opts, 0, sizeof(*opts));
	opts->privileged = geteuid() == 0;
	opts->self_uid = (uint32_t)geteuid();
	opts->self_gid = (uint32_t)getegid();
	opts->rundir = rundir;
}
