/*
 * log_ring: recent log lines in one fixed byte buffer (see log_ring.h).
 * Each record is a 16-bit length and the line's bytes, written round the
 * end of the buffer when they must; head is the oldest record.
 */
#include <stdint.h>
#include <string.h>

#include "log_ring.h"

static char ring[LOG_RING_BYTES];
static size_t head; /* offset of the oldest record */
static size_t used; /* bytes of the records held */

/* Copies n bytes into the ring at off, wrapping round the end. */
static void
log_ring_put(size_t off, const void *src, size_t n)
{
	size_t first = LOG_RING_BYTES - off < n ? LOG_RING_BYTES - off : n;

	memcpy(ring + off, src, first);
	memcpy(ring, (const char *)src + first, n - first);
}

/* Copies n bytes out of the ring from off, wrapping round the end. */
static void
log_ring_get(size_t off, void *dst, size_t n)
{
	size_t first = LOG_RING_BYTES - off < n ? LOG_RING_BYTES - off : n;

	memcpy(dst, ring + off, first);
	memcpy((char *)dst + first, ring, n - first);
}

/* Appends a line, dropping the oldest ones to make room. */
void
log_ring_add(const char *line)
{
	size_t n = strnlen(line, LOG_RING_LINE_MAX);
	uint16_t len = (uint16_t)n, old;

	while (LOG_RING_BYTES - used < sizeof(len) + n) {
		log_ring_get(head, &old, sizeof(old));
		head = (head + sizeof(old) + old) % LOG_RING_BYTES;
		used -= sizeof(old) + old;
	}
	log_ring_put((head + used) % LOG_RING_BYTES, &len, sizeof(len));
	log_ring_put((head + used + sizeof(len)) % LOG_RING_BYTES, line, n);
	used += sizeof(len) + n;
}

/* Calls fn with each line held, oldest first. */
void
log_ring_foreach(void (*fn)(const char *line, void *arg), void *arg)
{
	char line[LOG_RING_LINE_MAX + 1];
	size_t off = head, left = used;
	uint16_t len;

	while (left > 0) {
		log_ring_get(off, &len, sizeof(len));
		log_ring_get((off + sizeof(len)) % LOG_RING_BYTES, line, len);
		line[len] = '\0';
		fn(line, arg);
		off = (off + sizeof(len) + len) % LOG_RING_BYTES;
		left -= sizeof(len) + len;
	}
}

/* Forgets every line. */
void
log_ring_clear(void)
{
	head = used = 0;
}
