/*
 * Tests of the process state machine (SPEC §4) against an expectation
 * table written here, independently of src/proc_fsm.c: every state x event
 * cell, both outcomes of its guard, then chained scenarios that play the
 * caller's part, then invariants that must hold over the whole table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proc_fsm.h"

#define NSTATES ((int)PROC_NSTATES)
#define NEVENTS ((int)PROC_NEVENTS)

/* Every bit the header defines; anything else in a cell is a typo. */
#define ALL_ACTIONS                                                     \
	(A_CANCEL | A_START | A_STOP | A_RESTART | A_KILL | A_BACKOFF | \
	    A_ABORT | A_FORGET)

/* Actions that act on the process itself, as opposed to timers/records. */
#define PROCESS_ACTIONS (A_START | A_STOP | A_RESTART | A_KILL | A_ABORT)

#define U PROC_UNMONITORED
#define D PROC_DOWN
#define S PROC_STARTING
#define P PROC_UP
#define T PROC_STOPPING
#define R PROC_RESTARTING

#define CN A_CANCEL
#define ST A_START
#define SP A_STOP
#define RS A_RESTART
#define KL A_KILL
#define BO A_BACKOFF
#define AB A_ABORT
#define FG A_FORGET

/* One expected cell: outcome [0]/[1] indexed as the header's guards are. */
struct expect {
	int state;
	int event;
	int guard;
	int next[2];
	unsigned actions[2];
	const char *why;
};

/* A cell whose outcome does not depend on any guard. */
#define SAME(st, ev, n, a, w)                         \
	{                                             \
		st, ev, G_NONE, { n, n }, { a, a }, w \
	}
/* [0] the main pid is alive, [1] it is not. */
#define IFALIVE(st, ev, n0, a0, n1, a1, w)                 \
	{                                                  \
		st, ev, G_ALIVE, { n0, n1 }, { a0, a1 }, w \
	}
/*
 * [0] a restart_command is in effect for this restart (the caller ran it
 * and it has neither failed nor hung), [1] it is not.
 */
#define IFRCMD(st, ev, n0, a0, n1, a1, w)                        \
	{                                                        \
		st, ev, G_RESTART_CMD, { n0, n1 }, { a0, a1 }, w \
	}

/*
 * The expectation, one row per cell.  The rows marked SPEC §3.2 carry
 * A_CANCEL in unmonitored: that is the state a flapping process waits in
 * for retry_in, a user stop or unmonitor must cancel that retry, and a
 * restart that takes the process over must not be followed by a stale one.
 */
