/*
 * fuzz_msg: the master <-> worker channel.  Every input is a series of
 * datagrams sent over a real SOCK_SEQPACKET socketpair (with descriptors
 * attached on request) and read back with msg_recv, whose verdict is
 * checked against an exact model of a well-formed message.  In the worker
 * direction, what msg_recv accepts goes on to the worker's own handler,
 * config validation included, as in worker_chan_read.
 *
 * worker_conf_msg, worker_conf_valid and worker_dispatch are static, so
 * this file includes src/worker.c itself, and src/control.c, whose static
 * listener events and log ring it must free after each input (it is
 * linked with every other library source, never with worker.o or
 * control.o).  Once every process is adopted the worker listens on
 * MSG_CTL_FD, so the fuzzer puts a listening socket of its own there.
 *
 * Input format: one mode byte (bit 0: 0 = master -> worker, 1 = worker ->
 * master), then records of { flags, length (2 bytes, little endian),
 * length bytes }.  Flags: bit 0 attaches one descriptor, bit 1 two more
 * in a second control message, bit 2 pads the datagram with zeros to
 * MSG_MAX_PAYLOAD + 7..10 bytes (bits 4-5 pick which), bit 3 builds a
 * correct header (type from the first two bytes) in front of the rest.
 *
 * With BP_FUZZ_MSG_SEEDS=DIR and BP_FUZZ_MSG_CONF=FILE in the environment
 * the fuzzer instead writes seed inputs made from that drop-in into DIR.
 */
#include "../../src/control.c"
#include "../../src/worker.c"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "conf.h"
#include "fuzz.h"

#define FUZZ_MSG_MODE_MASTER 0x01
#define FUZZ_MSG_FD1 0x01
#define FUZZ_MSG_FD2 0x02
#define FUZZ_MSG_PAD 0x04
#define FUZZ_MSG_HDR 0x08

static int fuzz_msg_chan[2] = { -1, -1 }; /* [1] sends, [0] reads */
static int fuzz_msg_wpeer = -1;           /* the master's end of worker.chan */
static int fuzz_msg_null = -1;
static unsigned char
    fuzz_msg_dgram[sizeof(struct msg_hdr) + MSG_MAX_PAYLOAD + 16];
static unsigned char fuzz_msg_buf[MSG_MAX_PAYLOAD];

/*
 * Puts an unconnected listening socket at MSG_CTL_FD, as the master does
 * for a worker; whatever this process inherited there is not used by it.
 */
static void
fuzz_msg_ctl_fd(void)
{
	struct sockaddr_un sun;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* A bare family binds to a fresh abstract name (autobind). */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (s == -1 || bind(s, (struct sockaddr *)&sun, sizeof(sa_family_t)) ||
	    listen(s, 1) == -1) {
		perror("fuzz_msg control socket");
		abort();
	}
	if (s != MSG_CTL_FD) {
		if (dup2(s, MSG_CTL_FD) == -1) {
			perror("dup2");
			abort();
		}
		close(s);
	}
}

/* Creates the sockets, the event base and a silent log once. */
static void
fuzz_msg_setup(void)
{
	int w[2], logfd;

	if (fuzz_msg_null >= 0)
		return;
	fuzz_msg_ctl_fd();
	if ((fuzz_msg_null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1 ||
	    (logfd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	        0, fuzz_msg_chan) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	        0, w) == -1) {
		perror("fuzz_msg setup");
		abort();
	}
	log_set_fd(logfd);
	if ((worker.base = event_base_new()) == NULL)
		abort();
	worker.chan = w[0];
	fuzz_msg_wpeer = w[1];
	msg_queue_init(&worker.q);
	worker.ev_chan_w = event_new(worker.base, worker.chan, EV_WRITE,
	    worker_chan_write, NULL);
	if (worker.ev_chan_w == NULL)
		abort();
}

/* Returns the lowest free descriptor number (to spot a leaked one). */
static int
fuzz_msg_lowest_free(void)
{
	int fd = fcntl(fuzz_msg_null, F_DUPFD, 0);

	FUZZ_CHECK(fd >= 0);
	close(fd);
	return fd;
}

