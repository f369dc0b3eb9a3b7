/*
 * master: the privileged parent.  It owns the configuration, forks every
 * application process (spawn.c), reaps them, and serves a short list of
 * requests from its workers.  A request names a process by index and a job
 * by kind; the master looks the command, identity and pid up in its own
 * tables and never acts on a pid or a string a worker supplies, except a
 * child pid that it verifies to descend from the process's main pid.
 * Anything malformed from a worker ends that worker, never the master.
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bluepill.h"
#include "cgroup.h"
#include "conf.h"
#include "conf_wire.h"
#include "log.h"
#include "master.h"
#include "msg.h"
#include "procfs.h"
#include "spawn.h"

#define WORKER_BACKOFF_MIN_MS 1000
#define WORKER_BACKOFF_MAX_MS 60000
#define SPAWN_BURST_MIN 32
#define QUEUE_HIGH (1u << 20)  /* stop serving a worker's requests above */
#define QUEUE_LOW (256u << 10) /* and serve them again below */
#define QUEUE_STALL_S 3        /* a worker stuck above QUEUE_HIGH ends */

/* The master's record of one process's main pid. */
struct mproc {
	pid_t pid;
	uint64_t start_ticks;
	int pidfd; /* adopted, not our child: watched through a pidfd */
	struct event *ev_pidfd;
	uint64_t launch_ticks; /* start time of the last start job */
	pid_t sid;      /* session of the main pid: its orphans share it */
	pid_t prev_sid; /* session of the one before (orphans of a restart) */
	struct mapp *ma;
	uint32_t idx;
};

/* A child the master forked for a worker's request. */
struct job {
	struct job *next;
	struct mapp *ma;
	pid_t pid;
	uint32_t proc;
	uint32_t kind;
	uint32_t gen;
	int32_t arg;
	int errfd; /* exec report pipe, -1 once read */
	struct event *ev_err;
	int reported; /* MSG_SPAWNED or MSG_SPAWN_FAILED sent */
	int failed;
	uint64_t start_ticks;
};

enum worker_phase {
	W_NONE = 0, /* no worker running */
	W_CONF,     /* config sent, waiting for MSG_HELLO */
	W_RUN,      /* serving requests */
};

/* One application: its config, its worker and its processes. */
struct mapp {
	struct mapp *next;
	struct app *app;
	pid_t worker;
	int chan;
	struct event *ev_chan;
	struct event *ev_chan_w;
	struct msg_queue q;
	int ctl_fd;
	int log_fd;
	int cg_fd; /* cgroup.procs of its max_processes cgroup, or -1 */
	enum worker_phase phase;
	int quit;    /* the worker quit on purpose: no restart */
	int retired; /* removed by reload: freed once its worker is gone */
	int stale;   /* during a reload: no drop-in has named it yet */
	uint32_t backoff_ms;
	struct event *ev_restart;
	struct event *ev_retire; /* ends a retired worker after its reply */
	struct event *ev_stall;  /* ends a worker that stopped reading */
	int stalled;             /* its requests are not read meanwhile */
	time_t started;
	struct mproc *mp;
	double tokens;
	uint64_t tokens_ms;
};

extern char **environ;

static struct event_base *base;
static struct mapp *apps;
static struct job *jobs;
static int privileged;
static int foreground;
static struct mapp *reload_requester; /* whose worker asked for a reload */
static int selfexe = -1;              /* our binary, to re-execute workers */
static int verbose;
static int shutting_down;
static char rundir[BP_RUNDIR_MAX];
static char confdir[BP_PATH_MAX];

static void master_worker_start(struct mapp *);
static void master_worker_drop(struct mapp *, const char *);
static void master_chan_read(evutil_socket_t, short, void *);
static void master_log_errors(const char *, const char *);
static void master_retire_later(evutil_socket_t, short, void *);
static void master_stall_expired(evutil_socket_t, short, void *);

/* Returns CLOCK_MONOTONIC in milliseconds. */
static uint64_t
master_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Returns "app:group:proc" for log lines. */
static const char *
master_tag(const struct mapp *ma, uint32_t idx)
{
	static char buf[3 * BP_NAME_MAX + 4];
	const struct proc_conf *pc;

	if (idx >= ma->app->conf.nprocs) {
		snprintf(buf, sizeof(buf), "%s", ma->app->conf.name);
		return buf;
	}
	pc = &ma->app->procs[idx];
	if (pc->group[0] != '\0')
		snprintf(buf, sizeof(buf), "%s:%s:%s", ma->app->conf.name,
		    pc->group, pc->name);
	else
		snprintf(buf, sizeof(buf), "%s:%s", ma->app->conf.name,
		    pc->name);
	return buf;
}

/* Queues a message for the worker; a dead or stuck channel drops it. */
static void
master_send(struct mapp *ma, uint16_t type, const void *p, size_t len)
{
	if (ma->chan < 0)
		return;
	if (msg_queue_send(&ma->q, ma->chan, type, p, len) == -1) {
		master_worker_drop(ma, "channel failed");
		return;
	}
	if (ma->q.head != NULL)
		event_add(ma->ev_chan_w, NULL);
	/*
	 * Back-pressure: a worker that does not read its answers fast
	 * enough gets no new requests served until they drain; one that
	 * stays stuck for QUEUE_STALL_S is ended.
	 */
	if (ma->q.bytes > QUEUE_HIGH && !ma->stalled && ma->ev_chan != NULL) {
		struct timeval tv = { QUEUE_STALL_S, 0 };

		ma->stalled = 1;
		event_del(ma->ev_chan);
		if (ma->ev_stall == NULL)
			ma->ev_stall = evtimer_new(base, master_stall_expired,
			    ma);
		evtimer_add(ma->ev_stall, &tv);
	}
}

/* A worker stayed behind on its answers for too long. */
static void
master_stall_expired(evutil_socket_t fd, short ev, void *arg)
{
	struct mapp *ma = arg;

	if (ma->stalled)
		master_worker_drop(ma, "channel failed");
}

/* Drains the outgoing queue when the channel has room again. */
static void
master_chan_write(evutil_socket_t fd, short ev, void *arg)
{
	struct mapp *ma = arg;
	int r = msg_queue_flush(&ma->q, ma->chan);

	if (r == -1) {
		master_worker_drop(ma, "channel failed");
		return;
	}
	if (r == 1)
		event_add(ma->ev_chan_w, NULL);
	if (ma->stalled && ma->q.bytes < QUEUE_LOW) {
		ma->stalled = 0;
		evtimer_del(ma->ev_stall);
		event_add(ma->ev_chan, NULL);
	}
}

/* Builds the path of a process's adoption record. */
static void
master_record_path(const struct mapp *ma, uint32_t idx, char *buf, size_t len)
{
	const struct proc_conf *pc = &ma->app->procs[idx];

	snprintf(buf, len, "%s/state/%s/%s:%s", rundir, ma->app->conf.name,
	    pc->group, pc->name);
}

/*
 * Writes "pid start_ticks uid" for a main pid, so a later master can tell
 * the process it started from a recycled pid.  The record lives in the
 * root-owned run directory, never in a directory the app can write.
 */
