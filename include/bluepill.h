/*
 * bluepill: limits, paths, enums and the flat configuration structs shared
 * by the master, the workers and the tests.
 *
 * Every struct here is pointer-free: strings live in a string table and are
 * referenced by byte offset (0 is always the empty string), so a struct can
 * be sent by value over the master/worker channel and compared with memcmp
 * on reload.  Writers zero each struct before filling it.
 */
#ifndef BLUEPILL_H
#define BLUEPILL_H

#include <stdint.h>
#include <sys/types.h>

/* configure's --sysconfdir and --runstatedir (/etc and /run for a system). */
#ifdef SYSCONFDIR
#define BP_CONFDIR_DEFAULT SYSCONFDIR "/bluepill.d"
#else
#define BP_CONFDIR_DEFAULT "/etc/bluepill.d"
#endif
#ifdef RUNSTATEDIR
#define BP_RUNDIR_DEFAULT RUNSTATEDIR "/bluepill"
#else
#define BP_RUNDIR_DEFAULT "/run/bluepill"
#endif
#define BP_NAME_MAX 64          /* app, group, process names, with NUL */
#define BP_PATH_MAX 1024        /* any path we store, with NUL */
#define BP_RUNDIR_MAX 200       /* the run directory path, with NUL */
#define BP_MAX_PROCS 1024       /* processes per application */
#define BP_MAX_CHECKS 4096      /* checks per application, all processes */
#define BP_MAX_PROC_CHECKS 16   /* checks per process (and per children) */
#define BP_MAX_SIGSTEPS 8       /* signals in a stop_signals list */
#define BP_MAX_GROUPS 32        /* supplementary groups of one process */
#define BP_MAX_CTL_GROUPS 16    /* ctl_groups of one application */
#define BP_MAX_FIRES 4          /* actions one check may fire */
#define BP_MAX_TIMES 64         /* M of times = [N, M] */
#define BP_STRTAB_MAX (1 << 20) /* bytes of one string table */

/* Worker uids reserved per application, as systemd's DynamicUser range. */
#define BP_DYN_UID_MIN 61184
#define BP_DYN_UID_MAX 65519

#define BP_DEFAULT_GRACE_MS 3000
#define BP_DEFAULT_PATH \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* What a failing check asks for; a check may fire several, in order. */
enum bp_action {
	ACTION_NONE = 0,
	ACTION_RESTART,
	ACTION_STOP,
	ACTION_UNMONITOR,
	ACTION_START,
};

enum check_type {
	CHECK_NONE = 0,
	CHECK_MEM_USAGE,    /* below: bytes */
	CHECK_CPU_USAGE,    /* below: hundredths of a percent */
	CHECK_RUNNING_TIME, /* below: milliseconds */
	CHECK_FILE_TIME,    /* below: milliseconds; filename */
	CHECK_HTTP,         /* url, kind, pattern, timeout_ms */
	CHECK_ZOMBIE_PROCESS,
	CHECK_EXEC, /* timeout_ms; the command is master-only */
	CHECK_ALWAYS_TRUE,
	CHECK_FLAPPING, /* trigger: times_n, within_ms, retry_in_ms */
};

/* One condition or trigger of a process (or of its children). */
struct check_conf {
	uint8_t type;             /* enum check_type */
	uint8_t include_children; /* mem_usage, cpu_usage */
	uint8_t times_n;          /* fail when N ... */
	uint8_t times_m;          /* ... of the last M samples fail */
	uint8_t nfires;
	uint8_t fires[BP_MAX_FIRES]; /* enum bp_action */
	uint8_t for_children;        /* 1: a monitor_children check */
	uint16_t proc;               /* index of the owning process */
	int16_t http_kind;           /* status code, 0 = any 2xx/3xx */
	uint32_t every_ms;
	uint32_t timeout_ms;  /* http, exec */
	uint32_t within_ms;   /* flapping */
	uint32_t retry_in_ms; /* flapping; 0 = never */
	uint64_t below;
	uint32_t url;      /* strtab offset (http) */
	uint32_t pattern;  /* strtab offset (http regex) */
	uint32_t filename; /* strtab offset (file_time) */
	uint32_t line;     /* source line, for messages */
};

