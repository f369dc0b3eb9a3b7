/*
 * log: OpenBSD-style logging helpers.  Lines go to syslog (ident
 * "bluepilld", facility local6) or to a log file, and to stderr in the
 * foreground.  Unprintable bytes and newlines in logged text are escaped
 * so no peer can forge a log line.
 */
#ifndef BP_LOG_H
#define BP_LOG_H

#include <stdarg.h>

/* Sets up logging: foreground also writes stderr; verbose adds debug. */
void log_init(int foreground, int verbose, const char *tag);
/* Turns the copy of every line on stderr on or off. */
void log_set_foreground(int on);
/* Sends further lines to fd (a log file, appended) instead of syslog. */
void log_set_fd(int fd);
/* Changes the prefix of every line ("bluepilld", "shop", ...). */
void log_set_tag(const char *tag);
/* Registers a hook that sees every formatted line (worker's ring). */
void log_set_hook(void (*hook)(const char *line));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning whose text is escaped already: backslashes stay single. */
void
log_warnx_escaped(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void
fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void
fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Copies src into dst escaping unprintable bytes, '\n' and '\\'. */
void log_escape(char *dst, size_t dstlen, const char *src);

#endif /* BP_LOG_H */
