/*
 * worker: one per application, unprivileged; runs the app's state
 * machines and serves its control socket.
 */
#ifndef BP_WORKER_H
#define BP_WORKER_H

#include <stdint.h>

#include "bluepill.h"
#include "msg.h"

struct proc;

/* The worker's whole world: its app's config and its processes. */
struct worker {
	struct app_conf conf;
	struct strtab str;
	struct proc_conf *pconf;
	struct check_conf *checks;
	struct proc *procs;
	struct event_base *base;
	int chan;
	struct event *ev_chan;
	struct event *ev_chan_w;
	struct msg_queue q;
	uint32_t nprocs_recv;
	uint32_t nchecks_recv;
	uint32_t nfound; /* adoption answers received */
	int configured;
	int privileged;
};

extern struct worker worker;

/* Runs a re-executed worker for app until its channel closes. */
int worker_main(const char *app, uint32_t uid, uint32_t gid, int foreground,
    int verbose, int has_log_fd);
/* Sends a request to the master; a dead channel ends the worker. */
void worker_send(uint16_t type, const void *payload, size_t len);
/* Ends the worker now (quit or a lost master). */
void worker_exit(int code) __attribute__((noreturn));

#endif /* BP_WORKER_H */