/* clang-format off */
static const struct expect fsm_expect[] = {
	/* unmonitored: nobody watches; only user commands matter */
	IFALIVE(U, PEV_START, P, CN, S, CN | ST,
	    "start adopts a live pid (SPEC fix), else starts it"),
	IFALIVE(U, PEV_STOP, T, CN | SP, U, CN,
	    "stop a live process; either way the flapping retry is "
	    "cancelled (SPEC §3.2)"),
	IFALIVE(U, PEV_RESTART, R, CN | RS, S, CN | ST,
	    "restart the live pid, else just start; either way the flapping "
	    "retry is cancelled (SPEC §3.2)"),
	SAME(U, PEV_UNMONITOR, U, CN,
	    "already unmonitored; cancels a pending flapping retry (SPEC §3.2)"),
	SAME(U, PEV_RUNNING, U, A_NONE, "a pid report changes nothing"),
	SAME(U, PEV_EXITED, U, FG, "status never shows a stale pid"),
	SAME(U, PEV_FAILED, U, A_NONE, "stale: no start in flight"),
	SAME(U, PEV_TIMEOUT, U, A_NONE, "stale grace timer"),
	SAME(U, PEV_RETRY, U, A_NONE, "stale back-off timer"),
	SAME(U, PEV_FLAPPING, U, A_NONE, "stale: no start to refuse"),

	/* down: not running, the back-off timer will start it */
	SAME(D, PEV_START, D, A_NONE, "the back-off start is already due"),
	SAME(D, PEV_STOP, U, CN,
	    "nothing runs: drop the pending start, unmonitored"),
	SAME(D, PEV_RESTART, D, A_NONE,
	    "nothing to stop; the due start ends it up, 1 s apart"),
	SAME(D, PEV_UNMONITOR, U, CN, "stop watching: no start either"),
	SAME(D, PEV_RUNNING, P, CN, "it is back on its own: up, no start"),
	SAME(D, PEV_EXITED, D, FG, "stale exit; forget the pid"),
	SAME(D, PEV_FAILED, D, A_NONE, "stale: no start in flight"),
	SAME(D, PEV_TIMEOUT, D, A_NONE, "stale grace timer"),
	SAME(D, PEV_RETRY, S, ST, "the back-off ran out: start again"),
	SAME(D, PEV_FLAPPING, D, A_NONE, "stale: no start to refuse"),

	/* starting: a start job and its grace timer are in flight */
	SAME(S, PEV_START, S, A_NONE, "already starting"),
	SAME(S, PEV_STOP, T, CN | SP,
	    "stop what is being started; ends unmonitored"),
	SAME(S, PEV_RESTART, S, A_NONE,
	    "no old pid to stop; this start ends it up"),
	SAME(S, PEV_UNMONITOR, U, CN,
	    "stop watching; the start goes on (never stops anything)"),
	SAME(S, PEV_RUNNING, P, CN, "started: up"),
	SAME(S, PEV_EXITED, D, CN | FG | BO,
	    "died while starting: forget, try again after back-off"),
	SAME(S, PEV_FAILED, D, CN | AB | BO,
	    "the start could not run: clean up, try again after back-off"),
	SAME(S, PEV_TIMEOUT, D, CN | AB | BO,
	    "start_grace_time passed: the start failed"),
	SAME(S, PEV_RETRY, S, A_NONE, "stale back-off timer"),
	SAME(S, PEV_FLAPPING, U, CN | AB,
	    "flapping refuses this start: unmonitored (SPEC §3.2)"),

	/* up: running and watched */
	SAME(P, PEV_START, P, A_NONE, "already up"),
	SAME(P, PEV_STOP, T, CN | SP, "stop it, ends unmonitored"),
	SAME(P, PEV_RESTART, R, CN | RS,
	    "restart_command, or stop then start"),
	SAME(P, PEV_UNMONITOR, U, CN, "stop watching; it keeps running"),
	SAME(P, PEV_RUNNING, P, A_NONE, "the same news again"),
	SAME(P, PEV_EXITED, D, CN | FG | BO,
	    "a crash: noticed at once, started after back-off (SPEC §4)"),
	SAME(P, PEV_FAILED, P, A_NONE, "stale: no start in flight"),
	SAME(P, PEV_TIMEOUT, P, A_NONE, "stale grace timer"),
	SAME(P, PEV_RETRY, P, A_NONE, "stale back-off timer"),
	SAME(P, PEV_FLAPPING, P, A_NONE, "stale: no start to refuse"),

	/* stopping: stop sent, stop grace running; ends unmonitored */
	SAME(T, PEV_START, T, A_NONE, "the stop in progress wins"),
	SAME(T, PEV_STOP, T, A_NONE, "already stopping"),
	SAME(T, PEV_RESTART, R, A_NONE,
	    "the stop under way is the first half of the restart"),
	SAME(T, PEV_UNMONITOR, U, CN,
	    "stop watching; no escalation to KILL"),
	SAME(T, PEV_RUNNING, T, SP,
	    "a start in flight produced its pid: stop that one"),
	SAME(T, PEV_EXITED, U, CN | FG, "stopped: unmonitored, pid forgotten"),
	SAME(T, PEV_FAILED, U, CN,
	    "the start being stopped never ran: nothing left to stop"),
	SAME(T, PEV_TIMEOUT, T, KL, "stop_grace_time passed: SIGKILL"),
	SAME(T, PEV_RETRY, T, A_NONE, "stale back-off timer"),
	SAME(T, PEV_FLAPPING, T, A_NONE, "stale: no start to refuse"),

	/* restarting: restart_command, or a stop before a start */
	SAME(R, PEV_START, R, A_NONE, "the restart ends up anyway"),
	SAME(R, PEV_STOP, T, CN | SP, "the later command wins: stop"),
	SAME(R, PEV_RESTART, R, A_NONE, "already restarting"),
	SAME(R, PEV_UNMONITOR, U, CN, "stop watching; never stops it"),
	IFRCMD(R, PEV_RUNNING, P, CN, R, SP,
	    "restart_command in effect brought it back; otherwise a start in "
	    "flight produced a pid that must be stopped first"),
	IFRCMD(R, PEV_EXITED, R, FG, S, CN | FG | ST,
	    "restart_command in effect may replace the pid: wait for it; "
	    "otherwise the old pid is gone, so start"),
	IFALIVE(R, PEV_FAILED, R, SP, S, CN | ST,
	    "restart_command failed (caller drops it): stop the old pid, or "
	    "start at once if it is already gone"),
	IFALIVE(R, PEV_TIMEOUT, R, KL, S, CN | ST,
	    "grace passed (caller drops restart_command): SIGKILL the old "
	    "pid, or start at once if it is already gone"),
	SAME(R, PEV_RETRY, R, A_NONE, "stale back-off timer"),
	SAME(R, PEV_FLAPPING, R, A_NONE, "stale: no start to refuse"),
};
/* clang-format on */

#define NEXPECT (sizeof(fsm_expect) / sizeof(fsm_expect[0]))

/* Formats action bits as "cancel|start" for failure messages. */
static const char *
fsm_actions_str(unsigned a, char *buf, size_t len)
{
	static const char *const names[] = { "cancel", "start", "stop",
		"restart", "kill", "backoff", "abort", "forget" };
	size_t i, off = 0;

	buf[0] = '\0';
	if (a == A_NONE) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((a & (1u << i)) == 0)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off > 0 ? "|" : "", names[i]);
		if (off >= len)
			break;
	}
	if (a & ~(unsigned)ALL_ACTIONS)
		snprintf(buf + off, off < len ? len - off : 0, "|0x%x",
		    a & ~(unsigned)ALL_ACTIONS);
	return buf;
}

/* Returns the expectation row of one cell, or NULL. */
static const struct expect *
fsm_expect_find(int state, int event)
{
	size_t i;

	for (i = 0; i < NEXPECT; i++)
		if (fsm_expect[i].state == state &&
		    fsm_expect[i].event == event)
			return &fsm_expect[i];
	return NULL;
}

/* Which outcome a guard picks for the given facts. */
static int
fsm_outcome(int guard, int alive, int rcmd)
{
	if (guard == G_ALIVE)
		return alive ? 0 : 1;
	if (guard == G_RESTART_CMD)
		return rcmd ? 0 : 1;
	return 0;
}

/* The expectation table names each cell once, and nothing else. */
static void
test_expect_table_complete(void **arg)
{
	int seen[NSTATES][NEVENTS];
	size_t i;

	(void)arg;
	memset(seen, 0, sizeof(seen));
	assert_int_equal(NEXPECT, NSTATES * NEVENTS);
	for (i = 0; i < NEXPECT; i++) {
		assert_in_range(fsm_expect[i].state, 0, NSTATES - 1);
		assert_in_range(fsm_expect[i].event, 0, NEVENTS - 1);
		seen[fsm_expect[i].state][fsm_expect[i].event]++;
	}
	for (i = 0; i < (size_t)(NSTATES * NEVENTS); i++)
		assert_int_equal(seen[i / NEVENTS][i % NEVENTS], 1);
}

