/*
 * proc: a worker's runtime of one process: the state machine's actions,
 * its named timers, and what the master reports about its jobs.
 */
#ifndef BP_PROC_H
#define BP_PROC_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "bluepill.h"
#include "msg.h"
#include "proc_fsm.h"

#define PROC_HISTORY 8

/* What the single step timer of a process is armed for. */
enum proc_step {
	STEP_NONE = 0,
	STEP_THROTTLE, /* the 1 s between two starts */
	STEP_BACKOFF,  /* down: start again (EV_RETRY) */
	STEP_PROBE,    /* ask the master for the pid file's pid */
	STEP_SIGNAL,   /* next stop_signals step */
	STEP_GONE,     /* nothing to stop: report the process gone */
	STEP_FLAP,     /* flapping: retry a start after retry_in */
};

/* One state change, for "status PROCESS" (text composed on demand). */
struct proc_event_rec {
	time_t time;
	uint8_t from; /* enum proc_state */
	uint8_t to;
	char why[38];
};

struct proc {
	uint32_t idx;
	const struct proc_conf *conf;
	enum proc_state state;
	pid_t pid;      /* main pid, 0 when none is known */
	pid_t launcher; /* start job of a self-daemonizing process */
	uint64_t start_ticks;
	time_t since; /* wall clock of the last state change */
	uint64_t last_start_ms;
	uint64_t up_ms;
	uint32_t restarts;
	uint32_t gen;
	uint32_t transitions;
	uint16_t jobs; /* bit per enum job_kind in flight */
	uint8_t step;  /* enum proc_step */
	uint8_t sigstep;
	uint8_t stop_pending;
	uint8_t restart_cmd; /* this restart runs restart_command */
	uint8_t hist_n;
	uint8_t hist_pos;
	struct event *tmr_grace;
	struct event *tmr_step;
	uint64_t cpu_ticks; /* last CPU sample, for status */
	uint64_t cpu_ms;
	pid_t cpu_pid;      /* the pid the last sample was of */
	uint32_t cpu_centi; /* CPU use since the previous sample, 1/100 % */
	uint64_t rss;
	struct proc_event_rec hist[PROC_HISTORY];
};

/* Prepares a process's runtime (timers on base). */
void proc_init(struct proc *p, uint32_t idx, const struct proc_conf *conf,
    struct event_base *base);
/* Frees the timers. */
void proc_free(struct proc *p);
/* Feeds an event to the state machine and performs its actions. */
void proc_event(struct proc *p, enum proc_event ev, const char *why);
/* The first MSG_PROC_FOUND after HELLO: adopt, start, or stay. */
void proc_adopt(struct proc *p, const struct msg_proc *mp);
/* Handles the master's reports about this process. */
void proc_on_found(struct proc *p, const struct msg_proc *mp);
void proc_on_spawned(struct proc *p, const struct msg_job *mj);
void proc_on_spawn_failed(struct proc *p, const struct msg_job *mj);
void proc_on_exited(struct proc *p, const struct msg_job *mj);
/* Returns "app:group:name" (or "app:name") for log lines. */
const char *proc_tag(const struct proc *p);
/* Returns CLOCK_MONOTONIC in milliseconds. */
uint64_t proc_now_ms(void);
/* Samples RSS and CPU use of the main pid (for status). */
void proc_sample(struct proc *p);

#endif /* BP_PROC_H */
