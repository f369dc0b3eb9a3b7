/*
 * worker: one application's supervisor.  It drops privileges before it
 * reads a byte of input, proves the drop, receives its own app's config
 * from the master, and from then on runs one libevent loop: master
 * reports feed the state machines, the control socket feeds commands.
 */
#include <sys/prctl.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "bluepill.h"
#include "control.h"
#include "log.h"
#include "monitor.h"
#include "msg.h"
#include "priv.h"
#include "proc.h"
#include "worker.h"

struct worker worker;

/* Ends the worker now (quit or a lost master). */
void
worker_exit(int code)
{
	exit(code);
}

/* Drains queued messages when the channel has room. */
static void
worker_chan_write(evutil_socket_t fd, short ev, void *arg)
{
	int r = msg_queue_flush(&worker.q, worker.chan);

	if (r == -1) {
		log_warn("channel to master");
		worker_exit(1);
	}
	if (r == 1)
		event_add(worker.ev_chan_w, NULL);
}

/* Sends a request to the master; a dead channel ends the worker. */
void
worker_send(uint16_t type, const void *payload, size_t len)
{
	if (msg_queue_send(&worker.q, worker.chan, type, payload, len) == -1) {
		log_warn("channel to master");
		worker_exit(1);
	}
	if (worker.q.head != NULL)
		event_add(worker.ev_chan_w, NULL);
}

/* Checks that every strtab offset in the received config is in range. */
static int
worker_conf_valid(void)
{
	uint32_t i, len = worker.str.len;

	if (len == 0 || worker.str.buf[len - 1] != '\0' ||
	    worker.nprocs_recv != worker.conf.nprocs ||
	    worker.nchecks_recv != worker.conf.nchecks)
		return 0;
	if (memchr(worker.conf.name, '\0', sizeof(worker.conf.name)) == NULL)
		return 0;
	for (i = 0; i < worker.conf.nprocs; i++) {
		const struct proc_conf *pc = &worker.pconf[i];

		if (memchr(pc->name, '\0', sizeof(pc->name)) == NULL ||
		    memchr(pc->group, '\0', sizeof(pc->group)) == NULL ||
		    pc->pid_file >= len || pc->nsigsteps > BP_MAX_SIGSTEPS ||
		    (uint32_t)pc->check_first + pc->ncheck >
		        worker.conf.nchecks ||
		    (uint32_t)pc->child_check_first + pc->nchild_check >
		        worker.conf.nchecks)
			return 0;
	}
	for (i = 0; i < worker.conf.nchecks; i++) {
		const struct check_conf *c = &worker.checks[i];

		if (c->url >= len || c->pattern >= len || c->filename >= len ||
		    c->proc >= worker.conf.nprocs)
			return 0;
	}
	return 1;
}

/* Stores one piece of the configuration; -1 on anything unexpected. */
static int
worker_conf_msg(const struct msg_hdr *hdr, const void *buf)
{
	switch (hdr->type) {
	case MSG_CONF_APP:
		if (worker.pconf != NULL)
			return -1;
		memcpy(&worker.conf, buf, sizeof(worker.conf));
		if (worker.conf.nprocs > BP_MAX_PROCS ||
		    worker.conf.nchecks > BP_MAX_CHECKS ||
		    worker.conf.strtab_len > BP_STRTAB_MAX)
			return -1;
		worker.pconf = calloc(worker.conf.nprocs + 1,
		    sizeof(*worker.pconf));
		worker.checks = calloc(worker.conf.nchecks + 1,
		    sizeof(*worker.checks));
		worker.str.buf = malloc(worker.conf.strtab_len + 1);
		worker.str.cap = worker.conf.strtab_len;
		if (worker.pconf == NULL || worker.checks == NULL ||
		    worker.str.buf == NULL)
			fatal("config");
		return 0;
	case MSG_CONF_STRTAB:
		if (worker.pconf == NULL ||
		    hdr->len > worker.str.cap - worker.str.len)
			return -1;
		memcpy(worker.str.buf + worker.str.len, buf, hdr->len);
		worker.str.len += hdr->len;
		return 0;
	case MSG_CONF_PROC:
		if (worker.pconf == NULL ||
		    worker.nprocs_recv >= worker.conf.nprocs)
			return -1;
		memcpy(&worker.pconf[worker.nprocs_recv++], buf,
		    sizeof(struct proc_conf));
		return 0;
	case MSG_CONF_CHECK:
		if (worker.pconf == NULL ||
		    worker.nchecks_recv >= worker.conf.nchecks)
			return -1;
		memcpy(&worker.checks[worker.nchecks_recv++], buf,
		    sizeof(struct check_conf));
		return 0;
	case MSG_CONF_END:
		if (worker.pconf == NULL || !worker_conf_valid())
			return -1;
		worker.configured = 1;
		return 0;
	default:
		return -1;
	}
}

