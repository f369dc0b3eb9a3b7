/*
 * proc_fsm: the per-process state machine (SPEC §4) as a total table.
 * Every state x event cell is decided; a few cells depend on one guard
 * (is the main pid alive, or does the process have a restart_command).
 * The table is pure: callers perform the returned actions.
 */
#ifndef BP_PROC_FSM_H
#define BP_PROC_FSM_H

enum proc_state {
	PROC_UNMONITORED = 0,
	PROC_DOWN,
	PROC_STARTING,
	PROC_UP,
	PROC_STOPPING,
	PROC_RESTARTING,
	PROC_NSTATES,
};

enum proc_event {
	PEV_START = 0, /* user start, or a check firing start */
	PEV_STOP,      /* user stop, or a check firing stop */
	PEV_RESTART,   /* user restart, or a check firing restart */
	PEV_UNMONITOR, /* user unmonitor, or a check firing unmonitor */
	PEV_RUNNING,   /* the main pid is known and alive */
	PEV_EXITED,    /* the main pid is gone */
	PEV_FAILED,    /* a start (or restart_command) could not be run */
	PEV_TIMEOUT,   /* the grace timer of the current action expired */
	PEV_RETRY,     /* the back-off timer expired: time to start again */
	PEV_FLAPPING,  /* the flapping trigger refused this start */
	PROC_NEVENTS,
};

/* What the caller must do after a transition; combined as bits. */
enum proc_action {
	A_NONE = 0,
	A_CANCEL = 1 << 0,  /* cancel grace, stop-step and back-off timers */
	A_START = 1 << 1,   /* pre_start then start_command, start grace */
	A_STOP = 1 << 2,    /* stop_command or stop_signals, stop grace */
	A_RESTART = 1 << 3, /* restart_command if any, else A_STOP */
	A_KILL = 1 << 4,    /* SIGKILL the main pid: grace ran out */
	A_BACKOFF = 1 << 5, /* arm the back-off timer (>= 1 s per start) */
	A_ABORT = 1 << 6,   /* kill a start job still in flight */
	A_FORGET = 1 << 7,  /* the main pid is gone: forget it */
};

enum proc_guard {
	G_NONE = 0,    /* one outcome */
	G_ALIVE,       /* [0] when the pid is alive, [1] when not */
	G_RESTART_CMD, /* [0] restart_command in effect, [1] not */
};

struct proc_fsm_cell {
	unsigned char guard;       /* enum proc_guard */
	unsigned char next[2];     /* enum proc_state per guard outcome */
	unsigned short actions[2]; /* enum proc_action bits per outcome */
};

/* The outcome of one event. */
struct proc_fsm_result {
	enum proc_state next;
	unsigned actions;
};

/* Applies event to state with the guards' facts; pure. */
struct proc_fsm_result proc_fsm_step(enum proc_state state,
    enum proc_event event, int alive, int has_restart_cmd);
/* Returns the cell of the table, for tests that walk every one. */
const struct proc_fsm_cell *
proc_fsm_cell(enum proc_state state, enum proc_event event);
/* Returns "up", "down", ... as status shows it. */
const char *proc_fsm_state_name(enum proc_state state);
/* Returns "start", "exited", ... for logs. */
const char *proc_fsm_event_name(enum proc_event event);

#endif /* BP_PROC_FSM_H */
