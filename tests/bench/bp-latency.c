/*
 * bp-latency: the measuring tool of `make bench`.
 *
 *	bp-latency restart [-n COUNT] [-u UPTIME_MS] [-i POLL_US]
 *	    [-t TIMEOUT_S] [-o RAWFILE] PIDFILE
 *		COUNT times: wait until the process the pid file names has
 *		been up UPTIME_MS (1050), KILL it, and time until the pid file
 *		names a new live, non-zombie pid that has executed the same
 *		program (polled every POLL_US, 50).  Two stages are timed
 *		too: until the old pid was reaped (gone from /proc), and
 *		until the pid file named the new pid (before its exec).
 *	bp-latency exec [-n COUNT] [-o RAWFILE] PROGRAM [ARG...]
 *		COUNT times: fork, exec PROGRAM (all output to /dev/null), time
 *		until it has exited; a non-zero exit counts as a failure.
 *	bp-latency usage PID...
 *		one line per pid: "PID CPU_MS RSS_KIB PSS_KIB USS_KIB"
 *		(CPU of the process alone; USS = Private_Clean+Private_Dirty).
 *
 * restart and exec print "count N fail F min_us A median_us B p99_us C
 * max_us D" on stdout, and each sample in microseconds to RAWFILE (for
 * restart: "TOTAL REAPED PIDFILE" per line); restart adds the same line
 * for each stage, prefixed with "stage reaped" and "stage pidfile".
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define LAT_MAX_SAMPLES 100000

/* The samples of one run, in microseconds. */
struct lat_run {
	uint64_t *us;
	size_t n;
	size_t fail;
	FILE *raw;
};

static void lat_usage(void) __attribute__((noreturn));

/* Prints the usage and exits 2. */
static void
lat_usage(void)
{
	fprintf(stderr,
	    "usage: bp-latency restart [-n COUNT] [-u UPTIME_MS] [-i POLL_US]\n"
	    "           [-t TIMEOUT_S] [-o RAWFILE] PIDFILE\n"
	    "       bp-latency exec [-n COUNT] [-o RAWFILE] PROGRAM [ARG...]\n"
	    "       bp-latency usage PID...\n");
	exit(2);
}

/* Parses a positive integer option argument or exits with usage. */
static long
lat_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		lat_usage();
	return v;
}

/* Returns CLOCK_MONOTONIC in nanoseconds. */
static uint64_t
lat_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sleeps for us microseconds. */
static void
lat_sleep_us(uint64_t us)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(us / 1000000);
	ts.tv_nsec = (long)(us % 1000000 * 1000);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Records one sample (and writes it to the raw file, if any). */
static void
lat_add(struct lat_run *r, uint64_t us)
{
	if (r->n < LAT_MAX_SAMPLES)
		r->us[r->n++] = us;
	if (r->raw != NULL)
		fprintf(r->raw, "%llu\n", (unsigned long long)us);
}

/* The moments of one restart, in nanoseconds of CLOCK_MONOTONIC. */
struct lat_restart {
	uint64_t reaped;  /* the old pid left /proc */
	uint64_t pidfile; /* the pid file named the new pid */
};

/* Orders two samples for qsort. */
static int
lat_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Returns the nearest-rank percentile pct of the sorted samples. */
static uint64_t
lat_rank(const struct lat_run *r, unsigned pct)
{
	size_t k;

	if (r->n == 0)
		return 0;
	k = (r->n * pct + 99) / 100;
	if (k == 0)
		k = 1;
	return r->us[k - 1];
}

/* Prints the summary line of a run, after prefix. */
static void
lat_report(struct lat_run *r, const char *prefix)
{
	uint64_t median;

	qsort(r->us, r->n, sizeof(r->us[0]), lat_cmp);
	if (r->n == 0)
		median = 0;
	else if (r->n % 2 == 1)
		median = r->us[r->n / 2];
	else
		median = (r->us[r->n / 2 - 1] + r->us[r->n / 2]) / 2;
	printf("%scount %zu fail %zu min_us %llu median_us %llu p99_us %llu "
	       "max_us %llu\n",
	    prefix, r->n, r->fail, (unsigned long long)(r->n ? r->us[0] : 0),
	    (unsigned long long)median, (unsigned long long)lat_rank(r, 99),
	    (unsigned long long)(r->n ? r->us[r->n - 1] : 0));
}

/* Opens the raw file named by an option, or exits. */
static FILE *
lat_open_raw(const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL) {
		fprintf(stderr, "bp-latency: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

/* Reads the pid a pid file names; 0 when missing, empty or garbage. */
static pid_t
lat_read_pidfile(const char *path)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || v <= 1 || v > INT_MAX || (*end != '\n' && *end))
		return 0;
	return (pid_t)v;
}