static void
master_record_save(const struct mapp *ma, uint32_t idx)
{
	const struct mproc *m = &ma->mp[idx];
	char path[BP_PATH_MAX], tmp[BP_PATH_MAX + 8], line[96];
	int fd, n;

	master_record_path(ma, idx, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_warn("%s: %s", master_tag(ma, idx), tmp);
		return;
	}
	/*
	 * "0 LAUNCH_TICKS uid" marks a self-daemonizing start in flight:
	 * a later master looks for its pid in the pid file, started no
	 * earlier than the launch, so a start cut short is not doubled.
	 */
	n = snprintf(line, sizeof(line), "%ld %llu %u\n", (long)m->pid,
	    (unsigned long long)(m->pid ? m->start_ticks : m->launch_ticks),
	    ma->app->procs[idx].uid);
	if (write(fd, line, (size_t)n) != n || close(fd) == -1 ||
	    rename(tmp, path) == -1) {
		log_warn("%s: %s", master_tag(ma, idx), path);
		unlink(tmp);
	}
}

/* Removes a process's adoption record. */
static void
master_record_drop(const struct mapp *ma, uint32_t idx)
{
	char path[BP_PATH_MAX];

	master_record_path(ma, idx, path, sizeof(path));
	unlink(path);
}

/* Stops watching a main pid and forgets it. */
static void
master_mproc_clear(struct mproc *m)
{
	if (m->ev_pidfd != NULL) {
		event_free(m->ev_pidfd);
		m->ev_pidfd = NULL;
	}
	if (m->pidfd >= 0) {
		close(m->pidfd);
		m->pidfd = -1;
	}
	m->pid = 0;
	m->start_ticks = 0;
}

/* Tells the worker its main pid is gone and forgets it. */
static void
master_main_exited(struct mapp *ma, uint32_t idx, int status)
{
	struct mproc *m = &ma->mp[idx];
	struct msg_job mj;

	memset(&mj, 0, sizeof(mj));
	mj.proc = idx;
	mj.kind = JOB_START;
	mj.pid = m->pid;
	mj.status = status;
	log_debug("%s: pid %ld exited", master_tag(ma, idx), (long)m->pid);
	master_mproc_clear(m);
	master_record_drop(ma, idx);
	master_send(ma, MSG_EXITED, &mj, sizeof(mj));
}

/* A pidfd of an adopted process became readable: the process ended. */
static void
master_pidfd_ready(evutil_socket_t fd, short ev, void *arg)
{
	struct mproc *m = arg;

	master_main_exited(m->ma, m->idx, -1);
}

/* Makes pid the main pid of a process; adopted ones get a pidfd. */
static void
master_mproc_set(struct mapp *ma, uint32_t idx, pid_t pid, uint64_t ticks,
    int is_child)
{
	struct mproc *m = &ma->mp[idx];

	master_mproc_clear(m);
	m->pid = pid;
	m->start_ticks = ticks;
	{
		struct procfs_stat st;

		if (procfs_read_stat(pid, &st) == 0) {
			m->prev_sid = m->sid;
			m->sid = st.session;
		}
	}
	if (!is_child) {
		m->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
		if (m->pidfd >= 0) {
			m->ev_pidfd = event_new(base, m->pidfd, EV_READ,
			    master_pidfd_ready, m);
			event_add(m->ev_pidfd, NULL);
		} else
			log_warn("%s: pidfd_open %ld", master_tag(ma, idx),
			    (long)pid);
	}
	master_record_save(ma, idx);
}

/*
 * Checks that pid is the process bluepill started for idx: alive, not a
 * zombie, owned by the process's uid, and started no earlier than the
 * start job that launched it (or exactly at the recorded time).
 */
static int
master_verify_pid(const struct mapp *ma, uint32_t idx, pid_t pid,
    uint64_t not_before, uint64_t exact, uint64_t *ticks)
{
	struct procfs_stat st;
	struct procfs_ids ids;

	if (pid <= 1 || procfs_read_stat(pid, &st) == -1)
		return 0;
	if (st.state == 'Z' || st.state == 'X')
		return 0;
	if (exact != 0 && st.starttime != exact)
		return 0;
	if (exact == 0 && (not_before == 0 || st.starttime < not_before))
		return 0;
	if (procfs_read_ids(pid, &ids) == -1 ||
	    ids.ruid != ma->app->procs[idx].uid)
		return 0;
	*ticks = st.starttime;
	return 1;
}

/* Reads a pid file without following a symlink; 0 when unusable. */
static pid_t
master_read_pidfile(const char *path)
{
	char buf[32];
	ssize_t n;
	long v;
	char *end;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) ==
	    -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 1 || v > INT_MAX ||
	    (*end != '\0' && *end != '\n'))
		return 0;
	return (pid_t)v;
}

/*
 * Looks for a self-daemonizing program's pid in its pid file: verified,
 * started no earlier than its launch.  A restart_command (unicorn's USR2)
 * may name a successor there, which then replaces the old main pid.
 */
static void
master_probe_pidfile(struct mapp *ma, uint32_t idx)
{
	struct mproc *m = &ma->mp[idx];
	const struct proc_conf *pc = &ma->app->procs[idx];
	uint64_t ticks;
	pid_t pid;

	if (pc->daemonize)
		return;
	pid = master_read_pidfile(strtab_get(&ma->app->wstr, pc->pid_file));
	if (pid > 0 && pid != m->pid &&
	    master_verify_pid(ma, idx, pid, m->launch_ticks, 0, &ticks))
		/* A daemon reparented to us (subreaper) is our child. */
		master_mproc_set(ma, idx, pid, ticks,
		    procfs_is_descendant(pid, getpid()));
}

/* Tells the worker a process's main pid (0 = none). */
static void
master_send_found(struct mapp *ma, uint32_t idx)
{
	struct msg_proc mp;

	memset(&mp, 0, sizeof(mp));
	mp.proc = idx;
	mp.pid = ma->mp[idx].pid;
	mp.start_ticks = ma->mp[idx].start_ticks;
	master_send(ma, MSG_PROC_FOUND, &mp, sizeof(mp));
}

/* Answers MSG_PROBE: the main pid, from our table or the pid file. */
static void
master_probe(struct mapp *ma, uint32_t idx)
{
	master_probe_pidfile(ma, idx);
	master_send_found(ma, idx);
}

/*
 * Adopts what a previous master's record names: exactly the process it
 * started (pid, start time, uid), or, for a self-daemonizing start that
 * was in flight, the pid its pid file names if started after the launch.
 * A record that names nothing alive is removed.
 */
static void
master_adopt_record(struct mapp *ma, uint32_t idx)
{
	struct mproc *m = &ma->mp[idx];
	char path[BP_PATH_MAX], buf[96];
	unsigned long long ticks = 0;
	long pid = 0;
	unsigned uid = 0;
	uint64_t t;
	ssize_t n;
	int fd;

	master_record_path(ma, idx, path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "%ld %llu %u", &pid, &ticks, &uid) != 3 ||
	    uid != ma->app->procs[idx].uid || pid < 0 || pid > INT_MAX) {
		unlink(path);
		return;
	}
	if (pid == 0) {
		m->launch_ticks = ticks;
		master_probe_pidfile(ma, idx);
	} else if (pid > 1 &&
	    master_verify_pid(ma, idx, (pid_t)pid, 0, ticks, &t))
		master_mproc_set(ma, idx, (pid_t)pid, t, 0);
	if (m->pid != 0)
		log_info("%s: adopting pid %ld", master_tag(ma, idx),
		    (long)m->pid);
	else
		unlink(path);
}

