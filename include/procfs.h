/*
 * procfs: readers of /proc for the worker.  Every reader does one open and
 * (for fixed-size files) one read() into a stack buffer: no stdio, no
 * malloc, no forks.  The parsers take a buffer and its length (no NUL
 * needed) so they can be tested on captured texts; they never read past
 * len and return -1 on malformed input.
 *
 * Everything here works for an unprivileged worker watching processes of
 * another uid: stat, status and task/TID/children are world-readable.
 * smaps_rollup is not (it needs ptrace access), so only benchmarks and
 * same-uid callers can use it.
 */
#ifndef BP_PROCFS_H
#define BP_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PROCFS_COMM_MAX 16    /* TASK_COMM_LEN, with NUL */
#define PROCFS_MAX_DEPTH 1024 /* ppid steps procfs_is_descendant walks */

/* The fields of /proc/PID/stat bluepill uses. */
struct procfs_stat {
	int pid;
	char state; /* R, S, D, Z, T, t, X, I, ... */
	char comm[PROCFS_COMM_MAX];
	int ppid;
	int pgrp;
	int session;
	int num_threads;
	uint64_t utime;     /* clock ticks, user mode */
	uint64_t stime;     /* clock ticks, kernel mode */
	uint64_t cutime;    /* ticks of waited-for children, user mode */
	uint64_t cstime;    /* ticks of waited-for children, kernel mode */
	uint64_t starttime; /* clock ticks since boot */
	uint64_t vsize;     /* bytes */
	uint64_t rss_pages; /* resident pages */
};

/* Real, effective, saved and filesystem ids from /proc/PID/status. */
struct procfs_ids {
	uint32_t ruid, euid, suid, fsuid;
	uint32_t rgid, egid, sgid, fsgid;
};

/* Totals from /proc/PID/smaps_rollup, in bytes. */
struct procfs_smaps {
	uint64_t rss;
	uint64_t pss;
	uint64_t private_clean;
	uint64_t private_dirty;
	uint64_t swap;
};

/*
 * CPU and memory of a process, and of its tree when asked.  The tree's
 * CPU adds, for every member, the ticks of children it already reaped
 * (cutime, cstime): a child that exits between two samples then keeps
 * counting through its parent, and the tree's total only goes down when
 * a member exits and is reaped outside the tree.
 */
struct procfs_usage {
	char state;         /* the process's own */
	int ntree;          /* processes in the tree sums, itself included */
	uint64_t starttime; /* clock ticks since boot */
	uint64_t rss;       /* bytes, the process alone */
	uint64_t cpu_ticks; /* utime + stime, the process alone */
	uint64_t tree_rss;  /* bytes, with every descendant */
	uint64_t tree_cpu_ticks; /* all of utime, stime, cutime, cstime */
};

#define PROCFS_TREE_MAX 512 /* descendants procfs_read_usage looks at */

/* Returns sysconf(_SC_CLK_TCK), cached (100 when unknown). */
long procfs_clk_tck(void);
/* Returns the page size in bytes, cached. */
long procfs_page_size(void);
/* Returns CLOCK_BOOTTIME in ms, the clock stat's starttime counts in. */
uint64_t procfs_boottime_ms(void);
/* Converts clock ticks to milliseconds. */
uint64_t procfs_ticks_to_ms(uint64_t ticks);

/* Parses a /proc/PID/stat text; 0 on success, -1 when malformed. */
int procfs_parse_stat(const char *buf, size_t len, struct procfs_stat *st);
/* Reads /proc/PID/stat; -1 with errno ESRCH when pid is gone. */
int procfs_read_stat(pid_t pid, struct procfs_stat *st);

/* Parses the Uid: and Gid: lines of a /proc/PID/status text; 0 or -1. */
int
procfs_parse_status_ids(const char *buf, size_t len, struct procfs_ids *ids);
/* Reads the ids of pid from /proc/PID/status; -1 (ESRCH when gone). */
int procfs_read_ids(pid_t pid, struct procfs_ids *ids);
/* Reads the effective uid of pid; -1 (ESRCH when gone). */
int procfs_read_uid(pid_t pid, uint32_t *euid);

/*
 * Parses a space-separated pid list (task/TID/children) into out; returns
 * how many were stored (at most max), -1 when malformed.
 */
int procfs_parse_pids(const char *buf, size_t len, int *out, size_t max);
/*
 * Reads the children of every thread of pid; returns how many were
 * stored (at most max), -1 (ESRCH when gone).
 */
int procfs_read_children(pid_t pid, int *out, size_t max);
/*
 * Finds the children of pid by reading every /proc/PID/stat: slow, the
 * fallback for kernels without CONFIG_PROC_CHILDREN.  Count or -1.
 */
int procfs_scan_children(pid_t pid, int *out, size_t max);
/*
 * Collects all descendants of root, breadth first (children before
 * grandchildren); returns how many were stored (at most max), -1 when
 * root itself is gone.
 */
int procfs_descendants(pid_t root, int *out, size_t max);
/* Returns 1 when ancestor is found on pid's ppid chain, else 0. */
int procfs_is_descendant(pid_t pid, pid_t ancestor);
/*
 * Reads a small pseudo-file (/proc, /sys) with one read() into buf, not
 * NUL-ended; returns its length, or -1 (a missing /proc pid is ESRCH).
 */
ssize_t procfs_read_file(const char *path, char *buf, size_t size);
/*
 * Returns 1 when pid exists, is not a zombie (or dead) and, when
 * start_ticks is not 0, started at start_ticks (so not a recycled pid).
 */
int procfs_pid_alive(pid_t pid, uint64_t start_ticks);

/*
 * Reads the usage of pid; with tree, also of its descendants (otherwise
 * the tree fields equal the process's own).  -1 (ESRCH) when pid is gone.
 */
int procfs_read_usage(pid_t pid, int tree, struct procfs_usage *u);

/* Parses a /proc/PID/smaps_rollup text; 0 or -1 (no Rss: line). */
int
procfs_parse_smaps_rollup(const char *buf, size_t len, struct procfs_smaps *sm);
/* Reads /proc/PID/smaps_rollup; needs ptrace access to pid. */
int procfs_read_smaps_rollup(pid_t pid, struct procfs_smaps *sm);

#endif /* BP_PROCFS_H */
