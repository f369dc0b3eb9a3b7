/*
 * conf_wire: a loaded set of drop-ins as a byte stream, so the master can
 * parse drop-ins in a short-lived child and keep none of the parser's
 * memory (libconfig, the NSS modules that resolve users, the loader's
 * stack and heap) for the months it runs.
 */
#ifndef BP_CONF_WIRE_H
#define BP_CONF_WIRE_H

#include <stddef.h>
#include "conf.h"

/* Writes set to fd; 0, or -1 with errno when a write failed. */
int conf_wire_write(int fd, const struct conf_set *set);
/*
 * Decodes a stream of len bytes into set (zeroed first; free it with
 * conf_set_free).  Every count and length is checked against the loader's
 * own limits.  Returns 0, or -1 on a truncated or malformed stream.
 */
int
conf_wire_decode(const unsigned char *buf, size_t len, struct conf_set *set);

#endif /* BP_CONF_WIRE_H */
