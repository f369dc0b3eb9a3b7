/*
 * monitor: a worker's conditions, triggers and children (SPEC §3).  One
 * tick timer per worker samples each due process once (one /proc read per
 * process per tick, however many checks need it), feeds the pure
 * evaluators of check.c and fires the actions a check asks for.
 */
#ifndef BP_MONITOR_H
#define BP_MONITOR_H

#include <stdint.h>
#include <sys/types.h>

struct evbuffer;

struct proc;

/* Allocates per-check state and starts the tick (after configuration). */
void monitor_init(void);
/* Forgets samples: the process got a new pid or left up. */
void monitor_proc_reset(struct proc *p);
/* Flapping: records a start; 0 when it must be refused (retry armed). */
int monitor_may_start(struct proc *p, uint64_t *retry_ms);
/* A user stop or unmonitor: forget the flapping record. */
void monitor_user_stop(struct proc *p);
/* The main pid is gone: end its orphaned children. */
void monitor_main_exited(struct proc *p);
/* An exec check's command ended (status), or could not run (-1). */
void monitor_exec_done(struct proc *p, int32_t check, int status);
/* Appends the known children of p as the members of a JSON array. */
void monitor_children_write(struct proc *p, struct evbuffer *b);
/* Frees everything (tests, valgrind runs). */
void monitor_free(void);

#endif /* BP_MONITOR_H */