/* Checks one row of the table (every event, every guard fact) in one go. */
static void
fsm_check_row(int state)
{
	char b1[128], b2[128];
	int ev, alive, rcmd, bad = 0;

	for (ev = 0; ev < NEVENTS; ev++) {
		const struct expect *e = fsm_expect_find(state, ev);
		const struct proc_fsm_cell *c;

		assert_non_null(e);
		c = proc_fsm_cell((enum proc_state)state, (enum proc_event)ev);
		assert_non_null(c);
		if (c->guard != e->guard) {
			print_error("%s x %s: guard %d, expected %d (%s)\n",
			    proc_fsm_state_name((enum proc_state)state),
			    proc_fsm_event_name((enum proc_event)ev), c->guard,
			    e->guard, e->why);
			bad++;
			continue;
		}
		/* Every combination of facts, so ignored facts are tested. */
		for (alive = 0; alive <= 1; alive++) {
			for (rcmd = 0; rcmd <= 1; rcmd++) {
				struct proc_fsm_result r;
				int o = fsm_outcome(e->guard, alive, rcmd);

				r = proc_fsm_step((enum proc_state)state,
				    (enum proc_event)ev, alive, rcmd);
				if ((int)r.next == e->next[o] &&
				    r.actions == e->actions[o])
					continue;
				print_error("%s x %s (alive=%d rcmd=%d): "
				            "got %s [%s], expected %s [%s]: "
				            "%s\n",
				    proc_fsm_state_name((enum proc_state)state),
				    proc_fsm_event_name((enum proc_event)ev),
				    alive, rcmd, proc_fsm_state_name(r.next),
				    fsm_actions_str(r.actions, b1, sizeof(b1)),
				    proc_fsm_state_name(
				        (enum proc_state)e->next[o]),
				    fsm_actions_str(e->actions[o], b2,
				        sizeof(b2)),
				    e->why);
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

/* The unmonitored row. */
static void
test_cells_unmonitored(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_UNMONITORED);
}

/* The down row. */
static void
test_cells_down(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_DOWN);
}

/* The starting row. */
static void
test_cells_starting(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_STARTING);
}

/* The up row. */
static void
test_cells_up(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_UP);
}

/* The stopping row. */
static void
test_cells_stopping(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_STOPPING);
}

/* The restarting row. */
static void
test_cells_restarting(void **arg)
{
	(void)arg;
	fsm_check_row(PROC_RESTARTING);
}

/* Every cell is well formed and proc_fsm_step reads exactly that cell. */
static void
test_totality(void **arg)
{
	int st, ev, i, alive, rcmd;

	(void)arg;
	for (st = 0; st < NSTATES; st++) {
		for (ev = 0; ev < NEVENTS; ev++) {
			const struct proc_fsm_cell *c = proc_fsm_cell(
			    (enum proc_state)st, (enum proc_event)ev);

			assert_non_null(c);
			assert_true(c->guard == G_NONE || c->guard == G_ALIVE ||
			    c->guard == G_RESTART_CMD);
			for (i = 0; i < 2; i++) {
				assert_in_range(c->next[i], 0, NSTATES - 1);
				assert_int_equal(
				    c->actions[i] & ~(unsigned)ALL_ACTIONS, 0);
			}
			/* A guard-free cell must not hide a second outcome. */
			if (c->guard == G_NONE) {
				assert_int_equal(c->next[0], c->next[1]);
				assert_int_equal(c->actions[0], c->actions[1]);
			}
			for (alive = 0; alive <= 1; alive++) {
				for (rcmd = 0; rcmd <= 1; rcmd++) {
					struct proc_fsm_result r;
					int o = fsm_outcome(c->guard, alive,
					    rcmd);

					r = proc_fsm_step((enum proc_state)st,
					    (enum proc_event)ev, alive, rcmd);
					assert_int_equal(r.next, c->next[o]);
					assert_int_equal(r.actions,
					    c->actions[o]);
				}
			}
		}
	}
	/* Out of range on either axis, including negative values. */
	assert_null(proc_fsm_cell(PROC_NSTATES, PEV_START));
	assert_null(proc_fsm_cell(PROC_UP, PROC_NEVENTS));
	assert_null(proc_fsm_cell(PROC_NSTATES, PROC_NEVENTS));
	assert_null(proc_fsm_cell((enum proc_state) - 1, PEV_START));
	assert_null(proc_fsm_cell(PROC_UP, (enum proc_event) - 1));
	assert_null(proc_fsm_cell((enum proc_state)1000, PEV_START));
}

