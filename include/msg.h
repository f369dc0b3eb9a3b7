/*
 * msg: the master <-> worker protocol over a SOCK_SEQPACKET socketpair.
 *
 * One datagram is one message: a header and a fixed-size payload whose
 * exact size is known from the type (MSG_CONF_STRTAB alone varies, bounded).
 * Readers check version, type range, exact size and every field; anything
 * else from a worker ends that worker.  Types 1-99 travel master -> worker,
 * 100-199 worker -> master.  Payload structs are zeroed before filling.
 */
#ifndef BP_MSG_H
#define BP_MSG_H

#include <stddef.h>
#include <stdint.h>

#define MSG_VERSION 1
#define MSG_MAX_PAYLOAD 32768
#define MSG_CHANNEL_FD 3 /* the channel's fd in a re-executed worker */
#define MSG_CTL_FD 4     /* the control socket's listening fd */

enum msg_type {
	/* master -> worker */
	MSG_CONF_APP = 1,  /* struct app_conf */
	MSG_CONF_STRTAB,   /* 1..MSG_MAX_PAYLOAD bytes, appended in order */
	MSG_CONF_PROC,     /* struct proc_conf, nprocs of them in order */
	MSG_CONF_CHECK,    /* struct check_conf, nchecks of them in order */
	MSG_CONF_END,      /* no payload: the config is complete */
	MSG_PROC_FOUND,    /* struct msg_proc: adoption / probe result */
	MSG_SPAWNED,       /* struct msg_job: a job runs, pid set */
	MSG_SPAWN_FAILED,  /* struct msg_job: err set (exec errno or EPERM) */
	MSG_EXITED,        /* struct msg_job: pid ended, status set */
	MSG_LOG_FD,        /* no payload; carries the app's log file fd */
	MSG_RELOAD_RESULT, /* struct msg_text: outcome of a reload request */
	MSG_SIGNALLED,     /* struct msg_signal: result of a MSG_SIGNAL */
	MSG_M2W_LAST,
	/* worker -> master */
	MSG_HELLO = 100, /* no payload: config received, send adoption info */
	MSG_SPAWN,       /* struct msg_job: run a job (idx, kind, arg) */
	MSG_SIGNAL,      /* struct msg_signal: signal a process's main pid */
	MSG_KILL_JOB,    /* struct msg_job: kill an overrunning job's group */
	MSG_PROBE,       /* struct msg_proc: read and verify the pid file */
	MSG_QUIT,        /* no payload: exiting on purpose, do not restart */
	MSG_RELOAD,      /* no payload: bluepillctl reload */
	MSG_W2M_LAST,
};

/* What a job runs: the process itself or one of its commands. */
enum job_kind {
	JOB_START = 0,     /* start_command: becomes the main process */
	JOB_STOP,          /* stop_command */
	JOB_RESTART,       /* restart_command */
	JOB_PRE_START,     /* pre_start_command */
	JOB_CHECK,         /* an exec check; arg = check index */
	JOB_CHILD_STOP,    /* monitor_children stop_command; arg = child pid */
	JOB_CHILD_RESTART, /* monitor_children restart_command; arg = pid */
	JOB_NKINDS,
};

struct msg_hdr {
	uint16_t type;
	uint16_t version;
	uint32_t len; /* payload bytes after the header */
};

/* A job request or report. */
struct msg_job {
	uint32_t proc;  /* process index in the app */
	uint32_t kind;  /* enum job_kind */
	uint32_t gen;   /* worker's generation counter, echoed back */
	int32_t arg;    /* check index or child pid, else 0 */
	int32_t pid;    /* MSG_SPAWNED, MSG_EXITED */
	int32_t status; /* MSG_EXITED: wait status, -1 if unknown */
	int32_t err;    /* MSG_SPAWN_FAILED: errno */
	uint32_t pad;
	uint64_t start_ticks; /* MSG_SPAWNED: /proc start time of pid */
};

/* A process's main pid, as found by adoption or a pid-file probe. */
struct msg_proc {
	uint32_t proc;
	int32_t pid; /* 0 = not running */
	uint64_t start_ticks;
};

/* A signal for a process's main pid (or a verified child's). */
struct msg_signal {
	uint32_t proc;
	int32_t signo;
	int32_t child;  /* 0 = the main pid, else a descendant pid */
	int32_t result; /* MSG_SIGNALLED: 0 or errno */
};

/* A short text answer. */
struct msg_text {
	int32_t code;
	char text[1020];
};

/* Returns the exact payload size of type, or -1 if it varies/unknown. */
ssize_t msg_payload_size(uint16_t type);
/* Sends one message (and fd when >= 0); 0 or -1 with errno. */
int msg_send(int sock, uint16_t type, const void *payload, size_t len, int fd);
/*
 * Receives one message into buf (MSG_MAX_PAYLOAD bytes).  Returns 1 with
 * hdr->len the payload length, 0 on EOF, -1 with errno (EAGAIN, EBADMSG for a malformed
 * message: wrong version, truncated, wrong size for its type, an fd where
 * none belongs).  *fdp gets a passed fd or -1; only MSG_LOG_FD may carry one.
 */
ssize_t msg_recv(int sock, struct msg_hdr *hdr, void *buf, int *fdp);

/* Messages waiting for a full channel to drain, oldest first. */
struct msg_queue {
	struct msg_qent *head;
	struct msg_qent **tailp;
	size_t bytes;
};

/* Prepares an empty queue. */
void msg_queue_init(struct msg_queue *q);
/*
 * Sends a message now, or queues it behind earlier ones when the socket is
 * full.  0, or -1 with errno when the peer is gone or the queue would
 * exceed MSG_QUEUE_MAX bytes.
 */
int msg_queue_send(struct msg_queue *q, int sock, uint16_t type,
    const void *payload, size_t len);
/* Sends what the socket takes; 1 if more remains, 0 when empty, -1. */
int msg_queue_flush(struct msg_queue *q, int sock);
/* Drops every queued message. */
void msg_queue_clear(struct msg_queue *q);

#define MSG_QUEUE_MAX (4u << 20) /* queued bytes, entries included */

#endif /* BP_MSG_H */
