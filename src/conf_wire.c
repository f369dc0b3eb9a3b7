/*
 * conf_wire: struct conf_set to bytes and back (see conf_wire.h).
 *
 * The structs are pointer-free and both ends are the same binary, so each
 * array travels as raw bytes; what the decoder checks is every count and
 * length, and that the string tables end with a NUL, so a short or
 * damaged stream yields -1 instead of memory past the buffer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bluepill.h"
#include "conf.h"
#include "conf_wire.h"

#define CONF_WIRE_MAGIC 0x62706377u /* "bpcw" */
#define CONF_WIRE_TEXT_MAX (16u << 20)
#define CONF_WIRE_FILES_MAX 100000u

/* A growable output buffer; on allocation failure err is set. */
struct wbuf {
	unsigned char *p;
	size_t len, cap;
	int err;
};

/* Appends n bytes. */
static void
conf_wire_put(struct wbuf *b, const void *src, size_t n)
{
	if (b->err || n == 0)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (cap < b->len + n)
			cap *= 2;
		if ((np = realloc(b->p, cap)) == NULL) {
			b->err = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

/* Appends a u32. */
static void
conf_wire_u32(struct wbuf *b, uint32_t v)
{
	conf_wire_put(b, &v, sizeof(v));
}

/* Appends a length-prefixed text; NULL travels as length 0. */
static void
conf_wire_text(struct wbuf *b, const char *s)
{
	uint32_t n = s != NULL ? (uint32_t)strlen(s) : 0;

	conf_wire_u32(b, n);
	conf_wire_put(b, s, n);
}

/* Appends one app. */
static void
conf_wire_app(struct wbuf *b, const struct app *a)
{
	conf_wire_put(b, &a->conf, sizeof(a->conf));
	conf_wire_put(b, a->procs, a->conf.nprocs * sizeof(*a->procs));
	conf_wire_put(b, a->execs, a->conf.nprocs * sizeof(*a->execs));
	conf_wire_put(b, a->checks, a->conf.nchecks * sizeof(*a->checks));
	conf_wire_put(b, a->check_cmds,
	    a->conf.nchecks * sizeof(*a->check_cmds));
	conf_wire_u32(b, a->wstr.len);
	conf_wire_put(b, a->wstr.buf, a->wstr.len);
	conf_wire_u32(b, a->mstr.len);
	conf_wire_put(b, a->mstr.buf, a->mstr.len);
	conf_wire_put(b, a->file, sizeof(a->file));
	conf_wire_put(b, a->log_file, sizeof(a->log_file));
	conf_wire_u32(b, a->max_processes);
}

/* Encodes set and writes it to fd; see conf_wire.h. */
int
conf_wire_write(int fd, const struct conf_set *set)
{
	struct wbuf b = { NULL, 0, 0, 0 };
	size_t i, off = 0;
	ssize_t w;

	conf_wire_u32(&b, CONF_WIRE_MAGIC);
	conf_wire_u32(&b, (uint32_t)set->nfiles);
	conf_wire_text(&b, set->errors);
	for (i = 0; i < set->nfiles; i++) {
		const struct conf_file *f = &set->files[i];

		conf_wire_text(&b, f->path);
		conf_wire_text(&b, f->errors);
		conf_wire_u32(&b, f->app != NULL);
		if (f->app != NULL)
			conf_wire_app(&b, f->app);
	}
	conf_wire_u32(&b, CONF_WIRE_MAGIC);
	if (b.err) {
		free(b.p);
		errno = ENOMEM;
		return -1;
	}
	while (off < b.len) {
		if ((w = write(fd, b.p + off, b.len - off)) == -1) {
			if (errno == EINTR)
				continue;
			free(b.p);
			return -1;
		}
		off += (size_t)w;
	}
	free(b.p);
	return 0;
}

/* A cursor over the input; any overrun sets bad. */
struct rbuf {
	const unsigned char *p;
	size_t len, off;
	int bad;
};

/* Copies n bytes out, or marks the cursor bad. */
static void
conf_wire_get(struct rbuf *r, void *dst, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = 1;
		if (n > 0)
			memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p + r->off, n);
	r->off += n;
}

/* Reads a u32. */
static uint32_t
conf_wire_get_u32(struct rbuf *r)
{
	uint32_t v;

	conf_wire_get(r, &v, sizeof(v));
	return v;
}

/* Reads a text into a new NUL-ended string; NULL for length 0. */
static char *
conf_wire_get_text(struct rbuf *r, uint32_t max)
{
	uint32_t n = conf_wire_get_u32(r);
	char *s;

	if (r->bad || n == 0)
		return NULL;
	if (n > max || n > r->len - r->off || (s = malloc(n + 1)) == NULL) {
		r->bad = 1;
		return NULL;
	}
	conf_wire_get(r, s, n);
	s[n] = '\0';
	return s;
}

/* Reads an array of n elements of size into a new allocation. */
static void *
conf_wire_get_array(struct rbuf *r, size_t n, size_t size)
{
	void *p;

	if (r->bad || n * size > r->len - r->off ||
	    (p = calloc(n == 0 ? 1 : n, size)) == NULL) {
		r->bad = 1;
		return NULL;
	}
	conf_wire_get(r, p, n * size);
	return p;
}

/* Reads a string table; it must be empty or end with a NUL. */
static void
conf_wire_get_strtab(struct rbuf *r, struct strtab *st)
{
	uint32_t n = conf_wire_get_u32(r);

	if (r->bad || n > BP_STRTAB_MAX) {
		r->bad = 1;
		return;
	}
	st->buf = conf_wire_get_array(r, n, 1);
	st->len = st->cap = n;
	if (!r->bad && n > 0 && st->buf[n - 1] != '\0')
		r->bad = 1;
}

/* Reads one app into a; -1 when malformed. */
static int
conf_wire_get_app(struct rbuf *r, struct app *a)
{
	conf_wire_get(r, &a->conf, sizeof(a->conf));
	if (r->bad || a->conf.nprocs == 0 || a->conf.nprocs > BP_MAX_PROCS ||
	    a->conf.nchecks > BP_MAX_CHECKS ||
	    memchr(a->conf.name, '\0', sizeof(a->conf.name)) == NULL)
		return -1;
	a->procs = conf_wire_get_array(r, a->conf.nprocs, sizeof(*a->procs));
	a->execs = conf_wire_get_array(r, a->conf.nprocs, sizeof(*a->execs));
	a->checks = conf_wire_get_array(r, a->conf.nchecks, sizeof(*a->checks));
	a->check_cmds = conf_wire_get_array(r, a->conf.nchecks,
	    sizeof(*a->check_cmds));
	conf_wire_get_strtab(r, &a->wstr);
	conf_wire_get_strtab(r, &a->mstr);
	conf_wire_get(r, a->file, sizeof(a->file));
	conf_wire_get(r, a->log_file, sizeof(a->log_file));
	a->max_processes = conf_wire_get_u32(r);
	if (r->bad || a->wstr.len != a->conf.strtab_len ||
	    memchr(a->file, '\0', sizeof(a->file)) == NULL ||
	    memchr(a->log_file, '\0', sizeof(a->log_file)) == NULL)
		return -1;
	return 0;
}

/* Decodes a stream into set; see conf_wire.h. */
int
conf_wire_decode(const unsigned char *buf, size_t len, struct conf_set *set)
{
	struct rbuf r = { buf, len, 0, 0 };
	uint32_t n, i;

	memset(set, 0, sizeof(*set));
	if (conf_wire_get_u32(&r) != CONF_WIRE_MAGIC)
		return -1;
	n = conf_wire_get_u32(&r);
	if (r.bad || n > CONF_WIRE_FILES_MAX)
		return -1;
	set->errors = conf_wire_get_text(&r, CONF_WIRE_TEXT_MAX);
	if (n > 0 && (set->files = calloc(n, sizeof(*set->files))) == NULL)
		goto bad;
	for (i = 0; i < n && !r.bad; i++) {
		struct conf_file *f = &set->files[i];
		char *path = conf_wire_get_text(&r, BP_PATH_MAX - 1);

		set->nfiles = i + 1;
		if (path != NULL)
			memcpy(f->path, path, strlen(path) + 1);
		free(path);
		f->errors = conf_wire_get_text(&r, CONF_WIRE_TEXT_MAX);
		if (conf_wire_get_u32(&r) != 0) {
			if ((f->app = calloc(1, sizeof(*f->app))) == NULL ||
			    conf_wire_get_app(&r, f->app) == -1)
				goto bad;
		}
	}
	if (r.bad || conf_wire_get_u32(&r) != CONF_WIRE_MAGIC || r.bad ||
	    r.off != r.len)
		goto bad;
	return 0;
bad:
	conf_set_free(set);
	return -1;
}
