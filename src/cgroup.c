/*
 * cgroup: one pids cgroup per app that sets max_processes (see cgroup.h).
 *
 * The directory lives next to the hierarchy's root rather than under the
 * master's own cgroup: cgroup v2 forbids processes in a cgroup that hands a
 * controller to its children, and a service manager places a restarted
 * bluepilld in its unit's cgroup while the apps' processes (which outlive
 * it) still run.  Container engines without delegation do the same.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bluepill.h"
#include "cgroup.h"
#include "log.h"
#include "procfs.h"

static char cg_base[BP_PATH_MAX]; /* our directory; "" = no containment */

/* Names this bluepilld's directory: "bluepill", or one per run directory. */
void
cgroup_name(const char *rundir, char *buf, size_t len)
{
	size_t o;

	if (strcmp(rundir, BP_RUNDIR_DEFAULT) == 0) {
		snprintf(buf, len, "bluepill");
		return;
	}
	snprintf(buf, len, "bluepill%s", rundir);
	for (o = 0; buf[o] != '\0'; o++)
		if (buf[o] == '/')
			buf[o] = '_';
}

/* Joins dir and name into buf; -1 with ENAMETOOLONG if it does not fit. */
static int
cgroup_join(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Writes s to a cgroup control file; 0 or -1 with errno. */
static int
cgroup_write(const char *dir, const char *file, const char *s)
{
	char path[BP_PATH_MAX];
	size_t n = strlen(s);
	int fd, saved;
	ssize_t w;

	if (cgroup_join(path, sizeof(path), dir, file) == -1)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	w = write(fd, s, n);
	saved = errno;
	close(fd);
	errno = saved;
	return w == (ssize_t)n ? 0 : -1;
}

/* Tells whether a space-separated control file lists word. */
static int
cgroup_lists(const char *dir, const char *file, const char *word)
{
	char path[BP_PATH_MAX], buf[512], *tok, *save;
	ssize_t n;

	if (cgroup_join(path, sizeof(path), dir, file) == -1 ||
	    (n = procfs_read_file(path, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	for (tok = strtok_r(buf, " \n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \n", &save))
		if (strcmp(tok, word) == 0)
			return 1;
	return 0;
}

/*
 * Finds the mount points of the cgroup2 hierarchy and of the v1 pids
 * hierarchy in /proc/self/mountinfo ("" when absent).
 */
static void
cgroup_mounts(char *v2, char *v1, size_t len)
{
	char line[4096];
	FILE *f;

	v2[0] = v1[0] = '\0';
	if ((f = fopen("/proc/self/mountinfo", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		char mnt[BP_PATH_MAX], fstype[32], opts[512];
		char *sep = strstr(line, " - ");

		/* id parent dev root MOUNT opts [tags] - FSTYPE SRC SUPEROPTS */
		if (sep == NULL ||
		    sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2 ||
		    strchr(mnt, '\\') != NULL)
			continue;
		if (strcmp(fstype, "cgroup2") == 0 && v2[0] == '\0')
			snprintf(v2, len, "%s", mnt);
		else if (strcmp(fstype, "cgroup") == 0 && v1[0] == '\0' &&
		    (strstr(opts, ",pids") != NULL ||
		        strncmp(opts, "pids", 4) == 0))
			snprintf(v1, len, "%s", mnt);
	}
	fclose(f);
}

/* Makes dir (mode 0755, root's) unless it exists as a directory. */
static int
cgroup_mkdir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == EEXIST && lstat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return -1;
}

/* Tells whether this bluepilld's directory exists in a pids hierarchy. */
int
cgroup_exists(const char *rundir)
{
	char v2[BP_PATH_MAX], v1[BP_PATH_MAX], name[BP_PATH_MAX];
	char dir[BP_PATH_MAX];
	struct stat st;

	cgroup_mounts(v2, v1, sizeof(v2));
	cgroup_name(rundir, name, sizeof(name));
	return (v2[0] != '\0' && cgroup_join(dir, sizeof(dir), v2, name) == 0 &&
	           lstat(dir, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    (v1[0] != '\0' && cgroup_join(dir, sizeof(dir), v1, name) == 0 &&
	        lstat(dir, &st) == 0 && S_ISDIR(st.st_mode));
}

/* Picks the pids hierarchy and creates our directory in it; see cgroup.h. */
int
cgroup_init(const char *rundir)
{
	char v2[BP_PATH_MAX], v1[BP_PATH_MAX], name[BP_PATH_MAX];
	char dir[BP_PATH_MAX];

	cg_base[0] = '\0';
	cgroup_mounts(v2, v1, sizeof(v2));
	cgroup_name(rundir, name, sizeof(name));
	if (v2[0] != '\0' && cgroup_lists(v2, "cgroup.controllers", "pids") &&
	    (cgroup_lists(v2, "cgroup.subtree_control", "pids") ||
	        cgroup_write(v2, "cgroup.subtree_control", "+pids") == 0)) {
		if (cgroup_join(dir, sizeof(dir), v2, name) == 0 &&
		    cgroup_mkdir(dir) == 0 &&
		    (cgroup_lists(dir, "cgroup.subtree_control", "pids") ||
		        cgroup_write(dir, "cgroup.subtree_control", "+pids") ==
		            0)) {
			memcpy(cg_base, dir, sizeof(cg_base));
			log_debug("cgroup: %s (v2)", cg_base);
			return 0;
		}
		log_warn("cgroup: %s", dir);
	}
	if (v1[0] != '\0') {
		if (cgroup_join(dir, sizeof(dir), v1, name) == 0 &&
		    cgroup_mkdir(dir) == 0) {
			memcpy(cg_base, dir, sizeof(cg_base));
			log_debug("cgroup: %s (v1 pids)", cg_base);
			return 0;
		}
		log_warn("cgroup: %s", dir);
	}
	return -1;
}

/* Writes the app's cgroup directory into buf; see cgroup.h. */
void
cgroup_app_path(const char *app, char *buf, size_t len)
{
	if (cg_base[0] == '\0' || cgroup_join(buf, len, cg_base, app) == -1)
		snprintf(buf, len, "%s", "");
}

/* Opens the app's cgroup with its limit set; see cgroup.h. */
int
cgroup_app_open(const char *app, uint32_t max)
{
	char dir[BP_PATH_MAX], path[BP_PATH_MAX], num[16];
	int fd;

	if (cg_base[0] == '\0')
		return -1;
	snprintf(num, sizeof(num), "%u", max);
	if (cgroup_join(dir, sizeof(dir), cg_base, app) == -1 ||
	    cgroup_mkdir(dir) == -1 ||
	    cgroup_write(dir, "pids.max", num) == -1) {
		log_warn("%s: cgroup %s", app, dir);
		return -1;
	}
	if (cgroup_join(path, sizeof(path), dir, "cgroup.procs") == -1 ||
	    (fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		log_warn("%s: %s/cgroup.procs", app, dir);
		return -1;
	}
	return fd;
}

/* Lifts the limit of an app's existing cgroup; see cgroup.h. */
void
cgroup_app_unlimit(const char *app)
{
	char dir[BP_PATH_MAX];
	struct stat st;

	if (cg_base[0] == '\0' || cgroup_join(dir, sizeof(dir), cg_base, app) ||
	    lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return;
	if (cgroup_write(dir, "pids.max", "max") == -1)
		log_warn("%s: cgroup %s", app, dir);
	else
		log_info("%s: no max_processes: the limit of %s is lifted", app,
		    dir);
}
