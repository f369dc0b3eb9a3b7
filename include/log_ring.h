/*
 * log_ring: the worker's recent log lines for `bluepillctl log`, kept in
 * one fixed buffer.  A line costs its length plus two bytes and the oldest
 * lines make room for new ones, so the memory is touched once, while the
 * ring first fills, and then stays the same for as long as the worker runs
 * (a malloc'd copy per line drifted with the lengths of the lines).
 */
#ifndef BP_LOG_RING_H
#define BP_LOG_RING_H

#include <stddef.h>

#define LOG_RING_BYTES 16384   /* about 150 lines of 100 bytes */
#define LOG_RING_LINE_MAX 2047 /* longer lines are cut */

/* Appends a line (without its newline), dropping the oldest as needed. */
void log_ring_add(const char *line);
/* Calls fn with each line held, oldest first. */
void log_ring_foreach(void (*fn)(const char *line, void *arg), void *arg);
/* Forgets every line (tests). */
void log_ring_clear(void);

#endif /* BP_LOG_RING_H */
