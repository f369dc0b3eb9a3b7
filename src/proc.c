/*
 * proc: performs what the state table decides.  Two named timers per
 * process: the grace timer (how long the current action may take) and the
 * step timer (throttle, back-off, pid-file probe, next stop signal).
 * Nothing here blocks: every request goes to the master as a message and
 * every answer comes back as an event.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include <event2/event.h>

#include "bluepill.h"
#include "control.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "proc.h"
#include "procfs.h"
#include "worker.h"

#define PROBE_FIRST_MS 10
#define PROBE_EVERY_MS 100
#define MIN_START_GAP_MS 1000

/* Returns CLOCK_MONOTONIC in milliseconds. */
uint64_t
proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Returns "app:group:name" (or "app:name") for log lines. */
const char *
proc_tag(const struct proc *p)
{
	static char buf[3 * BP_NAME_MAX + 4];

	if (p->conf->group[0] != '\0')
		snprintf(buf, sizeof(buf), "%s:%s:%s", worker.conf.name,
		    p->conf->group, p->conf->name);
	else
		snprintf(buf, sizeof(buf), "%s:%s", worker.conf.name,
		    p->conf->name);
	return buf;
}

/* Arms a timer for ms milliseconds. */
static void
proc_arm(struct event *ev, uint64_t ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(ev, &tv);
}

/* Arms the step timer for one purpose. */
static void
proc_step_arm(struct proc *p, enum proc_step step, uint64_t ms)
{
	p->step = step;
	proc_arm(p->tmr_step, ms);
}

/* Asks the master to run a job of this process. */
static void
proc_job(struct proc *p, enum job_kind kind, int32_t arg)
{
	struct msg_job mj;

	memset(&mj, 0, sizeof(mj));
	mj.proc = p->idx;
	mj.kind = kind;
	mj.gen = p->gen;
	mj.arg = arg;
	p->jobs |= (uint16_t)(1u << kind);
	worker_send(MSG_SPAWN, &mj, sizeof(mj));
}

/* Asks the master to signal the main pid. */
static void
proc_signal(struct proc *p, int signo)
{
	struct msg_signal ms;

	memset(&ms, 0, sizeof(ms));
	ms.proc = p->idx;
	ms.signo = signo;
	log_info("%s: sending %s to pid %ld", proc_tag(p), sigabbrev_np(signo),
	    (long)p->pid);
	worker_send(MSG_SIGNAL, &ms, sizeof(ms));
}

/* Asks the master to kill an overrunning job of this process. */
static void
proc_kill_job(struct proc *p, enum job_kind kind)
{
	struct msg_job mj;

	memset(&mj, 0, sizeof(mj));
	mj.proc = p->idx;
	mj.kind = kind;
	worker_send(MSG_KILL_JOB, &mj, sizeof(mj));
}

/* Asks the master which pid the pid file names (verified). */
static void
proc_probe(struct proc *p)
{
	struct msg_proc mp;

	memset(&mp, 0, sizeof(mp));
	mp.proc = p->idx;
	worker_send(MSG_PROBE, &mp, sizeof(mp));
}

/* Records a state change in the history ring, newest last. */
static void
proc_history(struct proc *p, enum proc_state from, enum proc_state to,
    const char *why)
{
	struct proc_event_rec *r = &p->hist[p->hist_pos];

	r->time = time(NULL);
	r->from = (uint8_t)from;
	r->to = (uint8_t)to;
	snprintf(r->why, sizeof(r->why), "%.37s", why);
	p->hist_pos = (uint8_t)((p->hist_pos + 1) % PROC_HISTORY);
	if (p->hist_n < PROC_HISTORY)
		p->hist_n++;
}

/* Spawns the process (or its pre_start_command) now. */
static void
proc_start_now(struct proc *p)
{
	uint64_t retry;

	if (!monitor_may_start(p, &retry)) {
		log_warnx("%s: flapping: too many starts, unmonitored%s",
		    proc_tag(p), retry ? "; will retry" : "");
		proc_event(p, PEV_FLAPPING, "flapping");
		if (retry)
			proc_step_arm(p, STEP_FLAP, retry);
		return;
	}
	p->gen++;
	p->last_start_ms = proc_now_ms();
	p->stop_pending = 0;
	proc_arm(p->tmr_grace, p->conf->start_grace_ms);
	if (p->conf->has_pre_start_command)
		proc_job(p, JOB_PRE_START, 0);
	else
		proc_job(p, JOB_START, 0);
}