/* Names are the ones status shows (SPEC §4), distinct, and "?" out of range. */
static void
test_names(void **arg)
{
	static const char *const states[] = { "unmonitored", "down", "starting",
		"up", "stopping", "restarting" };
	int i, j;

	(void)arg;
	assert_int_equal(sizeof(states) / sizeof(states[0]), NSTATES);
	for (i = 0; i < NSTATES; i++)
		assert_string_equal(proc_fsm_state_name((enum proc_state)i),
		    states[i]);
	for (i = 0; i < NSTATES; i++) {
		const char *a = proc_fsm_state_name((enum proc_state)i);

		assert_non_null(a);
		assert_true(a[0] != '\0');
		assert_string_not_equal(a, "?");
		for (j = i + 1; j < NSTATES; j++)
			assert_string_not_equal(a,
			    proc_fsm_state_name((enum proc_state)j));
	}
	for (i = 0; i < NEVENTS; i++) {
		const char *a = proc_fsm_event_name((enum proc_event)i);

		assert_non_null(a);
		assert_true(a[0] != '\0');
		assert_string_not_equal(a, "?");
		for (j = i + 1; j < NEVENTS; j++)
			assert_string_not_equal(a,
			    proc_fsm_event_name((enum proc_event)j));
	}
	assert_string_equal(proc_fsm_event_name(PEV_START), "start");
	assert_string_equal(proc_fsm_event_name(PEV_EXITED), "exited");
	assert_string_equal(proc_fsm_state_name(PROC_NSTATES), "?");
	assert_string_equal(proc_fsm_state_name((enum proc_state) - 1), "?");
	assert_string_equal(proc_fsm_event_name(PROC_NEVENTS), "?");
	assert_string_equal(proc_fsm_event_name((enum proc_event) - 1), "?");
}

/*
 * Scenarios.  A struct sim plays the caller: it holds the state, ORs
 * together every action asked for (so a scenario can assert what never
 * happened), and keeps the two timers the actions arm, so that a scenario
 * can let time pass with no other news and see where the process ends.
 * It also keeps the caller's restart_cmd flag, the G_RESTART_CMD fact: set
 * only when A_RESTART really runs the restart_command (pid alive, command
 * configured), dropped when the command fails or hangs (failed or timeout
 * while restarting) and whenever restarting is left.
 */
struct sim {
	enum proc_state state;
	unsigned seen;   /* all actions of the scenario so far */
	unsigned last;   /* actions of the last step */
	int has_cmd;     /* the process has a restart_command configured */
	int restart_cmd; /* that command is in effect for this restart */
	int grace;       /* a start/stop/restart grace timer is armed */
	int backoff;     /* the back-off timer is armed */
};

/* Drops the restart_command when news says it failed or hung, as proc.c. */
static void
sim_arrive(struct sim *s, enum proc_event ev)
{
	if (s->state == PROC_RESTARTING &&
	    (ev == PEV_FAILED || ev == PEV_TIMEOUT))
		s->restart_cmd = 0;
}

/* Does what the caller does with a result: records it, arms or cancels. */
static void
sim_apply(struct sim *s, enum proc_event ev, int alive,
    struct proc_fsm_result r)
{
	/* The timer that fired to cause this event is spent. */
	if (ev == PEV_TIMEOUT)
		s->grace = 0;
	if (ev == PEV_RETRY)
		s->backoff = 0;
	if (r.actions & A_CANCEL)
		s->grace = s->backoff = 0;
	if (r.actions & (A_START | A_STOP | A_RESTART))
		s->grace = 1;
	if (r.actions & A_BACKOFF)
		s->backoff = 1;
	/* A_RESTART runs the command only on a live pid; else it stops. */
	if ((r.actions & A_RESTART) && alive && s->has_cmd)
		s->restart_cmd = 1;
	if (r.next != PROC_RESTARTING)
		s->restart_cmd = 0;
	s->state = r.next;
	s->last = r.actions;
	s->seen |= r.actions;
}

/* Feeds one event and checks the caller's next state and action bits. */
static void
sim_step_at(struct sim *s, enum proc_event ev, int alive, enum proc_state want,
    unsigned want_actions, const char *file, int line)
{
	struct proc_fsm_result r;
	char b1[128], b2[128];

	sim_arrive(s, ev);
	r = proc_fsm_step(s->state, ev, alive, s->restart_cmd);
	if (r.next != want || r.actions != want_actions)
		print_error("%s x %s: got %s [%s], expected %s [%s]\n",
		    proc_fsm_state_name(s->state), proc_fsm_event_name(ev),
		    proc_fsm_state_name(r.next),
		    fsm_actions_str(r.actions, b1, sizeof(b1)),
		    proc_fsm_state_name(want),
		    fsm_actions_str(want_actions, b2, sizeof(b2)));
	_assert_int_equal(r.next, want, file, line);
	_assert_int_equal(r.actions, want_actions, file, line);
	sim_apply(s, ev, alive, r);
}

#define STEP(s, ev, alive, want, acts) \
	sim_step_at(s, ev, alive, want, acts, __FILE__, __LINE__)

/* Feeds one event and returns the outcome without judging it. */
static struct proc_fsm_result
sim_feed(struct sim *s, enum proc_event ev, int alive)
{
	struct proc_fsm_result r;

	sim_arrive(s, ev);
	r = proc_fsm_step(s->state, ev, alive, s->restart_cmd);
	sim_apply(s, ev, alive, r);
	return r;
}

/*
 * Lets time pass with no pid alive: armed timers fire until none is left,
 * or until a step asks for one of the actions in until (0: never).
 */
static void
sim_settle(struct sim *s, unsigned until)
{
	int i;

	for (i = 0;
	     i < 16 && (s->grace || s->backoff) && (s->last & until) == 0; i++)
		sim_feed(s, s->grace ? PEV_TIMEOUT : PEV_RETRY, 0);
}

