/*
 * test_hostile: a compromised worker attacks the master.
 *
 * The program plays every role.  Run without arguments it is the driver:
 * it writes drop-ins for one good app and many "evil-*" apps, forks a
 * child that runs master_main(), and checks the master's log and the
 * records the evil workers leave.  Because the master re-executes
 * /proc/self/exe for each worker, this very program is started again with
 * "-W APP": for "good" it becomes a real worker (worker_main), for
 * "evil-SCENARIO" it reads its config and then sends the hostile message
 * the scenario names.  With "-M FILE" it is the command of an evil app's
 * process: it appends a line to FILE, so any command run on behalf of an
 * evil request leaves a mark.
 *
 * Output is plain TAP with the plan at the end; a known master defect is
 * reported as a TODO test so it stays visible without failing the run.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bluepill.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "priv.h"
#include "procfs.h"
#include "worker.h"

#define HOSTILE_ENV "BP_HOSTILE_OUT"
#define HOSTILE_WAIT_MS 10000 /* how long an evil worker waits for news */
#define HOSTILE_NCHECKS 16    /* exec checks per process of evil-burst */
#define HOSTILE_BURST_PROCS 4
#define HOSTILE_MAXREQ 512

/* What kind of drop-in an evil app gets. */
enum evil_conf {
	EC_MARK,  /* one process whose every command leaves a mark */
	EC_SLEEP, /* one long-running process with a stop_signals list */
	EC_CROSS, /* a long-running process with monitor_children */
	EC_BURST, /* several processes with many exec checks */
};

/* How the master should answer a scenario. */
enum evil_end {
	EE_DROP, /* the worker is ended with reason */
	EE_KEEP, /* the worker is kept; answers recorded with "done" */
	EE_TODO, /* should be dropped, but a known defect keeps it */
};

/* One hostile scenario, one evil app. */
struct evil {
	const char *app;
	enum evil_conf conf;
	enum evil_end end;
	const char *reason; /* master_worker_drop's reason when EE_DROP */
	int rounds;         /* hostile incarnations before a passive one */
	const char *what;   /* for test descriptions */
};

