/*
 * fuzz_ctl: the control request decoder, which reads whatever a local
 * peer sends.  A decoded request must encode again and decode to the
 * same request; target matching is checked on pieces of the input.
 */
#include <string.h>

#include "ctl_proto.h"
#include "fuzz.h"

/* Checks that a decoded request is one the worker can act on. */
static void
fuzz_ctl_valid(const struct ctl_request *req)
{
	const char *colon;
	size_t i, tlen;

	FUZZ_CHECK(req->version == CTL_PROTO_VERSION);
	FUZZ_CHECK(ctl_cmd_name(req->cmd) != NULL);
	FUZZ_CHECK(ctl_cmd_parse(ctl_cmd_name(req->cmd)) == req->cmd);
	tlen = strnlen(req->target, sizeof(req->target));
	FUZZ_CHECK(tlen < sizeof(req->target));
	for (i = 0; i < tlen; i++)
		FUZZ_CHECK((unsigned char)req->target[i] >= 0x20 &&
		    req->target[i] != 0x7f);
	if ((colon = strchr(req->target, ':')) != NULL) {
		FUZZ_CHECK(strchr(colon + 1, ':') == NULL);
		FUZZ_CHECK(colon[1] != '\0');
	}
}

/* Decodes, and on success encodes and decodes again. */
static void
fuzz_ctl_roundtrip(const char *buf, size_t len)
{
	struct ctl_request req, again;
	char err[64], err2[64];
	char *line;
	size_t llen;
	int rc;

	memset(err, 'x', sizeof(err));
	rc = ctl_request_decode(buf, len, &req, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		static const struct ctl_request zero;

		/* A refused request leaves nothing half filled. */
		FUZZ_CHECK(memcmp(&req, &zero, sizeof(req)) == 0);
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		FUZZ_CHECK(err[0] != '\0');
		return;
	}
	fuzz_ctl_valid(&req);
	line = ctl_request_encode(&req);
	FUZZ_CHECK(line != NULL);
	llen = strlen(line);
	FUZZ_CHECK(llen > 0 && llen <= CTL_REQ_MAX && line[llen - 1] == '\n');
	FUZZ_CHECK(memchr(line, '\n', llen - 1) == NULL);
	rc = ctl_request_decode(line, llen, &again, err2, sizeof(err2));
	if (rc != 0)
		fprintf(stderr, "re-decoding \"%s\" failed: %s\n", line, err2);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(again.version == req.version);
	FUZZ_CHECK(again.cmd == req.cmd);
	FUZZ_CHECK(strcmp(again.target, req.target) == 0);
	FUZZ_CHECK(again.timeout_ms == req.timeout_ms);
	FUZZ_CHECK(again.follow_ms == req.follow_ms);
	free(line);
}

/*
 * Splits the input at its first two NUL bytes into a target, a group and
 * a name, and checks ctl_target_match against the grammar of ctl_proto.h.
 */
static void
fuzz_ctl_match(const char *buf, size_t len)
{
	char *copy, *target, *group, *name, *colon, *both;
	size_t glen, nlen;
	int m;

	if ((copy = malloc(len + 3)) == NULL)
		return;
	memcpy(copy, buf, len);
	copy[len] = copy[len + 1] = copy[len + 2] = '\0';
	target = copy;
	group = target + strlen(target) + 1;
	if (group > copy + len + 1)
		group = copy + len + 1;
	name = group + strlen(group) + 1;
	if (name > copy + len + 2)
		name = copy + len + 2;

	m = ctl_target_match(target, group, name);
	FUZZ_CHECK(m == 0 || m == 1);
	FUZZ_CHECK(ctl_target_match(target, group, NULL) == 0);
	FUZZ_CHECK(ctl_target_match("", group, name) == 1);
	FUZZ_CHECK(ctl_target_match(NULL, group, name) == 1);
	FUZZ_CHECK(ctl_target_match(target, NULL, name) ==
	    ctl_target_match(target, "", name));
	if ((colon = strchr(target, ':')) != NULL) {
		/* group:name selects exactly that group and name. */
		if (m)
			FUZZ_CHECK(strlen(group) == (size_t)(colon - target) &&
			    strncmp(target, group, strlen(group)) == 0 &&
			    strcmp(colon + 1, name) == 0);
	} else if (*target != '\0') {
		/* A bare word is a group or a name, nothing else. */
		FUZZ_CHECK(m ==
		    ((*group != '\0' && strcmp(target, group) == 0) ||
		        strcmp(target, name) == 0));
	}
	/* Every process is selected by its own name and its full name. */
	if (strchr(name, ':') == NULL && *name != '\0') {
		FUZZ_CHECK(ctl_target_match(name, group, name) == 1);
		glen = strlen(group);
		nlen = strlen(name);
		if (strchr(group, ':') == NULL &&
		    (both = malloc(glen + nlen + 2)) != NULL) {
			memcpy(both, group, glen);
			both[glen] = ':';
			memcpy(both + glen + 1, name, nlen + 1);
			FUZZ_CHECK(ctl_target_match(both, group, name) == 1);
			free(both);
		}
	}
	if (*group != '\0' && strchr(group, ':') == NULL)
		FUZZ_CHECK(ctl_target_match(group, group, name) == 1);
	free(copy);
}

/* Runs the decoder and the matcher on one input. */
int
fuzz_ctl_one(const uint8_t *data, size_t size)
{
	fuzz_ctl_roundtrip((const char *)data, size);
	fuzz_ctl_match((const char *)data, size);
	return 0;
}

#ifndef FUZZ_NO_MAIN
/* libFuzzer's entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_ctl_one(data, size);
}
#endif
