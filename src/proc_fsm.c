/*
 * proc_fsm: the transition table.  Reading guide for a row: what the
 * process does when it is in that state and the event arrives.  Stale
 * events (a timer that fired after its state was left, a pid report for a
 * process nobody watches) are absorbed by "stay, do nothing" cells.
 */
#include <stddef.h>

#include "proc_fsm.h"

#define U PROC_UNMONITORED
#define D PROC_DOWN
#define S PROC_STARTING
#define P PROC_UP
#define T PROC_STOPPING
#define R PROC_RESTARTING

/* One outcome whatever the guards say. */
#define C(n, a)                   \
	{                         \
		G_NONE, { n, n }, \
		{                 \
			a, a      \
		}                 \
	}
/* Outcome depends on whether the main pid is alive. */
#define CA(n1, a1, n2, a2)           \
	{                            \
		G_ALIVE, { n1, n2 }, \
		{                    \
			a1, a2       \
		}                    \
	}
/* Outcome depends on whether a restart_command is configured. */
#define CR(n1, a1, n2, a2)                 \
	{                                  \
		G_RESTART_CMD, { n1, n2 }, \
		{                          \
			a1, a2             \
		}                          \
	}

/* clang-format off */
static const struct proc_fsm_cell proc_fsm_table[PROC_NSTATES][PROC_NEVENTS] = {
	[PROC_UNMONITORED] = {
		/* start adopts a live process instead of starting a second */
		[PEV_START]     = CA(P, A_CANCEL, S, A_CANCEL | A_START),
		/* stop and unmonitor cancel a pending flapping retry */
		[PEV_STOP]      = CA(T, A_CANCEL | A_STOP, U, A_CANCEL),
		[PEV_RESTART]   = CA(R, A_CANCEL | A_RESTART, S, A_CANCEL | A_START),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		[PEV_RUNNING]   = C(U, A_NONE),
		[PEV_EXITED]    = C(U, A_FORGET),
		[PEV_FAILED]    = C(U, A_NONE),
		[PEV_TIMEOUT]   = C(U, A_NONE),
		[PEV_RETRY]     = C(U, A_NONE),
		[PEV_FLAPPING]  = C(U, A_NONE),
	},
	[PROC_DOWN] = {
		/* the back-off timer is armed: it will start the process */
		[PEV_START]     = C(D, A_NONE),
		[PEV_STOP]      = C(U, A_CANCEL),
		[PEV_RESTART]   = C(D, A_NONE),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		[PEV_RUNNING]   = C(P, A_CANCEL),
		[PEV_EXITED]    = C(D, A_FORGET),
		[PEV_FAILED]    = C(D, A_NONE),
		[PEV_TIMEOUT]   = C(D, A_NONE),
		[PEV_RETRY]     = C(S, A_START),
		[PEV_FLAPPING]  = C(D, A_NONE),
	},
	[PROC_STARTING] = {
		[PEV_START]     = C(S, A_NONE),
		[PEV_STOP]      = C(T, A_CANCEL | A_STOP),
		/* a start is under way: its end satisfies the restart */
		[PEV_RESTART]   = C(S, A_NONE),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		[PEV_RUNNING]   = C(P, A_CANCEL),
		[PEV_EXITED]    = C(D, A_CANCEL | A_FORGET | A_BACKOFF),
		[PEV_FAILED]    = C(D, A_CANCEL | A_ABORT | A_BACKOFF),
		[PEV_TIMEOUT]   = C(D, A_CANCEL | A_ABORT | A_BACKOFF),
		[PEV_RETRY]     = C(S, A_NONE),
		[PEV_FLAPPING]  = C(U, A_CANCEL | A_ABORT),
	},
	[PROC_UP] = {
		[PEV_START]     = C(P, A_NONE),
		[PEV_STOP]      = C(T, A_CANCEL | A_STOP),
		[PEV_RESTART]   = C(R, A_CANCEL | A_RESTART),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		[PEV_RUNNING]   = C(P, A_NONE),
		/* a crash: start again at once, or 1 s after the last start */
		[PEV_EXITED]    = C(D, A_CANCEL | A_FORGET | A_BACKOFF),
		[PEV_FAILED]    = C(P, A_NONE),
		[PEV_TIMEOUT]   = C(P, A_NONE),
		[PEV_RETRY]     = C(P, A_NONE),
		[PEV_FLAPPING]  = C(P, A_NONE),
	},
	[PROC_STOPPING] = {
		[PEV_START]     = C(T, A_NONE),
		[PEV_STOP]      = C(T, A_NONE),
		[PEV_RESTART]   = C(R, A_NONE),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		/* the pid of a start in flight arrived: stop it now */
		[PEV_RUNNING]   = C(T, A_STOP),
		[PEV_EXITED]    = C(U, A_CANCEL | A_FORGET),
		[PEV_FAILED]    = C(U, A_CANCEL),
		[PEV_TIMEOUT]   = C(T, A_KILL),
		[PEV_RETRY]     = C(T, A_NONE),
		[PEV_FLAPPING]  = C(T, A_NONE),
	},
	[PROC_RESTARTING] = {
		[PEV_START]     = C(R, A_NONE),
		[PEV_STOP]      = C(T, A_CANCEL | A_STOP),
		[PEV_RESTART]   = C(R, A_NONE),
		[PEV_UNMONITOR] = C(U, A_CANCEL),
		/*
		 * The guard is "a restart_command is in effect for this
		 * restart": the caller clears it when it falls back to a stop
		 * (command failed or hung) or came here from stopping.  With
		 * it, the process (maybe a new pid) comes back by itself.
		 */
		[PEV_RUNNING]   = CR(P, A_CANCEL, R, A_STOP),
		[PEV_EXITED]    = CR(R, A_FORGET, S, A_CANCEL | A_FORGET | A_START),
		/* the old pid already gone: nothing to stop, start now */
		[PEV_FAILED]    = CA(R, A_STOP, S, A_CANCEL | A_START),
		[PEV_TIMEOUT]   = CA(R, A_KILL, S, A_CANCEL | A_START),
		[PEV_RETRY]     = C(R, A_NONE),
		[PEV_FLAPPING]  = C(R, A_NONE),
	},
};
/* clang-format on */

