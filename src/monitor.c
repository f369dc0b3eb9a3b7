/*
 * monitor: schedules the conditions of SPEC §3 on one tick timer per
 * worker.  Each tick, a process that is up (and past its start grace)
 * with a due check is read from /proc once, and every due check of it is
 * evaluated from that one reading.  http probes run on the loop; exec
 * checks run through the master like any command.  Children of a
 * process with monitor_children are rediscovered every second.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "bluepill.h"
#include "check.h"
#include "check_http.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "proc.h"
#include "procfs.h"
#include "worker.h"

#define TICK_MIN_MS 100
#define TICK_MAX_MS 1000
#define CHILDREN_EVERY_MS 1000
#define MAX_KIDS 256

/* A watched descendant of a process. */
struct kid {
	pid_t pid;
	uint64_t start_ticks;
	uint64_t next_ms;
	struct check_state *cs; /* nchild_check */
	uint8_t gone;           /* seen leaving or asked to stop */
};

/* A process's monitoring state, only for processes that need one. */
struct pmon {
	struct check_state *cs; /* conf->ncheck */
	uint64_t *next_ms;      /* conf->ncheck */
	uint64_t *busy_since;   /* http/exec in flight since (0 = idle) */
	struct http_probe **hp; /* conf->ncheck */
	struct check_flap flap;
	const struct check_conf *flapcc;
	struct kid *kids; /* grown on demand, up to MAX_KIDS */
	uint16_t nkids;
	uint16_t capkids;
	uint64_t kids_next_ms;
	struct kid *orphans; /* children left when the main pid died */
	uint16_t norphans;
	uint8_t orphans_killed;
	uint32_t ocap;    /* room in orphans */
	pid_t orphan_sid; /* the dead main pid's session, until it is empty */
};

static void monitor_session_scan(struct pmon *m, pid_t sid);

static struct pmon **mons; /* per process, NULL when nothing to monitor */
static uint64_t tick_ms;

/*
 * Tells whether a deadline has come.  Ticks drift by a few ms against
 * the deadlines; half a tick of slack keeps a check whose 'every' equals
 * the tick from waiting a whole extra tick.
 */
static int
monitor_due(uint64_t next, uint64_t now)
{
	return next <= now + tick_ms / 2;
}

/* Advances a deadline by one period, from itself unless far behind. */
static uint64_t
monitor_next(uint64_t next, uint64_t now, uint64_t every)
{
	if (next == 0 || next + every < now)
		return now + every;
	return next + every;
}
static struct event *ev_tick;

/* Returns the i-th check of a process (own, not children's). */
static const struct check_conf *
monitor_cc(const struct proc *p, uint32_t i)
{
	return &worker.checks[p->conf->check_first + i];
}

/* Returns the i-th children check of a process. */
static const struct check_conf *
monitor_kid_cc(const struct proc *p, uint32_t i)
{
	return &worker.checks[p->conf->child_check_first + i];
}

/* Sends an action a check fired to the process's state machine. */
static void
monitor_fire(struct proc *p, const struct check_conf *cc)
{
	static const enum proc_event evs[] = {
		[ACTION_RESTART] = PEV_RESTART,
		[ACTION_STOP] = PEV_STOP,
		[ACTION_UNMONITOR] = PEV_UNMONITOR,
		[ACTION_START] = PEV_START,
	};
	uint8_t i;

	for (i = 0; i < cc->nfires && i < BP_MAX_FIRES; i++) {
		uint8_t a = cc->fires[i];

		if (a == ACTION_NONE || a > ACTION_START)
			continue;
		log_info("%s: %s fired %s", proc_tag(p),
		    check_type_name(cc->type),
		    a == ACTION_RESTART       ? "restart" :
		        a == ACTION_STOP      ? "stop" :
		        a == ACTION_UNMONITOR ? "unmonitor" :
		                                "start");
		if (a == ACTION_STOP || a == ACTION_UNMONITOR)
			monitor_user_stop(p);
		proc_event(p, evs[a], check_type_name(cc->type));
	}
}

/*
 * Records one sample of a check and logs it; returns 1 when the check
 * fired (the caller stops evaluating this process for the tick).
 */
