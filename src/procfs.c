/*
 * procfs: /proc readers.  Parsers work on (buf, len) and never read past
 * len; readers do one open and read into stack buffers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procfs.h"

#define PROCFS_STAT_BUF 1024   /* a stat line with every field at maximum */
#define PROCFS_STATUS_BUF 1024 /* Uid: and Gid: are in the first 300 bytes */
#define PROCFS_LIST_BUF 4096
#define PROCFS_DENTS_BUF 2048
#define PROCFS_PATH_MAX 64

static long procfs_hz;
static long procfs_pagesz;

/* Returns sysconf(_SC_CLK_TCK), cached (100 when unknown). */
long
procfs_clk_tck(void)
{
	if (procfs_hz <= 0) {
		procfs_hz = sysconf(_SC_CLK_TCK);
		if (procfs_hz <= 0)
			procfs_hz = 100;
	}
	return procfs_hz;
}

/* Returns the page size in bytes, cached. */
long
procfs_page_size(void)
{
	if (procfs_pagesz <= 0) {
		procfs_pagesz = sysconf(_SC_PAGESIZE);
		if (procfs_pagesz <= 0)
			procfs_pagesz = 4096;
	}
	return procfs_pagesz;
}

/* Returns CLOCK_BOOTTIME in ms, the clock stat's starttime counts in. */
uint64_t
procfs_boottime_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Converts clock ticks to milliseconds. */
uint64_t
procfs_ticks_to_ms(uint64_t ticks)
{
	uint64_t hz = (uint64_t)procfs_clk_tck();

	/* Split so that ticks * 1000 cannot overflow. */
	return ticks / hz * 1000 + ticks % hz * 1000 / hz;
}

/* Appends the decimal form of v at buf + *off. */
static void
procfs_append_uint(char *buf, size_t *off, unsigned int v)
{
	char tmp[12];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		buf[(*off)++] = tmp[--n];
}

/*
 * Builds "/proc/<pid><suffix>", or "/proc/<pid>/task/<tid><suffix>" when
 * tid > 0, without snprintf: this runs for every process on every tick.
 */
static int
procfs_path(char *buf, size_t len, pid_t pid, pid_t tid, const char *suffix)
{
	size_t off = 0, slen = strlen(suffix);

	/* Two pids of at most 10 digits, "/proc/", "/task/" and the NUL. */
	if (pid <= 0 || tid < 0 || 6 + 10 + 6 + 10 + slen + 1 > len)
		return -1;
	memcpy(buf, "/proc/", 6);
	off = 6;
	procfs_append_uint(buf, &off, (unsigned int)pid);
	if (tid > 0) {
		memcpy(buf + off, "/task/", 6);
		off += 6;
		procfs_append_uint(buf, &off, (unsigned int)tid);
	}
	memcpy(buf + off, suffix, slen + 1);
	return 0;
}

/* Opens a /proc file; a missing pid becomes ESRCH. */
static int
procfs_open(const char *path, int flags)
{
	int fd;

	fd = open(path, flags | O_RDONLY | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		errno = ESRCH;
	return fd;
}

/* Reads a /proc (or /sys) file with one read(); its length or -1. */
ssize_t
procfs_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd, saved;

	if ((fd = procfs_open(path, 0)) == -1)
		return -1;
	do {
		n = read(fd, buf, size);
	} while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	errno = saved;
	if (n == -1 && errno == ENOENT)
		errno = ESRCH;
	return n;
}

/*
 * Parses one decimal field at *p that must end at end, a blank or a
 * newline; allow_neg accepts (and reports as 0) a leading '-'.
 */