static const struct evil evils[] = {
	{ "evil-range", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN with a process index past the app's processes" },
	{ "evil-kind", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN with job kind JOB_NKINDS" },
	{ "evil-nocmd", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN of JOB_RESTART without a restart_command" },
	{ "evil-pid", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN with pid set to the good app's pid" },
	{ "evil-arg", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN of JOB_START with a nonzero arg" },
	{ "evil-ticks", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN with nonzero start_ticks" },
	{ "evil-sigstop", EC_SLEEP, EE_DROP, "refused request", 1,
	    "MSG_SIGNAL SIGSTOP not in stop_signals" },
	{ "evil-sigchild", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SIGNAL to a child without monitor_children" },
	{ "evil-short", EC_MARK, EE_DROP, "malformed message", 1,
	    "MSG_SPAWN one byte short" },
	{ "evil-long", EC_MARK, EE_DROP, "malformed message", 1,
	    "MSG_SPAWN one byte long" },
	{ "evil-lenlie", EC_MARK, EE_DROP, "malformed message", 1,
	    "header length larger than the datagram" },
	{ "evil-type", EC_MARK, EE_DROP, "malformed message", 1,
	    "unknown message type 150" },
	{ "evil-m2w", EC_MARK, EE_DROP, "refused request", 1,
	    "master->worker type MSG_SPAWNED sent by the worker" },
	{ "evil-fd", EC_MARK, EE_DROP, "malformed message", 1,
	    "MSG_SPAWN carrying an SCM_RIGHTS descriptor" },
	{ "evil-hellofd", EC_MARK, EE_DROP, "malformed message", 1,
	    "MSG_HELLO carrying an SCM_RIGHTS descriptor" },
	{ "evil-logfd", EC_MARK, EE_DROP, "unexpected descriptor", 1,
	    "MSG_LOG_FD with a descriptor, worker to master" },
	{ "evil-early", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_SPAWN before MSG_HELLO" },
	{ "evil-hello2", EC_MARK, EE_DROP, "refused request", 1,
	    "a second MSG_HELLO" },
	{ "evil-runt", EC_MARK, EE_DROP, "malformed message", 2,
	    "a 3-byte datagram, shorter than the header" },
	{ "evil-version", EC_MARK, EE_DROP, "malformed message", 1,
	    "MSG_PROBE with protocol version 2" },
	{ "evil-killjob", EC_MARK, EE_DROP, "refused request", 1,
	    "MSG_KILL_JOB with pid set to the good app's pid" },
	{ "evil-cross", EC_CROSS, EE_KEEP, NULL, 0,
	    "child signals and child jobs aimed at other apps' pids" },
	{ "evil-burst", EC_BURST, EE_KEEP, NULL, 0,
	    "a burst of valid MSG_SPAWN beyond the rate limit" },
	{ "evil-flood", EC_MARK, EE_KEEP, NULL, 0,
	    "a stream of valid MSG_PROBE while a helper drains the answers" },
	{ "evil-noread", EC_MARK, EE_DROP, "channel failed", 1,
	    "valid MSG_PROBE requests whose answers are never read" },
	{ "evil-witness", EC_MARK, EE_KEEP, NULL, 0,
	    "probes answered while another worker floods" },
};
#define NEVILS (sizeof(evils) / sizeof(evils[0]))

/* ------------------------------------------------------------ common */

static char outdir[256];

/* Returns CLOCK_MONOTONIC in milliseconds, comparable across processes. */
static uint64_t
hostile_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Sleeps a few milliseconds between two looks of a bounded poll. */
static void
hostile_nap(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Reads a whole small file into a NUL-ended malloc'd buffer, or NULL. */
static char *
hostile_slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf != NULL)
		buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------- marker role */

/* The command of an evil app's process: leave a mark and exit. */
static int
hostile_mark(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

	if (fd == -1)
		return 1;
	if (write(fd, "ran\n", 4) != 4) {
		close(fd);
		return 1;
	}
	return close(fd) == -1;
}

/* -------------------------------------------------- evil worker role */

/* The evil worker's view of its app and of its targets. */
static struct {
	const char *app;
	const char *scen;
	int chan;
	int rec;
	int inc;
	uint32_t nprocs;
	struct proc_conf *pconf;
	pid_t goodpid;
	pid_t masterpid;
} hs = { .chan = MSG_CHANNEL_FD, .rec = -1 };

/* Appends one line to this app's record file. */
static void __attribute__((format(printf, 1, 2)))
hostile_rec(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (hs.rec >= 0 && write(hs.rec, line, (size_t)n) != n)
		(void)0;
}

/* Sends a datagram built by hand: any header, any payload, maybe an fd. */
static int
hostile_raw(uint16_t type, uint16_t version, uint32_t len, const void *p,
    size_t plen, int passfd)
{
	unsigned char buf[sizeof(struct msg_hdr) + 256];
	struct msg_hdr h;
	struct iovec iov;
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;

	if (plen > sizeof(buf) - sizeof(h))
		return -1;
	memset(&h, 0, sizeof(h));
	h.type = type;
	h.version = version;
	h.len = len;
	memcpy(buf, &h, sizeof(h));
	if (plen > 0)
		memcpy(buf + sizeof(h), p, plen);
	iov.iov_base = buf;
	iov.iov_len = sizeof(h) + plen;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (passfd >= 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	}
	return sendmsg(hs.chan, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* Sends a well-formed message; errors are ignored (the master may be gone). */
static void
hostile_send(uint16_t type, const void *p, size_t len)
{
	if (msg_send(hs.chan, type, p, len, -1) == -1)
		hostile_rec("send-error type=%u errno=%d", type, errno);
}

/* Receives one message within timeout_ms (-1: forever): 1, 0 EOF, -1. */
static int
hostile_recv(int timeout_ms, struct msg_hdr *hdr, void *buf)
{
	struct pollfd pfd = { hs.chan, POLLIN, 0 };
	uint64_t end = hostile_now_ms() + (uint64_t)timeout_ms;
	ssize_t r;
	int fd, left;

	for (;;) {
		left = timeout_ms < 0 ? -1 : (int)(end - hostile_now_ms());
		if (timeout_ms >= 0 && hostile_now_ms() >= end)
			return -1;
		if (poll(&pfd, 1, left) == -1 && errno != EINTR)
			return -1;
		r = msg_recv(hs.chan, hdr, buf, &fd);
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r == 1 && fd >= 0)
			close(fd);
		if (r == -1 && errno == ECONNRESET)
			return 0;
		return r == 1 ? 1 : r == 0 ? 0 : -1;
	}
}

/* Builds a zeroed job request. */
static struct msg_job
hostile_job(uint32_t proc, uint32_t kind, int32_t arg)
{
	struct msg_job j;

	memset(&j, 0, sizeof(j));
	j.proc = proc;
	j.kind = kind;
	j.arg = arg;
	return j;
}

/* Reads the app's config up to MSG_CONF_END, keeping the process list. */
static void
hostile_read_conf(void)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;
	uint32_t got = 0;

	for (;;) {
		if (hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) != 1) {
			hostile_rec("conf-lost");
			exit(2);
		}
		if (hdr.type == MSG_CONF_APP) {
			const struct app_conf *ac = (const void *)buf;

			hs.nprocs = ac->nprocs;
			if (hs.nprocs > BP_MAX_PROCS ||
			    (hs.pconf = calloc(hs.nprocs + 1,
			         sizeof(*hs.pconf))) == NULL)
				exit(2);
		} else if (hdr.type == MSG_CONF_PROC && hs.pconf != NULL &&
		    got < hs.nprocs)
			memcpy(&hs.pconf[got++], buf, sizeof(*hs.pconf));
		else if (hdr.type == MSG_CONF_END)
			break;
	}
	hostile_rec("conf nprocs=%u", hs.nprocs);
}

/* Says hello (maybe with an fd attached) and takes the adoption answers. */
static void
hostile_hello(void)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;
	uint32_t n = 0;

	hostile_send(MSG_HELLO, NULL, 0);
	while (n < hs.nprocs) {
		if (hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) != 1) {
			hostile_rec("hello-lost");
			exit(2);
		}
		if (hdr.type == MSG_PROC_FOUND) {
			const struct msg_proc *mp = (const void *)buf;

			hostile_rec("found proc=%u pid=%d", mp->proc,
			    (int)mp->pid);
			n++;
		}
	}
	hostile_rec("ready inc=%d", hs.inc);
}

/* Waits for the driver to name the good app's pid and the master's. */
static void
hostile_target(void)
{
	char path[PATH_MAX], *t;
	uint64_t end = hostile_now_ms() + 15000;
	long g, m;

	snprintf(path, sizeof(path), "%s/target", outdir);
	while ((t = hostile_slurp(path)) == NULL) {
		if (hostile_now_ms() >= end) {
			hostile_rec("no-target");
			exit(2);
		}
		hostile_nap();
	}
	if (sscanf(t, "%ld %ld", &g, &m) != 2)
		exit(2);
	free(t);
	hs.goodpid = (pid_t)g;
	hs.masterpid = (pid_t)m;
}

/* Notes the moment the hostile message leaves (for the back-off check). */
static void
hostile_sent(void)
{
	hostile_rec("sent t=%llu", (unsigned long long)hostile_now_ms());
}

/*
 * After a hostile message: sends a valid sentinel request and waits.  A
 * master that ended us closed the channel (and SIGKILLs us); one that
 * answers the sentinel let the hostile message through.
 */
static void
hostile_end(int before_hello)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_proc mp;
	struct msg_hdr hdr;
	int r;

	if (before_hello)
		(void)msg_send(hs.chan, MSG_HELLO, NULL, 0, -1);
	memset(&mp, 0, sizeof(mp));
	(void)msg_send(hs.chan, MSG_PROBE, &mp, sizeof(mp), -1);
	r = hostile_recv(HOSTILE_WAIT_MS, &hdr, buf);
	if (r == 1) {
		hostile_rec("survived type=%u", hdr.type);
		return;
	}
	if (r == -1) {
		hostile_rec("timeout");
		return;
	}
	hostile_rec("eof");
	/* The SIGKILL is on its way; outliving it is a finding. */
	for (r = 0; r < 1000; r++)
		hostile_nap();
	hostile_rec("not-killed");
	exit(3);
}

/* Waits for a reply of one type, recording what else arrived. */
static int
hostile_expect(uint16_t type, void *out, size_t len)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;
	uint64_t end = hostile_now_ms() + HOSTILE_WAIT_MS;

	while (hostile_now_ms() < end) {
		if (hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) != 1)
			return -1;
		if (hdr.type == type) {
			memcpy(out, buf, len);
			return 0;
		}
		if (hdr.type == MSG_SPAWN_FAILED) {
			const struct msg_job *mj = (const void *)buf;

			hostile_rec("spawn-failed kind=%u err=%d", mj->kind,
			    mj->err);
			return -1;
		}
	}
	return -1;
}

/* Starts process 0 through a legal request; returns its pid or -1. */
static pid_t
hostile_start(void)
{
	struct msg_job j = hostile_job(0, JOB_START, 0), r;

	j.gen = 1;
	hostile_send(MSG_SPAWN, &j, sizeof(j));
	if (hostile_expect(MSG_SPAWNED, &r, sizeof(r)) == -1) {
		hostile_rec("start-failed");
		return -1;
	}
	hostile_rec("spawned pid=%d", (int)r.pid);
	return r.pid;
}

/* Ignores the master until it closes the channel (or TERMs us). */
static void __attribute__((noreturn)) hostile_passive(void)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;

	while (hostile_recv(-1, &hdr, buf) == 1)
		;
	hostile_rec("eof-passive");
	exit(0);
}

/* evil-cross: asks for other apps' pids through legal message shapes. */
static void
hostile_cross(void)
{
	struct msg_signal s, rs;
	struct msg_job j, rj;
	pid_t targets[2] = { hs.goodpid, hs.masterpid };
	int i, answers = 0, esrch = 0;

	if (hostile_start() == -1)
		return;
	for (i = 0; i < 2; i++) {
		memset(&s, 0, sizeof(s));
		s.proc = 0;
		s.signo = SIGTERM;
		s.child = targets[i];
		hostile_send(MSG_SIGNAL, &s, sizeof(s));
		if (hostile_expect(MSG_SIGNALLED, &rs, sizeof(rs)) == 0) {
			answers++;
			esrch += rs.result == ESRCH;
			hostile_rec("signalled child=%d result=%d",
			    (int)s.child, (int)rs.result);
		}
	}
	for (i = 0; i < 4; i++) {
		j = hostile_job(0, i < 2 ? JOB_CHILD_STOP : JOB_CHILD_RESTART,
		    targets[i % 2]);
		hostile_send(MSG_SPAWN, &j, sizeof(j));
		/* A refusal is the expected answer here, not a failure. */
		{
			static unsigned char buf[MSG_MAX_PAYLOAD];
			struct msg_hdr hdr;
			uint64_t end = hostile_now_ms() + HOSTILE_WAIT_MS;

			while (hostile_now_ms() < end &&
			    hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) == 1) {
				if (hdr.type != MSG_SPAWN_FAILED &&
				    hdr.type != MSG_SPAWNED)
					continue;
				memcpy(&rj, buf, sizeof(rj));
				answers++;
				esrch += hdr.type == MSG_SPAWN_FAILED &&
				    rj.err == ESRCH;
				hostile_rec("job kind=%u arg=%d type=%u err=%d",
				    rj.kind, (int)rj.arg, hdr.type,
				    (int)rj.err);
				break;
			}
		}
	}
	hostile_rec("done answers=%d esrch=%d", answers, esrch);
}

