/*
 * control: serves bluepillctl.  The peer's credentials are checked right
 * after accept, before anything is read.  A request is one bounded JSON
 * line (ctl_proto.h).  Actions (start, stop, restart, unmonitor, reload,
 * quit) go through one FIFO and each waits until its targets settle before
 * the next begins, so "stop x; start x" can never race.  status, version
 * and log are answered at once, even while an action runs.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <jansson.h>

#include "bluepill.h"
#include "control.h"
#include "ctl_proto.h"
#include "log.h"
#include "log_ring.h"
#include "monitor.h"
#include "proc.h"
#include "procfs.h"
#include "worker.h"

#define ACCEPT_BURST 16
#define LOG_FOLLOW_MAX_BUF (1u << 20)

enum client_state {
	CL_READING = 0, /* waiting for the request line */
	CL_QUEUED,      /* an action waiting for its turn */
	CL_RUNNING,     /* the action at the head of the queue */
	CL_FOLLOWING,   /* log: streaming new lines */
	CL_CLOSING,     /* final reply written, closing once flushed */
};

struct client {
	struct client *next;  /* every client */
	struct client *qnext; /* the action queue */
	struct bufferevent *bev;
	enum client_state st;
	struct ctl_request req;
	struct event *tmr;
	uint32_t *t0;   /* transitions of each target when it began */
	uint8_t *match; /* targets, one byte per process */
	int quit_after; /* quit: exit once the reply is flushed */
	uint64_t accepted_ms;
	uid_t uid; /* the peer's, from SO_PEERCRED */
};

static struct event *ev_listen;
static struct event *ev_kick;
static struct client *clients;
static struct client *queue_head;
static int nclients;

static void control_client_free(struct client *);
static void control_unqueue(struct client *);
static void control_run_next(void);

/* Writes one JSON object as a line to a client. */
static void
control_send(struct client *c, json_t *obj)
{
	char *s;

	if (obj == NULL)
		return;
	s = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);
	if (s == NULL)
		return;
	bufferevent_write(c->bev, s, strlen(s));
	bufferevent_write(c->bev, "\n", 1);
	free(s);
}

/* Sends the final object of a reply and closes once it is flushed. */
static void
control_finish(struct client *c, json_t *obj)
{
	control_send(c, obj);
	if (queue_head == c) {
		/* The next action need not wait for this client to read. */
		control_unqueue(c);
		event_active(ev_kick, EV_TIMEOUT, 0);
	}
	c->st = CL_CLOSING;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		control_client_free(c);
}

/* Sends {"v":1,"exit":code,"error":text} and closes. */
static void
control_error(struct client *c, int code, const char *text)
{
	control_finish(c,
	    json_pack("{s:i,s:i,s:s}", "v", CTL_PROTO_VERSION, "exit", code,
	        "error", text));
}

/* Removes a client from the action queue. */
static void
control_unqueue(struct client *c)
{
	struct client **pp;

	for (pp = &queue_head; *pp != NULL; pp = &(*pp)->qnext)
		if (*pp == c) {
			*pp = c->qnext;
			break;
		}
	c->qnext = NULL;
}

