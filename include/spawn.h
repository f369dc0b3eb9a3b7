/*
 * spawn: the only code that forks application processes.  Everything a
 * child runs, as whom and where, comes from the master's own struct app.
 */
#ifndef BP_SPAWN_H
#define BP_SPAWN_H

#include <sys/types.h>
#include "bluepill.h"
#include "msg.h"

/* Returns the command a job kind runs, or NULL if it has none. */
const struct cmd_conf *spawn_cmd(const struct app *app, uint32_t proc,
    enum job_kind kind, int32_t arg);
/*
 * Forks and execs a job of process proc.  target is the pid that {{PID}}
 * stands for.  Returns the child's pid and sets *errfd to the read end of
 * a close-on-exec pipe: EOF when the exec happened, or an int errno (and
 * the failing step's name) when it did not.  -1 on fork failure.  cgfd
 * is the app's cgroup.procs (-1: none) for its max_processes.
 */
pid_t spawn_job(const struct app *app, uint32_t proc, enum job_kind kind,
    int32_t arg, pid_t target, int privileged, int cgfd, int *errfd);
/*
 * Builds argv for a command: a shell string runs through /bin/sh -c, with
 * "exec " put in front of a single simple command so that the supervised
 * pid is the program's own.  {{PID}} becomes target.  Returns a NULL-ended
 * malloc'd vector (free with spawn_free_argv), or NULL.
 */
char **spawn_build_argv(const struct app *app, const struct cmd_conf *cmd,
    pid_t target);
/* Frees a vector from spawn_build_argv or spawn_build_env. */
void spawn_free_argv(char **argv);
/* Builds the clean environment of SPEC §7 for process proc. */
char **spawn_build_env(const struct app *app, uint32_t proc);
/* Default dispositions for every signal (glibc's reserved 32 and 33 too)
 * and an empty mask, for a new child; 0 or -1. */
int spawn_reset_signals(void);
/* Tells whether a shell command is one simple command (safe to exec). */
int spawn_is_simple(const char *cmd);

#endif /* BP_SPAWN_H */