/* evil-burst: many distinct valid jobs at once, twice over. */
static void
hostile_burst(void)
{
	static struct msg_job reqs[HOSTILE_MAXREQ];
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;
	uint32_t n = 0, i, p, k, answered = 0;
	unsigned spawned = 0, eagain = 0, ealready = 0, eexist = 0, other = 0;
	uint64_t t0, end;
	int round;

	for (round = 0; round < 2; round++)
		for (p = 0; p < hs.nprocs; p++) {
			const struct proc_conf *pc = &hs.pconf[p];

			reqs[n++] = hostile_job(p, JOB_START, 0);
			reqs[n++] = hostile_job(p, JOB_PRE_START, 0);
			for (k = 0; k < pc->ncheck && n < HOSTILE_MAXREQ; k++)
				reqs[n++] = hostile_job(p, JOB_CHECK,
				    (int32_t)(pc->check_first + k));
		}
	t0 = hostile_now_ms();
	for (i = 0; i < n; i++) {
		reqs[i].gen = i + 1;
		hostile_send(MSG_SPAWN, &reqs[i], sizeof(reqs[i]));
	}
	end = t0 + 15000;
	while (answered < n && hostile_now_ms() < end) {
		const struct msg_job *mj = (const void *)buf;

		if (hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) != 1)
			break;
		if (hdr.type == MSG_SPAWNED) {
			spawned++;
			answered++;
		} else if (hdr.type == MSG_SPAWN_FAILED) {
			answered++;
			if (mj->err == EAGAIN)
				eagain++;
			else if (mj->err == EALREADY)
				ealready++;
			else if (mj->err == EEXIST)
				eexist++;
			else
				other++;
		}
	}
	hostile_rec("done req=%u answered=%u spawned=%u eagain=%u "
	            "ealready=%u eexist=%u other=%u ms=%llu",
	    n, answered, spawned, eagain, ealready, eexist, other,
	    (unsigned long long)(hostile_now_ms() - t0));
}

/*
 * evil-flood: streams valid MSG_PROBE requests for a few seconds while a
 * child process drains the answers, so the master's queue never fills.
 */
static void
hostile_flood(void)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	char path[PATH_MAX];
	struct msg_proc mp;
	struct msg_hdr hdr;
	uint64_t t0, sent = 0;
	pid_t reader;
	int status;

	memset(&mp, 0, sizeof(mp));
	if ((reader = fork()) == -1)
		return;
	if (reader == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		while (hostile_recv(-1, &hdr, buf) == 1)
			;
		_exit(0);
	}
	snprintf(path, sizeof(path), "%s/flood.go", outdir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	t0 = hostile_now_ms();
	while (hostile_now_ms() < t0 + 3000) {
		int k;

		for (k = 0; k < 256; k++, sent++)
			if (msg_send(hs.chan, MSG_PROBE, &mp, sizeof(mp), -1) ==
			    -1)
				break;
		if (k < 256)
			break;
	}
	hostile_rec("flood sent=%llu ms=%llu", (unsigned long long)sent,
	    (unsigned long long)(hostile_now_ms() - t0));
	kill(reader, SIGKILL);
	waitpid(reader, &status, 0);
	hostile_rec("done sent=%llu", (unsigned long long)sent);
}

/* evil-witness: measures how long the master takes to answer a probe. */
static void
hostile_witness(void)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	char path[PATH_MAX];
	struct msg_proc mp;
	struct msg_hdr hdr;
	uint64_t end = hostile_now_ms() + 15000, t, lat, maxlat = 0;
	int i, lost = 0;

	snprintf(path, sizeof(path), "%s/flood.go", outdir);
	while (access(path, F_OK) == -1 && hostile_now_ms() < end)
		hostile_nap();
	for (i = 0; i < 20; i++)
		hostile_nap();
	memset(&mp, 0, sizeof(mp));
	for (i = 0; i < 10; i++) {
		t = hostile_now_ms();
		hostile_send(MSG_PROBE, &mp, sizeof(mp));
		if (hostile_recv(HOSTILE_WAIT_MS, &hdr, buf) != 1 ||
		    hdr.type != MSG_PROC_FOUND)
			lost++;
		lat = hostile_now_ms() - t;
		hostile_rec("probe lat=%llu", (unsigned long long)lat);
		if (lat > maxlat)
			maxlat = lat;
		hostile_nap();
	}
	hostile_rec("done maxlat=%llu lost=%d", (unsigned long long)maxlat,
	    lost);
}