/* Unmonitored, start, the pid shows up: up. */
static void
test_scn_start(void **arg)
{
	struct sim s = { .state = PROC_UNMONITORED };

	(void)arg;
	STEP(&s, PEV_START, 0, PROC_STARTING, A_CANCEL | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
	assert_int_equal(s.seen & (A_STOP | A_KILL | A_ABORT), 0);
}

/* A crash goes down with back-off, then is started again and is up. */
static void
test_scn_crash(void **arg)
{
	struct sim s = { .state = PROC_UP };

	(void)arg;
	STEP(&s, PEV_EXITED, 0, PROC_DOWN, A_CANCEL | A_FORGET | A_BACKOFF);
	/* A repeated start request must not bypass the 1 s spacing. */
	STEP(&s, PEV_START, 0, PROC_DOWN, A_NONE);
	assert_true(s.backoff);
	STEP(&s, PEV_RETRY, 0, PROC_STARTING, A_START);
	assert_true(s.grace);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
	/* Crashing again while starting goes round once more. */
	s.state = PROC_STARTING;
	STEP(&s, PEV_EXITED, 0, PROC_DOWN, A_CANCEL | A_FORGET | A_BACKOFF);
	STEP(&s, PEV_RETRY, 0, PROC_STARTING, A_START);
	STEP(&s, PEV_TIMEOUT, 0, PROC_DOWN, A_CANCEL | A_ABORT | A_BACKOFF);
	STEP(&s, PEV_RETRY, 0, PROC_STARTING, A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
}

/* Stop from up escalates to SIGKILL on timeout and ends unmonitored. */
static void
test_scn_stop(void **arg)
{
	struct sim s = { .state = PROC_UP };

	(void)arg;
	STEP(&s, PEV_STOP, 1, PROC_STOPPING, A_CANCEL | A_STOP);
	STEP(&s, PEV_STOP, 1, PROC_STOPPING, A_NONE);
	STEP(&s, PEV_TIMEOUT, 1, PROC_STOPPING, A_KILL);
	STEP(&s, PEV_EXITED, 0, PROC_UNMONITORED, A_CANCEL | A_FORGET);
	assert_int_equal(s.seen & (A_START | A_BACKOFF), 0);
	assert_false(s.grace || s.backoff);
	/* A late grace timer must not wake anything up. */
	STEP(&s, PEV_TIMEOUT, 0, PROC_UNMONITORED, A_NONE);
}

/* Restart without restart_command, from up and from unmonitored-alive. */
static void
test_scn_restart_plain(void **arg)
{
	struct sim s = { .state = PROC_UP };

	(void)arg;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	/* No command configured: A_RESTART was a stop, none in effect. */
	assert_false(s.restart_cmd);
	/* The old pid is still there: no start yet. */
	STEP(&s, PEV_START, 1, PROC_RESTARTING, A_NONE);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);

	/*
	 * Same from unmonitored with a live pid: monitored and up after; the
	 * cancel drops a flapping retry that could start it again (SPEC §3.2).
	 */
	memset(&s, 0, sizeof(s));
	s.state = PROC_UNMONITORED;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_false(s.restart_cmd);
	STEP(&s, PEV_TIMEOUT, 1, PROC_RESTARTING, A_KILL);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);

	/* Unmonitored and dead: just a start. */
	memset(&s, 0, sizeof(s));
	s.state = PROC_UNMONITORED;
	STEP(&s, PEV_RESTART, 0, PROC_STARTING, A_CANCEL | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
	assert_int_equal(s.seen & (A_STOP | A_RESTART | A_KILL), 0);
}

/* Restart with restart_command ends up and never asks for a start. */
static void
test_scn_restart_cmd(void **arg)
{
	struct sim s = { .state = PROC_UP, .has_cmd = 1 };

	(void)arg;
	/* The command keeps the pid (a reload in place). */
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_true(s.restart_cmd);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
	assert_false(s.restart_cmd);
	assert_int_equal(s.seen & A_START, 0);

	/* The command replaces the pid: old one exits, new one runs. */
	s.seen = 0;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_true(s.restart_cmd);
	STEP(&s, PEV_EXITED, 0, PROC_RESTARTING, A_FORGET);
	assert_true(s.restart_cmd);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
	assert_false(s.restart_cmd);
	assert_int_equal(s.seen & (A_START | A_STOP | A_KILL), 0);
}

/*
 * SPEC §4: restart "ends up and monitored, whatever the state before".
 * With a restart_command configured, a restart that falls back to a stop
 * (the command could not run, it hung, or the restart arrived during a
 * stop) must still start the process once the old pid is gone and no new
 * one turns up: letting the armed timers fire must lead to a start.
 */

/* Lets the timers fire until a start, requires it, then up once it runs. */
static void
sim_check_ends_up(struct sim *s, const char *how, const char *file, int line)
{
	sim_settle(s, A_START);
	if ((s->last & A_START) == 0 || s->state != PROC_STARTING)
		print_error("%s; old pid gone, no new one: stuck in %s, no "
		            "start, no timer left\n",
		    how, proc_fsm_state_name(s->state));
	_assert_true(s->last & A_START, "a start", file, line);
	_assert_int_equal(s->state, PROC_STARTING, file, line);
	_assert_int_equal(s->restart_cmd, 0, file, line);
	sim_feed(s, PEV_RUNNING, 1);
	_assert_int_equal(s->state, PROC_UP, file, line);
	_assert_int_equal(s->last, A_CANCEL, file, line);
}

#define ENDS_UP(s, how) sim_check_ends_up(s, how, __FILE__, __LINE__)

/* restart_command could not be run: the table falls back to stop. */
static void
test_scn_restart_cmd_fallback_ends_up(void **arg)
{
	struct sim s = { .state = PROC_UP, .has_cmd = 1 };

	(void)arg;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_true(s.restart_cmd);
	/* The caller drops the command, so the old pid's exit means start. */
	STEP(&s, PEV_FAILED, 1, PROC_RESTARTING, A_STOP);
	assert_false(s.restart_cmd);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	ENDS_UP(&s, "restart_command failed, fell back to stop");

	/* The pid died just before the restart: the command is never run. */
	memset(&s, 0, sizeof(s));
	s.state = PROC_UP;
	s.has_cmd = 1;
	STEP(&s, PEV_RESTART, 0, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_false(s.restart_cmd);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	ENDS_UP(&s, "restart of a pid already dead, command not run");
}

/* restart_command hung: its grace runs out and the old pid is killed. */
static void
test_scn_restart_cmd_timeout_ends_up(void **arg)
{
	struct sim s = { .state = PROC_UP, .has_cmd = 1 };

	(void)arg;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	assert_true(s.restart_cmd);
	STEP(&s, PEV_TIMEOUT, 1, PROC_RESTARTING, A_KILL);
	assert_false(s.restart_cmd);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	ENDS_UP(&s, "restart_command hung, old pid killed");
}

/*
 * restart_command ran and the old pid exited, but no new pid turns up:
 * once restart_grace_time passes the process must still be started.
 */
static void
test_scn_restart_cmd_no_new_pid_ends_up(void **arg)
{
	struct sim s = { .state = PROC_UP, .has_cmd = 1 };

	(void)arg;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	STEP(&s, PEV_EXITED, 0, PROC_RESTARTING, A_FORGET);
	assert_true(s.restart_cmd);
	assert_true(s.grace);
	ENDS_UP(&s, "restart_command ran, old pid exited, no new pid");

	/* Same when the command then reports failure after the exit. */
	memset(&s, 0, sizeof(s));
	s.state = PROC_UP;
	s.has_cmd = 1;
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_CANCEL | A_RESTART);
	STEP(&s, PEV_EXITED, 0, PROC_RESTARTING, A_FORGET);
	sim_feed(&s, PEV_FAILED, 0);
	ENDS_UP(&s, "old pid exited, then restart_command failed");
}

/* The restart comes while a stop is under way. */
static void
test_scn_restart_during_stop_ends_up(void **arg)
{
	struct sim s = { .state = PROC_UP, .has_cmd = 1 };

	(void)arg;
	STEP(&s, PEV_STOP, 1, PROC_STOPPING, A_CANCEL | A_STOP);
	/* Entered from stopping: the command is not in effect. */
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_NONE);
	assert_false(s.restart_cmd);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	ENDS_UP(&s, "stop, then restart with restart_command set (never run)");

	/* Without restart_command the same sequence works. */
	memset(&s, 0, sizeof(s));
	s.state = PROC_UP;
	STEP(&s, PEV_STOP, 1, PROC_STOPPING, A_CANCEL | A_STOP);
	STEP(&s, PEV_RESTART, 1, PROC_RESTARTING, A_NONE);
	STEP(&s, PEV_EXITED, 0, PROC_STARTING, A_CANCEL | A_FORGET | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
}

/* Start on an unmonitored live process adopts it: up, same pid, no start. */
static void
test_scn_adopt(void **arg)
{
	struct sim s = { .state = PROC_UNMONITORED };

	(void)arg;
	STEP(&s, PEV_START, 1, PROC_UP, A_CANCEL);
	assert_int_equal(s.seen & (A_START | A_FORGET | A_STOP), 0);
	STEP(&s, PEV_START, 1, PROC_UP, A_NONE);
}

/* Unmonitor from every state, with any facts: unmonitored, nothing stopped. */
static void
test_scn_unmonitor_everywhere(void **arg)
{
	int st, alive, rcmd;

	(void)arg;
	for (st = 0; st < NSTATES; st++) {
		for (alive = 0; alive <= 1; alive++) {
			for (rcmd = 0; rcmd <= 1; rcmd++) {
				struct sim s = { .state = (enum proc_state)st,
					.has_cmd = rcmd };

				/* The timers a process in st has armed. */
				s.grace = st == PROC_STARTING ||
				    st == PROC_STOPPING ||
				    st == PROC_RESTARTING;
				s.backoff = st == PROC_DOWN;
				s.restart_cmd = st == PROC_RESTARTING && rcmd;
				sim_feed(&s, PEV_UNMONITOR, alive);
				assert_false(s.restart_cmd);
				assert_int_equal(s.state, PROC_UNMONITORED);
				assert_int_equal(s.seen & PROCESS_ACTIONS, 0);
				/* Nothing left armed may act on it later. */
				sim_settle(&s, 0);
				sim_feed(&s, PEV_TIMEOUT, alive);
				sim_feed(&s, PEV_RETRY, alive);
				sim_feed(&s, PEV_FAILED, alive);
				assert_int_equal(s.state, PROC_UNMONITORED);
				assert_int_equal(s.seen & PROCESS_ACTIONS, 0);
			}
		}
	}
}

/* A user stop during starting ends unmonitored once the pid exits. */
static void
test_scn_stop_while_starting(void **arg)
{
	struct sim s = { .state = PROC_STARTING };

	(void)arg;
	STEP(&s, PEV_STOP, 0, PROC_STOPPING, A_CANCEL | A_STOP);
	/* The start job still produces its pid: it is stopped too. */
	STEP(&s, PEV_RUNNING, 1, PROC_STOPPING, A_STOP);
	STEP(&s, PEV_EXITED, 0, PROC_UNMONITORED, A_CANCEL | A_FORGET);
	assert_int_equal(s.seen & (A_START | A_BACKOFF), 0);

	/* Or the start job fails: unmonitored as well. */
	memset(&s, 0, sizeof(s));
	s.state = PROC_STARTING;
	STEP(&s, PEV_STOP, 0, PROC_STOPPING, A_CANCEL | A_STOP);
	STEP(&s, PEV_FAILED, 0, PROC_UNMONITORED, A_CANCEL);
	assert_int_equal(s.seen & (A_START | A_BACKOFF), 0);
}

/* Flapping refuses the start: unmonitored, the start job aborted. */
static void
test_scn_flapping(void **arg)
{
	struct sim s = { .state = PROC_DOWN };

	(void)arg;
	STEP(&s, PEV_RETRY, 0, PROC_STARTING, A_START);
	s.seen = 0;
	STEP(&s, PEV_FLAPPING, 0, PROC_UNMONITORED, A_CANCEL | A_ABORT);
	assert_int_equal(s.seen & (A_START | A_BACKOFF), 0);
	/* The stale back-off or grace timer must not start it again. */
	STEP(&s, PEV_RETRY, 0, PROC_UNMONITORED, A_NONE);
	STEP(&s, PEV_TIMEOUT, 0, PROC_UNMONITORED, A_NONE);
	/* retry_in expired: the caller's start takes it back up. */
	STEP(&s, PEV_START, 0, PROC_STARTING, A_CANCEL | A_START);
	STEP(&s, PEV_RUNNING, 1, PROC_UP, A_CANCEL);
}

/* SPEC §3.2: a user stop or unmonitor cancels the flapping retry. */
static void
test_scn_flapping_retry_cancelled(void **arg)
{
	struct sim s = { .state = PROC_STARTING };

	(void)arg;
	STEP(&s, PEV_FLAPPING, 0, PROC_UNMONITORED, A_CANCEL | A_ABORT);
	/* The caller has now armed retry_in; the user says unmonitor. */
	sim_feed(&s, PEV_UNMONITOR, 0);
	assert_int_equal(s.state, PROC_UNMONITORED);
	if ((s.last & A_CANCEL) == 0)
		print_error("unmonitored x unmonitor asks for no cancel: the "
		            "flapping retry would still start it\n");
	assert_true(s.last & A_CANCEL);

	s.state = PROC_UNMONITORED;
	sim_feed(&s, PEV_STOP, 0);
	assert_int_equal(s.state, PROC_UNMONITORED);
	if ((s.last & A_CANCEL) == 0)
		print_error("unmonitored x stop (dead) asks for no cancel: the "
		            "flapping retry would still start it\n");
	assert_true(s.last & A_CANCEL);
}

/* Stale timer and pid events in up and unmonitored change nothing. */
static void
test_scn_stale(void **arg)
{
	static const enum proc_event stale[] = { PEV_TIMEOUT, PEV_RETRY,
		PEV_FAILED, PEV_FLAPPING };
	static const enum proc_state quiet[] = { PROC_UP, PROC_UNMONITORED };
	size_t i, j;
	int alive, rcmd;

	(void)arg;
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		for (j = 0; j < sizeof(stale) / sizeof(stale[0]); j++) {
			for (alive = 0; alive <= 1; alive++) {
				for (rcmd = 0; rcmd <= 1; rcmd++) {
					struct proc_fsm_result r;

					r = proc_fsm_step(quiet[i], stale[j],
					    alive, rcmd);
					assert_int_equal(r.next, quiet[i]);
					assert_int_equal(r.actions, A_NONE);
				}
			}
		}
	}
	/* A repeated running report in up is news to nobody. */
	assert_int_equal(proc_fsm_step(PROC_UP, PEV_RUNNING, 1, 0).actions,
	    A_NONE);
}

