/*
 * Tests of the /proc parsers on captured and hand-made texts, and of the
 * readers on live processes this test forks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "procfs.h"

#define NMANY 1200 /* children whose list needs several reads */

/* Loads a data file into a malloc'd buffer of exactly its size. */
static char *
test_load(const char *name, size_t *len)
{
	char path[1024], *buf;
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/proc/%s", TEST_DATADIR, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &sb), 0);
	buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)sb.st_size), sb.st_size);
	close(fd);
	*len = (size_t)sb.st_size;
	return buf;
}

/* Parses a string through an exact-size heap copy (so ASan sees overreads). */
static int
test_parse_stat(const char *text, size_t len, struct procfs_stat *st)
{
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = procfs_parse_stat(copy, len, st);
	free(copy);
	return rc;
}

/* Parses a NUL-terminated status text without its NUL. */
static int
test_parse_ids(const char *text, struct procfs_ids *ids)
{
	size_t len = strlen(text);
	char *copy = malloc(len > 0 ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = procfs_parse_status_ids(copy, len, ids);
	free(copy);
	return rc;
}

/* A captured stat of cat(1) parses into the expected fields. */
static void
test_stat_captured(void **state)
{
	struct procfs_stat st;
	size_t len;
	char *buf = test_load("stat-cat.txt", &len);

	assert_int_equal(procfs_parse_stat(buf, len, &st), 0);
	assert_int_equal(st.pid, 3748);
	assert_string_equal(st.comm, "cat");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 3745);
	assert_int_equal(st.pgrp, 3745);
	assert_int_equal(st.session, 2897);
	assert_int_equal(st.utime, 0);
	assert_int_equal(st.stime, 0);
	assert_int_equal(st.num_threads, 1);
	assert_int_equal(st.starttime, 30256);
	assert_int_equal(st.vsize, 3133440);
	assert_int_equal(st.rss_pages, 379);
	free(buf);

	buf = test_load("stat-sleep.txt", &len);
	assert_int_equal(procfs_parse_stat(buf, len, &st), 0);
	assert_string_equal(st.comm, "sleep");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.pid, 3749);
	assert_int_equal(st.rss_pages, 420);
	free(buf);

	buf = test_load("stat-kthreadd.txt", &len);
	assert_int_equal(procfs_parse_stat(buf, len, &st), 0);
	assert_int_equal(st.pid, 2);
	assert_int_equal(st.ppid, 0);
	assert_int_equal(st.starttime, 25);
	assert_int_equal(st.vsize, 0);
	free(buf);
}