/* Frees a client; a running action's successor is started. */
static void
control_client_free(struct client *c)
{
	struct client **pp;
	int was_head = (queue_head == c);

	if (c->quit_after) {
		log_info("%s: quitting on request; processes keep running",
		    worker.conf.name);
		worker_send(MSG_QUIT, NULL, 0);
		worker_exit(0);
	}
	control_unqueue(c);
	for (pp = &clients; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	nclients--;
	if (c->tmr != NULL)
		event_free(c->tmr);
	if (c->bev != NULL) {
		/*
		 * Close now: bufferevent_free would leave the close to the
		 * loop's finalizers, and a burst of shed clients would hold
		 * their descriptors meanwhile.
		 */
		evutil_socket_t fd = bufferevent_getfd(c->bev);

		bufferevent_disable(c->bev, EV_READ | EV_WRITE);
		bufferevent_setfd(c->bev, -1);
		if (fd >= 0)
			close(fd);
		bufferevent_free(c->bev);
	}
	free(c->t0);
	free(c->match);
	free(c);
	if (was_head)
		event_active(ev_kick, EV_TIMEOUT, 0);
}

/* Marks the processes a target selects; returns how many. */
static uint32_t
control_match(struct client *c)
{
	uint32_t i, n = 0;

	c->match = calloc(worker.conf.nprocs + 1, 1);
	c->t0 = calloc(worker.conf.nprocs + 1, sizeof(uint32_t));
	if (c->match == NULL || c->t0 == NULL)
		fatal("calloc");
	for (i = 0; i < worker.conf.nprocs; i++)
		if (ctl_target_match(c->req.target, worker.pconf[i].group,
		        worker.pconf[i].name)) {
			c->match[i] = 1;
			n++;
		}
	return n;
}

/* Tells whether a process reached what an action asked of it. */
static int
control_settled(const struct client *c, uint32_t i)
{
	const struct proc *p = &worker.procs[i];

	switch (c->req.cmd) {
	case CTL_CMD_START:
		return p->state == PROC_UP;
	case CTL_CMD_STOP:
		return p->state == PROC_UNMONITORED && p->pid == 0;
	case CTL_CMD_RESTART:
		return p->state == PROC_UP && p->transitions != c->t0[i];
	case CTL_CMD_UNMONITOR:
		return p->state == PROC_UNMONITORED;
	default:
		return 1;
	}
}

/* Builds a results reply; exit 5 if a target has not settled. */
static void
control_action_reply(struct client *c)
{
	json_t *res = json_array();
	uint32_t i;
	int all = 1;

	for (i = 0; i < worker.conf.nprocs; i++) {
		const struct proc *p = &worker.procs[i];
		int s;

		if (!c->match[i])
			continue;
		s = control_settled(c, i);
		all &= s;
		json_array_append_new(res,
		    json_pack("{s:s,s:o,s:i,s:s,s:b}", "name", p->conf->name,
		        "group",
		        p->conf->group[0] ? json_string(p->conf->group) :
		                            json_null(),
		        "pid", (int)p->pid, "state",
		        proc_fsm_state_name(p->state), "settled", s));
	}
	control_finish(c,
	    json_pack("{s:i,s:i,s:o}", "v", CTL_PROTO_VERSION, "exit",
	        all ? CTL_EXIT_OK : CTL_EXIT_TIMEOUT, "results", res));
}

/* Finishes the running action if every target has settled. */
static void
control_check_running(void)
{
	struct client *c = queue_head;
	uint32_t i;

	if (c == NULL || c->st != CL_RUNNING || c->match == NULL)
		return;
	if (c->req.cmd == CTL_CMD_RELOAD || c->req.cmd == CTL_CMD_QUIT)
		return;
	for (i = 0; i < worker.conf.nprocs; i++)
		if (c->match[i] && !control_settled(c, i))
			return;
	control_action_reply(c);
}

/* The deadline of the running action passed. */
static void
control_deadline(evutil_socket_t fd, short ev, void *arg)
{
	struct client *c = arg;

	if (c->st == CL_RUNNING)
		control_action_reply(c);
	else if (c->st == CL_FOLLOWING)
		control_finish(c,
		    json_pack("{s:i,s:i}", "v", CTL_PROTO_VERSION, "exit", 0));
}

/* Starts the action at the head of the queue. */
static void
control_run(struct client *c)
{
	static const enum proc_event evs[] = {
		[CTL_CMD_START] = PEV_START,
		[CTL_CMD_STOP] = PEV_STOP,
		[CTL_CMD_RESTART] = PEV_RESTART,
		[CTL_CMD_UNMONITOR] = PEV_UNMONITOR,
	};
	char why[32];
	struct timeval tv;
	uint32_t i, ms;

	c->st = CL_RUNNING;
	if (c->req.cmd == CTL_CMD_RELOAD) {
		worker_send(MSG_RELOAD, NULL, 0);
		return;
	}
	if (c->req.cmd == CTL_CMD_QUIT) {
		c->quit_after = 1;
		control_finish(c,
		    json_pack("{s:i,s:i}", "v", CTL_PROTO_VERSION, "exit", 0));
		return;
	}
	snprintf(why, sizeof(why), "bluepillctl %s", ctl_cmd_name(c->req.cmd));
	for (i = 0; i < worker.conf.nprocs; i++)
		if (c->match[i])
			c->t0[i] = worker.procs[i].transitions;
	for (i = 0; i < worker.conf.nprocs; i++) {
		if (!c->match[i])
			continue;
		/* A user stop or unmonitor cancels a flapping retry. */
		if (c->req.cmd == CTL_CMD_STOP ||
		    c->req.cmd == CTL_CMD_UNMONITOR)
			monitor_user_stop(&worker.procs[i]);
		proc_event(&worker.procs[i], evs[c->req.cmd], why);
	}
	ms = c->req.timeout_ms ? c->req.timeout_ms :
	                         CTL_DEFAULT_TIMEOUT_S * 1000;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	c->tmr = evtimer_new(worker.base, control_deadline, c);
	evtimer_add(c->tmr, &tv);
	control_check_running();
}

/* Runs the next queued action once the previous one is done. */
static void
control_run_next(void)
{
	if (queue_head != NULL && queue_head->st == CL_QUEUED)
		control_run(queue_head);
}

/* The kick event: advance the queue outside any other callback. */
static void
control_kick(evutil_socket_t fd, short ev, void *arg)
{
	control_run_next();
}

/* A process changed state: settle waiting commands. */
void
control_proc_changed(struct proc *p)
{
	(void)p;
	control_check_running();
}

/* The master answered a reload request. */
void
control_reload_done(int code, const char *text)
{
	struct client *c = queue_head;

	if (c == NULL || c->req.cmd != CTL_CMD_RELOAD || c->st != CL_RUNNING)
		return;
	control_finish(c,
	    json_pack("{s:i,s:i,s:s}", "v", CTL_PROTO_VERSION, "exit", code,
	        "message", text));
}

/*
 * Appends text as a JSON string.  Used for text nobody validated (history
 * reasons); jansson does the escaping.
 */
static void
control_put_text(struct evbuffer *b, const char *text)
{
	json_t *j = json_string(text);
	char *s = j != NULL ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	evbuffer_add_printf(b, "%s", s != NULL ? s : "\"\"");
	free(s);
	json_decref(j);
}

/*
 * Appends a process's status object (with children).  The reply is
 * written straight into the client's buffer instead of being built as a
 * jansson tree and dumped: that was ~70 % of the worker's time for a
 * status of 200 processes.  The schema is fixed and every string but the
 * history text is a name the loader validated ([A-Za-z0-9_.-]) or a
 * constant, so none needs escaping; bluepillctl parses it with jansson.
 */
static void
control_status_proc(struct evbuffer *b, struct proc *p, int history)
{
	char line[3 * BP_NAME_MAX + 256];
	int n;

	proc_sample(p);
	/* One format call per process: printf dominates the cost. */
	n = snprintf(line, sizeof(line),
	    "{\"name\":\"%s\",\"group\":%s%s%s,\"pid\":%d,\"state\":\"%s\","
	    "\"since\":%lld,\"restarts\":%u,\"memory\":%llu,\"cpu\":%u.%02u,"
	    "\"children\":[",
	    p->conf->name, p->conf->group[0] ? "\"" : "",
	    p->conf->group[0] ? p->conf->group : "null",
	    p->conf->group[0] ? "\"" : "", (int)p->pid,
	    proc_fsm_state_name(p->state), (long long)p->since, p->restarts,
	    (unsigned long long)p->rss, p->cpu_centi / 100, p->cpu_centi % 100);
	if (n > 0)
		evbuffer_add(b, line,
		    (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	monitor_children_write(p, b);
	evbuffer_add(b, "]", 1);
	if (history) {
		unsigned k;

		evbuffer_add(b, ",\"history\":[", 12);
		for (k = 0; k < p->hist_n; k++) {
			unsigned at = (p->hist_pos + PROC_HISTORY - 1 - k) %
			    PROC_HISTORY;
			const struct proc_event_rec *r = &p->hist[at];
			char text[sizeof(r->why) + 32];

			snprintf(text, sizeof(text), "%s -> %s (%s)",
			    proc_fsm_state_name(r->from),
			    proc_fsm_state_name(r->to), r->why);
			evbuffer_add_printf(b,
			    "%s{\"time\":%lld,\"event\":", k > 0 ? "," : "",
			    (long long)r->time);
			control_put_text(b, text);
			evbuffer_add(b, "}", 1);
		}
		evbuffer_add(b, "]", 1);
	}
	evbuffer_add(b, "}", 1);
}

/* Answers status at once, streamed into the client's output buffer. */
static void
control_status(struct client *c, uint32_t nmatch)
{
	struct evbuffer *b = bufferevent_get_output(c->bev);
	int history = nmatch == 1 && c->req.target[0] != '\0';
	int first = 1;
	uint32_t i;

	evbuffer_add_printf(b,
	    "{\"v\":%d,\"exit\":0,\"app\":\"%s\",\"processes\":[",
	    CTL_PROTO_VERSION, worker.conf.name);
	for (i = 0; i < worker.conf.nprocs; i++) {
		if (!c->match[i])
			continue;
		if (!first)
			evbuffer_add(b, ",", 1);
		first = 0;
		control_status_proc(b, &worker.procs[i], history);
	}
	evbuffer_add(b, "]}\n", 3);
	control_finish(c, NULL);
}

/* Tells whether a log line concerns a client's targets. */
static int
control_log_wanted(const struct client *c, const char *line)
{
	uint32_t i;

	if (c->req.target[0] == '\0')
		return 1;
	for (i = 0; i < worker.conf.nprocs; i++) {
		char tag[3 * BP_NAME_MAX + 8];

		if (!c->match[i])
			continue;
		snprintf(tag, sizeof(tag), "%s: ", proc_tag(&worker.procs[i]));
		if (strstr(line, tag) != NULL)
			return 1;
	}
	return 0;
}

/* Sends one log line to a follower, dropping one that cannot keep up. */
static void
control_log_send(struct client *c, const char *line)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) >
	    LOG_FOLLOW_MAX_BUF)
		return;
	control_send(c, json_pack("{s:s}", "log", line));
}