/* A_START: starts, keeping at least 1 s between two starts. */
static void
proc_start(struct proc *p)
{
	uint64_t now = proc_now_ms();

	if (p->last_start_ms != 0 &&
	    now < p->last_start_ms + MIN_START_GAP_MS) {
		proc_step_arm(p, STEP_THROTTLE,
		    p->last_start_ms + MIN_START_GAP_MS - now);
		return;
	}
	proc_start_now(p);
}

/* Sends the current stop_signals step and arms the next one. */
static void
proc_stop_step(struct proc *p)
{
	const struct sigstep *s;

	if (p->sigstep >= p->conf->nsigsteps)
		return;
	s = &p->conf->sigsteps[p->sigstep];
	proc_signal(p, s->signo);
	if (p->sigstep + 1 < p->conf->nsigsteps)
		proc_step_arm(p, STEP_SIGNAL, s->delay_ms);
	p->sigstep++;
}

/* A_STOP: stop command, or the signal escalation, under stop grace. */
static void
proc_stop(struct proc *p)
{
	if (!evtimer_pending(p->tmr_grace, NULL))
		proc_arm(p->tmr_grace, p->conf->stop_grace_ms);
	if (p->pid == 0) {
		if (p->jobs & ((1u << JOB_START) | (1u << JOB_PRE_START)) ||
		    p->launcher != 0) {
			/* The start in flight will report its pid: stop then. */
			p->stop_pending = 1;
			if (p->launcher != 0 && !p->conf->daemonize)
				proc_step_arm(p, STEP_PROBE, PROBE_FIRST_MS);
		} else
			proc_step_arm(p, STEP_GONE, 0);
		return;
	}
	p->stop_pending = 0;
	if (p->conf->has_stop_command)
		proc_job(p, JOB_STOP, 0);
	else if (p->conf->nsigsteps > 0) {
		p->sigstep = 0;
		proc_stop_step(p);
	} else
		proc_signal(p, SIGTERM);
}

/* A_RESTART: restart_command under restart grace, else a stop. */
static void
proc_restart(struct proc *p)
{
	if (p->conf->has_restart_command && p->pid != 0) {
		p->restart_cmd = 1;
		proc_arm(p->tmr_grace, p->conf->restart_grace_ms);
		proc_job(p, JOB_RESTART, 0);
		return;
	}
	proc_stop(p);
}

/* Feeds an event to the state machine and performs its actions. */
void
proc_event(struct proc *p, enum proc_event ev, const char *why)
{
	struct proc_fsm_result r;
	enum proc_state from = p->state;

	r = proc_fsm_step(p->state, ev, p->pid != 0, p->restart_cmd);
	/* A failed or hung restart_command falls back to stop and start. */
	if (from == PROC_RESTARTING && (ev == PEV_FAILED || ev == PEV_TIMEOUT))
		p->restart_cmd = 0;
	if (r.next != from) {
		log_info("%s: %s -> %s (%s)", proc_tag(p),
		    proc_fsm_state_name(from), proc_fsm_state_name(r.next),
		    why);
		proc_history(p, from, r.next, why);
		p->state = r.next;
		if (from == PROC_RESTARTING)
			p->restart_cmd = 0;
		p->since = time(NULL);
		p->transitions++;
		if (r.next == PROC_UP) {
			p->up_ms = proc_now_ms();
			monitor_proc_reset(p);
		}
		if (from == PROC_UP && r.next == PROC_DOWN)
			p->restarts++;
	} else
		log_debug("%s: %s in %s", proc_tag(p), proc_fsm_event_name(ev),
		    proc_fsm_state_name(from));
	if (r.actions & A_CANCEL) {
		evtimer_del(p->tmr_grace);
		evtimer_del(p->tmr_step);
		p->step = STEP_NONE;
		p->sigstep = 0;
		p->stop_pending = 0;
	}
	if (r.actions & A_FORGET)
		p->pid = 0;
	if (r.actions & A_ABORT) {
		if (p->jobs & (1u << JOB_PRE_START))
			proc_kill_job(p, JOB_PRE_START);
		if (p->launcher != 0)
			proc_kill_job(p, JOB_START);
	}
	if (r.actions & A_KILL) {
		if (p->jobs & (1u << JOB_STOP))
			proc_kill_job(p, JOB_STOP);
		if (p->jobs & (1u << JOB_RESTART))
			proc_kill_job(p, JOB_RESTART);
		if (p->pid != 0)
			proc_signal(p, SIGKILL);
		else
			proc_step_arm(p, STEP_GONE, 0);
		/* KILL cannot be ignored; give the kernel a grace of its own. */
		proc_arm(p->tmr_grace, p->conf->stop_grace_ms);
	}
	if (r.actions & A_STOP)
		proc_stop(p);
	if (r.actions & A_RESTART)
		proc_restart(p);
	if (r.actions & A_START)
		proc_start(p);
	if (r.actions & A_BACKOFF) {
		uint64_t now = proc_now_ms(), when;

		when = p->last_start_ms + MIN_START_GAP_MS;
		proc_step_arm(p, STEP_BACKOFF, when > now ? when - now : 0);
	}
	control_proc_changed(p);
}