/* Opens a file in the output dir whose fd we then pass to the master. */
static int
hostile_passfd(void)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/passed.%s", outdir, hs.app);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
}

/* Plays the scenario of this app once. */
static void
hostile_attack(void)
{
	const char *s = hs.scen;
	struct msg_job j = hostile_job(0, JOB_START, 0);
	struct msg_signal sig;
	struct msg_proc mp;
	int fd;

	memset(&sig, 0, sizeof(sig));
	memset(&mp, 0, sizeof(mp));
	/* Scenarios that act before MSG_HELLO. */
	if (strcmp(s, "early") == 0) {
		hostile_sent();
		hostile_send(MSG_SPAWN, &j, sizeof(j));
		hostile_end(1);
		return;
	}
	if (strcmp(s, "hellofd") == 0) {
		fd = hostile_passfd();
		hostile_sent();
		hostile_raw(MSG_HELLO, MSG_VERSION, 0, NULL, 0, fd);
		close(fd);
		hostile_end(1);
		return;
	}
	hostile_hello();
	hostile_target();
	if (strcmp(s, "cross") == 0) {
		hostile_cross();
		return;
	}
	if (strcmp(s, "burst") == 0) {
		hostile_burst();
		return;
	}
	if (strcmp(s, "flood") == 0) {
		hostile_flood();
		return;
	}
	if (strcmp(s, "noread") == 0) {
		uint64_t t0 = hostile_now_ms(), n = 0;

		memset(&mp, 0, sizeof(mp));
		hostile_sent();
		/* The master answers each; we never read, so its queue grows. */
		while (hostile_now_ms() < t0 + 15000 &&
		    msg_send(hs.chan, MSG_PROBE, &mp, sizeof(mp), -1) == 0)
			n++;
		hostile_rec("noread sent=%llu ms=%llu errno=%d",
		    (unsigned long long)n,
		    (unsigned long long)(hostile_now_ms() - t0), errno);
		hostile_end(0);
		return;
	}
	if (strcmp(s, "witness") == 0) {
		hostile_witness();
		return;
	}
	if (strcmp(s, "sigstop") == 0 && hostile_start() == -1)
		return;
	hostile_sent();
	if (strcmp(s, "range") == 0) {
		j.proc = hs.nprocs;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "kind") == 0) {
		j.kind = JOB_NKINDS;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "nocmd") == 0) {
		j.kind = JOB_RESTART;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "pid") == 0) {
		j.pid = hs.goodpid;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "arg") == 0) {
		j.arg = hs.goodpid;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "ticks") == 0) {
		j.start_ticks = 1;
		hostile_send(MSG_SPAWN, &j, sizeof(j));
	} else if (strcmp(s, "sigstop") == 0) {
		sig.signo = SIGSTOP;
		hostile_send(MSG_SIGNAL, &sig, sizeof(sig));
	} else if (strcmp(s, "sigchild") == 0) {
		sig.signo = SIGTERM;
		sig.child = hs.goodpid;
		hostile_send(MSG_SIGNAL, &sig, sizeof(sig));
	} else if (strcmp(s, "short") == 0) {
		hostile_raw(MSG_SPAWN, MSG_VERSION, sizeof(j) - 1, &j,
		    sizeof(j) - 1, -1);
	} else if (strcmp(s, "long") == 0) {
		unsigned char big[sizeof(j) + 1];

		memset(big, 0, sizeof(big));
		memcpy(big, &j, sizeof(j));
		hostile_raw(MSG_SPAWN, MSG_VERSION, sizeof(big), big,
		    sizeof(big), -1);
	} else if (strcmp(s, "lenlie") == 0) {
		hostile_raw(MSG_SPAWN, MSG_VERSION, sizeof(j), &j,
		    sizeof(j) - 1, -1);
	} else if (strcmp(s, "type") == 0) {
		hostile_raw(150, MSG_VERSION, 0, NULL, 0, -1);
	} else if (strcmp(s, "m2w") == 0) {
		j.pid = hs.goodpid;
		hostile_send(MSG_SPAWNED, &j, sizeof(j));
	} else if (strcmp(s, "fd") == 0) {
		fd = hostile_passfd();
		hostile_raw(MSG_SPAWN, MSG_VERSION, sizeof(j), &j, sizeof(j),
		    fd);
		close(fd);
	} else if (strcmp(s, "logfd") == 0) {
		fd = hostile_passfd();
		hostile_raw(MSG_LOG_FD, MSG_VERSION, 0, NULL, 0, fd);
		close(fd);
	} else if (strcmp(s, "hello2") == 0) {
		hostile_send(MSG_HELLO, NULL, 0);
	} else if (strcmp(s, "runt") == 0) {
		if (send(hs.chan, "abc", 3, MSG_NOSIGNAL) != 3)
			hostile_rec("send-error");
	} else if (strcmp(s, "version") == 0) {
		hostile_raw(MSG_PROBE, MSG_VERSION + 1, sizeof(mp), &mp,
		    sizeof(mp), -1);
	} else if (strcmp(s, "killjob") == 0) {
		j.pid = hs.goodpid;
		hostile_send(MSG_KILL_JOB, &j, sizeof(j));
	} else {
		hostile_rec("unknown-scenario");
		return;
	}
	hostile_end(0);
}

/* Returns how many hostile incarnations an evil app has. */
static int
hostile_rounds(const char *app)
{
	size_t i;

	for (i = 0; i < NEVILS; i++)
		if (strcmp(evils[i].app, app) == 0)
			return evils[i].rounds > 0 ? evils[i].rounds : 1;
	return 1;
}

/* Runs an evil worker: drop privileges like a real one, then attack. */
static int
hostile_worker(const char *app, uint32_t uid, uint32_t gid)
{
	char path[PATH_MAX];
	const char *o = getenv(HOSTILE_ENV);
	int fd, privileged;

	log_init(1, 0, "evil");
	if (o == NULL || strlen(o) >= sizeof(outdir))
		return 2;
	snprintf(outdir, sizeof(outdir), "%s", o);
	privileged = geteuid() == 0;
	if (priv_drop(uid, gid, privileged) == -1 ||
	    priv_verify(uid, gid, privileged) == -1)
		return 2;
	hs.app = app;
	hs.scen = app + strlen("evil-");
	snprintf(path, sizeof(path), "%s/%s.rec", outdir, app);
	hs.rec = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	for (hs.inc = 1; hs.inc < 100; hs.inc++) {
		snprintf(path, sizeof(path), "%s/%s.inc%d", outdir, app,
		    hs.inc);
		if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		         0644)) >= 0) {
			close(fd);
			break;
		}
	}
	hostile_rec("start inc=%d pid=%ld t=%llu", hs.inc, (long)getpid(),
	    (unsigned long long)hostile_now_ms());
	hostile_read_conf();
	if (hs.inc <= hostile_rounds(app)) {
		hostile_attack();
		hostile_passive();
	}
	hostile_hello();
	hostile_passive();
}