/* Offers a log line to the recent-lines ring and to followers. */
void
control_log_line(const char *line)
{
	struct client *c;

	log_ring_add(line);
	for (c = clients; c != NULL; c = c->next)
		if (c->st == CL_FOLLOWING && control_log_wanted(c, line))
			control_log_send(c, line);
}

/* Sends one recent line to a log client if it concerns its targets. */
static void
control_log_recent(const char *line, void *arg)
{
	struct client *c = arg;

	if (control_log_wanted(c, line))
		control_log_send(c, line);
}

/* Answers log: recent lines, then follows. */
static void
control_log(struct client *c)
{
	log_ring_foreach(control_log_recent, c);
	c->st = CL_FOLLOWING;
	if (c->req.follow_ms > 0) {
		struct timeval tv;

		tv.tv_sec = c->req.follow_ms / 1000;
		tv.tv_usec = (c->req.follow_ms % 1000) * 1000;
		c->tmr = evtimer_new(worker.base, control_deadline, c);
		evtimer_add(c->tmr, &tv);
	}
}

/* Handles a decoded request. */
static void
control_request(struct client *c)
{
	uint32_t n = control_match(c);
	struct client **pp;

	switch (c->req.cmd) {
	case CTL_CMD_VERSION:
		control_finish(c,
		    json_pack("{s:i,s:i,s:s}", "v", CTL_PROTO_VERSION, "exit",
		        0, "version", PACKAGE_VERSION));
		return;
	case CTL_CMD_STATUS:
	case CTL_CMD_LOG:
	case CTL_CMD_START:
	case CTL_CMD_STOP:
	case CTL_CMD_RESTART:
	case CTL_CMD_UNMONITOR:
		if (n == 0) {
			char msg[160];

			snprintf(msg, sizeof(msg), "no process matches \"%s\"",
			    c->req.target);
			control_error(c, CTL_EXIT_NOMATCH, msg);
			return;
		}
		break;
	default:
		break;
	}
	if (c->req.cmd == CTL_CMD_STATUS) {
		control_status(c, n);
		return;
	}
	if (c->req.cmd == CTL_CMD_LOG) {
		control_log(c);
		return;
	}
	c->st = CL_QUEUED;
	for (pp = &queue_head; *pp != NULL; pp = &(*pp)->qnext)
		;
	*pp = c;
	if (queue_head == c)
		control_run(c);
}