/* Reads and drops whatever the worker sent to its master. */
static void
fuzz_msg_drain(void)
{
	char buf[256];

	while (recv(fuzz_msg_wpeer, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/* Returns the worker to its state before any message arrived. */
static void
fuzz_msg_worker_reset(void)
{
	uint32_t i;

	if (worker.procs != NULL) {
		monitor_free();
		for (i = 0; i < worker.conf.nprocs; i++)
			proc_free(&worker.procs[i]);
		free(worker.procs);
	}
	free(worker.pconf);
	free(worker.checks);
	free(worker.str.buf);
	if (ev_listen != NULL)
		event_free(ev_listen);
	if (ev_kick != NULL)
		event_free(ev_kick);
	ev_listen = ev_kick = NULL;
	log_set_hook(NULL);
	log_ring_clear();
	event_del(worker.ev_chan_w);
	msg_queue_clear(&worker.q);
	fuzz_msg_drain();
	memset(&worker.conf, 0, sizeof(worker.conf));
	memset(&worker.str, 0, sizeof(worker.str));
	worker.pconf = NULL;
	worker.checks = NULL;
	worker.procs = NULL;
	worker.nprocs_recv = worker.nchecks_recv = worker.nfound = 0;
	worker.configured = 0;
}

/*
 * Tells whether msg_recv must accept a datagram of len bytes carrying
 * nfd descriptors in ncm control messages: the model of msg.h.
 */
static int
fuzz_msg_wellformed(const unsigned char *d, size_t len, int nfd, int ncm)
{
	struct msg_hdr h;
	ssize_t want;

	if (len < sizeof(h) || len > sizeof(h) + MSG_MAX_PAYLOAD)
		return 0;
	memcpy(&h, d, sizeof(h));
	if (h.version != MSG_VERSION || h.len != len - sizeof(h))
		return 0;
	if (h.type == MSG_CONF_STRTAB)
		want = h.len > 0 ? (ssize_t)h.len : -1;
	else
		want = msg_payload_size(h.type);
	if (want != (ssize_t)h.len)
		return 0;
	if (h.type == MSG_LOG_FD)
		return nfd == 1 && ncm == 1;
	return nfd == 0;
}

/* Sends one datagram with the descriptors flags ask for; 0 or -1. */
static int
fuzz_msg_send(const unsigned char *d, size_t len, uint8_t flags)
{
	struct iovec iov;
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(2 * sizeof(int))];
	} cbuf;
	struct cmsghdr *cm;
	int fds[2] = { fuzz_msg_null, fuzz_msg_null };
	size_t clen = 0;
	ssize_t n;

	memset(&cbuf, 0, sizeof(cbuf));
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)d;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (flags & (FUZZ_MSG_FD1 | FUZZ_MSG_FD2)) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		if (flags & FUZZ_MSG_FD1) {
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(cm), fds, sizeof(int));
			clen += CMSG_SPACE(sizeof(int));
			cm = CMSG_NXTHDR(&mh, cm);
		}
		if (flags & FUZZ_MSG_FD2) {
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(2 * sizeof(int));
			memcpy(CMSG_DATA(cm), fds, 2 * sizeof(int));
			clen += CMSG_SPACE(2 * sizeof(int));
		}
		mh.msg_controllen = clen;
	}
	n = sendmsg(fuzz_msg_chan[1], &mh, MSG_NOSIGNAL);
	return n == (ssize_t)len ? 0 : -1;
}

/* Checks the verdict of msg_recv on one datagram; 1 when accepted. */
static int
fuzz_msg_recv_one(const unsigned char *d, size_t len, uint8_t flags,
    struct msg_hdr *hdr, int *fdp)
{
	int nfd = 0, ncm = 0, ok, lowest;
	ssize_t r;

	if (flags & FUZZ_MSG_FD1) {
		nfd += 1;
		ncm++;
	}
	if (flags & FUZZ_MSG_FD2) {
		nfd += 2;
		ncm++;
	}
	ok = fuzz_msg_wellformed(d, len, nfd, ncm);
	lowest = fuzz_msg_lowest_free();
	if (fuzz_msg_send(d, len, flags) == -1)
		return 0;
	errno = 0;
	r = msg_recv(fuzz_msg_chan[0], hdr, fuzz_msg_buf, fdp);
	if (len == 0) {
		/* An empty datagram reads as end of file, like a hang-up. */
		FUZZ_CHECK(r == 0 || (r == -1 && errno == EBADMSG));
		FUZZ_CHECK(fuzz_msg_lowest_free() == lowest);
		return 0;
	}
	if (r != 1) {
		FUZZ_CHECK(r == -1 && errno == EBADMSG);
		FUZZ_CHECK(*fdp == -1);
		/* Every descriptor that came along was closed. */
		FUZZ_CHECK(fuzz_msg_lowest_free() == lowest);
		FUZZ_CHECK(!ok);
		return 0;
	}
	FUZZ_CHECK(ok);
	FUZZ_CHECK(hdr->version == MSG_VERSION);
	FUZZ_CHECK(hdr->len == len - sizeof(*hdr));
	FUZZ_CHECK(memcmp(fuzz_msg_buf, d + sizeof(*hdr), hdr->len) == 0);
	if (hdr->type == MSG_CONF_STRTAB)
		FUZZ_CHECK(hdr->len >= 1 && hdr->len <= MSG_MAX_PAYLOAD);
	else
		FUZZ_CHECK(msg_payload_size(hdr->type) == (ssize_t)hdr->len);
	if (hdr->type == MSG_LOG_FD) {
		FUZZ_CHECK(*fdp >= 0);
		FUZZ_CHECK(fcntl(*fdp, F_GETFD) == FD_CLOEXEC);
	} else
		FUZZ_CHECK(*fdp == -1);
	return 1;
}

