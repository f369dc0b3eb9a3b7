/*
 * cgroup: fork containment for an app's max_processes.  Each app that sets
 * it gets a cgroup of its own under the pids controller (cgroup v2 when the
 * unified hierarchy offers it, else the v1 pids hierarchy) whose pids.max
 * the kernel enforces on every fork of its processes and their descendants.
 * The master owns every directory; spawned children join before they drop
 * root, so nothing an app runs can leave its cgroup.
 */
#ifndef BP_CGROUP_H
#define BP_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/*
 * Finds the pids controller and makes this bluepilld's directory in it,
 * named after the run directory so two masters never share one.  Returns
 * 0, or -1 (containment then falls back to RLIMIT_NPROC).
 */
int cgroup_init(const char *rundir);
/*
 * Creates (or reuses, after a restart of bluepilld) the cgroup of app with
 * pids.max = max; returns a close-on-exec fd of its cgroup.procs, or -1.
 */
int cgroup_app_open(const char *app, uint32_t max);
/*
 * Lifts the limit (pids.max = max) of an app's cgroup if it has one: the
 * processes an earlier max_processes put there keep running in it.
 */
void cgroup_app_unlimit(const char *app);
/* Tells whether this bluepilld's directory exists (made by an earlier run). */
int cgroup_exists(const char *rundir);
/* Writes the app's cgroup directory into buf ("" before cgroup_init). */
void cgroup_app_path(const char *app, char *buf, size_t len);
/* Builds the directory name used for a run directory; tests use it. */
void cgroup_name(const char *rundir, char *buf, size_t len);

#endif /* BP_CGROUP_H */
