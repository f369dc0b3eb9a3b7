/*
 * fuzz_procfs: the /proc text parsers on arbitrary bytes.  The input goes
 * to every parser as it is (libFuzzer's buffer is exactly size bytes, so
 * ASan sees any read past len) and the results are checked against what
 * the callers rely on.
 */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "fuzz.h"
#include "procfs.h"

#define FUZZ_PIDS_MAX 64

/* Parses the bytes as /proc/PID/stat and checks the fields it returns. */
static void
fuzz_procfs_stat(const char *buf, size_t len)
{
	struct procfs_stat st, again;
	int rc;

	rc = procfs_parse_stat(buf, len, &st);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1)
		return;
	FUZZ_CHECK(st.pid > 0);
	FUZZ_CHECK(st.ppid >= 0 && st.pgrp >= 0 && st.session >= 0);
	FUZZ_CHECK(st.num_threads >= 0);
	FUZZ_CHECK(isalpha((unsigned char)st.state));
	FUZZ_CHECK(memchr(st.comm, '\0', sizeof(st.comm)) != NULL);
	/* The parser keeps no state: the same text gives the same fields. */
	FUZZ_CHECK(procfs_parse_stat(buf, len, &again) == 0);
	FUZZ_CHECK(memcmp(&st, &again, sizeof(st)) == 0);
}

/* Parses the bytes as /proc/PID/status: success needs both id lines. */
static void
fuzz_procfs_status(const char *buf, size_t len)
{
	struct procfs_ids ids;
	int rc;

	rc = procfs_parse_status_ids(buf, len, &ids);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_CHECK(memmem(buf, len, "Uid:", 4) != NULL);
		FUZZ_CHECK(memmem(buf, len, "Gid:", 4) != NULL);
	}
}

/*
 * Parses the bytes as a pid list, whole and with a smaller limit: the
 * limited parse must store a prefix of the whole one and nothing beyond
 * its limit.
 */
static void
fuzz_procfs_pids(const char *buf, size_t len, size_t cut)
{
	int all[FUZZ_PIDS_MAX + 1], some[FUZZ_PIDS_MAX + 1];
	int n, k, i;

	for (i = 0; i <= FUZZ_PIDS_MAX; i++)
		all[i] = some[i] = -7;
	n = procfs_parse_pids(buf, len, all, FUZZ_PIDS_MAX);
	FUZZ_CHECK(n >= -1 && n <= FUZZ_PIDS_MAX);
	FUZZ_CHECK(all[FUZZ_PIDS_MAX] == -7);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(all[i] > 0);
	cut %= FUZZ_PIDS_MAX + 1;
	k = procfs_parse_pids(buf, len, some, cut);
	FUZZ_CHECK(k >= -1 && k <= (int)cut);
	FUZZ_CHECK(some[cut] == -7);
	if (n >= 0 && k >= 0) {
		FUZZ_CHECK(k == (n < (int)cut ? n : (int)cut));
		FUZZ_CHECK(memcmp(all, some, (size_t)k * sizeof(int)) == 0);
	}
	/* A malformed list stays malformed however much room there is. */
	if (k == -1)
		FUZZ_CHECK(n == -1);
}

/* Parses the bytes as /proc/PID/smaps_rollup: success needs an Rss line. */
static void
fuzz_procfs_smaps(const char *buf, size_t len)
{
	struct procfs_smaps sm, again;
	int rc;

	rc = procfs_parse_smaps_rollup(buf, len, &sm);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		FUZZ_CHECK(memmem(buf, len, "Rss:", 4) != NULL);
		FUZZ_CHECK(procfs_parse_smaps_rollup(buf, len, &again) == 0);
		FUZZ_CHECK(memcmp(&sm, &again, sizeof(sm)) == 0);
	}
}

/* Runs every parser on one input. */
int
fuzz_procfs_one(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;

	fuzz_procfs_stat(buf, size);
	fuzz_procfs_status(buf, size);
	fuzz_procfs_pids(buf, size, size > 0 ? data[0] : 0);
	fuzz_procfs_smaps(buf, size);
	return 0;
}

#ifndef FUZZ_NO_MAIN
/* libFuzzer's entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_procfs_one(data, size);
}
#endif
