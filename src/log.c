/*
 * log: one formatting path for every line, then syslog or a file, and
 * stderr in the foreground.  Foreign text is escaped before it is logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_foreground;
static int log_verbose;
static int log_fd = -1;
static int log_midline; /* the last line to log_fd was cut short */
static char log_tag[64] = "bluepilld";
static void (*log_hook)(const char *);

/* Sets up logging: foreground also writes stderr; verbose adds debug. */
void
log_init(int foreground, int verbose, const char *tag)
{
	log_foreground = foreground;
	log_verbose = verbose;
	log_set_tag(tag);
	openlog("bluepilld", LOG_PID | LOG_NDELAY, LOG_LOCAL6);
}

/* Turns the copy of every line on stderr on or off. */
void
log_set_foreground(int on)
{
	log_foreground = on;
}

/* Sends further lines to fd (a log file, appended) instead of syslog. */
void
log_set_fd(int fd)
{
	if (log_fd >= 0 && log_fd != fd)
		close(log_fd);
	log_fd = fd;
}

/* Changes the prefix of every line ("bluepilld", "shop", ...). */
void
log_set_tag(const char *tag)
{
	snprintf(log_tag, sizeof(log_tag), "%s", tag);
}

/* Registers a hook that sees every formatted line (worker's ring). */
void
log_set_hook(void (*hook)(const char *line))
{
	log_hook = hook;
}

/*
 * Escapes unprintable bytes and '\n', and '\\' too unless the text was
 * escaped already (then a backslash starts one of its escapes).
 */
static void
log_escape_as(char *dst, size_t dstlen, const char *src, int backslash)
{
	size_t o = 0;
	const unsigned char *s = (const unsigned char *)src;

	if (dstlen == 0)
		return;
	for (; *s != '\0'; s++) {
		char tmp[5];
		size_t n;

		if (*s == '\\' && backslash)
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\\\");
		else if (*s == '\n')
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\n");
		else if (*s < 0x20 || *s == 0x7f)
			n = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", *s);
		else {
			tmp[0] = (char)*s;
			n = 1;
		}
		if (o + n >= dstlen)
			break;
		memcpy(dst + o, tmp, n);
		o += n;
	}
	dst[o] = '\0';
}

/* Copies src into dst escaping unprintable bytes, '\n' and '\\'. */
void
log_escape(char *dst, size_t dstlen, const char *src)
{
	log_escape_as(dst, dstlen, src, 1);
}

/*
 * Formats one line, escapes it as a whole (backslashes too unless the
 * text comes escaped already), and writes it everywhere.
 */
static void
log_emit_as(int pri, const char *fmt, va_list ap, int with_errno, int backslash)
{
	char raw[1024], line[2048], out[2200];
	int saved = errno;
	size_t n;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	if (with_errno) {
		n = strlen(raw);
		snprintf(raw + n, sizeof(raw) - n, ": %s", strerror(saved));
	}
	log_escape_as(line, sizeof(line), raw, backslash);
	if (log_hook != NULL)
		log_hook(line);
	if (log_fd >= 0) {
		char ts[32];
		time_t t = time(NULL);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		n = (size_t)snprintf(out, sizeof(out), "%s %s[%ld]: %s\n", ts,
		    log_tag, (long)getpid(), line);
		if (n >= sizeof(out))
			n = sizeof(out) - 1;
		/*
		 * A full disk loses the line, never the supervision; a line
		 * cut short is ended before the next one starts.
		 */
		if (log_midline && write(log_fd, "\n", 1) == 1)
			log_midline = 0;
		if (!log_midline) {
			ssize_t w = write(log_fd, out, n);

			/* Take a partial line back out, or end it later. */
			if (w > 0 && (size_t)w < n) {
				off_t end = lseek(log_fd, 0, SEEK_END);

				log_midline = end < w ||
				    ftruncate(log_fd, end - w) == -1;
			}
		}
	} else
		syslog(pri, "%s", line);
	if (log_foreground)
		dprintf(STDERR_FILENO, "%s[%ld]: %s\n", log_tag, (long)getpid(),
		    line);
	errno = saved;
}

/* Formats, escapes and writes one line of our own text. */
static void
log_emit(int pri, const char *fmt, va_list ap, int with_errno)
{
	log_emit_as(pri, fmt, ap, with_errno, 1);
}

/* Logs a warning whose text is escaped already (the loader's errors). */
void
log_warnx_escaped(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit_as(LOG_WARNING, fmt, ap, 0, 0);
	va_end(ap);
}

/* Logs a warning with the current errno appended. */
void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

/* Logs a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

/* Logs an informational line. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

/* Logs a debug line when verbose. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_emit(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

/* Logs with errno and exits: startup failures and broken invariants. */
void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

/* Logs and exits: startup failures and broken invariants. */
void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