static int
monitor_record(struct proc *p, const struct check_conf *cc,
    struct check_state *cs, int failed, uint64_t value, pid_t child)
{
	char line[256];
	int fired = check_record(cs, cc, failed, value);

	check_format_sample(line, sizeof(line), cc, cs);
	if (failed || fired) {
		if (child)
			log_info("%s: child %ld: %s", proc_tag(p), (long)child,
			    line);
		else
			log_info("%s: %s", proc_tag(p), line);
	} else if (child)
		log_debug("%s: child %ld: %s", proc_tag(p), (long)child, line);
	else
		log_debug("%s: %s", proc_tag(p), line);
	return fired;
}

/* The answer of an http probe. */
static void
monitor_http_done(void *arg, int failed, uint64_t value)
{
	struct check_conf *cc = arg;
	struct proc *p = &worker.procs[cc->proc];
	struct pmon *m = mons[cc->proc];
	uint32_t i = (uint32_t)(cc - monitor_cc(p, 0));

	m->hp[i] = NULL;
	m->busy_since[i] = 0;
	if (p->state != PROC_UP)
		return;
	if (monitor_record(p, cc, &m->cs[i], failed, value, 0))
		monitor_fire(p, cc);
}

/* An exec check's command ended (status), or could not run (-1). */
void
monitor_exec_done(struct proc *p, int32_t check, int status)
{
	struct pmon *m = mons[p->idx];
	const struct check_conf *cc;
	uint64_t value;
	uint32_t i;

	if (m == NULL || check < (int32_t)p->conf->check_first ||
	    check >= (int32_t)(p->conf->check_first + p->conf->ncheck))
		return;
	i = (uint32_t)check - p->conf->check_first;
	cc = monitor_cc(p, i);
	if (m->busy_since[i] == 0)
		return; /* timed out and recorded already */
	m->busy_since[i] = 0;
	if (p->state != PROC_UP)
		return;
	if (status == -1)
		value = CHECK_VALUE_MISSING;
	else if (WIFSIGNALED(status))
		value = CHECK_EXEC_SIGNAL + (uint64_t)WTERMSIG(status);
	else
		value = (uint64_t)WEXITSTATUS(status);
	if (monitor_record(p, cc, &m->cs[i], value != 0, value, 0))
		monitor_fire(p, cc);
}