/* A zombie's stat shows state Z and no memory. */
static void
test_stat_zombie(void **state)
{
	struct procfs_stat st;
	size_t len;
	char *buf = test_load("stat-zombie.txt", &len);

	assert_int_equal(procfs_parse_stat(buf, len, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_string_equal(st.comm, "python3");
	assert_int_equal(st.rss_pages, 0);
	assert_int_equal(st.starttime, 30612);
	free(buf);
}

/* A comm holding blanks, parentheses and a fake state is read whole. */
static void
test_stat_nasty_comm(void **state)
{
	struct procfs_stat st;
	size_t len;
	char *buf = test_load("stat-nasty-comm.txt", &len);
	const char *longcomm =
	    "7 (0123456789abcdefghij) S 1 7 7 0 -1 0 0 0 0 0 "
	    "5 6 0 0 20 0 1 0 99 4096 2\n";
	const char *nl = "7 (a\nb) S 1 7 7 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 "
	                 "99 4096 2";

	assert_int_equal(procfs_parse_stat(buf, len, &st), 0);
	assert_string_equal(st.comm, "a) (b c) Z 1");
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 3783);
	assert_int_equal(st.utime, 3);
	assert_int_equal(st.stime, 1);
	assert_int_equal(st.num_threads, 2);
	assert_int_equal(st.starttime, 30643);
	free(buf);

	/* Longer than TASK_COMM_LEN cannot come from the kernel: truncate. */
	assert_int_equal(test_parse_stat(longcomm, strlen(longcomm), &st), 0);
	assert_string_equal(st.comm, "0123456789abcde");
	assert_int_equal(st.utime, 5);
	assert_int_equal(st.stime, 6);
	assert_int_equal(st.rss_pages, 2);

	assert_int_equal(test_parse_stat(nl, strlen(nl), &st), 0);
	assert_string_equal(st.comm, "a\nb");
	assert_int_equal(st.starttime, 99);
}

/* Every cut of a captured text before field 24 is refused, none overreads. */
static void
test_stat_truncated(void **state)
{
	struct procfs_stat st;
	size_t len, cut, need, i;
	char *buf = test_load("stat-cat.txt", &len);
	const char *p;
	int fields = 0;

	/* need = the offset just past the first digit of field 24. */
	p = memrchr(buf, ')', len);
	assert_non_null(p);
	for (i = (size_t)(p - buf) + 1; i < len; i++)
		if (buf[i] == ' ' && ++fields == 22)
			break;
	need = i + 2;
	for (cut = 0; cut < len; cut++) {
		int rc = test_parse_stat(buf, cut, &st);

		if (cut < need)
			assert_int_equal(rc, -1);
		else if (cut + 1 < len)
			assert_int_equal(rc, 0);
	}
	free(buf);
	assert_int_equal(procfs_parse_stat(NULL, 0, &st), -1);
}

/* Malformed stat lines are refused. */
static void
test_stat_malformed(void **state)
{
	static const char *bad[] = {
		"",
		" ",
		"123",
		"123 (",
		"123 (x",
		"123 (x)",
		"123 (x) ",
		"123 (x) R",
		"0 (x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"-5 (x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123(x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x)R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) 5 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R  1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R -1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R 1 1 1 0 -1 0 0 0 0 0 -1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R 1 1 1 0 -1 0 0 0 0 0 1x 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 -",
		"123 (x) R 2147483648 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"2147483648 (x) R 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 9 9 9",
		"123 (x) R 1 1 1 0 -1 0 0 0 0 0 18446744073709551616 1 0 0 20 "
		"0 1 0 9 9 9",
		"123 (x) R 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 1 0 0 "
		"20 0 1 0 9 9 9",
	};
	struct procfs_stat st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (test_parse_stat(bad[i], strlen(bad[i]), &st) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
}

/* The largest numbers the kernel could print are read exactly. */
static void
test_stat_huge(void **state)
{
	const char *huge = "2147483647 (x) R 2147483647 1 1 -34816 -1 "
	                   "4194304 0 0 0 0 18446744073709551615 "
	                   "18446744073709551614 3 4 -100 -20 2147483647 "
	                   "-1 18446744073709551613 18446744073709551612 "
	                   "18446744073709551611 1 2 3\n";
	struct procfs_stat st;

	assert_int_equal(test_parse_stat(huge, strlen(huge), &st), 0);
	assert_int_equal(st.pid, INT_MAX);
	assert_int_equal(st.ppid, INT_MAX);
	assert_true(st.utime == UINT64_MAX);
	assert_true(st.stime == UINT64_MAX - 1);
	assert_int_equal(st.cutime, 3);
	assert_int_equal(st.cstime, 4);
	assert_int_equal(st.num_threads, INT_MAX);
	assert_true(st.starttime == UINT64_MAX - 2);
	assert_true(st.vsize == UINT64_MAX - 3);
	assert_true(st.rss_pages == UINT64_MAX - 4);
}

/* Uid: and Gid: lines give all four ids each. */
static void
test_status_ids(void **state)
{
	struct procfs_ids ids;
	size_t len;
	char *buf = test_load("status-sleep.txt", &len);

	memset(&ids, 0xff, sizeof(ids));
	assert_int_equal(procfs_parse_status_ids(buf, len, &ids), 0);
	assert_int_equal(ids.ruid, 0);
	assert_int_equal(ids.euid, 0);
	assert_int_equal(ids.fsgid, 0);
	free(buf);

	buf = test_load("status-setuid.txt", &len);
	assert_int_equal(procfs_parse_status_ids(buf, len, &ids), 0);
	assert_int_equal(ids.ruid, 1000);
	assert_int_equal(ids.euid, 1001);
	assert_int_equal(ids.suid, 1002);
	assert_int_equal(ids.fsuid, 1003);
	assert_int_equal(ids.rgid, 100);
	assert_int_equal(ids.egid, 101);
	assert_int_equal(ids.sgid, 102);
	assert_true(ids.fsgid == UINT32_MAX);
	free(buf);

	buf = test_load("status-zombie.txt", &len);
	assert_int_equal(procfs_parse_status_ids(buf, len, &ids), 0);
	free(buf);
}

/* Incomplete or malformed Uid:/Gid: lines are refused. */
static void
test_status_malformed(void **state)
{
	static const char *bad[] = {
		"",
		"Name:\tx\n",
		"Uid:\t1\t2\t3\t4\n",
		"Gid:\t1\t2\t3\t4\n",
		"Uid:\t1\t2\t3\t4\nGid:\t1\t2\t3\t4",
		"Uid:\t1\t2\t3\t4\nGid:\t1\t2\t3\n",
		"Uid:\t1\t2\t3\nGid:\t1\t2\t3\t4\n",
		"Uid:\t1\t2\t3\t4\t5\nGid:\t1\t2\t3\t4\n",
		"Uid:\t1\t2\tx\t4\nGid:\t1\t2\t3\t4\n",
		"Uid:\t1\t2\t3\t-4\nGid:\t1\t2\t3\t4\n",
		"Uid:1\t2\t3\t4\nGid:\t1\t2\t3\t4\n",
		"Uid:\t4294967296\t2\t3\t4\nGid:\t1\t2\t3\t4\n",
		"XUid:\t1\t2\t3\t4\nGid:\t1\t2\t3\t4\n",
		"Uid:\t1\t2\t3\t4\nGid:\t1\t2\t3\t4",
		"Uid:",
		"Uid:\t",
	};
	struct procfs_ids ids;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (test_parse_ids(bad[i], &ids) != -1)
			fail_msg("accepted: \"%s\"", bad[i]);
	}
	assert_int_equal(test_parse_ids("Name:\tx\nUid:\t5\t6\t7\t8\n"
	                                "Gid:  9 10 11 12  \nGroups:\n",
	                     &ids),
	    0);
	assert_int_equal(ids.euid, 6);
	assert_int_equal(ids.fsgid, 12);
	assert_int_equal(procfs_parse_status_ids(NULL, 0, &ids), -1);
}

/* Pid lists parse, stop at max and refuse junk. */
static void
test_parse_pids(void **state)
{
	int out[8];
	size_t len;
	char *buf = test_load("children-shell.txt", &len);

	assert_int_equal(procfs_parse_pids(buf, len, out, 8), 1);
	assert_int_equal(out[0], 3744);
	free(buf);

	assert_int_equal(procfs_parse_pids("", 0, out, 8), 0);
	assert_int_equal(procfs_parse_pids(NULL, 0, out, 8), 0);
	assert_int_equal(procfs_parse_pids("1 22 333 ", 9, out, 8), 3);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 22);
	assert_int_equal(out[2], 333);
	assert_int_equal(procfs_parse_pids("1 22 333", 8, out, 8), 3);
	assert_int_equal(procfs_parse_pids("4 5\n", 4, out, 8), 2);
	assert_int_equal(procfs_parse_pids("1 22 333 ", 9, out, 2), 2);
	assert_int_equal(procfs_parse_pids("1 22 333 ", 9, out, 0), 0);
	/* The length bounds the parse: "1 2" of "1 23". */
	assert_int_equal(procfs_parse_pids("1 23", 3, out, 8), 2);
	assert_int_equal(out[1], 2);
	assert_int_equal(procfs_parse_pids("1 x", 3, out, 8), -1);
	assert_int_equal(procfs_parse_pids("1 2x", 4, out, 8), -1);
	assert_int_equal(procfs_parse_pids("0 ", 2, out, 8), -1);
	assert_int_equal(procfs_parse_pids("-1 ", 3, out, 8), -1);
	assert_int_equal(procfs_parse_pids("2147483648 ", 11, out, 8), -1);
	assert_int_equal(procfs_parse_pids("2147483647 ", 11, out, 8), 1);
	assert_int_equal(out[0], INT_MAX);
}

