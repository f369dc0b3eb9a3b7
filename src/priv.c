/*
 * priv: dropping and proving.  The order matters: capabilities and ids go
 * in one libcap-ng call (which also clears the bounding set and the
 * supplementary groups), then no_new_privs so no exec can bring anything
 * back, then dumpable = 0 so the app's own processes cannot ptrace us.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "priv.h"

/* Drops to uid/gid for good; see priv.h. */
int
priv_drop(uint32_t uid, uint32_t gid, int privileged)
{
	if (privileged) {
		capng_clear(CAPNG_SELECT_BOTH);
		if (capng_change_id((int)uid, (int)gid,
		        CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING) != 0) {
			log_warnx("cannot change to uid %u gid %u", uid, gid);
			return -1;
		}
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		log_warn("PR_SET_DUMPABLE");
		return -1;
	}
	return 0;
}

/* Verifies what priv_drop promised; 0, or -1 naming the first failure. */
int
priv_verify(uint32_t uid, uint32_t gid, int privileged)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1) {
		log_warn("getresuid");
		return -1;
	}
	if (privileged) {
		if (ru != uid || eu != uid || su != uid || rg != gid ||
		    eg != gid || sg != gid) {
			log_warnx("privilege drop: ids are %u/%u/%u %u/%u/%u",
			    ru, eu, su, rg, eg, sg);
			return -1;
		}
		if (getgroups(0, NULL) != 0) {
			log_warnx(
			    "privilege drop: supplementary groups remain");
			return -1;
		}
		if (uid == 0 || setuid(0) != -1 || seteuid(0) != -1) {
			log_warnx("privilege drop: root can be regained");
			return -1;
		}
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (capng_get_caps_process() != 0) {
		log_warnx("privilege drop: cannot read capabilities");
		return -1;
	}
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
		log_warnx("privilege drop: capabilities remain");
		return -1;
	}
	if (privileged &&
	    capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE) {
		log_warnx("privilege drop: bounding set not empty");
		return -1;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		log_warnx("privilege drop: no_new_privs or dumpable not set");
		return -1;
	}
	return 0;
}
