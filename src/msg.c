/*
 * msg: framing of the master <-> worker channel.  The reader is strict:
 * the peer may be a compromised worker, so every length, type and
 * attached descriptor is checked before a payload is handed on.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bluepill.h"
#include "msg.h"

/* Returns the exact payload size of type, or -1 if it varies/unknown. */
ssize_t
msg_payload_size(uint16_t type)
{
	switch (type) {
	case MSG_CONF_APP:
		return sizeof(struct app_conf);
	case MSG_CONF_PROC:
		return sizeof(struct proc_conf);
	case MSG_CONF_CHECK:
		return sizeof(struct check_conf);
	case MSG_CONF_END:
	case MSG_LOG_FD:
	case MSG_HELLO:
	case MSG_QUIT:
	case MSG_RELOAD:
		return 0;
	case MSG_PROC_FOUND:
	case MSG_PROBE:
		return sizeof(struct msg_proc);
	case MSG_SPAWNED:
	case MSG_SPAWN_FAILED:
	case MSG_EXITED:
	case MSG_SPAWN:
	case MSG_KILL_JOB:
		return sizeof(struct msg_job);
	case MSG_SIGNAL:
	case MSG_SIGNALLED:
		return sizeof(struct msg_signal);
	case MSG_RELOAD_RESULT:
		return sizeof(struct msg_text);
	default:
		return -1;
	}
}

/* Sends one message (and fd when >= 0); 0 or -1 with errno. */
int
msg_send(int sock, uint16_t type, const void *payload, size_t len, int fd)
{
	struct msg_hdr hdr;
	struct iovec iov[2];
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	ssize_t n;

	if (len > MSG_MAX_PAYLOAD) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.version = MSG_VERSION;
	hdr.len = (uint32_t)len;
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)payload;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = len > 0 ? 2 : 1;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof(hdr) + len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Closes every descriptor that arrived in a control message. */
static void
msg_close_fds(struct msghdr *mh)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET &&
		    cm->cmsg_type == SCM_RIGHTS) {
			size_t i,
			    nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (i = 0; i < nfd; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
				    sizeof(int));
				close(fd);
			}
		}
	}
}

/* Receives and checks one message; see msg.h for the contract. */
ssize_t
msg_recv(int sock, struct msg_hdr *hdr, void *buf, int *fdp)
{
	struct iovec iov[2];
	struct msghdr mh;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(4 * sizeof(int))];
	} cbuf;
	struct cmsghdr *cm;
	ssize_t n, want;
	int fd = -1;

	*fdp = -1;
	memset(hdr, 0, sizeof(*hdr));
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(*hdr);
	iov[1].iov_base = buf;
	iov[1].iov_len = MSG_MAX_PAYLOAD;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		/* An empty datagram reads as EOF; drop what came with it. */
		msg_close_fds(&mh);
		return 0;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		msg_close_fds(&mh);
		errno = EBADMSG;
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len != CMSG_LEN(sizeof(int)) || fd != -1 ||
		    hdr->type != MSG_LOG_FD) {
			msg_close_fds(&mh);
			if (fd >= 0)
				close(fd);
			errno = EBADMSG;
			return -1;
		}
		memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	}
	if ((size_t)n < sizeof(*hdr) || hdr->version != MSG_VERSION ||
	    (size_t)n - sizeof(*hdr) != hdr->len) {
		if (fd >= 0)
			close(fd);
		errno = EBADMSG;
		return -1;
	}
	want = msg_payload_size(hdr->type);
	if (hdr->type == MSG_CONF_STRTAB) {
		if (hdr->len == 0)
			want = -2;
		else
			want = hdr->len;
	}
	if (want != (ssize_t)hdr->len || (hdr->type == MSG_LOG_FD && fd < 0)) {
		if (fd >= 0)
			close(fd);
		errno = EBADMSG;
		return -1;
	}
	*fdp = fd;
	return 1;
}

struct msg_qent {
	struct msg_qent *next;
	uint16_t type;
	size_t len;
	unsigned char payload[];
};

/* Prepares an empty queue. */
void
msg_queue_init(struct msg_queue *q)
{
	q->head = NULL;
	q->tailp = &q->head;
	q->bytes = 0;
}

/* Sends what the socket takes; 1 if more remains, 0 when empty, -1. */
int
msg_queue_flush(struct msg_queue *q, int sock)
{
	struct msg_qent *e;

	while ((e = q->head) != NULL) {
		if (msg_send(sock, e->type, e->payload, e->len, -1) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return 1;
			return -1;
		}
		q->head = e->next;
		if (q->head == NULL)
			q->tailp = &q->head;
		q->bytes -= sizeof(*e) + e->len;
		free(e);
	}
	return 0;
}

/* Sends now, or queues behind earlier messages when the socket is full. */
int
msg_queue_send(struct msg_queue *q, int sock, uint16_t type,
    const void *payload, size_t len)
{
	struct msg_qent *e;

	if (q->head == NULL) {
		if (msg_send(sock, type, payload, len, -1) == 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
			return -1;
	}
	/* Count the entry itself: a flood of tiny messages is bounded too. */
	if (q->bytes + sizeof(*e) + len > MSG_QUEUE_MAX) {
		errno = ENOBUFS;
		return -1;
	}
	if ((e = malloc(sizeof(*e) + len)) == NULL)
		return -1;
	e->next = NULL;
	e->type = type;
	e->len = len;
	if (len > 0)
		memcpy(e->payload, payload, len);
	*q->tailp = e;
	q->tailp = &e->next;
	q->bytes += sizeof(*e) + len;
	return 0;
}

/* Drops every queued message. */
void
msg_queue_clear(struct msg_queue *q)
{
	struct msg_qent *e;

	while ((e = q->head) != NULL) {
		q->head = e->next;
		free(e);
	}
	msg_queue_init(q);
}