/* One step of a stop_signals escalation: send signo, wait delay_ms. */
struct sigstep {
	int32_t signo;
	uint32_t delay_ms; /* 0 on the last step */
};

/* The part of a process's configuration a worker may see. */
struct proc_conf {
	char name[BP_NAME_MAX];
	char group[BP_NAME_MAX]; /* "" = ungrouped */
	uint32_t pid_file;       /* strtab offset, always set after load */
	uint32_t line;           /* source line of the process entry */
	uint32_t start_grace_ms;
	uint32_t stop_grace_ms;
	uint32_t restart_grace_ms;
	uint32_t uid; /* identity the process runs as */
	uint32_t gid;
	uint8_t daemonize;
	uint8_t auto_start;
	uint8_t has_stop_command;
	uint8_t has_restart_command;
	uint8_t has_pre_start_command;
	uint8_t monitor_children;
	uint8_t has_child_restart_command;
	uint8_t nsigsteps; /* 0 = TERM, then KILL at stop_grace_time */
	struct sigstep sigsteps[BP_MAX_SIGSTEPS];
	uint16_t check_first; /* into the app's checks array */
	uint16_t ncheck;
	uint16_t child_check_first;
	uint16_t nchild_check;
};

/* A command: shell = 1 means one string for /bin/sh -c. */
struct cmd_conf {
	uint32_t argv; /* master strtab offset of argc consecutive strings */
	uint16_t argc; /* 0 = no command */
	uint8_t shell;
};

/* The master-only part of a process: how to run its commands. */
struct proc_exec {
	struct cmd_conf start;
	struct cmd_conf stop;
	struct cmd_conf restart;
	struct cmd_conf pre_start;
	struct cmd_conf child_stop;
	struct cmd_conf child_restart;
	uint32_t env;  /* master strtab offset of nenv "K=V" strings */
	uint16_t nenv; /* app environment first, then the process's */
	uint32_t working_dir;
	uint32_t stdin_path;
	uint32_t stdout_path;
	uint32_t stderr_path;
	uint32_t user_name; /* passwd entry of uid, for USER/LOGNAME */
	uint32_t home;
	uint32_t shell;
	uint32_t uid;
	uint32_t gid;
	uint16_t ngroups; /* the user's own groups + supplementary_groups */
	uint32_t groups[BP_MAX_GROUPS];
};

/* The application-wide settings a worker may see. */
struct app_conf {
	char name[BP_NAME_MAX];
	uint32_t uid; /* default process identity (0 when unset) */
	uint32_t gid;
	uint32_t worker_uid; /* the worker's own identity */
	uint32_t worker_gid;
	uint8_t log_to_file; /* else syslog, local6 */
	uint8_t nctl_gids;
	uint32_t ctl_gids[BP_MAX_CTL_GROUPS];
	uint32_t nprocs;
	uint32_t nchecks;
	uint32_t strtab_len; /* bytes of the worker string table */
};

/* A growable string table; offset 0 holds the empty string. */
struct strtab {
	char *buf;
	uint32_t len;
	uint32_t cap;
};

/* One application as the master holds it after loading its drop-in. */
struct app {
	struct app_conf conf;
	struct proc_conf *procs;   /* conf.nprocs */
	struct proc_exec *execs;   /* conf.nprocs, master only */
	struct check_conf *checks; /* conf.nchecks */
	struct cmd_conf
	    *check_cmds;            /* conf.nchecks, exec checks, master only */
	struct strtab wstr;         /* strings a worker may see */
	struct strtab mstr;         /* master-only strings */
	char file[BP_PATH_MAX];     /* the drop-in it came from */
	char log_file[BP_PATH_MAX]; /* "" = syslog */
	uint32_t max_processes;     /* 0 = no limit */
};

/* Returns the string at off, or "" when off is out of range. */
static inline const char *
strtab_get(const struct strtab *st, uint32_t off)
{
	if (st->buf == NULL || off >= st->len)
		return "";
	return st->buf + off;
}

#endif /* BLUEPILL_H */