/* Copies the target of /proc/PID/exe into buf; -1 when unreadable. */
static int
lat_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
	if ((n = readlink(path, buf, len - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * Tells whether pid is the running program: alive, not a zombie and,
 * when exe is given, executing it (so a forked child that has not yet
 * reached exec does not count).
 */
static int
lat_runs(pid_t pid, const char *exe, struct procfs_stat *st)
{
	char cur[PATH_MAX];

	if (pid <= 1 || procfs_read_stat(pid, st) == -1 || st->state == 'Z' ||
	    st->state == 'X')
		return 0;
	if (exe == NULL)
		return 1;
	return lat_exe(pid, cur, sizeof(cur)) == 0 && strcmp(cur, exe) == 0;
}

/*
 * Waits until the pid file names a running pid other than old; 0 when
 * the deadline passes.  Notes in *at when old left /proc and when the pid
 * file first named another pid.
 */
static pid_t
lat_wait_new(const char *pidfile, pid_t old, const char *exe,
    uint64_t deadline_ns, uint64_t poll_us, struct lat_restart *at)
{
	struct procfs_stat st;
	char path[64];
	pid_t pid;

	snprintf(path, sizeof(path), "/proc/%ld", (long)old);
	at->reaped = at->pidfile = 0;
	for (;;) {
		pid = lat_read_pidfile(pidfile);
		if (old != 0 && at->reaped == 0 && access(path, F_OK) == -1)
			at->reaped = lat_now_ns();
		if (pid != 0 && pid != old && at->pidfile == 0)
			at->pidfile = lat_now_ns();
		if (pid != 0 && pid != old && lat_runs(pid, exe, &st)) {
			if (at->reaped == 0)
				at->reaped = lat_now_ns();
			return pid;
		}
		if (lat_now_ns() > deadline_ns)
			return 0;
		lat_sleep_us(poll_us);
	}
}

/* The restart mode: kill the named process count times, time each return. */
static int
lat_restart(int argc, char **argv)
{
	struct lat_run r = { NULL, 0, 0, NULL };
	struct lat_run reap = { NULL, 0, 0, NULL };
	struct lat_run pf = { NULL, 0, 0, NULL };
	long count = 100, uptime_ms = 1050, poll_us = 50, timeout_s = 10;
	char exe[PATH_MAX];
	struct procfs_stat st;
	struct lat_restart at;
	const char *pidfile;
	FILE *raw = NULL;
	pid_t pid, next;
	int ch;
	long i;

	while ((ch = getopt(argc, argv, "n:u:i:t:o:")) != -1) {
		switch (ch) {
		case 'n':
			count = lat_number(optarg, 1, LAT_MAX_SAMPLES);
			break;
		case 'u':
			uptime_ms = lat_number(optarg, 0, 3600000);
			break;
		case 'i':
			poll_us = lat_number(optarg, 1, 1000000);
			break;
		case 't':
			timeout_s = lat_number(optarg, 1, 3600);
			break;
		case 'o':
			raw = lat_open_raw(optarg);
			break;
		default:
			lat_usage();
		}
	}
	if (argc - optind != 1)
		lat_usage();
	pidfile = argv[optind];
	if ((r.us = calloc((size_t)count, sizeof(*r.us))) == NULL ||
	    (reap.us = calloc((size_t)count, sizeof(*r.us))) == NULL ||
	    (pf.us = calloc((size_t)count, sizeof(*r.us))) == NULL)
		return 1;
	/* Sleeps of a few tens of microseconds need no timer slack. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);

	pid = lat_wait_new(pidfile, 0, NULL,
	    lat_now_ns() + (uint64_t)timeout_s * 1000000000u, 1000, &at);
	if (pid == 0 || lat_exe(pid, exe, sizeof(exe)) == -1) {
		fprintf(stderr, "bp-latency: %s names no running process\n",
		    pidfile);
		return 1;
	}
	for (i = 0; i < count; i++) {
		uint64_t up_ms, t0, t1;

		if (procfs_read_stat(pid, &st) == -1) {
			fprintf(stderr, "bp-latency: pid %ld vanished\n",
			    (long)pid);
			return 1;
		}
		/* Up long enough that the restart is not throttled. */
		up_ms = procfs_boottime_ms() - procfs_ticks_to_ms(st.starttime);
		if (up_ms < (uint64_t)uptime_ms)
			lat_sleep_us(((uint64_t)uptime_ms - up_ms) * 1000);
		t0 = lat_now_ns();
		if (kill(pid, SIGKILL) == -1) {
			fprintf(stderr, "bp-latency: kill %ld: %s\n", (long)pid,
			    strerror(errno));
			return 1;
		}
		next = lat_wait_new(pidfile, pid, exe,
		    t0 + (uint64_t)timeout_s * 1000000000u, (uint64_t)poll_us,
		    &at);
		t1 = lat_now_ns();
		if (next == 0) {
			fprintf(stderr,
			    "bp-latency: no new pid %ld s after killing %ld\n",
			    timeout_s, (long)pid);
			r.fail++;
			next = lat_wait_new(pidfile, pid, exe,
			    lat_now_ns() + (uint64_t)timeout_s * 1000000000u,
			    1000, &at);
			if (next == 0)
				break;
		} else {
			lat_add(&r, (t1 - t0) / 1000);
			lat_add(&reap, (at.reaped - t0) / 1000);
			lat_add(&pf, (at.pidfile - t0) / 1000);
			if (raw != NULL)
				fprintf(raw, "%llu %llu %llu\n",
				    (unsigned long long)(t1 - t0) / 1000,
				    (unsigned long long)(at.reaped - t0) / 1000,
				    (unsigned long long)(at.pidfile - t0) /
				        1000);
		}
		pid = next;
	}
	lat_report(&r, "");
	lat_report(&reap, "stage reaped ");
	lat_report(&pf, "stage pidfile ");
	if (raw != NULL)
		fclose(raw);
	free(r.us);
	free(reap.us);
	free(pf.us);
	return r.fail != 0;
}

/* The exec mode: run a program count times, time each to its exit. */
static int
lat_exec(int argc, char **argv)
{
	struct lat_run r = { NULL, 0, 0, NULL };
	long count = 100, i;
	int ch, status, nul;
	pid_t pid;

	while ((ch = getopt(argc, argv, "+n:o:")) != -1) {
		switch (ch) {
		case 'n':
			count = lat_number(optarg, 1, LAT_MAX_SAMPLES);
			break;
		case 'o':
			r.raw = lat_open_raw(optarg);
			break;
		default:
			lat_usage();
		}
	}
	if (optind >= argc)
		lat_usage();
	if ((r.us = calloc((size_t)count, sizeof(*r.us))) == NULL)
		return 1;
	if ((nul = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return 1;
	for (i = 0; i < count; i++) {
		uint64_t t0 = lat_now_ns(), t1;

		switch (pid = fork()) {
		case -1:
			perror("bp-latency: fork");
			return 1;
		case 0:
			dup2(nul, STDIN_FILENO);
			dup2(nul, STDOUT_FILENO);
			dup2(nul, STDERR_FILENO);
			execvp(argv[optind], argv + optind);
			_exit(127);
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		t1 = lat_now_ns();
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			r.fail++;
		lat_add(&r, (t1 - t0) / 1000);
	}
	close(nul);
	lat_report(&r, "");
	if (r.raw != NULL)
		fclose(r.raw);
	free(r.us);
	return r.fail != 0;
}

/* The usage mode: CPU time and memory figures of each pid. */
static int
lat_usage_mode(int argc, char **argv)
{
	struct procfs_stat st;
	struct procfs_smaps sm;
	int i, rc = 0;

	if (argc < 2)
		lat_usage();
	for (i = 1; i < argc; i++) {
		pid_t pid = (pid_t)lat_number(argv[i], 1, INT_MAX);

		if (procfs_read_stat(pid, &st) == -1 ||
		    procfs_read_smaps_rollup(pid, &sm) == -1) {
			fprintf(stderr, "bp-latency: pid %ld: %s\n", (long)pid,
			    strerror(errno));
			rc = 1;
			continue;
		}
		printf("%ld %llu %llu %llu %llu\n", (long)pid,
		    (unsigned long long)procfs_ticks_to_ms(st.utime + st.stime),
		    (unsigned long long)(sm.rss / 1024),
		    (unsigned long long)(sm.pss / 1024),
		    (unsigned long long)((sm.private_clean + sm.private_dirty) /
		        1024));
	}
	return rc;
}

/* Dispatches on the mode word. */
int
main(int argc, char **argv)
{
	if (argc < 2)
		lat_usage();
	if (strcmp(argv[1], "restart") == 0)
		return lat_restart(argc - 1, argv + 1);
	if (strcmp(argv[1], "exec") == 0)
		return lat_exec(argc - 1, argv + 1);
	if (strcmp(argv[1], "usage") == 0)
		return lat_usage_mode(argc - 1, argv + 1);
	lat_usage();
}