/* smaps_rollup totals come out in bytes. */
static void
test_smaps_rollup(void **state)
{
	struct procfs_smaps sm;
	size_t len;
	char *buf = test_load("smaps_rollup-sleep.txt", &len);
	const char *norss = "Pss:   4 kB\n";
	const char *badunit = "Rss:   4 MB\n";
	const char *huge = "Rss: 18014398509481984 kB\n";
	const char *ok = "Rss:  18014398509481983 kB";

	assert_int_equal(procfs_parse_smaps_rollup(buf, len, &sm), 0);
	assert_int_equal(sm.rss, 1792 * 1024);
	assert_int_equal(sm.pss, 417 * 1024);
	assert_int_equal(sm.private_clean, 36 * 1024);
	assert_int_equal(sm.private_dirty, 112 * 1024);
	assert_int_equal(sm.swap, 0);
	free(buf);

	assert_int_equal(procfs_parse_smaps_rollup(norss, strlen(norss), &sm),
	    -1);
	assert_int_equal(
	    procfs_parse_smaps_rollup(badunit, strlen(badunit), &sm), -1);
	assert_int_equal(procfs_parse_smaps_rollup(huge, strlen(huge), &sm),
	    -1);
	assert_int_equal(procfs_parse_smaps_rollup(ok, strlen(ok), &sm), 0);
	assert_true(sm.rss == 18014398509481983ULL * 1024);
	assert_int_equal(procfs_parse_smaps_rollup(NULL, 0, &sm), -1);
}