/* The grace timer: the current action took too long. */
static void
proc_grace_expired(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;

	/*
	 * A restart_command that finished while its process kept the same
	 * pid (a HUP-style reload) restarted it: that is not a failure.
	 */
	if (p->state == PROC_RESTARTING && p->restart_cmd && p->pid != 0 &&
	    !(p->jobs & (1u << JOB_RESTART))) {
		proc_event(p, PEV_RUNNING, "restart_command done");
		return;
	}
	proc_event(p, PEV_TIMEOUT, "grace time expired");
}

/* The step timer, for whatever it was armed. */
static void
proc_step_expired(evutil_socket_t fd, short what, void *arg)
{
	struct proc *p = arg;
	enum proc_step step = p->step;

	p->step = STEP_NONE;
	switch (step) {
	case STEP_THROTTLE:
		if (p->state == PROC_STARTING)
			proc_start_now(p);
		break;
	case STEP_BACKOFF:
		proc_event(p, PEV_RETRY, "restart");
		break;
	case STEP_PROBE:
		proc_probe(p);
		break;
	case STEP_SIGNAL:
		if (p->state == PROC_STOPPING || p->state == PROC_RESTARTING)
			proc_stop_step(p);
		break;
	case STEP_GONE:
		proc_event(p, PEV_EXITED, "not running");
		break;
	case STEP_FLAP:
		proc_event(p, PEV_START, "flapping retry");
		break;
	case STEP_NONE:
		break;
	}
}

/* Prepares a process's runtime (timers on base). */
void
proc_init(struct proc *p, uint32_t idx, const struct proc_conf *conf,
    struct event_base *base)
{
	memset(p, 0, sizeof(*p));
	p->idx = idx;
	p->conf = conf;
	p->state = PROC_UNMONITORED;
	p->since = time(NULL);
	p->tmr_grace = evtimer_new(base, proc_grace_expired, p);
	p->tmr_step = evtimer_new(base, proc_step_expired, p);
	if (p->tmr_grace == NULL || p->tmr_step == NULL)
		fatalx("evtimer_new");
}

/* Frees the timers. */
void
proc_free(struct proc *p)
{
	if (p->tmr_grace != NULL)
		event_free(p->tmr_grace);
	if (p->tmr_step != NULL)
		event_free(p->tmr_step);
	p->tmr_grace = p->tmr_step = NULL;
}

/* The first MSG_PROC_FOUND after HELLO: adopt, start, or stay. */
void
proc_adopt(struct proc *p, const struct msg_proc *mp)
{
	if (mp->pid > 0) {
		p->pid = mp->pid;
		p->start_ticks = mp->start_ticks;
		proc_event(p, PEV_START, "adopted running process");
	} else if (p->conf->auto_start)
		proc_event(p, PEV_START, "auto start");
}

/* A probe answer: the pid file's verified pid, or none yet. */
void
proc_on_found(struct proc *p, const struct msg_proc *mp)
{
	if (mp->pid > 0) {
		if (p->pid == mp->pid) {
			/* A restart_command may still be replacing it. */
			if (p->state == PROC_RESTARTING && p->restart_cmd)
				proc_step_arm(p, STEP_PROBE, PROBE_EVERY_MS);
			return;
		}
		p->pid = mp->pid;
		p->start_ticks = mp->start_ticks;
		proc_event(p, PEV_RUNNING, "pid file");
		return;
	}
	if (p->state == PROC_STOPPING && p->stop_pending && p->launcher == 0) {
		proc_event(p, PEV_EXITED, "not running");
		return;
	}
	/* Keep looking while the start (or restart) may still write it. */
	if (p->state == PROC_STARTING || p->state == PROC_RESTARTING ||
	    p->state == PROC_STOPPING)
		proc_step_arm(p, STEP_PROBE, PROBE_EVERY_MS);
}

/* A job of ours runs (its exec happened). */
void
proc_on_spawned(struct proc *p, const struct msg_job *mj)
{
	if (mj->kind != JOB_START)
		return;
	if (p->conf->daemonize) {
		p->pid = mj->pid;
		p->start_ticks = mj->start_ticks;
		proc_event(p, PEV_RUNNING, "started");
		if (p->stop_pending && p->state == PROC_STOPPING)
			proc_stop(p);
		return;
	}
	p->launcher = mj->pid;
	proc_step_arm(p, STEP_PROBE, PROBE_FIRST_MS);
}