/*
 * Finds the live processes of an app for its (new) worker: our own table
 * when a worker was replaced, else the records a previous master left.
 */
static void
master_adopt(struct mapp *ma)
{
	uint32_t i;

	for (i = 0; i < ma->app->conf.nprocs; i++) {
		struct mproc *m = &ma->mp[i];

		if (m->pid != 0 && !procfs_pid_alive(m->pid, m->start_ticks))
			master_mproc_clear(m);
		if (m->pid == 0)
			master_adopt_record(ma, i);
		master_send_found(ma, i);
	}
}

/* Returns the running job of a process and kind (and arg), or NULL. */
static struct job *
master_job_find(const struct mapp *ma, uint32_t proc, uint32_t kind,
    int32_t arg)
{
	struct job *j;

	for (j = jobs; j != NULL; j = j->next)
		if (j->ma == ma && j->proc == proc && j->kind == kind &&
		    j->arg == arg)
			return j;
	return NULL;
}

/* Unlinks and frees a job. */
static void
master_job_free(struct job *j)
{
	struct job **jp;

	for (jp = &jobs; *jp != NULL; jp = &(*jp)->next)
		if (*jp == j) {
			*jp = j->next;
			break;
		}
	if (j->ev_err != NULL)
		event_free(j->ev_err);
	if (j->errfd >= 0)
		close(j->errfd);
	free(j);
}

