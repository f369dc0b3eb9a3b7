/*
 * test_log_ring: the worker's recent-lines ring keeps the newest lines in
 * order, within its fixed buffer, whatever their lengths, and cuts lines
 * that are too long.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log_ring.h"

#define MAX_SEEN 4096

/* What one log_ring_foreach pass saw. */
struct seen {
	char *lines[MAX_SEEN];
	size_t n;
	size_t bytes; /* what the records would take: 2 + length each */
};

/* Records a line handed out by log_ring_foreach. */
static void
collect(const char *line, void *arg)
{
	struct seen *s = arg;

	assert_true(s->n < MAX_SEEN);
	s->lines[s->n] = strdup(line);
	assert_non_null(s->lines[s->n]);
	s->bytes += 2 + strlen(line);
	s->n++;
}

/* Releases a struct seen. */
static void
seen_free(struct seen *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		free(s->lines[i]);
	memset(s, 0, sizeof(*s));
}

/* Builds line number i: its length varies from 1 to about 300 bytes. */
static void
make_line(char *buf, size_t len, unsigned i)
{
	int n = snprintf(buf, len, "line %u ", i);
	size_t pad = (i * 37u) % 300, k;

	for (k = 0; k < pad && (size_t)n + k + 1 < len; k++)
		buf[n + k] = (char)('a' + (i + k) % 26);
	buf[n + k] = '\0';
}

/* An empty ring hands out nothing; a few lines come back in order. */
static void
test_few(void **state)
{
	struct seen s = { 0 };

	log_ring_clear();
	log_ring_foreach(collect, &s);
	assert_int_equal(s.n, 0);
	log_ring_add("first");
	log_ring_add("");
	log_ring_add("third");
	log_ring_foreach(collect, &s);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.lines[0], "first");
	assert_string_equal(s.lines[1], "");
	assert_string_equal(s.lines[2], "third");
	seen_free(&s);
	(void)state;
}

/*
 * Thousands of lines of varying length: the ring holds the newest ones,
 * consecutive and intact, and as many as fit (the next older one would
 * not have fitted).
 */
static void
test_wrap(void **state)
{
	char buf[512], want[512];
	struct seen s = { 0 };
	unsigned i, total = 5000, first;
	size_t k;

	log_ring_clear();
	for (i = 0; i < total; i++) {
		make_line(buf, sizeof(buf), i);
		log_ring_add(buf);
	}
	log_ring_foreach(collect, &s);
	assert_true(s.n > 10);
	assert_true(s.bytes <= LOG_RING_BYTES);
	first = total - (unsigned)s.n;
	for (k = 0; k < s.n; k++) {
		make_line(want, sizeof(want), first + (unsigned)k);
		assert_string_equal(s.lines[k], want);
	}
	make_line(want, sizeof(want), first - 1);
	assert_true(s.bytes + 2 + strlen(want) > LOG_RING_BYTES);
	seen_free(&s);
	(void)state;
}

/* A line longer than LOG_RING_LINE_MAX is cut to it. */
static void
test_long(void **state)
{
	char *big = malloc(LOG_RING_LINE_MAX * 2);
	struct seen s = { 0 };

	assert_non_null(big);
	memset(big, 'x', LOG_RING_LINE_MAX * 2 - 1);
	big[LOG_RING_LINE_MAX * 2 - 1] = '\0';
	log_ring_clear();
	log_ring_add(big);
	log_ring_add("after");
	log_ring_foreach(collect, &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(strlen(s.lines[0]), LOG_RING_LINE_MAX);
	assert_string_equal(s.lines[1], "after");
	seen_free(&s);
	free(big);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_few),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