/* Reading our own stat and ids matches what the kernel tells us. */
static void
test_read_self(void **state)
{
	struct procfs_stat st;
	struct procfs_smaps sm;
	uint32_t euid;

	assert_int_equal(procfs_read_stat(getpid(), &st), 0);
	assert_int_equal(st.pid, getpid());
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.pgrp, getpgrp());
	/* comm is the executable's name, cut to 15 bytes (valgrind's own
	 * name when the test runs under memcheck). */
	if (strncmp(st.comm, "memcheck", 8) != 0)
		assert_int_equal(strncmp(st.comm, program_invocation_short_name,
		                     PROCFS_COMM_MAX - 1),
		    0);
	assert_true(st.num_threads >= 1);
	assert_true(st.rss_pages > 0);
	assert_true(st.starttime > 0);
	assert_true(procfs_ticks_to_ms(st.starttime) <= procfs_boottime_ms());
	assert_int_equal(procfs_read_uid(getpid(), &euid), 0);
	assert_int_equal(euid, geteuid());
	assert_int_equal(procfs_read_smaps_rollup(getpid(), &sm), 0);
	assert_true(sm.rss > 0);
	assert_true(sm.rss >= sm.private_dirty);
}

/* A pid that does not exist reads as ESRCH. */
static void
test_read_gone(void **state)
{
	struct procfs_stat st;
	uint32_t euid;
	int out[4];
	pid_t pid;

	errno = 0;
	assert_int_equal(procfs_read_stat(INT_MAX, &st), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procfs_read_uid(INT_MAX, &euid), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procfs_read_children(INT_MAX, out, 4), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procfs_descendants(INT_MAX, out, 4), -1);
	assert_int_equal(procfs_read_stat(0, &st), -1);
	assert_int_equal(procfs_read_stat(-1, &st), -1);
	assert_int_equal(procfs_pid_alive(INT_MAX, 0), 0);
	assert_int_equal(procfs_pid_alive(0, 0), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_int_equal(procfs_pid_alive(pid, 0), 0);
}

/* A zombie is not alive, and a wrong start time marks a recycled pid. */
static void
test_pid_alive(void **state)
{
	struct procfs_stat st, self;
	siginfo_t si;
	pid_t pid;

	assert_int_equal(procfs_read_stat(getpid(), &self), 0);
	assert_int_equal(procfs_pid_alive(getpid(), 0), 1);
	assert_int_equal(procfs_pid_alive(getpid(), self.starttime), 1);
	assert_int_equal(procfs_pid_alive(getpid(), self.starttime + 1), 0);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(3);
	/* WNOWAIT leaves the child a zombie for us to look at. */
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	assert_int_equal(procfs_read_stat(pid, &st), 0);
	assert_int_equal(st.state, 'Z');
	assert_int_equal(procfs_pid_alive(pid, 0), 0);
	assert_int_equal(procfs_pid_alive(pid, st.starttime), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

/* Forks a child that forks a grandchild; both block until killed. */
static pid_t
test_fork_pair(pid_t *grandchild)
{
	int p[2];
	pid_t pid, gc;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		gc = fork();
		if (gc == 0) {
			for (;;)
				pause();
		}
		if (write(p[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], grandchild, sizeof(*grandchild)),
	    sizeof(*grandchild));
	close(p[0]);
	assert_true(*grandchild > 0);
	return pid;
}

/* Children, descendants and the ppid walk agree on a small tree. */
static void
test_tree(void **state)
{
	int out[16], n;
	pid_t child, gc;

	child = test_fork_pair(&gc);
	n = procfs_read_children(getpid(), out, 16);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], child);
	n = procfs_read_children(child, out, 16);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], gc);
	assert_int_equal(procfs_read_children(gc, out, 16), 0);
	/* The slow fallback agrees. */
	assert_int_equal(procfs_scan_children(getpid(), out, 16), 1);
	assert_int_equal(out[0], child);
	assert_int_equal(procfs_scan_children(child, out, 16), 1);
	assert_int_equal(out[0], gc);
	assert_int_equal(procfs_scan_children(gc, out, 16), 0);
	assert_int_equal(procfs_scan_children(getpid(), out, 0), 0);
	assert_int_equal(procfs_read_children(getpid(), out, 0), 0);
	assert_int_equal(procfs_scan_children(INT_MAX, out, 16), -1);
	assert_int_equal(errno, ESRCH);

	n = procfs_descendants(getpid(), out, 16);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], child);
	assert_int_equal(out[1], gc);
	assert_int_equal(procfs_descendants(getpid(), out, 1), 1);
	assert_int_equal(out[0], child);
	assert_int_equal(procfs_descendants(getpid(), out, 0), 0);
	assert_int_equal(procfs_descendants(child, out, 16), 1);
	assert_int_equal(out[0], gc);

	assert_int_equal(procfs_is_descendant(gc, child), 1);
	assert_int_equal(procfs_is_descendant(gc, getpid()), 1);
	assert_int_equal(procfs_is_descendant(child, getpid()), 1);
	assert_int_equal(procfs_is_descendant(getpid(), child), 0);
	assert_int_equal(procfs_is_descendant(child, gc), 0);
	assert_int_equal(procfs_is_descendant(child, child), 0);
	assert_int_equal(procfs_is_descendant(INT_MAX, getpid()), 0);
	assert_int_equal(procfs_is_descendant(gc, 0), 0);

	kill(child, SIGKILL);
	kill(gc, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
}