/* Builds the runtime of every process and asks for adoption info. */
static void
worker_configured(void)
{
	uint32_t i;

	worker.procs = calloc(worker.conf.nprocs + 1, sizeof(struct proc));
	if (worker.procs == NULL)
		fatal("calloc");
	for (i = 0; i < worker.conf.nprocs; i++)
		proc_init(&worker.procs[i], i, &worker.pconf[i], worker.base);
	monitor_init();
	log_info("%s: worker ready, %u processes", worker.conf.name,
	    worker.conf.nprocs);
	worker_send(MSG_HELLO, NULL, 0);
}

/* Handles one message from the master once configured. */
static int
worker_dispatch(const struct msg_hdr *hdr, const void *buf, int fd)
{
	const struct msg_job *mj = buf;
	const struct msg_proc *mp = buf;
	struct proc *p;

	if (!worker.configured) {
		if (worker_conf_msg(hdr, buf) == -1)
			return -1;
		if (worker.configured)
			worker_configured();
		return 0;
	}
	switch (hdr->type) {
	case MSG_PROC_FOUND:
		if (mp->proc >= worker.conf.nprocs)
			return -1;
		p = &worker.procs[mp->proc];
		if (worker.nfound < worker.conf.nprocs) {
			worker.nfound++;
			proc_adopt(p, mp);
			/* Serve bluepillctl once every process is known. */
			if (worker.nfound == worker.conf.nprocs)
				control_init(MSG_CTL_FD);
		} else
			proc_on_found(p, mp);
		return 0;
	case MSG_SPAWNED:
	case MSG_SPAWN_FAILED:
	case MSG_EXITED:
		if (mj->proc >= worker.conf.nprocs || mj->kind >= JOB_NKINDS)
			return -1;
		p = &worker.procs[mj->proc];
		if (hdr->type == MSG_SPAWNED)
			proc_on_spawned(p, mj);
		else if (hdr->type == MSG_SPAWN_FAILED)
			proc_on_spawn_failed(p, mj);
		else
			proc_on_exited(p, mj);
		return 0;
	case MSG_SIGNALLED:
		return 0;
	case MSG_LOG_FD:
		if (fd < 0)
			return -1;
		log_set_fd(fd);
		log_info("%s: log file reopened", worker.conf.name);
		return 0;
	case MSG_RELOAD_RESULT: {
		const struct msg_text *t = buf;
		char text[sizeof(t->text) + 1];

		memcpy(text, t->text, sizeof(t->text));
		text[sizeof(t->text)] = '\0';
		control_reload_done(t->code, text);
		return 0;
	}
	default:
		return -1;
	}
}

/* Reads every waiting message from the master. */
static void
worker_chan_read(evutil_socket_t fd, short ev, void *arg)
{
	static unsigned char buf[MSG_MAX_PAYLOAD];
	struct msg_hdr hdr;
	ssize_t r;
	int pfd;

	for (;;) {
		r = msg_recv(worker.chan, &hdr, buf, &pfd);
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r == 0) {
			log_info("%s: master gone, worker exits",
			    worker.conf.name[0] ? worker.conf.name : "worker");
			worker_exit(0);
		}
		if (r == -1 || hdr.type == 0 || hdr.type >= MSG_M2W_LAST) {
			log_warnx("malformed message from master");
			worker_exit(1);
		}
		if (worker_dispatch(&hdr, buf, pfd) == -1) {
			log_warnx("unexpected message %u from master",
			    hdr.type);
			worker_exit(1);
		}
	}
}

/* TERM: the master is stopping us; processes keep running. */
static void
worker_sigterm(evutil_socket_t sig, short ev, void *arg)
{
	worker_exit(0);
}

/* Runs a re-executed worker for app until its channel closes. */
int
worker_main(const char *app, uint32_t uid, uint32_t gid, int foreground,
    int verbose, int has_log_fd)
{
	struct event *ev_term, *ev_int;

	log_init(foreground, verbose, "bluepilld");
	{
		/* top and pgrep show "bp:APP" instead of "exe" */
		char comm[16];

		snprintf(comm, sizeof(comm), "bp:%s", app);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
	}
	if (has_log_fd)
		log_set_fd(MSG_CTL_FD + 1);
	worker.privileged = geteuid() == 0;
	if (priv_drop(uid, gid, worker.privileged) == -1 ||
	    priv_verify(uid, gid, worker.privileged) == -1)
		fatalx("%s: worker refuses to run with privileges", app);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);

	if ((worker.base = event_base_new()) == NULL)
		fatalx("event_base_new");
	worker.chan = MSG_CHANNEL_FD;
	msg_queue_init(&worker.q);
	evutil_make_socket_nonblocking(worker.chan);
	evutil_make_socket_closeonexec(worker.chan);
	worker.ev_chan = event_new(worker.base, worker.chan,
	    EV_READ | EV_PERSIST, worker_chan_read, NULL);
	worker.ev_chan_w = event_new(worker.base, worker.chan, EV_WRITE,
	    worker_chan_write, NULL);
	event_add(worker.ev_chan, NULL);
	ev_term = evsignal_new(worker.base, SIGTERM, worker_sigterm, NULL);
	ev_int = evsignal_new(worker.base, SIGINT, worker_sigterm, NULL);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);

	event_base_dispatch(worker.base);
	return 0;
}