/*
 * Invariants, checked over every cell and every combination of facts, by
 * calling f(state, event, alive, rcmd, result) and counting complaints.
 */
typedef int (*fsm_rule)(int, int, int, int, struct proc_fsm_result);

/* Runs one rule over the whole table and fails if any cell breaks it. */
static void
fsm_check_rule(fsm_rule rule, const char *what)
{
	int st, ev, alive, rcmd, bad = 0;

	for (st = 0; st < NSTATES; st++)
		for (ev = 0; ev < NEVENTS; ev++)
			for (alive = 0; alive <= 1; alive++)
				for (rcmd = 0; rcmd <= 1; rcmd++) {
					struct proc_fsm_result r;

					r = proc_fsm_step((enum proc_state)st,
					    (enum proc_event)ev, alive, rcmd);
					if (rule(st, ev, alive, rcmd, r))
						continue;
					print_error("%s: broken by %s x %s "
					            "(alive=%d rcmd=%d)\n",
					    what,
					    proc_fsm_state_name(
					        (enum proc_state)st),
					    proc_fsm_event_name(
					        (enum proc_event)ev),
					    alive, rcmd);
					bad++;
				}
	assert_int_equal(bad, 0);
}

/* SIGKILL only when a stop's or restart's grace ran out. */
static int
rule_kill(int st, int ev, int alive, int rcmd, struct proc_fsm_result r)
{
	(void)alive;
	(void)rcmd;
	if ((r.actions & A_KILL) == 0)
		return 1;
	return (st == PROC_STOPPING || st == PROC_RESTARTING) &&
	    ev == PEV_TIMEOUT;
}