struct test_thread_arg {
	pid_t child;
};

/* Forks from a second thread, so the child is in that task's list. */
static void *
test_thread_fork(void *arg)
{
	struct test_thread_arg *a = arg;

	a->child = fork();
	if (a->child == 0) {
		for (;;)
			pause();
	}
	return NULL;
}

/* Children forked by any thread of the process are found. */
static void
test_children_threads(void **state)
{
	struct test_thread_arg a = { 0 };
	pthread_t th;
	pid_t main_child;
	int out[8], n, i, seen = 0;

	assert_int_equal(pthread_create(&th, NULL, test_thread_fork, &a), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(a.child > 0);
	/* The forking thread has exited; its children move to the leader. */
	main_child = fork();
	assert_true(main_child >= 0);
	if (main_child == 0) {
		for (;;)
			pause();
	}
	n = procfs_read_children(getpid(), out, 8);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++)
		if (out[i] == a.child || out[i] == main_child)
			seen++;
	assert_int_equal(seen, 2);
	assert_int_equal(procfs_scan_children(getpid(), out, 8), 2);
	assert_int_equal(procfs_read_children(getpid(), out, 1), 1);
	kill(a.child, SIGKILL);
	kill(main_child, SIGKILL);
	assert_int_equal(waitpid(a.child, NULL, 0), a.child);
	assert_int_equal(waitpid(main_child, NULL, 0), main_child);
}

/* Waits until a thread's child is forked, then holds the thread alive. */
struct test_live_arg {
	int ready[2];
	int release[2];
	pid_t child;
};