/* Applies event to state with the guards' facts; pure. */
struct proc_fsm_result
proc_fsm_step(enum proc_state state, enum proc_event event, int alive,
    int has_restart_cmd)
{
	const struct proc_fsm_cell *c = &proc_fsm_table[state][event];
	struct proc_fsm_result r;
	int i = 0;

	if (c->guard == G_ALIVE)
		i = alive ? 0 : 1;
	else if (c->guard == G_RESTART_CMD)
		i = has_restart_cmd ? 0 : 1;
	r.next = (enum proc_state)c->next[i];
	r.actions = c->actions[i];
	return r;
}

/* Returns the cell of the table, for tests that walk every one. */
const struct proc_fsm_cell *
proc_fsm_cell(enum proc_state state, enum proc_event event)
{
	if ((unsigned)state >= PROC_NSTATES || (unsigned)event >= PROC_NEVENTS)
		return NULL;
	return &proc_fsm_table[state][event];
}

/* Returns "up", "down", ... as status shows it. */
const char *
proc_fsm_state_name(enum proc_state state)
{
	static const char *const names[PROC_NSTATES] = { "unmonitored", "down",
		"starting", "up", "stopping", "restarting" };

	if ((unsigned)state >= PROC_NSTATES)
		return "?";
	return names[state];
}

/* Returns "start", "exited", ... for logs. */
const char *
proc_fsm_event_name(enum proc_event event)
{
	static const char *const names[PROC_NEVENTS] = { "start", "stop",
		"restart", "unmonitor", "running", "exited", "failed",
		"timeout", "retry", "flapping" };

	if ((unsigned)event >= PROC_NEVENTS)
		return "?";
	return names[event];
}