/* Parses the worker command line the master builds; -1 if it is not one. */
static int
hostile_worker_args(int argc, char *argv[])
{
	const char *app = NULL;
	unsigned long uid = ULONG_MAX, gid = ULONG_MAX;
	int ch, fg = 0, verbose = 0, logfd = 0;

	while ((ch = getopt(argc, argv, "dg:Lu:vW:")) != -1) {
		switch (ch) {
		case 'd':
			fg = 1;
			break;
		case 'g':
			gid = strtoul(optarg, NULL, 10);
			break;
		case 'L':
			logfd = 1;
			break;
		case 'u':
			uid = strtoul(optarg, NULL, 10);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'W':
			app = optarg;
			break;
		default:
			return 2;
		}
	}
	if (app == NULL || uid > UINT32_MAX || gid > UINT32_MAX)
		return 2;
	if (strncmp(app, "evil-", 5) == 0)
		return hostile_worker(app, (uint32_t)uid, (uint32_t)gid);
	return worker_main(app, (uint32_t)uid, (uint32_t)gid, fg, verbose,
	    logfd);
}

/* ------------------------------------------------------ driver role */

static char tmpdir[200];
static char confdir[256];
static char rundir[256];
static char logpath[256];
static char testbin[PATH_MAX];
static pid_t master = -1;
static char *logtext;
static int ntests, nfailed;

/* Prints one TAP result; returns cond. */
static int __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	ntests++;
	if (!cond)
		nfailed++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* Prints one TAP result for a known defect (not ok does not fail). */
static void __attribute__((format(printf, 3, 4)))
tap_todo(int cond, const char *why, const char *fmt, ...)
{
	va_list ap;

	ntests++;
	printf("%sok %d - ", cond ? "" : "not ", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # TODO %s\n", why);
	fflush(stdout);
}

/* Prints text as TAP diagnostics, one "# " line per line. */
static void
tap_diag_text(const char *label, const char *text)
{
	const char *p = text, *nl;

	printf("# %s:\n", label);
	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		printf("#   %.*s\n", (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	}
	fflush(stdout);
}

/* Writes a file with the given mode. */
static int
drv_write(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	fchmod(fd, mode);
	return close(fd);
}

/* Appends a marker command (argv form) to a drop-in being built. */
static size_t
drv_mark_cmd(char *buf, size_t len, const char *app)
{
	return (size_t)snprintf(buf, len, "[ \"%s\", \"-M\", \"%s/mark.%s\" ]",
	    testbin, outdir, app);
}

/* Writes the drop-in of one evil app. */
static int
drv_conf_evil(const struct evil *e)
{
	char path[PATH_MAX], mark[PATH_MAX * 2 + 64], text[65536];
	size_t o = 0;
	int p, k;

	drv_mark_cmd(mark, sizeof(mark), e->app);
	switch (e->conf) {
	case EC_MARK:
		snprintf(text, sizeof(text),
		    "processes = ( { name = \"p\"; auto_start = false;\n"
		    "  start_command = %s;\n  stop_command = %s;\n"
		    "  pre_start_command = %s; } );\n",
		    mark, mark, mark);
		break;
	case EC_SLEEP:
		snprintf(text, sizeof(text),
		    "processes = ( { name = \"p\"; auto_start = false;\n"
		    "  daemonize = true;\n"
		    "  start_command = [ \"/bin/sleep\", \"1000\" ];\n"
		    "  stop_signals = ( \"SIGINT\", \"1s\", \"SIGKILL\" );\n"
		    "  pre_start_command = %s; } );\n",
		    mark);
		break;
	case EC_CROSS:
		snprintf(text, sizeof(text),
		    "processes = ( { name = \"p\"; auto_start = false;\n"
		    "  daemonize = true;\n"
		    "  start_command = [ \"/bin/sleep\", \"1000\" ];\n"
		    "  monitor_children = { stop_command = %s;\n"
		    "    restart_command = %s; }; } );\n",
		    mark, mark);
		break;
	case EC_BURST:
		o += (size_t)snprintf(text + o, sizeof(text) - o,
		    "processes = (\n");
		for (p = 0; p < HOSTILE_BURST_PROCS; p++) {
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "%s{ name = \"p%d\"; auto_start = false;\n"
			    "  start_command = %s;\n"
			    "  pre_start_command = %s;\n  checks = (\n",
			    p ? ", " : "  ", p, mark, mark);
			for (k = 0; k < HOSTILE_NCHECKS; k++)
				o += (size_t)snprintf(text + o,
				    sizeof(text) - o,
				    "    %s{ type = \"exec\"; every = \"1h\"; "
				    "command = %s; }\n",
				    k ? ", " : "", mark);
			o += (size_t)snprintf(text + o, sizeof(text) - o,
			    "  ); }\n");
		}
		snprintf(text + o, sizeof(text) - o, ");\n");
		break;
	}
	snprintf(path, sizeof(path), "%s/%s.conf", confdir, e->app);
	return drv_write(path, text, 0644);
}

/* Re-reads the master's log file. */
static void
drv_log_load(void)
{
	free(logtext);
	logtext = hostile_slurp(logpath);
	if (logtext == NULL)
		logtext = strdup("");
}

/* Counts the log lines of the master that contain needle. */
static int
drv_log_count(const char *needle)
{
	char prefix[64];
	const char *p = logtext, *nl;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "bluepilld[%ld]: ", (long)master);
	for (; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		size_t len;

		nl = strchr(p, '\n');
		len = nl ? (size_t)(nl - p) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) == 0 &&
		    memmem(p, len, needle, strlen(needle)) != NULL)
			n++;
	}
	return n;
}

/* Collects, in order, the worker pids the master started for app. */
static int
drv_worker_pids(const char *app, long *pids, int max)
{
	char prefix[128];
	const char *p = logtext;
	int n = 0;

	snprintf(prefix, sizeof(prefix), "bluepilld[%ld]: %s: worker ",
	    (long)master, app);
	while (p != NULL && (p = strstr(p, prefix)) != NULL) {
		long pid;
		char tail[16];

		if ((p == logtext || p[-1] == '\n') &&
		    sscanf(p + strlen(prefix), "%ld %15s", &pid, tail) == 2 &&
		    strcmp(tail, "started") == 0 && n < max)
			pids[n++] = pid;
		p += strlen(prefix);
	}
	return n;
}