/*
 * Hands an accepted message to the worker as worker_chan_read does;
 * returns -1 where the worker would exit.
 */
static int
fuzz_msg_worker(const struct msg_hdr *hdr, int fd)
{
	int was_configured = worker.configured, rc;

	if (hdr->type == 0 || hdr->type >= MSG_M2W_LAST)
		rc = -1;
	else
		rc = worker_dispatch(hdr, fuzz_msg_buf, fd);
	/* Only a configured worker keeps a log descriptor. */
	if (fd >= 0 && (rc == -1 || !was_configured))
		close(fd);
	if (rc == 0 && worker.configured) {
		/* What worker_conf_valid let through is what proc.c uses. */
		FUZZ_CHECK(worker.procs != NULL);
		FUZZ_CHECK(worker.str.len > 0 &&
		    worker.str.buf[worker.str.len - 1] == '\0');
		FUZZ_CHECK(worker.nprocs_recv == worker.conf.nprocs);
		FUZZ_CHECK(worker.nchecks_recv == worker.conf.nchecks);
	}
	return rc;
}

/*
 * Applies the checks of master_chan_read and the type range of
 * master_dispatch (the rest of it spawns and signals, so it is not run).
 */
static int
fuzz_msg_master(const struct msg_hdr *hdr, int fd)
{
	if (fd >= 0) {
		close(fd);
		return -1;
	}
	if (hdr->type < MSG_HELLO || hdr->type >= MSG_W2M_LAST)
		return -1;
	return 0;
}

/* Builds the datagram of one record; returns its length. */
static size_t
fuzz_msg_build(const uint8_t *p, size_t n, uint8_t flags)
{
	struct msg_hdr h;
	size_t len = 0, total;
	uint16_t type = 0;

	if (flags & FUZZ_MSG_HDR) {
		if (n >= 2) {
			type = (uint16_t)(p[0] | p[1] << 8);
			p += 2;
			n -= 2;
		}
		len = sizeof(h);
	}
	memcpy(fuzz_msg_dgram + len, p, n);
	len += n;
	if (flags & FUZZ_MSG_PAD) {
		total = sizeof(h) + MSG_MAX_PAYLOAD - 1 + ((flags >> 4) & 3);
		if (len < total) {
			memset(fuzz_msg_dgram + len, 0, total - len);
			len = total;
		}
	}
	if (flags & FUZZ_MSG_HDR) {
		memset(&h, 0, sizeof(h));
		h.type = type;
		h.version = MSG_VERSION;
		h.len = (uint32_t)(len - sizeof(h));
		memcpy(fuzz_msg_dgram, &h, sizeof(h));
	}
	return len;
}

/* Runs one input: a mode byte, then datagrams until one is refused. */
int
fuzz_msg_one(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	struct msg_hdr hdr;
	size_t n, len;
	uint8_t mode, flags;
	int fd, rc;

	if (size < 1)
		return 0;
	fuzz_msg_setup();
	mode = *p++;
	while (end - p >= 3) {
		flags = p[0];
		n = (size_t)(p[1] | p[2] << 8);
		p += 3;
		if (n > (size_t)(end - p))
			n = (size_t)(end - p);
		if (n > sizeof(struct msg_hdr) + MSG_MAX_PAYLOAD + 8)
			n = sizeof(struct msg_hdr) + MSG_MAX_PAYLOAD + 8;
		len = fuzz_msg_build(p, n, flags);
		p += n;
		if (!fuzz_msg_recv_one(fuzz_msg_dgram, len, flags, &hdr, &fd))
			break;
		if (mode & FUZZ_MSG_MODE_MASTER)
			rc = fuzz_msg_master(&hdr, fd);
		else
			rc = fuzz_msg_worker(&hdr, fd);
		if (rc == -1)
			break;
	}
	fuzz_msg_worker_reset();
	return 0;
}

#ifndef FUZZ_NO_MAIN
/* Appends one record holding a whole message to a seed file. */
static void
fuzz_msg_seed_rec(FILE *f, uint8_t flags, uint16_t type, const void *pl,
    size_t len)
{
	struct msg_hdr h;
	size_t total = sizeof(h) + len;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.version = MSG_VERSION;
	h.len = (uint32_t)len;
	fputc(flags, f);
	fputc((int)(total & 0xff), f);
	fputc((int)(total >> 8), f);
	fwrite(&h, sizeof(h), 1, f);
	if (len > 0)
		fwrite(pl, len, 1, f);
}