/* Forks a child from a thread that stays alive until released. */
static void *
test_thread_hold(void *arg)
{
	struct test_live_arg *a = arg;
	char c = 0;

	a->child = fork();
	if (a->child == 0) {
		for (;;)
			pause();
	}
	if (write(a->ready[1], &c, 1) != 1)
		return NULL;
	if (read(a->release[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

/* The children of a still-running second thread are found too. */
static void
test_children_live_thread(void **state)
{
	struct test_live_arg a;
	pthread_t th;
	struct procfs_stat st;
	int out[8], n;
	char c = 0;

	memset(&a, 0, sizeof(a));
	assert_int_equal(pipe(a.ready), 0);
	assert_int_equal(pipe(a.release), 0);
	assert_int_equal(pthread_create(&th, NULL, test_thread_hold, &a), 0);
	assert_int_equal(read(a.ready[0], &c, 1), 1);
	assert_int_equal(procfs_read_stat(getpid(), &st), 0);
	assert_int_equal(st.num_threads, 2);
	n = procfs_read_children(getpid(), out, 8);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], a.child);
	assert_int_equal(write(a.release[1], &c, 1), 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	kill(a.child, SIGKILL);
	assert_int_equal(waitpid(a.child, NULL, 0), a.child);
	close(a.ready[0]);
	close(a.ready[1]);
	close(a.release[0]);
	close(a.release[1]);
}

/* A children list longer than one read buffer is read whole. */
static void
test_children_many(void **state)
{
	static pid_t kids[NMANY];
	static int out[NMANY + 8];
	int n, i, j, found;

	for (i = 0; i < NMANY; i++) {
		kids[i] = fork();
		if (kids[i] == -1)
			break;
		if (kids[i] == 0) {
			for (;;)
				pause();
		}
	}
	n = procfs_read_children(getpid(), out, NMANY + 8);
	for (j = 0; j < i; j++)
		kill(kids[j], SIGKILL);
	for (j = 0; j < i; j++)
		waitpid(kids[j], NULL, 0);
	if (i < NMANY)
		skip();
	assert_int_equal(n, NMANY);
	/* Spot-check that no pid was cut across two reads. */
	for (j = 0; j < NMANY; j += 97) {
		found = 0;
		for (i = 0; i < n; i++)
			if (out[i] == kids[j])
				found = 1;
		assert_true(found);
	}
	for (i = 0; i < n; i++)
		assert_true(out[i] > 0);
}

/* Spins until this process has used at least ticks of CPU time. */
static void
test_spin(long ticks)
{
	struct tms t;
	volatile unsigned long x = 0;

	do {
		x++;
		times(&t);
	} while ((long)(t.tms_utime + t.tms_stime) < ticks);
}

/* Usage sums the tree, and keeps the CPU of children reaped meanwhile. */
static void
test_usage(void **state)
{
	struct procfs_usage u, before, after;
	pid_t child, gc, spinner;

	assert_int_equal(procfs_read_usage(getpid(), 0, &u), 0);
	assert_int_equal(u.ntree, 1);
	assert_int_equal(u.state, 'R');
	assert_true(u.rss > 0);
	assert_true(u.tree_rss == u.rss);
	assert_true(u.tree_cpu_ticks == u.cpu_ticks);
	assert_int_equal(procfs_read_usage(INT_MAX, 1, &u), -1);
	assert_int_equal(errno, ESRCH);

	child = test_fork_pair(&gc);
	assert_int_equal(procfs_read_usage(getpid(), 1, &u), 0);
	assert_int_equal(u.ntree, 3);
	assert_true(u.tree_rss > u.rss);
	kill(child, SIGKILL);
	kill(gc, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);

	assert_int_equal(procfs_read_usage(getpid(), 1, &before), 0);
	spinner = fork();
	assert_true(spinner >= 0);
	if (spinner == 0) {
		test_spin(3);
		_exit(0);
	}
	assert_int_equal(waitpid(spinner, NULL, 0), spinner);
	assert_int_equal(procfs_read_usage(getpid(), 1, &after), 0);
	assert_true((after.tree_cpu_ticks - after.cpu_ticks) -
	        (before.tree_cpu_ticks - before.cpu_ticks) >=
	    3);
}

/* Clock helpers are sane. */
static void
test_clocks(void **state)
{
	long hz = procfs_clk_tck();

	assert_true(hz > 0);
	assert_true(procfs_page_size() >= 4096);
	assert_int_equal(procfs_ticks_to_ms((uint64_t)hz), 1000);
	assert_int_equal(procfs_ticks_to_ms((uint64_t)hz * 90 + 1),
	    90000 + 1000 / hz);
	assert_true(procfs_ticks_to_ms(UINT64_MAX) > 0);
	assert_true(procfs_boottime_ms() > 0);
}

/* Runs every test case, TAP output under CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_captured),
		cmocka_unit_test(test_stat_zombie),
		cmocka_unit_test(test_stat_nasty_comm),
		cmocka_unit_test(test_stat_truncated),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_stat_huge),
		cmocka_unit_test(test_status_ids),
		cmocka_unit_test(test_status_malformed),
		cmocka_unit_test(test_parse_pids),
		cmocka_unit_test(test_smaps_rollup),
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_read_gone),
		cmocka_unit_test(test_pid_alive),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_children_threads),
		cmocka_unit_test(test_children_live_thread),
		cmocka_unit_test(test_children_many),
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_clocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