/* Reads the request line. */
static void
control_read(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char err[128], *line;
	size_t n;

	if (c->st != CL_READING) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) >= CTL_REQ_MAX)
			control_error(c, CTL_EXIT_USAGE, "request too long");
		return;
	}
	bufferevent_set_timeouts(bev, NULL, NULL);
	if (n >= CTL_REQ_MAX ||
	    ctl_request_decode(line, n, &c->req, err, sizeof(err)) == -1) {
		free(line);
		control_error(c, CTL_EXIT_USAGE,
		    n >= CTL_REQ_MAX ? "request too long" : err);
		return;
	}
	free(line);
	control_request(c);
}

/* Frees a client once its final reply is flushed. */
static void
control_written(struct bufferevent *bev, void *arg)
{
	struct client *c = arg;

	if (c->st == CL_CLOSING)
		control_client_free(c);
}

/* A client hung up, failed, or was too slow to send its request. */
static void
control_event(struct bufferevent *bev, short what, void *arg)
{
	struct client *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_debug("control client too slow, dropped");
	control_client_free(c);
}

/*
 * Tells whether the peer may control this app: root, the app's uid, or
 * a member (primary or supplementary) of one of its ctl_groups.
 */
static int
control_authorized(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[256];
	socklen_t glen = sizeof(groups);
	int i, k, ng = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return 0;
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == worker.conf.uid || cr.uid == geteuid())
		return 1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		ng = (int)(glen / sizeof(gid_t));
	for (k = 0; k < worker.conf.nctl_gids && k < BP_MAX_CTL_GROUPS; k++) {
		if (cr.gid == worker.conf.ctl_gids[k])
			return 1;
		for (i = 0; i < ng; i++)
			if (groups[i] == worker.conf.ctl_gids[k])
				return 1;
	}
	return 0;
}