/* Returns an evil app's record text (malloc'd, "" when none). */
static char *
drv_rec(const char *app)
{
	char path[PATH_MAX], *t;

	snprintf(path, sizeof(path), "%s/%s.rec", outdir, app);
	t = hostile_slurp(path);
	return t != NULL ? t : strdup("");
}

/* Finds "key=" after the n-th (0-based) occurrence of a line prefix. */
static int
drv_rec_num(const char *rec, const char *line, int nth, const char *key,
    unsigned long long *v)
{
	const char *p = rec, *nl;
	char k[64];

	snprintf(k, sizeof(k), "%s=", key);
	for (; p != NULL && *p != '\0'; p = nl ? nl + 1 : NULL) {
		const char *q;

		nl = strchr(p, '\n');
		if (strncmp(p, line, strlen(line)) != 0)
			continue;
		if (nth-- > 0)
			continue;
		if ((q = strstr(p, k)) == NULL || (nl != NULL && q > nl))
			return -1;
		*v = strtoull(q + strlen(k), NULL, 10);
		return 0;
	}
	return -1;
}

/* Tells whether an evil app's record shows that its scenario concluded. */
static int
drv_concluded(const struct evil *e, const char *rec)
{
	char ready[32];

	if (e->end == EE_KEEP)
		return strstr(rec, "\ndone ") != NULL;
	snprintf(ready, sizeof(ready), "ready inc=%d\n", e->rounds + 1);
	if (strstr(rec, ready) != NULL)
		return 1;
	return e->end == EE_TODO && strstr(rec, "survived") != NULL;
}

/* Counts the marks a spawned command left for app. */
static int
drv_marks(const char *app)
{
	char path[PATH_MAX], *t, *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/mark.%s", outdir, app);
	if ((t = hostile_slurp(path)) == NULL)
		return 0;
	for (p = t; (p = strchr(p, '\n')) != NULL; p++)
		n++;
	free(t);
	return n;
}

/* Tells whether pid is alive with that start time and not stopped. */
static int
drv_running(pid_t pid, uint64_t ticks)
{
	struct procfs_stat st;

	if (pid <= 1 || procfs_read_stat(pid, &st) == -1)
		return 0;
	return st.starttime == ticks && st.state != 'T' && st.state != 't' &&
	    st.state != 'Z' && st.state != 'X';
}