/* Names the ritual step an exec report points at. */
static const char *
master_step_name(int step)
{
	static const char *const names[] = { "?", "signals", "setsid",
		"setgroups", "setgid", "setuid", "chdir", "pid file", "stdio",
		"exec", "max_processes" };

	if (step < 0 || (size_t)step >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[step];
}

/*
 * Reads the exec report of a job: EOF means exec happened; two ints mean
 * a step failed.  Sends MSG_SPAWNED or MSG_SPAWN_FAILED exactly once.
 */
static void
master_job_report(struct job *j)
{
	struct mapp *ma = j->ma;
	struct msg_job mj;
	int rep[2];
	ssize_t n;

	if (j->reported)
		return;
	n = read(j->errfd, rep, sizeof(rep));
	if (n < 0 && errno == EAGAIN)
		return;
	j->reported = 1;
	event_del(j->ev_err);
	memset(&mj, 0, sizeof(mj));
	mj.proc = j->proc;
	mj.kind = j->kind;
	mj.gen = j->gen;
	mj.arg = j->arg;
	mj.pid = j->pid;
	if (n == (ssize_t)sizeof(rep)) {
		j->failed = 1;
		mj.err = rep[0];
		log_warnx("%s: cannot run command (%s: %s)",
		    master_tag(ma, j->proc), master_step_name(rep[1]),
		    strerror(rep[0]));
		master_send(ma, MSG_SPAWN_FAILED, &mj, sizeof(mj));
		return;
	}
	if (j->kind == JOB_START && ma->app->procs[j->proc].daemonize)
		master_mproc_set(ma, j->proc, j->pid, j->start_ticks, 1);
	{
		struct procfs_stat st;

		if (procfs_read_stat(j->pid, &st) == 0)
			mj.start_ticks = st.starttime;
	}
	master_send(ma, MSG_SPAWNED, &mj, sizeof(mj));
}

/* The exec report pipe of a job became readable. */
static void
master_job_pipe(evutil_socket_t fd, short ev, void *arg)
{
	master_job_report(arg);
}

/* Refills and takes a spawn token; a worker may not fork-bomb via us. */
static int
master_take_token(struct mapp *ma)
{
	double cap = ma->app->conf.nprocs * 2.0 + SPAWN_BURST_MIN;
	double rate = ma->app->conf.nprocs + (double)SPAWN_BURST_MIN;
	uint64_t now = master_now_ms();

	ma->tokens += (double)(now - ma->tokens_ms) / 1000.0 * rate;
	if (ma->tokens > cap)
		ma->tokens = cap;
	ma->tokens_ms = now;
	if (ma->tokens < 1.0)
		return 0;
	ma->tokens -= 1.0;
	return 1;
}

/* Refuses a job request without ending the worker (a state race). */
static void
master_spawn_refuse(struct mapp *ma, const struct msg_job *req, int err)
{
	struct msg_job mj = *req;

	mj.pid = 0;
	mj.err = err;
	master_send(ma, MSG_SPAWN_FAILED, &mj, sizeof(mj));
}

/* Serves MSG_SPAWN after the caller checked ranges. */
static void
master_spawn(struct mapp *ma, const struct msg_job *req)
{
	struct mproc *m = &ma->mp[req->proc];
	struct procfs_stat st;
	struct job *j;
	pid_t target = m->pid, pid;
	int errfd;

	if (master_job_find(ma, req->proc, req->kind, req->arg) != NULL) {
		master_spawn_refuse(ma, req, EALREADY);
		return;
	}
	/* A daemon from a start cut short may be running already. */
	if (req->kind == JOB_START && m->pid == 0)
		master_probe_pidfile(ma, req->proc);
	if (req->kind == JOB_START && m->pid != 0) {
		master_spawn_refuse(ma, req, EEXIST);
		return;
	}
	if ((req->kind == JOB_CHILD_STOP || req->kind == JOB_CHILD_RESTART)) {
		if (m->pid == 0 || req->arg <= 1 ||
		    !procfs_is_descendant(req->arg, m->pid)) {
			master_spawn_refuse(ma, req, ESRCH);
			return;
		}
		target = req->arg;
	}
	if ((req->kind == JOB_STOP || req->kind == JOB_RESTART) &&
	    m->pid == 0) {
		master_spawn_refuse(ma, req, ESRCH);
		return;
	}
	if (!master_take_token(ma)) {
		log_warnx("%s: too many spawn requests, refused",
		    master_tag(ma, req->proc));
		master_spawn_refuse(ma, req, EAGAIN);
		return;
	}
	pid = spawn_job(ma->app, req->proc, req->kind, req->arg, target,
	    privileged, ma->cg_fd, &errfd);
	if (pid == -1) {
		log_warn("%s: fork", master_tag(ma, req->proc));
		master_spawn_refuse(ma, req, errno);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		fatal("calloc");
	j->ma = ma;
	j->pid = pid;
	j->proc = req->proc;
	j->kind = req->kind;
	j->gen = req->gen;
	j->arg = req->arg;
	j->errfd = errfd;
	if (procfs_read_stat(pid, &st) == 0)
		j->start_ticks = st.starttime;
	if (req->kind == JOB_START) {
		m->launch_ticks = j->start_ticks;
		if (!ma->app->procs[req->proc].daemonize)
			master_record_save(ma, req->proc);
	}
	fcntl(errfd, F_SETFL, O_NONBLOCK);
	j->ev_err = event_new(base, errfd, EV_READ | EV_PERSIST,
	    master_job_pipe, j);
	event_add(j->ev_err, NULL);
	j->next = jobs;
	jobs = j;
	log_debug("%s: job %u pid %ld", master_tag(ma, req->proc), req->kind,
	    (long)pid);
}

/* Tells whether a worker may ask for signo on process idx. */
static int
master_signal_allowed(const struct mapp *ma, uint32_t idx, int signo)
{
	const struct proc_conf *pc = &ma->app->procs[idx];
	int i;

	if (signo == SIGTERM || signo == SIGKILL)
		return 1;
	for (i = 0; i < pc->nsigsteps && i < BP_MAX_SIGSTEPS; i++)
		if (pc->sigsteps[i].signo == signo)
			return 1;
	return 0;
}

/*
 * Tells whether a worker may have a child of its process signalled: the
 * pid runs as the process's uid and descends from the live main pid, or
 * is an orphan in the session of this process's current or previous main
 * pid that descends from us (the kernel gave it or an ancestor to us as
 * subreaper), so a whole orphaned tree can go in one round.
 */
static int
master_child_ok(const struct mapp *ma, uint32_t idx, pid_t child)
{
	const struct mproc *m = &ma->mp[idx];
	struct procfs_stat st;
	uint32_t uid;

	if (child <= 1 || procfs_read_uid(child, &uid) == -1 ||
	    uid != ma->app->procs[idx].uid ||
	    procfs_read_stat(child, &st) == -1)
		return 0;
	if (m->pid != 0 && procfs_is_descendant(child, m->pid))
		return 1;
	return st.session > 1 &&
	    (st.session == m->sid || st.session == m->prev_sid) &&
	    (st.ppid == getpid() || procfs_is_descendant(child, getpid()));
}

/* Serves MSG_SIGNAL after the caller checked ranges and the signal. */
static void
master_signal(struct mapp *ma, const struct msg_signal *req)
{
	struct mproc *m = &ma->mp[req->proc];
	struct msg_signal r = *req;
	pid_t pid = m->pid;
	int rc;

	if (req->child != 0)
		pid = master_child_ok(ma, req->proc, req->child) ? req->child :
		                                                   0;
	if (pid == 0)
		rc = ESRCH;
	else if (req->child == 0 && m->pidfd >= 0)
		rc = syscall(SYS_pidfd_send_signal, m->pidfd, req->signo, NULL,
		         0) == 0 ?
		    0 :
		    errno;
	else
		rc = kill(pid, req->signo) == 0 ? 0 : errno;
	r.result = rc;
	log_debug("%s: signal %d to %ld: %s", master_tag(ma, req->proc),
	    req->signo, (long)pid, rc == 0 ? "sent" : strerror(rc));
	master_send(ma, MSG_SIGNALLED, &r, sizeof(r));
}

/* Kills an overrunning job and its process group. */
static void
master_kill_job(struct mapp *ma, const struct msg_job *req)
{
	struct job *j = master_job_find(ma, req->proc, req->kind, req->arg);

	/* A start job that became the main pid is stopped by signals. */
	if (j == NULL ||
	    (req->kind == JOB_START && ma->mp[req->proc].pid == j->pid))
		return;
	log_info("%s: killing overrunning job pid %ld",
	    master_tag(ma, req->proc), (long)j->pid);
	kill(-j->pid, SIGKILL);
	kill(j->pid, SIGKILL);
}

/* Checks one worker request exactly and serves it; -1 drops the worker. */
static int
master_dispatch(struct mapp *ma, const struct msg_hdr *hdr, const void *buf)
{
	const struct msg_job *mj = buf;
	const struct msg_signal *ms = buf;
	const struct msg_proc *mpr = buf;
	uint32_t n = ma->app->conf.nprocs;

	if (hdr->type < MSG_HELLO || hdr->type >= MSG_W2M_LAST)
		return -1;
	/* A retired worker's processes belong to its successor now. */
	if (ma->retired)
		return 0;
	if (ma->phase == W_CONF) {
		if (hdr->type != MSG_HELLO)
			return -1;
		ma->phase = W_RUN;
		master_adopt(ma);
		return 0;
	}
	switch (hdr->type) {
	case MSG_HELLO:
		return -1; /* only once */
	case MSG_SPAWN:
		if (mj->proc >= n || mj->kind >= JOB_NKINDS || mj->pid != 0 ||
		    mj->status != 0 || mj->err != 0 || mj->start_ticks != 0 ||
		    mj->pad != 0 ||
		    spawn_cmd(ma->app, mj->proc, mj->kind, mj->arg) == NULL)
			return -1;
		if (mj->kind != JOB_CHECK && mj->kind != JOB_CHILD_STOP &&
		    mj->kind != JOB_CHILD_RESTART && mj->arg != 0)
			return -1;
		master_spawn(ma, mj);
		return 0;
	case MSG_KILL_JOB:
		if (mj->proc >= n || mj->kind >= JOB_NKINDS || mj->pid != 0 ||
		    mj->status != 0 || mj->err != 0 || mj->start_ticks != 0 ||
		    mj->pad != 0)
			return -1;
		master_kill_job(ma, mj);
		return 0;
	case MSG_SIGNAL:
		if (ms->proc >= n || ms->result != 0 || ms->child < 0 ||
		    !master_signal_allowed(ma, ms->proc, ms->signo))
			return -1;
		if (ms->child != 0 &&
		    !ma->app->procs[ms->proc].monitor_children)
			return -1;
		master_signal(ma, ms);
		return 0;
	case MSG_PROBE:
		if (mpr->proc >= n || mpr->pid != 0 || mpr->start_ticks != 0)
			return -1;
		master_probe(ma, mpr->proc);
		return 0;
	case MSG_QUIT:
		log_info("%s: worker quits on request", ma->app->conf.name);
		ma->quit = 1;
		return 0;
	case MSG_RELOAD: {
		struct msg_text t;
		struct timeval tv = { 1, 0 };

		memset(&t, 0, sizeof(t));
		reload_requester = ma;
		master_reload(&t.code, t.text, sizeof(t.text));
		reload_requester = NULL;
		master_send(ma, MSG_RELOAD_RESULT, &t, sizeof(t));
		/* Its own app changed or went: end it once it has replied. */
		if (ma->retired) {
			ma->ev_retire = evtimer_new(base, master_retire_later,
			    ma);
			evtimer_add(ma->ev_retire, &tv);
		}
		return 0;
	}
	default:
		return -1;
	}
}

/* Reads every waiting request of a worker's channel. */
static void
master_chan_read(evutil_socket_t fd, short ev, void *arg)
{
	struct mapp *ma = arg;
	struct msg_hdr hdr;
	static unsigned char buf[MSG_MAX_PAYLOAD];
	int pfd;
	ssize_t r;

	for (;;) {
		r = msg_recv(ma->chan, &hdr, buf, &pfd);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r == 0) {
			master_worker_drop(ma, NULL);
			return;
		}
		if (r == -1) {
			master_worker_drop(ma, "malformed message");
			return;
		}
		if (pfd >= 0) {
			close(pfd);
			master_worker_drop(ma, "unexpected descriptor");
			return;
		}
		if (master_dispatch(ma, &hdr, buf) == -1) {
			master_worker_drop(ma, "refused request");
			return;
		}
		if (ma->chan < 0 || ma->stalled)
			return;
	}
}

/* Closes the channel and kills the worker; its reaping restarts it. */
static void
master_worker_drop(struct mapp *ma, const char *why)
{
	if (why != NULL)
		log_warnx("%s: worker %ld: %s, ending it", ma->app->conf.name,
		    (long)ma->worker, why);
	if (ma->worker > 0)
		kill(ma->worker, SIGKILL);
	if (ma->ev_chan != NULL) {
		event_free(ma->ev_chan);
		ma->ev_chan = NULL;
	}
	if (ma->ev_chan_w != NULL) {
		event_free(ma->ev_chan_w);
		ma->ev_chan_w = NULL;
	}
	msg_queue_clear(&ma->q);
	ma->stalled = 0;
	if (ma->ev_stall != NULL)
		evtimer_del(ma->ev_stall);
	if (ma->chan >= 0) {
		close(ma->chan);
		ma->chan = -1;
	}
	ma->phase = W_NONE;
}

/* Sends an app's configuration to its new worker. */
static void
master_send_conf(struct mapp *ma)
{
	const struct app *a = ma->app;
	struct app_conf ac = a->conf;
	uint32_t i, off;

	ac.strtab_len = a->wstr.len;
	master_send(ma, MSG_CONF_APP, &ac, sizeof(ac));
	for (off = 0; off < a->wstr.len; off += MSG_MAX_PAYLOAD) {
		uint32_t n = a->wstr.len - off;

		if (n > MSG_MAX_PAYLOAD)
			n = MSG_MAX_PAYLOAD;
		master_send(ma, MSG_CONF_STRTAB, a->wstr.buf + off, n);
	}
	for (i = 0; i < a->conf.nprocs; i++)
		master_send(ma, MSG_CONF_PROC, &a->procs[i],
		    sizeof(a->procs[i]));
	for (i = 0; i < a->conf.nchecks; i++)
		master_send(ma, MSG_CONF_CHECK, &a->checks[i],
		    sizeof(a->checks[i]));
	master_send(ma, MSG_CONF_END, NULL, 0);
}

/* Creates the app's control socket once; it outlives worker restarts. */
static int
master_ctl_socket(struct mapp *ma)
{
	struct sockaddr_un sun;
	int fd;

	if (ma->ctl_fd >= 0)
		return 0;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock",
	        rundir, ma->app->conf.name) >= sizeof(sun.sun_path)) {
		log_warnx("%s: socket path too long", ma->app->conf.name);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(sun.sun_path, 0666) == -1 || listen(fd, 128) == -1) {
		log_warn("%s: %s", ma->app->conf.name, sun.sun_path);
		close(fd);
		return -1;
	}
	ma->ctl_fd = fd;
	return 0;
}