/* Opens DIR/name for a new seed. */
static FILE *
fuzz_msg_seed_open(const char *dir, const char *name, uint8_t mode)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		exit(1);
	}
	fputc(mode, f);
	return f;
}

/* Writes seeds: a worker's whole configuration, its reports, requests. */
static void
fuzz_msg_seeds(const char *dir, const char *conf)
{
	struct conf_opts opts;
	struct app app;
	struct msg_job mj;
	struct msg_proc mp;
	struct msg_signal ms;
	struct msg_text mt;
	char *errors = NULL;
	const char *base;
	char name[256];
	uint32_t i;
	FILE *f;

	conf_opts_init(&opts, "/run/bluepill");
	if (conf_load_file(conf, &opts, &app, &errors) == -1) {
		fprintf(stderr, "%s", errors);
		exit(1);
	}
	base = strrchr(conf, '/') != NULL ? strrchr(conf, '/') + 1 : conf;
	snprintf(name, sizeof(name), "w-%s", base);
	f = fuzz_msg_seed_open(dir, name, 0);
	fuzz_msg_seed_rec(f, 0, MSG_CONF_APP, &app.conf, sizeof(app.conf));
	fuzz_msg_seed_rec(f, 0, MSG_CONF_STRTAB, app.wstr.buf, app.wstr.len);
	for (i = 0; i < app.conf.nprocs; i++)
		fuzz_msg_seed_rec(f, 0, MSG_CONF_PROC, &app.procs[i],
		    sizeof(app.procs[i]));
	for (i = 0; i < app.conf.nchecks; i++)
		fuzz_msg_seed_rec(f, 0, MSG_CONF_CHECK, &app.checks[i],
		    sizeof(app.checks[i]));
	fuzz_msg_seed_rec(f, 0, MSG_CONF_END, NULL, 0);
	for (i = 0; i < app.conf.nprocs; i++) {
		memset(&mp, 0, sizeof(mp));
		mp.proc = i;
		fuzz_msg_seed_rec(f, 0, MSG_PROC_FOUND, &mp, sizeof(mp));
	}
	memset(&mj, 0, sizeof(mj));
	mj.kind = JOB_START;
	mj.gen = 1;
	mj.pid = 999999;
	fuzz_msg_seed_rec(f, 0, MSG_SPAWNED, &mj, sizeof(mj));
	mj.status = 9;
	fuzz_msg_seed_rec(f, 0, MSG_EXITED, &mj, sizeof(mj));
	mj.err = 2;
	fuzz_msg_seed_rec(f, 0, MSG_SPAWN_FAILED, &mj, sizeof(mj));
	memset(&mt, 0, sizeof(mt));
	snprintf(mt.text, sizeof(mt.text), "reloaded");
	fuzz_msg_seed_rec(f, 0, MSG_RELOAD_RESULT, &mt, sizeof(mt));
	memset(&ms, 0, sizeof(ms));
	ms.signo = 15;
	fuzz_msg_seed_rec(f, 0, MSG_SIGNALLED, &ms, sizeof(ms));
	fuzz_msg_seed_rec(f, FUZZ_MSG_FD1, MSG_LOG_FD, NULL, 0);
	fclose(f);
	conf_app_free(&app);

	f = fuzz_msg_seed_open(dir, "m-requests", FUZZ_MSG_MODE_MASTER);
	fuzz_msg_seed_rec(f, 0, MSG_HELLO, NULL, 0);
	memset(&mj, 0, sizeof(mj));
	mj.kind = JOB_START;
	fuzz_msg_seed_rec(f, 0, MSG_SPAWN, &mj, sizeof(mj));
	fuzz_msg_seed_rec(f, 0, MSG_KILL_JOB, &mj, sizeof(mj));
	memset(&ms, 0, sizeof(ms));
	ms.signo = 15;
	fuzz_msg_seed_rec(f, 0, MSG_SIGNAL, &ms, sizeof(ms));
	memset(&mp, 0, sizeof(mp));
	fuzz_msg_seed_rec(f, 0, MSG_PROBE, &mp, sizeof(mp));
	fuzz_msg_seed_rec(f, 0, MSG_RELOAD, NULL, 0);
	fuzz_msg_seed_rec(f, 0, MSG_QUIT, NULL, 0);
	fclose(f);
}

/* Writes the seeds instead of fuzzing when the environment asks. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("BP_FUZZ_MSG_SEEDS"),
	           *conf = getenv("BP_FUZZ_MSG_CONF");

	if (dir != NULL && conf != NULL) {
		fuzz_msg_seeds(dir, conf);
		exit(0);
	}
	return 0;
}

/* libFuzzer's entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_msg_one(data, size);
}
#endif
