/*
 * Replays, with the normal compiler and without libFuzzer, every seed of
 * the fuzz corpora (tests/fuzz/corpus/TARGET) and every input a fuzzer
 * once crashed on (tests/fuzz/regress/TARGET) through the fuzz targets'
 * bodies; a broken invariant aborts the test.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fuzz/fuzz.h"

/* Loads a file into a malloc'd buffer of exactly its size. */
static uint8_t *
test_fuzz_load(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	assert_non_null(buf);
	n = read(fd, buf, (size_t)sb.st_size);
	assert_int_equal(n, sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

/* Runs every regular file of FUZZ_DIR/kind/target; returns how many. */
static int
test_fuzz_replay(const char *kind, const char *target,
    int (*one)(const uint8_t *, size_t))
{
	char dir[1024], path[2048];
	struct dirent *de;
	struct stat sb;
	uint8_t *buf;
	size_t len;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/%s/%s", FUZZ_DIR, kind, target);
	if ((d = opendir(dir)) == NULL) {
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
			continue;
		buf = test_fuzz_load(path, &len);
		assert_int_equal(one(buf, len), 0);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

/* Replays a target's seeds (there must be some) and saved crashes. */
static void
test_fuzz_target(const char *target, int (*one)(const uint8_t *, size_t))
{
	int seeds, crashes;

	seeds = test_fuzz_replay("corpus", target, one);
	crashes = test_fuzz_replay("regress", target, one);
	print_message("# %s: %d seeds, %d saved crashes\n", target, seeds,
	    crashes);
	assert_true(seeds > 0);
}

/* The drop-in loader. */
static void
test_fuzz_conf(void **state)
{
	test_fuzz_target("fuzz_conf", fuzz_conf_one);
}

/* The control request codec and target matching. */
static void
test_fuzz_ctl(void **state)
{
	test_fuzz_target("fuzz_ctl", fuzz_ctl_one);
}

/* The master <-> worker channel and the worker's config handler. */
static void
test_fuzz_msg(void **state)
{
	test_fuzz_target("fuzz_msg", fuzz_msg_one);
}

/* The /proc parsers. */
static void
test_fuzz_procfs(void **state)
{
	test_fuzz_target("fuzz_procfs", fuzz_procfs_one);
}

/* Runs the four replays. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_conf),
		cmocka_unit_test(test_fuzz_ctl),
		cmocka_unit_test(test_fuzz_msg),
		cmocka_unit_test(test_fuzz_procfs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