/* Never a second copy: no start where the guard says the pid is alive. */
static int
rule_no_start_alive(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	const struct proc_fsm_cell *c = proc_fsm_cell((enum proc_state)st,
	    (enum proc_event)ev);

	(void)rcmd;
	if (c->guard != G_ALIVE || !alive)
		return 1;
	return (r.actions & A_START) == 0;
}

/* Up to down only with back-off (SPEC §4: starts at least 1 s apart). */
static int
rule_up_down_backoff(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	(void)ev;
	(void)alive;
	(void)rcmd;
	if (st != PROC_UP || r.next != PROC_DOWN)
		return 1;
	return (r.actions & A_BACKOFF) != 0;
}

/* Any entry into down arms back-off, else nothing ever leaves down. */
static int
rule_down_backoff(int st, int ev, int alive, int rcmd, struct proc_fsm_result r)
{
	(void)ev;
	(void)alive;
	(void)rcmd;
	if (st == PROC_DOWN || r.next != PROC_DOWN)
		return 1;
	return (r.actions & A_BACKOFF) != 0;
}

/* Stopped and gone: unmonitored with the pid forgotten (no stale pid). */
static int
rule_stop_exit_forgets(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	(void)alive;
	(void)rcmd;
	if (st != PROC_STOPPING || ev != PEV_EXITED)
		return 1;
	return r.next == PROC_UNMONITORED && (r.actions & A_FORGET) != 0;
}