/* Opens the app's log file as root (appending, no symlinks). */
static int
master_open_log(const struct mapp *ma)
{
	int fd;

	if (ma->app->log_file[0] == '\0')
		return -1;
	fd = open(ma->app->log_file,
	    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd == -1)
		log_warn("%s: %s", ma->app->conf.name, ma->app->log_file);
	return fd;
}

/* Puts fd at target in a child, where target may collide with others. */
static void
master_place_fd(int fd, int target)
{
	if (fd == target) {
		fcntl(fd, F_SETFD, 0);
		return;
	}
	if (dup2(fd, target) == -1)
		_exit(127);
}

/* Forks and re-executes a worker for one app. */
static void
master_worker_start(struct mapp *ma)
{
	char pidsdir[BP_PATH_MAX], statedir[BP_PATH_MAX];
	char title[BP_NAME_MAX + 24], uid[16], gid[16];
	char *argv[16];
	int sp[2], i = 0, logfd, moved[3];
	sigset_t all, old;
	pid_t pid;

	if (shutting_down || ma->retired)
		return;
	snprintf(pidsdir, sizeof(pidsdir), "%s/pids/%s", rundir,
	    ma->app->conf.name);
	snprintf(statedir, sizeof(statedir), "%s/state/%s", rundir,
	    ma->app->conf.name);
	if ((mkdir(pidsdir, 0755) == -1 && errno != EEXIST) ||
	    (mkdir(statedir, 0700) == -1 && errno != EEXIST))
		log_warn("%s: %s", ma->app->conf.name, pidsdir);
	if (master_ctl_socket(ma) == -1)
		return;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return;
	}
	logfd = master_open_log(ma);
	if (logfd >= 0 && ma->log_fd < 0)
		ma->log_fd = dup(logfd);
	snprintf(title, sizeof(title), "bluepilld: worker %s",
	    ma->app->conf.name);
	snprintf(uid, sizeof(uid), "%u", ma->app->conf.worker_uid);
	snprintf(gid, sizeof(gid), "%u", ma->app->conf.worker_gid);
	argv[i++] = title;
	argv[i++] = "-W";
	argv[i++] = ma->app->conf.name;
	argv[i++] = "-u";
	argv[i++] = uid;
	argv[i++] = "-g";
	argv[i++] = gid;
	if (foreground)
		argv[i++] = "-d";
	if (verbose)
		argv[i++] = "-v";
	if (logfd >= 0)
		argv[i++] = "-L";
	argv[i] = NULL;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		(void)spawn_reset_signals();
		/* Lift every fd we pass above the targets before placing. */
		moved[0] = fcntl(sp[1], F_DUPFD, 10);
		moved[1] = fcntl(ma->ctl_fd, F_DUPFD, 10);
		moved[2] = logfd >= 0 ? fcntl(logfd, F_DUPFD, 10) : -1;
		if (moved[0] < 0 || moved[1] < 0)
			_exit(127);
		master_place_fd(moved[0], MSG_CHANNEL_FD);
		master_place_fd(moved[1], MSG_CTL_FD);
		if (moved[2] >= 0)
			master_place_fd(moved[2], MSG_CTL_FD + 1);
		/*
		 * Our own binary through the fd opened at startup: under
		 * valgrind /proc/self/exe would name the tool, and after an
		 * upgrade the fd still is the binary this master runs.
		 */
		if (selfexe >= 0)
			syscall(SYS_execveat, selfexe, "", argv, environ,
			    AT_EMPTY_PATH);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(sp[1]);
	if (logfd >= 0)
		close(logfd);
	if (pid == -1) {
		log_warn("fork");
		close(sp[0]);
		return;
	}
	ma->worker = pid;
	ma->chan = sp[0];
	ma->started = time(NULL);
	ma->phase = W_CONF;
	fcntl(ma->chan, F_SETFL, O_NONBLOCK);
	msg_queue_init(&ma->q);
	ma->ev_chan = event_new(base, ma->chan, EV_READ | EV_PERSIST,
	    master_chan_read, ma);
	ma->ev_chan_w = event_new(base, ma->chan, EV_WRITE, master_chan_write,
	    ma);
	event_add(ma->ev_chan, NULL);
	log_info("%s: worker %ld started", ma->app->conf.name, (long)pid);
	master_send_conf(ma);
}

/* The back-off timer of a crashed worker expired. */
static void
master_worker_restart(evutil_socket_t fd, short ev, void *arg)
{
	master_worker_start(arg);
}