/* Evaluates the due checks of one process from one /proc reading. */
static void
monitor_proc_tick(struct proc *p, struct pmon *m, uint64_t now)
{
	struct procfs_usage u;
	struct check_input in;
	int have = 0, tree = 0;
	uint32_t i;

	for (i = 0; i < p->conf->ncheck; i++) {
		const struct check_conf *cc = monitor_cc(p, i);

		if (cc->type == CHECK_FLAPPING ||
		    !monitor_due(m->next_ms[i], now))
			continue;
		if (cc->include_children)
			tree = 1;
	}
	for (i = 0; i < p->conf->ncheck; i++) {
		const struct check_conf *cc = monitor_cc(p, i);
		uint64_t value = 0;
		int r = CHECK_SKIP;

		if (cc->type == CHECK_FLAPPING)
			continue;
		/* An exec check that overran its timeout is killed. */
		if (cc->type == CHECK_EXEC && m->busy_since[i] != 0 &&
		    now >= m->busy_since[i] + cc->timeout_ms) {
			struct msg_job mj;

			memset(&mj, 0, sizeof(mj));
			mj.proc = p->idx;
			mj.kind = JOB_CHECK;
			mj.arg = (int32_t)(p->conf->check_first + i);
			worker_send(MSG_KILL_JOB, &mj, sizeof(mj));
			m->busy_since[i] = 0;
			if (monitor_record(p, cc, &m->cs[i], 1,
			        CHECK_EXEC_TIMEOUT, 0)) {
				monitor_fire(p, cc);
				return;
			}
		}
		if (!monitor_due(m->next_ms[i], now))
			continue;
		m->next_ms[i] = monitor_next(m->next_ms[i], now, cc->every_ms);
		switch (cc->type) {
		case CHECK_MEM_USAGE:
		case CHECK_CPU_USAGE:
		case CHECK_RUNNING_TIME:
		case CHECK_ZOMBIE_PROCESS:
			if (!have) {
				if (procfs_read_usage(p->pid, tree, &u) == -1)
					return; /* gone: the exit is on its way */
				check_input_fill(&in, &u, now,
				    procfs_boottime_ms(), procfs_clk_tck());
				have = 1;
			}
			r = check_eval(cc, &m->cs[i], &in, &value);
			break;
		case CHECK_FILE_TIME: {
			struct stat st;
			struct timespec rt;
			const char *f = strtab_get(&worker.str, cc->filename);
			int ok = stat(f, &st) == 0;

			clock_gettime(CLOCK_REALTIME, &rt);
			r = check_file_time(cc, ok,
			    ok ? (int64_t)st.st_mtim.tv_sec * 1000 +
			            st.st_mtim.tv_nsec / 1000000 :
			         0,
			    (int64_t)rt.tv_sec * 1000 + rt.tv_nsec / 1000000,
			    &value);
			break;
		}
		case CHECK_HTTP:
			if (m->hp[i] == NULL) {
				m->hp[i] = check_http_start(worker.base, cc,
				    strtab_get(&worker.str, cc->url),
				    strtab_get(&worker.str, cc->pattern),
				    monitor_http_done, (void *)cc);
				if (m->hp[i] == NULL) {
					r = CHECK_FAIL;
					value = CHECK_HTTP_ERROR;
				} else
					m->busy_since[i] = now;
			}
			break;
		case CHECK_EXEC:
			if (m->busy_since[i] == 0) {
				struct msg_job mj;

				memset(&mj, 0, sizeof(mj));
				mj.proc = p->idx;
				mj.kind = JOB_CHECK;
				mj.gen = p->gen;
				mj.arg = (int32_t)(p->conf->check_first + i);
				worker_send(MSG_SPAWN, &mj, sizeof(mj));
				m->busy_since[i] = now;
			}
			break;
		case CHECK_ALWAYS_TRUE:
			r = CHECK_PASS;
			value = 0;
			break;
		default:
			break;
		}
		if (r == CHECK_SKIP)
			continue;
		if (monitor_record(p, cc, &m->cs[i], r == CHECK_FAIL, value,
		        0)) {
			monitor_fire(p, cc);
			return;
		}
	}
}

/* Finds a known child by pid. */
static struct kid *
monitor_kid_find(struct pmon *m, pid_t pid)
{
	uint16_t k;

	for (k = 0; k < m->nkids; k++)
		if (m->kids[k].pid == pid)
			return &m->kids[k];
	return NULL;
}

/* Rediscovers the descendants of a process (monitor_children). */
static void
monitor_kids_refresh(struct proc *p, struct pmon *m, uint64_t now)
{
	int pids[MAX_KIDS];
	int n = procfs_descendants(p->pid, pids, MAX_KIDS), i;
	uint16_t k, keep = 0;
	uint32_t nc = p->conf->nchild_check;

	/* Drop the ones that left. */
	for (k = 0; k < m->nkids; k++) {
		int found = 0;

		for (i = 0; i < n; i++)
			if (pids[i] == m->kids[k].pid)
				found = 1;
		if (found &&
		    procfs_pid_alive(m->kids[k].pid, m->kids[k].start_ticks)) {
			m->kids[keep++] = m->kids[k];
			continue;
		}
		log_info("%s: child %ld gone", proc_tag(p),
		    (long)m->kids[k].pid);
		free(m->kids[k].cs);
	}
	m->nkids = keep;
	/* Add the new ones. */
	for (i = 0; i < n && m->nkids < MAX_KIDS; i++) {
		struct procfs_stat st;
		struct kid *kd;

		if (monitor_kid_find(m, pids[i]) != NULL ||
		    procfs_read_stat(pids[i], &st) == -1 || st.state == 'Z')
			continue;
		if (m->nkids == m->capkids) {
			uint16_t cap = m->capkids ? m->capkids * 2 : 4;
			struct kid *nk = reallocarray(m->kids, cap,
			    sizeof(*nk));

			if (nk == NULL)
				fatal("reallocarray");
			m->kids = nk;
			m->capkids = cap;
		}
		kd = &m->kids[m->nkids++];
		memset(kd, 0, sizeof(*kd));
		kd->pid = pids[i];
		kd->start_ticks = st.starttime;
		kd->next_ms = now;
		if (nc > 0 && (kd->cs = calloc(nc, sizeof(*kd->cs))) == NULL)
			fatal("calloc");
		log_info("%s: child %ld appeared", proc_tag(p), (long)kd->pid);
	}
}