static int
procfs_number(const char **p, const char *end, int allow_neg, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int neg = 0;

	if (s < end && *s == '-' && allow_neg) {
		neg = 1;
		s++;
	}
	if (s >= end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		unsigned int d = (unsigned int)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (s < end && *s != ' ' && *s != '\t' && *s != '\n')
		return -1;
	*out = neg ? 0 : v;
	*p = s;
	return 0;
}

/* Parses " <number>" of a stat line (exactly one blank before it). */
static int
procfs_stat_field(const char **p, const char *end, int allow_neg, uint64_t *out)
{
	if (*p >= end || **p != ' ')
		return -1;
	(*p)++;
	return procfs_number(p, end, allow_neg, out);
}

/* Parses a /proc/PID/stat text; 0 on success, -1 when malformed. */
int
procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *st)
{
	const char *p = buf, *end = buf + len, *comm, *rparen;
	uint64_t v[25], pid;
	size_t clen;
	int i;

	memset(st, 0, sizeof(*st));
	if (buf == NULL || procfs_number(&p, end, 0, &pid) == -1 || pid == 0 ||
	    pid > INT_MAX)
		return -1;
	if (end - p < 2 || p[0] != ' ' || p[1] != '(')
		return -1;
	comm = p + 2;
	/* comm may hold blanks and ')', but no later field holds ')'. */
	if ((rparen = memrchr(comm, ')', (size_t)(end - comm))) == NULL)
		return -1;
	p = rparen + 1;
	if (end - p < 2 || p[0] != ' ' ||
	    !((p[1] >= 'A' && p[1] <= 'Z') || (p[1] >= 'a' && p[1] <= 'z')))
		return -1;
	st->state = p[1];
	p += 2;
	/* Fields 4 to 24 (1-based, as in proc(5)); the signed ones skipped. */
	for (i = 4; i <= 24; i++) {
		int neg = (i == 7 || i == 8 || i == 18 || i == 19 || i == 21);

		if (procfs_stat_field(&p, end, neg, &v[i]) == -1)
			return -1;
	}
	if (v[4] > INT_MAX || v[5] > INT_MAX || v[6] > INT_MAX ||
	    v[20] > INT_MAX)
		return -1;
	st->pid = (int)pid;
	clen = (size_t)(rparen - comm);
	if (clen > PROCFS_COMM_MAX - 1)
		clen = PROCFS_COMM_MAX - 1;
	memcpy(st->comm, comm, clen);
	st->comm[clen] = '\0';
	st->ppid = (int)v[4];
	st->pgrp = (int)v[5];
	st->session = (int)v[6];
	st->utime = v[14];
	st->stime = v[15];
	st->cutime = v[16];
	st->cstime = v[17];
	st->num_threads = (int)v[20];
	st->starttime = v[22];
	st->vsize = v[23];
	st->rss_pages = v[24];
	return 0;
}