/* Releases an app whose worker is gone and which reload removed. */
static void
master_app_free(struct mapp *ma)
{
	struct mapp **pp;
	struct job *j, *jn;
	uint32_t i;

	for (pp = &apps; *pp != NULL; pp = &(*pp)->next)
		if (*pp == ma) {
			*pp = ma->next;
			break;
		}
	for (j = jobs; j != NULL; j = jn) {
		jn = j->next;
		if (j->ma == ma)
			master_job_free(j);
	}
	for (i = 0; i < ma->app->conf.nprocs; i++)
		master_mproc_clear(&ma->mp[i]);
	if (ma->ev_restart != NULL)
		event_free(ma->ev_restart);
	if (ma->ev_retire != NULL)
		event_free(ma->ev_retire);
	if (ma->ev_stall != NULL)
		event_free(ma->ev_stall);
	if (ma->ctl_fd >= 0)
		close(ma->ctl_fd);
	if (ma->log_fd >= 0)
		close(ma->log_fd);
	if (ma->cg_fd >= 0)
		close(ma->cg_fd);
	free(ma->mp);
	conf_app_free(ma->app);
	free(ma->app);
	free(ma);
}

/* A worker ended: restart it with back-off, unless it quit or is retired. */
static void
master_worker_exited(struct mapp *ma, int status)
{
	struct timeval tv;
	time_t ran = time(NULL) - ma->started;

	if (ma->retired)
		log_info("%s: previous worker %ld ended", ma->app->conf.name,
		    (long)ma->worker);
	else if (WIFSIGNALED(status))
		log_warnx("%s: worker %ld killed by signal %d",
		    ma->app->conf.name, (long)ma->worker, WTERMSIG(status));
	else if (!ma->quit)
		log_warnx("%s: worker %ld exited with status %d",
		    ma->app->conf.name, (long)ma->worker, WEXITSTATUS(status));
	ma->worker = 0;
	master_worker_drop(ma, NULL);
	if (ma->retired) {
		master_app_free(ma);
		return;
	}
	if (ma->quit && ma->ctl_fd >= 0) {
		/* bluepillctl now says "not running" until a reload. */
		char path[BP_PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s.sock", rundir,
		    ma->app->conf.name);
		unlink(path);
		close(ma->ctl_fd);
		ma->ctl_fd = -1;
	}
	if (ma->quit || shutting_down)
		return;
	if (ran > WORKER_BACKOFF_MAX_MS / 1000 || ma->backoff_ms == 0)
		ma->backoff_ms = WORKER_BACKOFF_MIN_MS;
	else if (ma->backoff_ms < WORKER_BACKOFF_MAX_MS)
		ma->backoff_ms *= 2;
	if (ma->backoff_ms > WORKER_BACKOFF_MAX_MS)
		ma->backoff_ms = WORKER_BACKOFF_MAX_MS;
	log_info("%s: restarting worker in %u ms", ma->app->conf.name,
	    ma->backoff_ms);
	tv.tv_sec = ma->backoff_ms / 1000;
	tv.tv_usec = (ma->backoff_ms % 1000) * 1000;
	if (ma->ev_restart == NULL)
		ma->ev_restart = evtimer_new(base, master_worker_restart, ma);
	evtimer_add(ma->ev_restart, &tv);
}

/* Routes one reaped child: a worker, a job, or an adopted main pid. */
static void
master_reaped(pid_t pid, int status)
{
	struct mapp *ma;
	struct job *j;
	uint32_t i;

	for (ma = apps; ma != NULL; ma = ma->next)
		if (ma->worker == pid) {
			master_worker_exited(ma, status);
			return;
		}
	for (j = jobs; j != NULL; j = j->next)
		if (j->pid == pid)
			break;
	if (j != NULL) {
		struct msg_job mj;

		ma = j->ma;
		master_job_report(j);
		if (j->failed) {
			master_job_free(j);
			return;
		}
		if (j->kind == JOB_START && ma->mp[j->proc].pid == pid) {
			master_main_exited(ma, j->proc, status);
			master_job_free(j);
			return;
		}
		memset(&mj, 0, sizeof(mj));
		mj.proc = j->proc;
		mj.kind = j->kind;
		mj.gen = j->gen;
		mj.arg = j->arg;
		mj.pid = pid;
		mj.status = status;
		master_send(ma, MSG_EXITED, &mj, sizeof(mj));
		master_job_free(j);
		return;
	}
	for (ma = apps; ma != NULL; ma = ma->next)
		for (i = 0; i < ma->app->conf.nprocs; i++)
			if (ma->mp[i].pid == pid) {
				master_main_exited(ma, i, status);
				return;
			}
	log_debug("reaped unknown pid %ld", (long)pid);
}

/* Reaps every child that has ended. */
static void
master_sigchld(evutil_socket_t sig, short ev, void *arg)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		master_reaped(pid, status);
}

/* TERM or INT: leave, and leave every managed process running. */
static void
master_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	struct mapp *ma;

	log_info("received signal %d, exiting; managed processes keep "
	         "running",
	    (int)sig);
	shutting_down = 1;
	for (ma = apps; ma != NULL; ma = ma->next) {
		char path[BP_PATH_MAX];

		if (ma->worker > 0)
			kill(ma->worker, SIGTERM);
		snprintf(path, sizeof(path), "%s/%s.sock", rundir,
		    ma->app->conf.name);
		unlink(path);
	}
	event_base_loopbreak(base);
}

/* HUP: reload the drop-ins. */
static void
master_sighup(evutil_socket_t sig, short ev, void *arg)
{
	char text[1024];
	int code;

	master_reload(&code, text, sizeof(text));
}

/* USR1: reopen every app's log file and hand the new fd to its worker. */
static void
master_sigusr1(evutil_socket_t sig, short ev, void *arg)
{
	struct mapp *ma;

	log_info("reopening log files");
	for (ma = apps; ma != NULL; ma = ma->next) {
		int fd = master_open_log(ma);

		if (fd < 0)
			continue;
		if (ma->chan >= 0 &&
		    msg_send(ma->chan, MSG_LOG_FD, NULL, 0, fd) == -1)
			log_warn("%s: sending log fd", ma->app->conf.name);
		close(fd);
	}
}

/*
 * Sets up an app's max_processes: its cgroup's cgroup.procs, or -1 when
 * it sets none or no cgroup can hold it (spawn then uses RLIMIT_NPROC).
 * An app without it gets the limit of a cgroup left by an earlier
 * setting lifted, since its adopted processes still run in that cgroup.
 */
static int
master_app_contain(const struct app *app)
{
	/* 0 = not looked, 1 = ready, -1 = unusable, -2 = none made yet */
	static int cg_state;
	char dir[BP_PATH_MAX];
	int fd;

	if (privileged && (cg_state == 0 || cg_state == -2)) {
		if (app->max_processes > 0 ||
		    (cg_state == 0 && cgroup_exists(rundir)))
			cg_state = cgroup_init(rundir) == 0 ? 1 : -1;
		else
			cg_state = -2;
	}
	if (app->max_processes == 0) {
		if (cg_state == 1)
			cgroup_app_unlimit(app->conf.name);
		return -1;
	}
	if (cg_state == 1 &&
	    (fd = cgroup_app_open(app->conf.name, app->max_processes)) >= 0) {
		cgroup_app_path(app->conf.name, dir, sizeof(dir));
		log_info("%s: at most %u processes (cgroup %s)", app->conf.name,
		    app->max_processes, dir);
		return fd;
	}
	log_warnx("%s: at most %u processes per uid (RLIMIT_NPROC: no pids "
	          "cgroup%s; it counts every process of each uid the app runs "
	          "as and does not bind root)",
	    app->conf.name, app->max_processes,
	    privileged ? "" : " when not run as root");
	return -1;
}