/* Evaluates the children's checks; a firing check acts on that child. */
static void
monitor_kids_tick(struct proc *p, struct pmon *m, uint64_t now)
{
	uint16_t k;
	uint32_t i;

	for (k = 0; k < m->nkids; k++) {
		struct kid *kd = &m->kids[k];
		struct procfs_usage u;
		struct check_input in;
		int have = 0;

		if (kd->gone)
			continue;
		for (i = 0; i < p->conf->nchild_check; i++) {
			const struct check_conf *cc = monitor_kid_cc(p, i);
			uint64_t value = 0;
			int r;

			if (!monitor_due(kd->next_ms, now))
				break;
			if (!have) {
				if (procfs_read_usage(kd->pid,
				        cc->include_children, &u) == -1)
					break;
				check_input_fill(&in, &u, now,
				    procfs_boottime_ms(), procfs_clk_tck());
				have = 1;
			}
			r = check_eval(cc, &kd->cs[i], &in, &value);
			if (r == CHECK_SKIP)
				continue;
			if (monitor_record(p, cc, &kd->cs[i], r == CHECK_FAIL,
			        value, kd->pid)) {
				struct msg_job mj;
				int restart = cc->nfires > 0 &&
				    cc->fires[0] == ACTION_RESTART &&
				    p->conf->has_child_restart_command;

				memset(&mj, 0, sizeof(mj));
				mj.proc = p->idx;
				mj.kind = restart ? JOB_CHILD_RESTART :
				                    JOB_CHILD_STOP;
				mj.gen = p->gen;
				mj.arg = kd->pid;
				log_info("%s: child %ld: %s fired %s",
				    proc_tag(p), (long)kd->pid,
				    check_type_name(cc->type),
				    restart ? "restart" : "stop");
				worker_send(MSG_SPAWN, &mj, sizeof(mj));
				kd->gone = 1;
				break;
			}
		}
		if (have || monitor_due(kd->next_ms, now)) {
			uint32_t every = TICK_MAX_MS * 3600;

			for (i = 0; i < p->conf->nchild_check; i++)
				if (monitor_kid_cc(p, i)->every_ms < every)
					every = monitor_kid_cc(p, i)->every_ms;
			kd->next_ms = monitor_next(kd->next_ms, now, every);
		}
	}
}

/* Signals orphans of a dead parent: TERM first, KILL a tick later. */
static void
monitor_orphans_tick(struct proc *p, struct pmon *m)
{
	uint16_t k, keep = 0;
	int sig = m->orphans_killed ? SIGKILL : SIGTERM;

	/* Those forked since the last round (a fork bomb) go too. */
	if (m->orphans_killed && m->orphan_sid > 0)
		monitor_session_scan(m, m->orphan_sid);
	for (k = 0; k < m->norphans; k++) {
		struct msg_signal ms;

		if (!procfs_pid_alive(m->orphans[k].pid,
		        m->orphans[k].start_ticks))
			continue;
		memset(&ms, 0, sizeof(ms));
		ms.proc = p->idx;
		ms.signo = sig;
		ms.child = m->orphans[k].pid;
		log_info("%s: orphaned child %ld: sending %s", proc_tag(p),
		    (long)ms.child, sig == SIGKILL ? "KILL" : "TERM");
		worker_send(MSG_SIGNAL, &ms, sizeof(ms));
		m->orphans[keep++] = m->orphans[k];
	}
	m->norphans = keep;
	m->orphans_killed = keep > 0;
	if (keep == 0) {
		free(m->orphans);
		m->orphans = NULL;
		m->ocap = 0;
		m->orphan_sid = 0;
	}
}