/*
 * Makes room by dropping the oldest idle client: one of uid's own when
 * own is set, else anyone's but root's unless may_root.  -1 if none.
 */
static int
control_shed(uid_t uid, int own, int may_root)
{
	struct client *c, *old = NULL;

	for (c = clients; c != NULL; c = c->next) {
		int pending = 0;

		if (c->st != CL_READING || (own && c->uid != uid) ||
		    (!own && c->uid == 0 && !may_root))
			continue;
		/* A client whose request is already waiting is not idle. */
		if (ioctl(bufferevent_getfd(c->bev), FIONREAD, &pending) == 0 &&
		    pending > 0)
			continue;
		if (old == NULL || c->accepted_ms < old->accepted_ms)
			old = c;
	}
	if (old == NULL)
		return -1;
	control_client_free(old);
	return 0;
}

/*
 * Finds room for a new client of uid: a non-root uid holds at most
 * CTL_MAX_UID_CLIENTS and sheds its own oldest idle one beyond that, so a
 * uid that reconnects in a loop (the app's, perhaps compromised) crowds
 * out only itself; at the global cap only root may shed a root client.
 */
static int
control_make_room(uid_t uid)
{
	struct client *c;
	int n = 0;

	if (uid != 0) {
		for (c = clients; c != NULL; c = c->next)
			n += c->uid == uid;
		if (n >= CTL_MAX_UID_CLIENTS && control_shed(uid, 1, 0) == -1)
			return -1;
	}
	if (nclients >= CTL_MAX_CLIENTS && control_shed(uid, 0, uid == 0) == -1)
		return -1;
	return 0;
}

/* Accepts new clients, checking each one's credentials first. */
static void
control_accept(evutil_socket_t lfd, short ev, void *arg)
{
	static const char denied[] =
	    "{\"v\":1,\"exit\":3,\"error\":\"permission denied\"}\n";
	struct timeval tv;
	struct client *c;
	uid_t uid = 0;
	int fd, naccepted = 0;

	/*
	 * A few at a time: a shed client's socket is closed only when the
	 * loop runs its finalizers, so a burst of thousands accepted in one
	 * go would hold thousands of descriptors for a moment.
	 */
	while (naccepted++ < ACCEPT_BURST &&
	    (fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	        0) {
		if (!control_authorized(fd, &uid)) {
			if (send(fd, denied, sizeof(denied) - 1,
			        MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				(void)0;
			close(fd);
			continue;
		}
		if (control_make_room(uid) == -1) {
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL)
			fatal("calloc");
		c->bev = bufferevent_socket_new(worker.base, fd,
		    BEV_OPT_CLOSE_ON_FREE);
		if (c->bev == NULL) {
			close(fd);
			free(c);
			continue;
		}
		c->accepted_ms = proc_now_ms();
		c->uid = uid;
		c->next = clients;
		clients = c;
		nclients++;
		bufferevent_setcb(c->bev, control_read, control_written,
		    control_event, c);
		bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_REQ_MAX + 1);
		tv.tv_sec = CTL_REQ_TIMEOUT_MS / 1000;
		tv.tv_usec = (CTL_REQ_TIMEOUT_MS % 1000) * 1000;
		bufferevent_set_timeouts(c->bev, &tv, NULL);
		bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	}
}

/* Starts accepting on the inherited listening socket. */
void
control_init(int fd)
{
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	ev_listen = event_new(worker.base, fd, EV_READ | EV_PERSIST,
	    control_accept, NULL);
	ev_kick = event_new(worker.base, -1, 0, control_kick, NULL);
	event_add(ev_listen, NULL);
	log_set_hook(control_log_line);
}