/* Adds a loaded app to the table (and starts its worker). */
static struct mapp *
master_app_add(struct app *app)
{
	struct mapp *ma, **pp;
	uint32_t i;

	if ((ma = calloc(1, sizeof(*ma))) == NULL ||
	    (ma->mp = calloc(app->conf.nprocs ? app->conf.nprocs : 1,
	         sizeof(*ma->mp))) == NULL)
		fatal("calloc");
	ma->app = app;
	ma->chan = -1;
	ma->ctl_fd = -1;
	ma->log_fd = -1;
	ma->cg_fd = master_app_contain(app);
	ma->tokens = app->conf.nprocs * 2.0 + SPAWN_BURST_MIN;
	ma->tokens_ms = master_now_ms();
	msg_queue_init(&ma->q);
	for (i = 0; i < app->conf.nprocs; i++) {
		ma->mp[i].pidfd = -1;
		ma->mp[i].ma = ma;
		ma->mp[i].idx = i;
	}
	for (pp = &apps; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = ma;
	return ma;
}

/*
 * Moves the main pids an old version of an app knew to the new version,
 * matched by group and name, so a changed app's new worker adopts them.
 */
static void
master_app_carry(struct mapp *from, struct mapp *to)
{
	uint32_t i, k;

	for (i = 0; i < from->app->conf.nprocs; i++) {
		struct mproc *m = &from->mp[i];

		if (m->pid == 0)
			continue;
		for (k = 0; k < to->app->conf.nprocs; k++) {
			const struct proc_conf *a = &from->app->procs[i];
			const struct proc_conf *b = &to->app->procs[k];

			if (strcmp(a->name, b->name) == 0 &&
			    strcmp(a->group, b->group) == 0 &&
			    a->uid == b->uid && to->mp[k].pid == 0) {
				to->mp[k].pid = m->pid;
				to->mp[k].start_ticks = m->start_ticks;
				to->mp[k].launch_ticks = m->launch_ticks;
				if (m->pidfd >= 0) {
					to->mp[k].pidfd = m->pidfd;
					m->pidfd = -1;
					to->mp[k].ev_pidfd = event_new(base,
					    to->mp[k].pidfd, EV_READ,
					    master_pidfd_ready, &to->mp[k]);
					event_add(to->mp[k].ev_pidfd, NULL);
				}
				if (m->ev_pidfd != NULL) {
					event_free(m->ev_pidfd);
					m->ev_pidfd = NULL;
				}
				m->pid = 0;
				break;
			}
		}
	}
}

/* Retires an app: its worker ends, its processes keep running. */
static void
master_app_retire(struct mapp *ma)
{
	char path[BP_PATH_MAX];

	ma->retired = 1;
	snprintf(path, sizeof(path), "%s/%s.sock", rundir, ma->app->conf.name);
	if (ma->ctl_fd >= 0) {
		unlink(path);
		close(ma->ctl_fd);
		ma->ctl_fd = -1;
	}
	if (ma->ev_restart != NULL)
		evtimer_del(ma->ev_restart);
	if (ma == reload_requester)
		return; /* ended after its reply: master_retire_later */
	if (ma->worker > 0)
		master_worker_drop(ma, NULL);
	else
		master_app_free(ma);
}

/* Ends a retired worker that asked for the reload, now it has replied. */
static void
master_retire_later(evutil_socket_t fd, short ev, void *arg)
{
	struct mapp *ma = arg;

	if (ma->worker > 0)
		master_worker_drop(ma, NULL);
	else
		master_app_free(ma);
}

/*
 * Loads the drop-ins in a short-lived child and decodes what it sends
 * back, so the master keeps none of the parser's memory: libconfig's
 * pages, the NSS modules that resolve users, the loader's stack and heap.
 * A parser crash also costs only the child.  Loads here if that fails.
 */
static void
master_load(const struct conf_opts *opts, struct conf_set *set)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	unsigned char *buf = NULL, *nb;
	size_t len = 0, cap = 0, i;
	int p[2] = { -1, -1 }, st = 0, ok;
	ssize_t n;
	pid_t pid = -1;

	memset(set, 0, sizeof(*set));
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		log_warn("loading the drop-ins in a child");
		if (pid == -1 && p[0] >= 0) {
			close(p[0]);
			close(p[1]);
		}
		conf_load_dir(confdir, opts, set);
		return;
	}
	if (pid == 0) {
		/* libevent's handlers would wake the master's loop. */
		for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
		close(p[0]);
		conf_load_dir(confdir, opts, set);
		_exit(conf_wire_write(p[1], set) == 0 ? 0 : 1);
	}
	close(p[1]);
	for (;;) {
		if (cap - len < 65536) {
			if ((nb = realloc(buf, cap + 65536)) == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(p[0], buf + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && buf != NULL &&
	    conf_wire_decode(buf, len, set) == 0;
	free(buf);
	if (!ok) {
		log_warnx("the drop-in loader (pid %ld) failed; loading here",
		    (long)pid);
		conf_load_dir(confdir, opts, set);
	}
}

/*
 * Re-reads the drop-ins: new apps start, removed ones lose their worker,
 * changed ones get a new worker that adopts the running processes,
 * unchanged ones are untouched, and a broken file keeps its old version.
 */
void
master_reload(int *code, char *text, size_t len)
{
	struct conf_opts opts;
	struct conf_set set;
	struct mapp *ma, *next;
	size_t i, o = 0;
	int added = 0, changed = 0, removed = 0, failed = 0;

	log_info("reloading %s", confdir);
	conf_opts_init(&opts, rundir);
	memset(&set, 0, sizeof(set));
	master_load(&opts, &set);
	*code = 0;
	text[0] = '\0';
	if (set.errors != NULL) {
		master_log_errors(set.errors, "reload: ");
		o += (size_t)snprintf(text + o, o < len ? len - o : 0, "%s",
		    set.errors);
		*code = 6;
		conf_set_free(&set);
		return;
	}
	/* Mark every app; the ones still in some drop-in are unmarked. */
	for (ma = apps; ma != NULL; ma = ma->next)
		ma->stale = !ma->retired;
	for (i = 0; i < set.nfiles; i++) {
		struct conf_file *cf = &set.files[i];

		if (cf->app == NULL) {
			/* A broken drop-in keeps its previous version. */
			failed++;
			*code = 6;
			master_log_errors(cf->errors, "reload: ");
			if (o < len)
				o += (size_t)snprintf(text + o, len - o, "%s",
				    cf->errors ? cf->errors : "");
			for (ma = apps; ma != NULL; ma = ma->next)
				if (ma->stale &&
				    strcmp(ma->app->file, cf->path) == 0)
					ma->stale = 0;
			continue;
		}
		ma = NULL;
		for (next = apps; next != NULL; next = next->next)
			if (next->stale &&
			    strcmp(next->app->conf.name, cf->app->conf.name) ==
			        0)
				ma = next;
		if (ma != NULL && conf_app_equal(ma->app, cf->app)) {
			ma->stale = 0;
			continue;
		}
		{
			struct mapp *nma = master_app_add(cf->app);

			cf->app = NULL;
			if (ma != NULL) {
				changed++;
				master_app_carry(ma, nma);
				ma->stale = 0;
				master_app_retire(ma);
			} else
				added++;
			master_worker_start(nma);
		}
	}
	for (ma = apps; ma != NULL; ma = next) {
		next = ma->next;
		if (ma->stale) {
			ma->stale = 0;
			removed++;
			log_info("%s: removed; its processes keep running",
			    ma->app->conf.name);
			master_app_retire(ma);
		}
	}
	for (ma = apps; ma != NULL; ma = ma->next)
		if (ma->quit && !ma->retired) {
			/* reload restarts a worker that quit */
			ma->quit = 0;
			if (ma->worker == 0)
				master_worker_start(ma);
		}
	if (o < len)
		snprintf(text + o, len - o,
		    "reloaded: %d added, %d changed, %d removed, %d refused",
		    added, changed, removed, failed);
	log_info("reloaded: %d added, %d changed, %d removed, %d refused",
	    added, changed, removed, failed);
	conf_set_free(&set);
	malloc_trim(0);
}

/*
 * Checks the run directory (creating it): ours, not writable by group or
 * others, so nobody else can plant sockets, pid files or records in it.
 */
static void
master_rundir(void)
{
	struct stat st;
	char path[BP_PATH_MAX];

	if (mkdir(rundir, 0755) == -1 && errno != EEXIST)
		fatal("%s", rundir);
	if (lstat(rundir, &st) == -1)
		fatal("%s", rundir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		fatalx("%s: must be a directory owned by uid %u and not "
		       "writable by group or others",
		    rundir, (unsigned)geteuid());
	snprintf(path, sizeof(path), "%s/pids", rundir);
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		fatal("%s", path);
	snprintf(path, sizeof(path), "%s/state", rundir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		fatal("%s", path);
}

/* Takes the pid file lock so two masters never share a run directory. */
static int
master_pidfile_lock(void)
{
	char path[BP_PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/bluepilld.pid", rundir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd == -1)
		fatal("%s", path);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		fatalx("%s: another bluepilld is running", path);
	return fd;
}

/* Writes our pid into the locked pid file. */
static void
master_pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("bluepilld.pid");
}

/*
 * Detaches from the terminal: fork, setsid, fork.  The first parent waits
 * on a pipe until the daemon has written its pid file, so an init system
 * that reads the pid file when the command returns finds it.  Returns the
 * pipe's write end, for master_daemon_ready.
 */
static int
master_daemonize(void)
{
	int p[2];
	char c = 0;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		close(p[0]);
		break;
	default:
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 0;
		_exit(c == 'k' ? 0 : 1);
	}
	if (setsid() == -1)
		fatal("setsid");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (chdir("/") == -1)
		fatal("chdir");
	return p[1];
}

/* Tells the waiting parent we are up, then lets go of the terminal. */
static void
master_daemon_ready(int fd)
{
	int nul;

	if (write(fd, "k", 1) != 1)
		log_warn("daemon ready pipe");
	close(fd);
	log_set_foreground(0);
	if ((nul = open("/dev/null", O_RDWR)) != -1) {
		dup2(nul, 0);
		dup2(nul, 1);
		dup2(nul, 2);
		if (nul > 2)
			close(nul);
	}
}

/* Logs a loader's error text one line at a time. */
static void
master_log_errors(const char *text, const char *prefix)
{
	const char *p = text, *nl;

	while (p != NULL && *p != '\0') {
		nl = strchr(p, '\n');
		/* The loader escaped the text; escaping again would double
		 * every backslash. */
		log_warnx_escaped("%s%.*s", prefix,
		    (int)(nl ? nl - p : (long)strlen(p)), p);
		p = nl ? nl + 1 : NULL;
	}
}

/* Runs the master until TERM/INT; returns the exit status. */
int
master_main(const char *cdir, const char *rdir, int fg, int verb)
{
	struct conf_opts opts;
	struct conf_set set;
	struct event *evs[5];
	size_t i;
	int pidfd, nsig = 0, readyfd = -1;

	foreground = fg;
	verbose = verb;
	privileged = geteuid() == 0;
	if (strlen(rdir) >= sizeof(rundir))
		fatalx("%s: run directory path too long", rdir);
	snprintf(confdir, sizeof(confdir), "%s", cdir);
	snprintf(rundir, sizeof(rundir), "%s", rdir);
	umask(022);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Keep big temporary buffers (a drop-in is read into 1 MiB) in
	 * their own mappings: glibc would otherwise raise the threshold
	 * after the first free and leave them dirty in the heap for good.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);

	master_rundir();
	pidfd = master_pidfile_lock();
	selfexe = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	conf_opts_init(&opts, rundir);
	memset(&set, 0, sizeof(set));
	master_load(&opts, &set);
	master_log_errors(set.errors, "");
	for (i = 0; i < set.nfiles; i++)
		if (set.files[i].app == NULL)
			master_log_errors(set.files[i].errors, "refused: ");
	if (!foreground)
		readyfd = master_daemonize();
	master_pidfile_write(pidfd);
	if (readyfd >= 0)
		master_daemon_ready(readyfd);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		log_warn("PR_SET_CHILD_SUBREAPER");

	if ((base = event_base_new()) == NULL)
		fatalx("event_base_new");
	evs[nsig++] = evsignal_new(base, SIGCHLD, master_sigchld, NULL);
	evs[nsig++] = evsignal_new(base, SIGTERM, master_sigterm, NULL);
	evs[nsig++] = evsignal_new(base, SIGINT, master_sigterm, NULL);
	evs[nsig++] = evsignal_new(base, SIGHUP, master_sighup, NULL);
	evs[nsig++] = evsignal_new(base, SIGUSR1, master_sigusr1, NULL);
	for (i = 0; i < (size_t)nsig; i++)
		evsignal_add(evs[i], NULL);

	log_info("bluepilld %s started (%s, run directory %s)", PACKAGE_VERSION,
	    privileged ? "root" : "unprivileged", rundir);
	for (i = 0; i < set.nfiles; i++) {
		if (set.files[i].app == NULL)
			continue;
		master_worker_start(master_app_add(set.files[i].app));
		set.files[i].app = NULL;
	}
	conf_set_free(&set);
	/* Loading drop-ins used buffers the master never needs again. */
	malloc_trim(0);
	/* Children that ended before the loop existed. */
	master_sigchld(SIGCHLD, 0, NULL);
	event_base_dispatch(base);

	while (apps != NULL) {
		struct mapp *ma = apps;

		/* Workers exit cleanly on the channel's EOF (and got TERM). */
		ma->worker = 0;
		master_worker_drop(ma, NULL);
		ma->retired = 1;
		master_app_free(ma);
	}
	while (jobs != NULL)
		master_job_free(jobs);
	for (i = 0; i < (size_t)nsig; i++)
		event_free(evs[i]);
	event_base_free(base);
	{
		char path[BP_PATH_MAX];

		snprintf(path, sizeof(path), "%s/bluepilld.pid", rundir);
		unlink(path);
	}
	close(pidfd);
	return 0;
}
