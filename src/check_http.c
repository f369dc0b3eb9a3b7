/*
 * check_http: one GET per probe with libevent's evhttp, bounded by the
 * check's timeout (evhttp's own connect/read/write timeout), with the
 * body capped and matched against the check's pattern.
 */
#include <arpa/inet.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bluepill.h"
#include "check.h"
#include "check_http.h"
#include "log.h"

#define HTTP_MAX_BODY (64 * 1024)

struct http_probe {
	struct evhttp_connection *conn;
	struct evhttp_request *req;
	const struct check_conf *cc;
	char *pattern;
	check_http_done_fn done;
	void *arg;
	int finished;
	uint64_t errval; /* set by the error callback, read by the response */
};

/* Matches the body against the pattern (POSIX extended regex). */
static int
check_http_body_matches(const char *pattern, struct evbuffer *body)
{
	regex_t re;
	size_t len = evbuffer_get_length(body);
	char *text;
	int ok;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	if ((text = malloc(len + 1)) == NULL) {
		regfree(&re);
		return 0;
	}
	evbuffer_copyout(body, text, len);
	text[len] = '\0';
	ok = regexec(&re, text, 0, NULL, 0) == 0;
	free(text);
	regfree(&re);
	return ok;
}

/* Ends a probe: report once, then let evhttp free the connection. */
static void
check_http_finish(struct http_probe *hp, int failed, uint64_t value)
{
	if (hp->finished)
		return;
	hp->finished = 1;
	if (hp->done != NULL)
		hp->done(hp->arg, failed, value);
	free(hp->pattern);
	free(hp);
}

/* The response (or NULL on failure) arrived. */
static void
check_http_response(struct evhttp_request *req, void *arg)
{
	struct http_probe *hp = arg;
	int code, failed;

	if (hp->finished)
		return;
	if (req == NULL ||
	    (code = evhttp_request_get_response_code(req)) <= 0) {
		check_http_finish(hp, 1,
		    hp->errval ? hp->errval : CHECK_HTTP_ERROR);
		return;
	}
	failed = !check_http_status_ok(hp->cc, code);
	if (!failed && hp->pattern != NULL &&
	    !check_http_body_matches(hp->pattern,
	        evhttp_request_get_input_buffer(req)))
		failed = 1;
	check_http_finish(hp, failed, (uint64_t)code);
}

/*
 * evhttp says why a request failed (timeout, refused, ...); it then calls
 * the response callback with NULL, which ends the probe.
 */
static void
check_http_error(enum evhttp_request_error err, void *arg)
{
	struct http_probe *hp = arg;

	hp->errval = err == EVREQ_HTTP_TIMEOUT ? CHECK_HTTP_TIMEOUT :
	                                         CHECK_HTTP_ERROR;
}

/* Starts a GET of the check's url on base; see check_http.h. */
struct http_probe *
check_http_start(struct event_base *base, const struct check_conf *cc,
    const char *url, const char *pattern, check_http_done_fn done, void *arg)
{
	struct evhttp_uri *uri;
	struct http_probe *hp;
	const char *host, *path, *query;
	struct in6_addr a6;
	struct in_addr a4;
	struct timeval tv;
	char target[BP_PATH_MAX];
	int port;

	if ((uri = evhttp_uri_parse(url)) == NULL)
		return NULL;
	host = evhttp_uri_get_host(uri);
	port = evhttp_uri_get_port(uri);
	path = evhttp_uri_get_path(uri);
	query = evhttp_uri_get_query(uri);
	if (host == NULL) {
		evhttp_uri_free(uri);
		return NULL;
	}
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	else if (inet_pton(AF_INET, host, &a4) != 1 &&
	    inet_pton(AF_INET6, host, &a6) != 1) {
		/* A name would need a lookup that blocks the loop. */
		evhttp_uri_free(uri);
		return NULL;
	}
	snprintf(target, sizeof(target), "%s%s%s",
	    path != NULL && *path ? path : "/", query ? "?" : "",
	    query ? query : "");
	if ((hp = calloc(1, sizeof(*hp))) == NULL) {
		evhttp_uri_free(uri);
		return NULL;
	}
	hp->cc = cc;
	hp->done = done;
	hp->arg = arg;
	if (pattern != NULL && *pattern != '\0')
		hp->pattern = strdup(pattern);
	hp->conn = evhttp_connection_base_new(base, NULL, host,
	    (unsigned short)(port > 0 ? port : 80));
	if (hp->conn == NULL) {
		evhttp_uri_free(uri);
		free(hp->pattern);
		free(hp);
		return NULL;
	}
	tv.tv_sec = cc->timeout_ms / 1000;
	tv.tv_usec = (cc->timeout_ms % 1000) * 1000;
	evhttp_connection_set_timeout_tv(hp->conn, &tv);
	evhttp_connection_set_retries(hp->conn, 0);
	evhttp_connection_set_max_body_size(hp->conn, HTTP_MAX_BODY);
	hp->req = evhttp_request_new(check_http_response, hp);
	evhttp_request_set_error_cb(hp->req, check_http_error);
	evhttp_add_header(evhttp_request_get_output_headers(hp->req), "Host",
	    evhttp_uri_get_host(uri));
	evhttp_add_header(evhttp_request_get_output_headers(hp->req),
	    "Connection", "close");
	evhttp_add_header(evhttp_request_get_output_headers(hp->req),
	    "User-Agent", "bluepill/" PACKAGE_VERSION);
	evhttp_uri_free(uri);
	/* evhttp frees the connection once the request is done. */
	evhttp_connection_free_on_completion(hp->conn);
	if (evhttp_make_request(hp->conn, hp->req, EVHTTP_REQ_GET, target) !=
	    0) {
		free(hp->pattern);
		free(hp);
		return NULL;
	}
	return hp;
}

/* Abandons a probe without calling done (the process left up). */
void
check_http_cancel(struct http_probe *hp)
{
	hp->done = NULL;
}
