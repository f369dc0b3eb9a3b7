/*
 * check_http: the asynchronous http condition on the worker's loop.  A
 * server that accepts and never answers delays nothing else: the probe
 * ends at its timeout.
 */
#ifndef BP_CHECK_HTTP_H
#define BP_CHECK_HTTP_H

#include <stdint.h>

#include "bluepill.h"

struct event_base;
struct http_probe;

/* Called once per probe: failed, and the value to log (status or code). */
typedef void (*check_http_done_fn)(void *arg, int failed, uint64_t value);

/*
 * Starts a GET of the check's url on base.  Only numeric hosts (and
 * "localhost") are probed, so no name lookup ever blocks the loop.
 * Returns the probe (freed by itself once done is called) or NULL when it
 * could not start; done is not called then.
 */
struct http_probe *
check_http_start(struct event_base *base, const struct check_conf *cc,
    const char *url, const char *pattern, check_http_done_fn done, void *arg);
/* Abandons a probe without calling done (the process left up). */
void check_http_cancel(struct http_probe *hp);

#endif /* BP_CHECK_HTTP_H */