/* A job could not be run: a ritual step failed or the master refused. */
void
proc_on_spawn_failed(struct proc *p, const struct msg_job *mj)
{
	p->jobs &= (uint16_t) ~(1u << mj->kind);
	log_warnx("%s: cannot run %s: %s", proc_tag(p),
	    mj->kind == JOB_START         ? "start_command" :
	        mj->kind == JOB_STOP      ? "stop_command" :
	        mj->kind == JOB_RESTART   ? "restart_command" :
	        mj->kind == JOB_PRE_START ? "pre_start_command" :
	                                    "command",
	    strerror(mj->err));
	switch (mj->kind) {
	case JOB_START:
		if (mj->err == EEXIST) {
			/* The master knows a live pid: ask which. */
			proc_probe(p);
			return;
		}
		/* FALLTHROUGH */
	case JOB_PRE_START:
	case JOB_RESTART:
		proc_event(p, PEV_FAILED, "cannot run command");
		break;
	case JOB_CHECK:
		monitor_exec_done(p, mj->arg, -1);
		break;
	case JOB_STOP:
		/* No stop command: fall back to the signals. */
		if (p->pid != 0)
			proc_signal(p, SIGTERM);
		break;
	default:
		break;
	}
}

/* Describes a wait status for logs. */
static void
proc_describe_status(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "exited");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "exited, signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "exited, status %d", WEXITSTATUS(status));
}

/* A pid of ours ended: the main process, a launcher or a command. */
void
proc_on_exited(struct proc *p, const struct msg_job *mj)
{
	char why[48];

	proc_describe_status(mj->status, why, sizeof(why));
	if (mj->kind == JOB_START) {
		if (mj->pid == p->launcher) {
			p->launcher = 0;
			p->jobs &= (uint16_t) ~(1u << JOB_START);
			if (p->pid == 0 && mj->status != 0 &&
			    p->state == PROC_STARTING) {
				proc_event(p, PEV_FAILED, why);
				return;
			}
			if (p->pid == 0)
				proc_step_arm(p, STEP_PROBE, 0);
			if (mj->pid != p->pid)
				return;
		}
		p->jobs &= (uint16_t) ~(1u << JOB_START);
		if (mj->pid == p->pid) {
			monitor_main_exited(p);
			p->pid = 0;
			proc_event(p, PEV_EXITED, why);
		}
		return;
	}
	p->jobs &= (uint16_t) ~(1u << mj->kind);
	switch (mj->kind) {
	case JOB_PRE_START:
		if (p->state != PROC_STARTING)
			return;
		if (mj->status != 0) {
			log_warnx("%s: pre_start_command %s", proc_tag(p), why);
			proc_event(p, PEV_FAILED, "pre_start_command failed");
		} else
			proc_job(p, JOB_START, 0);
		break;
	case JOB_STOP:
		if (mj->status != 0)
			log_warnx("%s: stop_command %s", proc_tag(p), why);
		break;
	case JOB_CHECK:
		monitor_exec_done(p, mj->arg, mj->status);
		break;
	case JOB_RESTART:
		if (mj->status != 0)
			log_warnx("%s: restart_command %s", proc_tag(p), why);
		if (p->state != PROC_RESTARTING || !p->restart_cmd)
			break;
		/* A child of ours keeps its pid: the command is the restart. */
		if (p->conf->daemonize && p->pid != 0)
			proc_event(p, PEV_RUNNING, "restart_command done");
		else
			proc_step_arm(p, STEP_PROBE, 0);
		break;
	default:
		break;
	}
}

/* Samples RSS and CPU use of the main pid (for status). */
void
proc_sample(struct proc *p)
{
	struct procfs_stat st;
	uint64_t now = proc_now_ms(), ticks;

	/* A reading less than a second old is fresh enough for status. */
	if (p->pid != 0 && p->cpu_ms != 0 && now < p->cpu_ms + 1000 &&
	    p->cpu_pid == p->pid)
		return;
	if (p->pid == 0 || procfs_read_stat(p->pid, &st) == -1) {
		p->rss = 0;
		p->cpu_centi = 0;
		return;
	}
	p->rss = st.rss_pages * (uint64_t)procfs_page_size();
	ticks = st.utime + st.stime;
	if (p->cpu_ms != 0 && p->cpu_pid == p->pid && now > p->cpu_ms &&
	    ticks >= p->cpu_ticks)
		p->cpu_centi = (uint32_t)((ticks - p->cpu_ticks) * 1000 *
		    10000 / (uint64_t)procfs_clk_tck() / (now - p->cpu_ms));
	p->cpu_ticks = ticks;
	p->cpu_ms = now;
	p->cpu_pid = p->pid;
}