/* The tick: every process that needs it, once. */
static void
monitor_tick(evutil_socket_t fd, short what, void *arg)
{
	uint64_t now = proc_now_ms();
	uint32_t i;

	for (i = 0; i < worker.conf.nprocs; i++) {
		struct proc *p = &worker.procs[i];
		struct pmon *m = mons[i];

		if (m == NULL)
			continue;
		if (m->norphans > 0)
			monitor_orphans_tick(p, m);
		if (p->state != PROC_UP || p->pid == 0)
			continue;
		/* No checks inside the start grace period. */
		if (now < p->up_ms + p->conf->start_grace_ms)
			continue;
		if (p->conf->monitor_children &&
		    monitor_due(m->kids_next_ms, now)) {
			monitor_kids_refresh(p, m, now);
			m->kids_next_ms = monitor_next(m->kids_next_ms, now,
			    CHILDREN_EVERY_MS);
		}
		if (m->nkids > 0 && p->conf->nchild_check > 0)
			monitor_kids_tick(p, m, now);
		if (p->conf->ncheck > 0)
			monitor_proc_tick(p, m, now);
	}
}

/* Allocates per-check state and starts the tick (after configuration). */
void
monitor_init(void)
{
	struct timeval tv;
	uint32_t i, k;
	uint64_t tick = TICK_MAX_MS;
	int any = 0;

	mons = calloc(worker.conf.nprocs + 1, sizeof(*mons));
	if (mons == NULL)
		fatal("calloc");
	for (i = 0; i < worker.conf.nprocs; i++) {
		struct proc *p = &worker.procs[i];
		uint32_t n = p->conf->ncheck;
		struct pmon *m;

		if (n == 0 && !p->conf->monitor_children)
			continue;
		if ((m = calloc(1, sizeof(*m))) == NULL ||
		    (m->cs = calloc(n + 1, sizeof(*m->cs))) == NULL ||
		    (m->next_ms = calloc(n + 1, sizeof(*m->next_ms))) == NULL ||
		    (m->busy_since = calloc(n + 1, sizeof(uint64_t))) == NULL ||
		    (m->hp = calloc(n + 1, sizeof(*m->hp))) == NULL)
			fatal("calloc");
		for (k = 0; k < n; k++) {
			const struct check_conf *cc = monitor_cc(p, k);

			if (cc->type == CHECK_FLAPPING) {
				m->flapcc = cc;
				continue;
			}
			any = 1;
			if (cc->every_ms < tick)
				tick = cc->every_ms;
		}
		for (k = 0; k < p->conf->nchild_check; k++)
			if (monitor_kid_cc(p, k)->every_ms < tick)
				tick = monitor_kid_cc(p, k)->every_ms;
		if (p->conf->monitor_children)
			any = 1;
		check_flap_reset(&m->flap);
		mons[i] = m;
	}
	if (tick < TICK_MIN_MS)
		tick = TICK_MIN_MS;
	tick_ms = tick;
	if (!any)
		return;
	ev_tick = event_new(worker.base, -1, EV_PERSIST, monitor_tick, NULL);
	tv.tv_sec = (time_t)(tick_ms / 1000);
	tv.tv_usec = (suseconds_t)((tick_ms % 1000) * 1000);
	event_add(ev_tick, &tv);
}

/* Forgets samples: the process got a new pid or left up. */
void
monitor_proc_reset(struct proc *p)
{
	struct pmon *m = mons != NULL ? mons[p->idx] : NULL;
	uint32_t i;
	uint16_t k;

	if (m == NULL)
		return;
	for (i = 0; i < p->conf->ncheck; i++) {
		check_reset(&m->cs[i]);
		m->next_ms[i] = 0;
		if (m->hp[i] != NULL) {
			check_http_cancel(m->hp[i]);
			m->hp[i] = NULL;
		}
		m->busy_since[i] = 0;
	}
	for (k = 0; k < m->nkids; k++)
		free(m->kids[k].cs);
	m->nkids = 0;
	m->kids_next_ms = 0;
}

/* Flapping: records a start; 0 when it must be refused (retry armed). */
int
monitor_may_start(struct proc *p, uint64_t *retry_ms)
{
	struct pmon *m = mons != NULL ? mons[p->idx] : NULL;
	uint64_t at = 0, now = proc_now_ms();

	*retry_ms = 0;
	if (m == NULL || m->flapcc == NULL)
		return 1;
	if (!check_flapping(&m->flap, m->flapcc, now, &at))
		return 1;
	*retry_ms = at > now ? at - now : (at ? 1 : 0);
	return 0;
}

