/*
 * priv: the only user of libcap-ng.  A worker drops to its own uid in one
 * step and then proves that root cannot be regained.
 */
#ifndef BP_PRIV_H
#define BP_PRIV_H

#include <stdint.h>

/*
 * Drops to uid/gid with no supplementary groups, no capabilities and an
 * empty bounding set (when root), then sets no_new_privs and clears the
 * dumpable flag.  0, or -1 with a reason logged.
 */
int priv_drop(uint32_t uid, uint32_t gid, int privileged);
/* Verifies what priv_drop promised; 0, or -1 naming the first failure. */
int priv_verify(uint32_t uid, uint32_t gid, int privileged);

#endif /* BP_PRIV_H */