/* Whatever the state, an exit forgets the pid (status never shows it). */
static int
rule_exit_forgets(int st, int ev, int alive, int rcmd, struct proc_fsm_result r)
{
	(void)st;
	(void)alive;
	(void)rcmd;
	return ev != PEV_EXITED || (r.actions & A_FORGET) != 0;
}

/* Leaving a timed state for an untimed one cancels its timers. */
static int
rule_leave_cancels(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	int timed = st == PROC_STARTING || st == PROC_STOPPING ||
	    st == PROC_RESTARTING;

	(void)ev;
	(void)alive;
	(void)rcmd;
	if (!timed || r.next == (enum proc_state)st)
		return 1;
	/* Stopping -> restarting keeps the stop grace on purpose. */
	if (st == PROC_STOPPING && r.next == PROC_RESTARTING)
		return 1;
	return (r.actions & A_CANCEL) != 0;
}

/* Start and stop are never asked for together. */
static int
rule_start_xor_stop(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	(void)st;
	(void)ev;
	(void)alive;
	(void)rcmd;
	return (r.actions & A_START) == 0 ||
	    (r.actions & (A_STOP | A_RESTART | A_KILL)) == 0;
}

/* A start always lands in starting, and starting is only entered so. */
static int
rule_start_enters_starting(int st, int ev, int alive, int rcmd,
    struct proc_fsm_result r)
{
	(void)ev;
	(void)alive;
	(void)rcmd;
	if (r.actions & A_START)
		return r.next == PROC_STARTING;
	return r.next != PROC_STARTING || st == PROC_STARTING;
}

/* The invariants above, one assertion each. */
static void
test_invariants(void **arg)
{
	(void)arg;
	fsm_check_rule(rule_kill, "A_KILL outside a stop/restart timeout");
	fsm_check_rule(rule_no_start_alive, "A_START with the pid alive");
	fsm_check_rule(rule_up_down_backoff, "up -> down without back-off");
	fsm_check_rule(rule_down_backoff, "into down without back-off");
	fsm_check_rule(rule_stop_exit_forgets,
	    "stopping x exited not unmonitored+forget");
	fsm_check_rule(rule_exit_forgets, "exited without A_FORGET");
	fsm_check_rule(rule_leave_cancels, "timed state left without cancel");
	fsm_check_rule(rule_start_xor_stop, "start together with stop/kill");
	fsm_check_rule(rule_start_enters_starting,
	    "start/starting out of step");
}

/* A rule that every table would satisfy proves nothing: try a bad result. */
static void
test_rules_can_fail(void **arg)
{
	struct proc_fsm_result bad;

	(void)arg;
	bad.next = PROC_DOWN;
	bad.actions = A_KILL;
	assert_false(rule_kill(PROC_UP, PEV_TIMEOUT, 1, 0, bad));
	assert_false(rule_up_down_backoff(PROC_UP, PEV_EXITED, 0, 0, bad));
	assert_false(rule_down_backoff(PROC_STARTING, PEV_EXITED, 0, 0, bad));
	assert_false(rule_exit_forgets(PROC_UP, PEV_EXITED, 0, 0, bad));
	assert_false(rule_leave_cancels(PROC_STARTING, PEV_EXITED, 0, 0, bad));
	bad.next = PROC_UP;
	bad.actions = A_START;
	assert_false(
	    rule_no_start_alive(PROC_UNMONITORED, PEV_START, 1, 0, bad));
	assert_false(
	    rule_start_enters_starting(PROC_DOWN, PEV_RETRY, 0, 0, bad));
	bad.actions = A_START | A_STOP;
	assert_false(rule_start_xor_stop(PROC_UP, PEV_RESTART, 1, 0, bad));
	bad.next = PROC_STOPPING;
	bad.actions = A_CANCEL;
	assert_false(
	    rule_stop_exit_forgets(PROC_STOPPING, PEV_EXITED, 0, 0, bad));
}

/* Runs every test; cmocka prints TAP when the harness asks for it. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expect_table_complete),
		cmocka_unit_test(test_cells_unmonitored),
		cmocka_unit_test(test_cells_down),
		cmocka_unit_test(test_cells_starting),
		cmocka_unit_test(test_cells_up),
		cmocka_unit_test(test_cells_stopping),
		cmocka_unit_test(test_cells_restarting),
		cmocka_unit_test(test_totality),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_scn_start),
		cmocka_unit_test(test_scn_crash),
		cmocka_unit_test(test_scn_stop),
		cmocka_unit_test(test_scn_restart_plain),
		cmocka_unit_test(test_scn_restart_cmd),
		cmocka_unit_test(test_scn_restart_cmd_fallback_ends_up),
		cmocka_unit_test(test_scn_restart_cmd_timeout_ends_up),
		cmocka_unit_test(test_scn_restart_cmd_no_new_pid_ends_up),
		cmocka_unit_test(test_scn_restart_during_stop_ends_up),
		cmocka_unit_test(test_scn_adopt),
		cmocka_unit_test(test_scn_unmonitor_everywhere),
		cmocka_unit_test(test_scn_stop_while_starting),
		cmocka_unit_test(test_scn_flapping),
		cmocka_unit_test(test_scn_flapping_retry_cancelled),
		cmocka_unit_test(test_scn_stale),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test(test_rules_can_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