/* A user stop or unmonitor: forget the flapping record. */
void
monitor_user_stop(struct proc *p)
{
	struct pmon *m = mons != NULL ? mons[p->idx] : NULL;

	if (m != NULL)
		check_flap_reset(&m->flap);
}

/* Adds a pid to the orphans of a process unless it is there already. */
static void
monitor_orphan_add(struct pmon *m, uint32_t *cap, pid_t pid, uint64_t ticks)
{
	uint16_t k;

	for (k = 0; k < m->norphans; k++)
		if (m->orphans[k].pid == pid)
			return;
	if (m->norphans == UINT16_MAX)
		return;
	if (m->norphans == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 16;
		struct kid *no = reallocarray(m->orphans, ncap, sizeof(*no));

		if (no == NULL)
			fatal("reallocarray");
		m->orphans = no;
		*cap = ncap;
	}
	memset(&m->orphans[m->norphans], 0, sizeof(m->orphans[0]));
	m->orphans[m->norphans].pid = pid;
	m->orphans[m->norphans].start_ticks = ticks;
	m->norphans++;
}

/*
 * Adds every live process of session sid to the orphans: the dead main
 * pid started it with setsid, so its descendants share it unless they
 * left it, however many they are and however fast they fork.
 */
static void
monitor_session_scan(struct pmon *m, pid_t sid)
{
	struct dirent *de;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct procfs_stat st;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (*end != '\0' || pid <= 1 || pid == sid ||
		    procfs_read_stat((pid_t)pid, &st) == -1 ||
		    st.session != sid || st.state == 'Z')
			continue;
		monitor_orphan_add(m, &m->ocap, (pid_t)pid, st.starttime);
	}
	closedir(d);
}

/*
 * The main pid is gone: its children that live on are orphans to end,
 * those seen at the last tick and everything in its session.
 */
void
monitor_main_exited(struct proc *p)
{
	struct pmon *m = mons != NULL ? mons[p->idx] : NULL;
	uint16_t k;

	if (m == NULL || !p->conf->monitor_children || p->pid == 0)
		return;
	free(m->orphans);
	m->orphans = NULL;
	m->norphans = 0;
	m->ocap = 0;
	for (k = 0; k < m->nkids; k++)
		if (procfs_pid_alive(m->kids[k].pid, m->kids[k].start_ticks))
			monitor_orphan_add(m, &m->ocap, m->kids[k].pid,
			    m->kids[k].start_ticks);
	m->orphan_sid = p->pid;
	monitor_session_scan(m, m->orphan_sid);
	m->orphans_killed = 0;
	monitor_proc_reset(p);
	if (m->norphans > 0)
		monitor_orphans_tick(p, m);
	else
		m->orphan_sid = 0;
}

/* Appends the known children of p as the members of a JSON array. */
void
monitor_children_write(struct proc *p, struct evbuffer *b)
{
	struct pmon *m = mons != NULL ? mons[p->idx] : NULL;
	int first = 1;
	uint16_t k;

	if (m == NULL || p->pid == 0)
		return;
	for (k = 0; k < m->nkids; k++) {
		struct procfs_stat st;

		if (procfs_read_stat(m->kids[k].pid, &st) == -1 ||
		    st.state == 'Z' || st.starttime != m->kids[k].start_ticks)
			continue;
		evbuffer_add_printf(b,
		    "%s{\"pid\":%d,\"state\":\"up\",\"memory\":%llu,"
		    "\"cpu\":0.0}",
		    first ? "" : ",", (int)m->kids[k].pid,
		    (unsigned long long)(st.rss_pages *
		        (uint64_t)procfs_page_size()));
		first = 0;
	}
}

/* Frees everything (tests, valgrind runs). */
void
monitor_free(void)
{
	uint32_t i;

	if (mons == NULL)
		return;
	for (i = 0; i < worker.conf.nprocs; i++) {
		struct pmon *m = mons[i];

		if (m == NULL)
			continue;
		monitor_proc_reset(&worker.procs[i]);
		free(m->cs);
		free(m->next_ms);
		free(m->busy_since);
		free(m->hp);
		free(m->kids);
		free(m->orphans);
		free(m);
	}
	free(mons);
	mons = NULL;
	if (ev_tick != NULL)
		event_free(ev_tick);
	ev_tick = NULL;
}