/* Tells whether the master holds a descriptor to path. */
static int
drv_master_holds(const char *path)
{
	char dpath[64], lpath[PATH_MAX + 64], target[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(dpath, sizeof(dpath), "/proc/%ld/fd", (long)master);
	if ((d = opendir(dpath)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(lpath, sizeof(lpath), "%s/%s", dpath, de->d_name);
		n = readlink(lpath, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			found = 1;
	}
	closedir(d);
	return found;
}

/* Kills a process the test started, if it is still the same process. */
static void
drv_kill_ours(pid_t pid, uint64_t ticks)
{
	struct procfs_stat st;

	if (pid > 1 && procfs_read_stat(pid, &st) == 0 && st.starttime == ticks)
		kill(pid, SIGKILL);
}

/* Removes one entry of the scratch tree. */
static int
drv_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) == -1 && errno != ENOENT ? -1 : 0;
}

/* Forks the master with its stdout and stderr going to the log file. */
static int
drv_master_start(void)
{
	int fd;

	fd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return -1;
	fflush(stdout);
	fflush(stderr);
	master = fork();
	if (master == -1)
		return -1;
	if (master == 0) {
		int nul = open("/dev/null", O_RDONLY);

		if (nul >= 0)
			dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		log_init(1, 1, "bluepilld");
		_exit(master_main(confdir, rundir, 1, 1));
	}
	close(fd);
	return 0;
}

/* Stops the master with TERM; returns its wait status or -1. */
static int
drv_master_stop(void)
{
	uint64_t end = hostile_now_ms() + 10000;
	int status;

	if (master <= 0)
		return -1;
	kill(master, SIGTERM);
	while (hostile_now_ms() < end) {
		pid_t r = waitpid(master, &status, WNOHANG);

		if (r == master) {
			master = 0;
			return status;
		}
		hostile_nap();
	}
	kill(master, SIGKILL);
	waitpid(master, &status, 0);
	master = 0;
	return -1;
}

/* Reads a pid file; 0 when missing or unusable. */
static pid_t
drv_pidfile(const char *path)
{
	char *t = hostile_slurp(path);
	long v = 0;

	if (t != NULL) {
		v = strtol(t, NULL, 10);
		free(t);
	}
	return v > 1 && v < INT_MAX ? (pid_t)v : 0;
}

/* Checks what happened to one scenario that must end its worker. */
static void
drv_check_drop(const struct evil *e, const char *rec)
{
	long pids[8];
	int n = drv_worker_pids(e->app, pids, 8), k, ok = 1, rounds = e->rounds;
	char needle[256];
	unsigned long long sent, start, wpid;

	/* Every hostile incarnation was ended with the right reason. */
	for (k = 0; k < rounds; k++) {
		if (k >= n) {
			ok = 0;
			break;
		}
		snprintf(needle, sizeof(needle),
		    "%s: worker %ld: %s, ending it", e->app, pids[k],
		    e->reason);
		ok &= drv_log_count(needle) == 1;
		snprintf(needle, sizeof(needle),
		    "%s: worker %ld killed by signal 9", e->app, pids[k]);
		ok &= drv_log_count(needle) == 1;
	}
	ok &= strstr(rec, "survived") == NULL &&
	    strstr(rec, "timeout") == NULL && strstr(rec, "not-killed") == NULL;
	if (!tap_ok(ok && n >= rounds, "%s: %s ends that worker (\"%s\")",
	        e->app, e->what, e->reason))
		tap_diag_text("record", rec);

	/* Restarted, each time after the back-off, with a new pid. */
	ok = n == rounds + 1;
	for (k = 0; ok && k < rounds; k++) {
		unsigned want = 1000u << k;

		snprintf(needle, sizeof(needle),
		    "%s: restarting worker in %u ms", e->app, want);
		ok &= drv_log_count(needle) == 1;
		ok &= drv_rec_num(rec, "sent ", k, "t", &sent) == 0 &&
		    drv_rec_num(rec, "start ", k + 1, "t", &start) == 0 &&
		    drv_rec_num(rec, "start ", k + 1, "pid", &wpid) == 0;
		ok &= start >= sent + want - 10;
		ok &= (long)wpid == pids[k + 1] && pids[k + 1] != pids[k];
	}
	if (!tap_ok(ok, "%s: restarted with a new pid after %s back-off",
	        e->app, rounds > 1 ? "1 s, then 2 s," : ">= 1 s"))
		tap_diag_text("record", rec);
}

/* The driver: one master, every scenario, then the checks. */
static int
drv_main(void)
{
	const char *base = getenv("TMPDIR");
	char path[PATH_MAX], text[8192];
	pid_t goodpid = 0, sleeppid = 0, crosspid = 0;
	uint64_t goodticks = 0, sleepticks = 0, crossticks = 0, end;
	struct procfs_stat st;
	long gw[4];
	size_t i;
	int status, n, all;
	ssize_t len;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((len = readlink("/proc/self/exe", testbin, sizeof(testbin) - 1)) <=
	    0) {
		printf("Bail out! readlink /proc/self/exe\n");
		return 1;
	}
	testbin[len] = '\0';
	snprintf(tmpdir, sizeof(tmpdir), "%s/bp-hostile.XXXXXX",
	    base != NULL && base[0] == '/' && strlen(base) < 100 ? base :
	                                                           "/tmp");
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0755) == -1) {
		printf("Bail out! mkdtemp %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	snprintf(confdir, sizeof(confdir), "%s/conf.d", tmpdir);
	snprintf(rundir, sizeof(rundir), "%s/run", tmpdir);
	snprintf(outdir, sizeof(outdir), "%s/out", tmpdir);
	snprintf(logpath, sizeof(logpath), "%s/master.log", tmpdir);
	if (mkdir(confdir, 0755) == -1 || mkdir(outdir, 0755) == -1 ||
	    chmod(outdir, 01777) == -1) {
		printf("Bail out! mkdir: %s\n", strerror(errno));
		return 1;
	}
	snprintf(path, sizeof(path), "%s/good.conf", confdir);
	snprintf(text, sizeof(text),
	    "processes = ( { name = \"p\"; daemonize = true;\n"
	    "  start_command = [ \"/bin/sleep\", \"1000\" ]; } );\n");
	if (drv_write(path, text, 0644) == -1) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < NEVILS; i++)
		if (drv_conf_evil(&evils[i]) == -1) {
			printf("Bail out! drop-in of %s\n", evils[i].app);
			return 1;
		}
	setenv(HOSTILE_ENV, outdir, 1);
	printf("# scratch dir %s, %s\n", tmpdir,
	    geteuid() == 0 ? "as root" : "unprivileged");
	if (drv_master_start() == -1) {
		printf("Bail out! fork: %s\n", strerror(errno));
		return 1;
	}

	/* The good app's process comes up through its real worker. */
	snprintf(path, sizeof(path), "%s/pids/good/p.pid", rundir);
	end = hostile_now_ms() + 15000;
	while (hostile_now_ms() < end) {
		goodpid = drv_pidfile(path);
		if (goodpid > 0 && procfs_read_stat(goodpid, &st) == 0 &&
		    strcmp(st.comm, "sleep") == 0) {
			goodticks = st.starttime;
			break;
		}
		goodpid = 0;
		hostile_nap();
	}
	drv_log_load();
	if (!tap_ok(goodpid > 0 && drv_worker_pids("good", gw, 4) == 1,
	        "the good app's real worker starts its process (pid %ld)",
	        (long)goodpid)) {
		tap_diag_text("master log", logtext);
		drv_master_stop();
		printf("1..%d\n", ntests);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/target.tmp", outdir);
	snprintf(text, sizeof(text), "%ld %ld\n", (long)goodpid, (long)master);
	if (drv_write(path, text, 0644) == -1)
		*text = '\0';
	snprintf(text, sizeof(text), "%s/target", outdir);
	if (rename(path, text) == -1) {
		printf("Bail out! target: %s\n", strerror(errno));
		drv_master_stop();
		return 1;
	}

	/* Bounded wait until every scenario has played out. */
	end = hostile_now_ms() + 20000;
	do {
		all = 1;
		for (i = 0; i < NEVILS && all; i++) {
			char *rec = drv_rec(evils[i].app);

			all = drv_concluded(&evils[i], rec);
			free(rec);
		}
		if (!all)
			hostile_nap();
	} while (!all && hostile_now_ms() < end);
	drv_log_load();
	if (!tap_ok(all, "every scenario concluded in time"))
		for (i = 0; i < NEVILS; i++) {
			char *rec = drv_rec(evils[i].app);

			if (!drv_concluded(&evils[i], rec)) {
				printf("# %s did not conclude\n", evils[i].app);
				tap_diag_text("record", rec);
			}
			free(rec);
		}

	for (i = 0; i < NEVILS; i++) {
		const struct evil *e = &evils[i];
		char *rec = drv_rec(e->app);
		unsigned long long v;

		if (e->end == EE_DROP)
			drv_check_drop(e, rec);
		if (e->conf == EC_MARK)
			tap_ok(drv_marks(e->app) == 0,
			    "%s: no command ran on its behalf", e->app);
		if (strcmp(e->app, "evil-sigstop") == 0) {
			if (drv_rec_num(rec, "spawned ", 0, "pid", &v) == 0 &&
			    procfs_read_stat((pid_t)v, &st) == 0) {
				sleeppid = (pid_t)v;
				sleepticks = st.starttime;
			}
			tap_ok(sleeppid > 0 &&
			        drv_running(sleeppid, sleepticks),
			    "%s: its process %ld was not stopped", e->app,
			    (long)sleeppid);
			tap_ok(drv_rec_num(rec, "found ", 0, "pid", &v) == 0 &&
			        v == 0 &&
			        drv_rec_num(rec, "found ", 1, "pid", &v) == 0 &&
			        (pid_t)v == sleeppid,
			    "%s: the restarted worker is handed that process",
			    e->app);
		}
		if (strcmp(e->app, "evil-fd") == 0 ||
		    strcmp(e->app, "evil-hellofd") == 0 ||
		    strcmp(e->app, "evil-logfd") == 0) {
			snprintf(path, sizeof(path), "%s/passed.%s", outdir,
			    e->app);
			tap_ok(drv_master_holds(path) == 0,
			    "%s: the master keeps no copy of the passed fd",
			    e->app);
		}
		if (e->end == EE_TODO) {
			snprintf(text, sizeof(text),
			    "%s: worker %ld: %s, ending it", e->app,
			    drv_worker_pids(e->app, gw, 4) > 0 ? gw[0] : 0L,
			    e->reason);
			tap_todo(drv_log_count(text) == 1 &&
			        strstr(rec, "survived") == NULL,
			    "master_dispatch checks only proc and kind of "
			    "MSG_KILL_JOB",
			    "%s: %s ends that worker", e->app, e->what);
			tap_ok(drv_running(goodpid, goodticks),
			    "%s: the good app's process is untouched", e->app);
		}
		if (strcmp(e->app, "evil-cross") == 0) {
			unsigned long long a = 0, s = 0;

			if (drv_rec_num(rec, "spawned ", 0, "pid", &v) == 0 &&
			    procfs_read_stat((pid_t)v, &st) == 0) {
				crosspid = (pid_t)v;
				crossticks = st.starttime;
			}
			drv_rec_num(rec, "done ", 0, "answers", &a);
			drv_rec_num(rec, "done ", 0, "esrch", &s);
			if (!tap_ok(a == 6 && s == 6,
			        "%s: 2 child signals and 4 child jobs naming "
			        "the good app's pid or the master's all get "
			        "ESRCH",
			        e->app))
				tap_diag_text("record", rec);
			tap_ok(drv_marks(e->app) == 0,
			    "%s: no child command ran", e->app);
			tap_ok(drv_worker_pids(e->app, gw, 4) == 1 &&
			        drv_log_count("evil-cross: worker ") == 1,
			    "%s: refusals of a legal request keep the worker",
			    e->app);
		}
		if (strcmp(e->app, "evil-witness") == 0) {
			unsigned long long lat = ULLONG_MAX, lost = 1,
			                   flood = 0;
			char *frec = drv_rec("evil-flood");

			drv_rec_num(rec, "done ", 0, "maxlat", &lat);
			drv_rec_num(rec, "done ", 0, "lost", &lost);
			drv_rec_num(frec, "done ", 0, "sent", &flood);
			if (!tap_ok(lost == 0 && lat < 2000 && flood > 1000,
			        "%s: a flood of %llu probes from another "
			        "worker does not starve it (slowest answer "
			        "%llu ms)",
			        e->app, flood, lat)) {
				tap_diag_text("record", rec);
				tap_diag_text("flood record", frec);
			}
			free(frec);
		}
		if (strcmp(e->app, "evil-burst") == 0) {
			unsigned long long req = 0, ans = 0, sp = 0, ea = 0,
			                   oth = 1, ms = 0, cap, marks = 0;
			uint64_t mend = hostile_now_ms() + 10000;

			drv_rec_num(rec, "done ", 0, "req", &req);
			drv_rec_num(rec, "done ", 0, "answered", &ans);
			drv_rec_num(rec, "done ", 0, "spawned", &sp);
			drv_rec_num(rec, "done ", 0, "eagain", &ea);
			drv_rec_num(rec, "done ", 0, "other", &oth);
			drv_rec_num(rec, "done ", 0, "ms", &ms);
			/* Bucket of 2 * nprocs + 32, refilled at nprocs + 32/s. */
			cap = 2 * HOSTILE_BURST_PROCS + 32 +
			    (ms * (HOSTILE_BURST_PROCS + 32) + 999) / 1000;
			if (!tap_ok(req > 0 && ans == req && oth == 0,
			        "%s: each of %llu requests is answered "
			        "(MSG_SPAWNED or MSG_SPAWN_FAILED)",
			        e->app, req))
				tap_diag_text("record", rec);
			if (!tap_ok(ea > 0 && sp <= cap && sp > 0,
			        "%s: past the bucket the master answers "
			        "EAGAIN (%llu spawned <= %llu, %llu EAGAIN)",
			        e->app, sp, cap, ea))
				tap_diag_text("record", rec);
			tap_ok(drv_log_count(
			           "evil-burst:p0: too many spawn requests") +
			            drv_log_count("evil-burst:p1: too many") +
			            drv_log_count("evil-burst:p2: too many") +
			            drv_log_count("evil-burst:p3: too many") ==
			        (int)ea,
			    "%s: each EAGAIN is logged", e->app);
			while (hostile_now_ms() < mend &&
			    (marks = (unsigned long long)drv_marks(e->app)) <
			        sp)
				hostile_nap();
			tap_ok(marks == sp,
			    "%s: exactly the %llu spawned jobs ran (%llu)",
			    e->app, sp, marks);
			tap_ok(drv_worker_pids(e->app, gw, 4) == 1 &&
			        drv_log_count("evil-burst: worker ") == 1,
			    "%s: the rate limit does not end the worker",
			    e->app);
		}
		free(rec);
	}

	/* The bystanders. */
	drv_log_load();
	n = drv_worker_pids("good", gw, 4);
	tap_ok(n == 1 && kill((pid_t)gw[0], 0) == 0 &&
	        drv_log_count("good: worker ") == 1,
	    "the good app keeps its one worker (pid %ld)", n ? gw[0] : 0L);
	tap_ok(drv_running(goodpid, goodticks) &&
	        drv_pidfile(
	            (snprintf(path, sizeof(path), "%s/pids/good/p.pid", rundir),
	                path)) == goodpid,
	    "the good app keeps its process (pid %ld)", (long)goodpid);
	{
		int expected = 0;

		for (i = 0; i < NEVILS; i++) {
			if (evils[i].end == EE_DROP)
				expected += evils[i].rounds;
			/* A fixed master also ends the TODO scenarios. */
			if (evils[i].end == EE_TODO &&
			    drv_worker_pids(evils[i].app, gw, 4) > 1)
				expected++;
		}
		n = drv_log_count("ending it");
		tap_ok(n == expected,
		    "the master ended exactly the %d hostile workers (%d)",
		    expected, n);
	}
	tap_ok(waitpid(master, &status, WNOHANG) == 0 && kill(master, 0) == 0,
	    "the master is still running");
	{
		char *t;
		const char *h;

		snprintf(path, sizeof(path), "/proc/%ld/status", (long)master);
		if ((t = hostile_slurp(path)) != NULL &&
		    (h = strstr(t, "VmHWM:")) != NULL)
			printf("# master %.*s\n", (int)strcspn(h, "\n"), h);
		free(t);
	}
	status = drv_master_stop();
	tap_ok(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the master exits 0 on TERM");
	drv_log_load();
	drv_kill_ours(goodpid, goodticks);
	drv_kill_ours(sleeppid, sleepticks);
	drv_kill_ours(crosspid, crossticks);
	if (nfailed > 0)
		tap_diag_text("master log", logtext);
	else
		nftw(tmpdir, drv_rm, 16, FTW_DEPTH | FTW_PHYS);
	printf("1..%d\n", ntests);
	free(logtext);
	return nfailed > 0;
}

/* Picks the role: a marker command, a worker, or the driver. */
int
main(int argc, char *argv[])
{
	int i;

	if (argc == 3 && strcmp(argv[1], "-M") == 0)
		return hostile_mark(argv[2]);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-W") == 0)
			return hostile_worker_args(argc, argv);
	return drv_main();
}