/* Reads /proc/PID/stat; -1 with errno ESRCH when pid is gone. */
int
procfs_read_stat(pid_t pid, struct procfs_stat *st)
{
	char path[PROCFS_PATH_MAX], buf[PROCFS_STAT_BUF];
	ssize_t n;

	memset(st, 0, sizeof(*st));
	if (procfs_path(path, sizeof(path), pid, 0, "/stat") == -1) {
		errno = ESRCH;
		return -1;
	}
	if ((n = procfs_read_file(path, buf, sizeof(buf))) == -1)
		return -1;
	if (procfs_parse_stat(buf, (size_t)n, st) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Parses the four ids after "Uid:" or "Gid:" up to the line's end. */
static int
procfs_status_line(const char *p, const char *end, uint32_t out[4])
{
	const char *nl;
	uint64_t v;
	int i;

	/* A line cut off by a short read might hold a cut number. */
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return -1;
	for (i = 0; i < 4; i++) {
		if (p >= nl || (*p != '\t' && *p != ' '))
			return -1;
		while (p < nl && (*p == '\t' || *p == ' '))
			p++;
		if (procfs_number(&p, nl, 0, &v) == -1 || v > UINT32_MAX)
			return -1;
		out[i] = (uint32_t)v;
	}
	while (p < nl && (*p == '\t' || *p == ' '))
		p++;
	return p == nl ? 0 : -1;
}

/* Parses the Uid: and Gid: lines of a /proc/PID/status text; 0 or -1. */
int
procfs_parse_status_ids(const char *buf, size_t len, struct procfs_ids *ids)
{
	const char *p = buf, *end = buf + len, *nl;
	uint32_t uid[4], gid[4];
	int have = 0;

	memset(ids, 0, sizeof(*ids));
	if (buf == NULL)
		return -1;
	while (p < end && have != 3) {
		if (end - p >= 4 && memcmp(p, "Uid:", 4) == 0) {
			if (procfs_status_line(p + 4, end, uid) == -1)
				return -1;
			have |= 1;
		} else if (end - p >= 4 && memcmp(p, "Gid:", 4) == 0) {
			if (procfs_status_line(p + 4, end, gid) == -1)
				return -1;
			have |= 2;
		}
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			break;
		p = nl + 1;
	}
	if (have != 3)
		return -1;
	ids->ruid = uid[0];
	ids->euid = uid[1];
	ids->suid = uid[2];
	ids->fsuid = uid[3];
	ids->rgid = gid[0];
	ids->egid = gid[1];
	ids->sgid = gid[2];
	ids->fsgid = gid[3];
	return 0;
}

/* Reads the ids of pid from /proc/PID/status; -1 (ESRCH when gone). */
int
procfs_read_ids(pid_t pid, struct procfs_ids *ids)
{
	char path[PROCFS_PATH_MAX], buf[PROCFS_STATUS_BUF];
	ssize_t n;

	memset(ids, 0, sizeof(*ids));
	if (procfs_path(path, sizeof(path), pid, 0, "/status") == -1) {
		errno = ESRCH;
		return -1;
	}
	if ((n = procfs_read_file(path, buf, sizeof(buf))) == -1)
		return -1;
	if (procfs_parse_status_ids(buf, (size_t)n, ids) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Reads the effective uid of pid; -1 (ESRCH when gone). */
int
procfs_read_uid(pid_t pid, uint32_t *euid)
{
	struct procfs_ids ids;

	if (procfs_read_ids(pid, &ids) == -1)
		return -1;
	*euid = ids.euid;
	return 0;
}

/* Parses a space-separated pid list into out; count stored or -1. */
int
procfs_parse_pids(const char *buf, size_t len, int *out, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t n = 0;
	uint64_t v;

	if (buf == NULL && len != 0)
		return -1;
	while (p < end && n < max) {
		if (*p == ' ' || *p == '\n' || *p == '\t') {
			p++;
			continue;
		}
		if (procfs_number(&p, end, 0, &v) == -1 || v == 0 ||
		    v > INT_MAX)
			return -1;
		out[n++] = (int)v;
	}
	return (int)n;
}

/*
 * Reads a whole pid list file in chunks: a children file may exceed one
 * buffer, and a read can end inside a number, which is carried over.
 */
static int
procfs_read_pid_list(const char *path, int *out, size_t max)
{
	char buf[PROCFS_LIST_BUF];
	size_t have = 0, n = 0, cut;
	ssize_t r;
	int fd, k, saved;

	if ((fd = procfs_open(path, 0)) == -1)
		return -1;
	while (n < max) {
		do {
			r = read(fd, buf + have, sizeof(buf) - have);
		} while (r == -1 && errno == EINTR);
		if (r == -1)
			goto fail;
		if (r == 0) {
			if ((k = procfs_parse_pids(buf, have, out + n,
			         max - n)) == -1)
				goto bad;
			n += (size_t)k;
			break;
		}
		have += (size_t)r;
		for (cut = have; cut > 0; cut--)
			if (buf[cut - 1] == ' ' || buf[cut - 1] == '\n')
				break;
		if (cut == 0) {
			if (have == sizeof(buf))
				goto bad;
			continue;
		}
		if ((k = procfs_parse_pids(buf, cut, out + n, max - n)) == -1)
			goto bad;
		n += (size_t)k;
		memmove(buf, buf + cut, have - cut);
		have -= cut;
	}
	close(fd);
	return (int)n;
bad:
	errno = EINVAL;
fail:
	saved = errno;
	close(fd);
	errno = saved == ENOENT ? ESRCH : saved;
	return -1;
}

/*
 * Calls fn for every numeric entry of the directory at path, until fn
 * returns non-zero; -1 when the directory cannot be read.
 */
static int
procfs_each_pid(const char *path, int (*fn)(int, void *), void *arg)
{
	char dents[PROCFS_DENTS_BUF] __attribute__((aligned(8)));
	ssize_t r;
	size_t off;
	int fd, saved, stop = 0;

	if ((fd = procfs_open(path, O_DIRECTORY)) == -1)
		return -1;
	while (!stop) {
		do {
			r = getdents64(fd, dents, sizeof(dents));
		} while (r == -1 && errno == EINTR);
		if (r == -1) {
			saved = errno;
			close(fd);
			errno = saved == ENOENT ? ESRCH : saved;
			return -1;
		}
		if (r == 0)
			break;
		for (off = 0; off < (size_t)r && !stop;) {
			struct dirent64 *d = (struct dirent64 *)(dents + off);
			const char *name = d->d_name;
			uint64_t id;

			if (d->d_reclen == 0 || d->d_reclen > (size_t)r - off)
				break;
			off += d->d_reclen;
			if (procfs_number(&name, name + strlen(name), 0, &id) ==
			        -1 ||
			    id == 0 || id > INT_MAX)
				continue;
			stop = fn((int)id, arg);
		}
	}
	close(fd);
	return 0;
}

/* Where the pids found by a directory walk go. */
struct procfs_collect {
	pid_t pid;
	int *out;
	size_t max;
	size_t n;
};

/* Appends the children list of one thread (tid) of c->pid. */
static int
procfs_collect_task(int tid, void *arg)
{
	struct procfs_collect *c = arg;
	char path[PROCFS_PATH_MAX];
	int k;

	if (procfs_path(path, sizeof(path), c->pid, tid, "/children") == -1)
		return 0;
	/* A thread that exited meanwhile has no children. */
	if ((k = procfs_read_pid_list(path, c->out + c->n, c->max - c->n)) > 0)
		c->n += (size_t)k;
	return c->n >= c->max;
}

/* Appends pid when its parent is c->pid. */
static int
procfs_collect_child(int pid, void *arg)
{
	struct procfs_collect *c = arg;
	struct procfs_stat st;

	if (procfs_read_stat(pid, &st) == 0 && st.ppid == c->pid &&
	    st.pid != c->pid)
		c->out[c->n++] = pid;
	return c->n >= c->max;
}

/* Returns whether the kernel has task/TID/children (CONFIG_PROC_CHILDREN). */
static int
procfs_have_children(void)
{
	static int have = -1;

	if (have == -1)
		have = access("/proc/thread-self/children", R_OK) == 0 ||
		    errno != ENOENT;
	return have;
}

/* Finds the children of pid among the ppids of every process. */
int
procfs_scan_children(pid_t pid, int *out, size_t max)
{
	struct procfs_collect c = { pid, out, max, 0 };
	char path[PROCFS_PATH_MAX];

	if (procfs_path(path, sizeof(path), pid, 0, "") == -1 ||
	    access(path, F_OK) == -1) {
		errno = ESRCH;
		return -1;
	}
	if (max == 0)
		return 0;
	if (procfs_each_pid("/proc", procfs_collect_child, &c) == -1)
		return -1;
	return (int)c.n;
}

/* Reads the children of every thread of pid; count stored or -1. */
int
procfs_read_children(pid_t pid, int *out, size_t max)
{
	struct procfs_collect c = { pid, out, max, 0 };
	char path[PROCFS_PATH_MAX];

	if (!procfs_have_children())
		return procfs_scan_children(pid, out, max);
	if (procfs_path(path, sizeof(path), pid, 0, "/task") == -1) {
		errno = ESRCH;
		return -1;
	}
	if (max == 0) {
		if (access(path, F_OK) == 0)
			return 0;
		errno = ESRCH;
		return -1;
	}
	if (procfs_each_pid(path, procfs_collect_task, &c) == -1)
		return -1;
	return (int)c.n;
}

/* Returns 1 when pid is root or already among out[0..n). */
static int
procfs_seen(const int *out, size_t n, pid_t root, int pid)
{
	size_t i;

	if (pid == root)
		return 1;
	for (i = 0; i < n; i++)
		if (out[i] == pid)
			return 1;
	return 0;
}

/* Collects all descendants of root, breadth first; count stored or -1. */
int
procfs_descendants(pid_t root, int *out, size_t max)
{
	size_t n, i, j, added;
	int k;

	if ((k = procfs_read_children(root, out, max)) == -1)
		return -1;
	n = (size_t)k;
	/* out doubles as the queue: out[i] is expanded after its siblings. */
	for (i = 0; i < n && n < max; i++) {
		if ((k = procfs_read_children(out[i], out + n, max - n)) <= 0)
			continue;
		/* A recycled pid could otherwise make the walk loop. */
		added = 0;
		for (j = 0; j < (size_t)k; j++)
			if (!procfs_seen(out, n + added, root, out[n + j]))
				out[n + added++] = out[n + j];
		n += added;
	}
	return (int)n;
}

/* Returns 1 when ancestor is found on pid's ppid chain, else 0. */
int
procfs_is_descendant(pid_t pid, pid_t ancestor)
{
	struct procfs_stat st;
	int depth;

	if (ancestor <= 0)
		return 0;
	for (depth = 0; depth < PROCFS_MAX_DEPTH && pid > 0; depth++) {
		if (procfs_read_stat(pid, &st) == -1)
			return 0;
		if (st.ppid == ancestor)
			return 1;
		pid = st.ppid;
	}
	return 0;
}

/* Returns 1 when pid is alive, not a zombie and started at start_ticks. */
int
procfs_pid_alive(pid_t pid, uint64_t start_ticks)
{
	struct procfs_stat st;

	if (pid <= 0 || procfs_read_stat(pid, &st) == -1)
		return 0;
	if (st.state == 'Z' || st.state == 'X' || st.state == 'x')
		return 0;
	if (start_ticks != 0 && st.starttime != start_ticks)
		return 0;
	return 1;
}

/* Reads the usage of pid and, with tree, of its descendants. */
int
procfs_read_usage(pid_t pid, int tree, struct procfs_usage *u)
{
	struct procfs_stat st;
	int kids[PROCFS_TREE_MAX], n, i;
	uint64_t page = (uint64_t)procfs_page_size();

	memset(u, 0, sizeof(*u));
	if (procfs_read_stat(pid, &st) == -1)
		return -1;
	u->state = st.state;
	u->starttime = st.starttime;
	u->rss = st.rss_pages * page;
	u->cpu_ticks = st.utime + st.stime;
	u->tree_rss = u->rss;
	u->tree_cpu_ticks = u->cpu_ticks;
	u->ntree = 1;
	if (!tree)
		return 0;
	u->tree_cpu_ticks += st.cutime + st.cstime;
	if ((n = procfs_descendants(pid, kids, PROCFS_TREE_MAX)) <= 0)
		return 0;
	for (i = 0; i < n; i++) {
		/* A descendant that exited meanwhile simply drops out. */
		if (procfs_read_stat(kids[i], &st) == -1)
			continue;
		u->tree_rss += st.rss_pages * page;
		u->tree_cpu_ticks += st.utime + st.stime + st.cutime +
		    st.cstime;
		u->ntree++;
	}
	return 0;
}

/* Parses a "Key:   123 kB" value in bytes; -1 on a bad or huge value. */
static int
procfs_kb_value(const char *p, const char *end, uint64_t *out)
{
	uint64_t v;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (procfs_number(&p, end, 0, &v) == -1 || v > UINT64_MAX / 1024)
		return -1;
	if (end - p < 3 || memcmp(p, " kB", 3) != 0)
		return -1;
	*out = v * 1024;
	return 0;
}

/* Parses a /proc/PID/smaps_rollup text; 0 or -1 (no Rss: line). */
int
procfs_parse_smaps_rollup(const char *buf, size_t len, struct procfs_smaps *sm)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "Rss:", offsetof(struct procfs_smaps, rss) },
		{ "Pss:", offsetof(struct procfs_smaps, pss) },
		{ "Private_Clean:",
		    offsetof(struct procfs_smaps, private_clean) },
		{ "Private_Dirty:",
		    offsetof(struct procfs_smaps, private_dirty) },
		{ "Swap:", offsetof(struct procfs_smaps, swap) },
	};
	const char *p = buf, *end = buf + len, *eol;
	size_t i, klen;
	int have_rss = 0;

	memset(sm, 0, sizeof(*sm));
	if (buf == NULL)
		return -1;
	while (p < end) {
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			klen = strlen(keys[i].key);
			if ((size_t)(eol - p) < klen ||
			    memcmp(p, keys[i].key, klen) != 0)
				continue;
			if (procfs_kb_value(p + klen, eol,
			        (uint64_t *)((char *)sm + keys[i].off)) == -1)
				return -1;
			if (i == 0)
				have_rss = 1;
			break;
		}
		if (eol == end)
			break;
		p = eol + 1;
	}
	return have_rss ? 0 : -1;
}

/* Reads /proc/PID/smaps_rollup; needs ptrace access to pid. */
int
procfs_read_smaps_rollup(pid_t pid, struct procfs_smaps *sm)
{
	char path[PROCFS_PATH_MAX], buf[2048];
	ssize_t n;

	memset(sm, 0, sizeof(*sm));
	if (procfs_path(path, sizeof(path), pid, 0, "/smaps_rollup") == -1) {
		errno = ESRCH;
		return -1;
	}
	if ((n = procfs_read_file(path, buf, sizeof(buf))) == -1)
		return -1;
	if (procfs_parse_smaps_rollup(buf, (size_t)n, sm) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
