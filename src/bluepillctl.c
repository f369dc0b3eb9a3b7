/*
 * bluepillctl: the control client.  It finds the application's socket in
 * the run directory, sends one request (ctl_proto.h), reads the reply
 * objects and prints them; its exit code is the one the worker chose.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bluepill.h"
#include "ctl_proto.h"
#include "ctl_render.h"

#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define BLUEPILLCTL_RUNDIR RUNSTATEDIR "/bluepill"
#define BLUEPILLCTL_GRACE_S 10          /* on top of -t before we give up */
#define BLUEPILLCTL_PROBE_MS 1000       /* connect timeout of "apps" */
#define BLUEPILLCTL_LINE_MAX (16 << 20) /* one reply line */
#define BLUEPILLCTL_MAX_APPS 4096

/* Commands that bluepillctl handles itself or renders differently. */
enum bluepillctl_local {
	LOCAL_NONE = 0,
	LOCAL_APPS,
	LOCAL_METRICS,
};

struct bluepillctl_cmd {
	const char *name;
	enum ctl_cmd wire;
	enum bluepillctl_local local;
	int takes_target;
	int action; /* waits for its targets to settle */
};

/* clang-format off */
static const struct bluepillctl_cmd bluepillctl_cmds[] = {
	{ "status",	CTL_CMD_STATUS,		LOCAL_NONE,	1, 0 },
	{ "start",	CTL_CMD_START,		LOCAL_NONE,	1, 1 },
	{ "stop",	CTL_CMD_STOP,		LOCAL_NONE,	1, 1 },
	{ "restart",	CTL_CMD_RESTART,	LOCAL_NONE,	1, 1 },
	{ "unmonitor",	CTL_CMD_UNMONITOR,	LOCAL_NONE,	1, 1 },
	{ "log",	CTL_CMD_LOG,		LOCAL_NONE,	1, 0 },
	{ "quit",	CTL_CMD_QUIT,		LOCAL_NONE,	0, 0 },
	{ "reload",	CTL_CMD_RELOAD,		LOCAL_NONE,	0, 0 },
	{ "version",	CTL_CMD_VERSION,	LOCAL_NONE,	0, 0 },
	{ "metrics",	CTL_CMD_STATUS,		LOCAL_METRICS,	1, 0 },
	{ "apps",	CTL_CMD_NONE,		LOCAL_APPS,	0, 0 },
};
/* clang-format on */

#define BLUEPILLCTL_NCMDS \
	(sizeof(bluepillctl_cmds) / sizeof(bluepillctl_cmds[0]))

/* Everything one invocation needs. */
struct bluepillctl {
	const char *rundir;
	const char *app;
	int app_given;
	int json;
	int have_timeout;
	uint32_t timeout_s;
	const struct bluepillctl_cmd *cmd;
	const char *target;
	int has_deadline;
	struct timespec deadline; /* CLOCK_MONOTONIC */
};

static volatile sig_atomic_t bluepillctl_interrupted;

/* Prints the usage and returns the usage exit code. */
static int
bluepillctl_usage(void)
{
	fputs("usage: bluepillctl [-a app] [-r rundir] [-j] [-t seconds] "
	      "command [target]\n"
	      "commands: status, start, stop, restart, unmonitor, log, quit, "
	      "reload, apps,\n"
	      "          metrics, version\n",
	    stderr);
	return CTL_EXIT_USAGE;
}

/* Prints "bluepillctl: msg" for a message we composed, returns code. */
static int
bluepillctl_fail(int code, const char *msg)
{
	fprintf(stderr, "bluepillctl: %s\n", msg);
	return code;
}

/* Prints a worker's error text, control bytes replaced, returns code. */
static int
bluepillctl_fail_foreign(int code, const char *msg)
{
	fputs("bluepillctl: ", stderr);
	for (; *msg != '\0'; msg++) {
		unsigned char c = (unsigned char)*msg;

		fputc(c < 0x20 || c == 0x7f ? '?' : c, stderr);
	}
	fputc('\n', stderr);
	return code;
}

/* Notes an interrupt so the log follower can end cleanly. */
static void
bluepillctl_sigint(int sig)
{
	(void)sig;
	bluepillctl_interrupted = 1;
}

/* Tells whether s may name an application (a file name in the rundir). */
static int
bluepillctl_app_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= BP_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '/')
			return 0;
	}
	return 1;
}

/* Parses -t: whole seconds that still fit a uint32_t of milliseconds. */
static int
bluepillctl_parse_timeout(const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX / 1000)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Compares two app names for qsort. */
static int
bluepillctl_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Frees a list from bluepillctl_scan. */
static void
bluepillctl_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Lists the apps with a socket in the run directory, sorted; 0 or an errno.
 * A missing run directory simply has no apps.
 */
static int
bluepillctl_scan(const char *rundir, char ***namesp, size_t *np)
{
	DIR *d;
	struct dirent *de;
	struct stat st;
	char **names = NULL, **tmp;
	size_t n = 0, len;
	int err = 0;

	*namesp = NULL;
	*np = 0;
	if ((d = opendir(rundir)) == NULL)
		return errno == ENOENT ? 0 : errno;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".sock") != 0)
			continue;
		len -= 5;
		if (!bluepillctl_app_valid(de->d_name, len))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		        -1 ||
		    !S_ISSOCK(st.st_mode))
			continue;
		if (n == BLUEPILLCTL_MAX_APPS)
			break;
		if ((tmp = realloc(names, (n + 1) * sizeof(*names))) == NULL) {
			err = ENOMEM;
			break;
		}
		names = tmp;
		if ((names[n] = strndup(de->d_name, len)) == NULL) {
			err = ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (err != 0) {
		bluepillctl_free_names(names, n);
		return err;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), bluepillctl_cmp);
	*namesp = names;
	*np = n;
	return 0;
}

/* Builds <rundir>/<app>.sock into sun; -1 with ENAMETOOLONG if too long. */
static int
bluepillctl_sockaddr(const char *rundir, const char *app,
    struct sockaddr_un *sun)
{
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.sock", rundir,
	    app);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Connects to an app's socket within timeout_ms; the fd, or -1 and errno. */
static int
bluepillctl_connect(const char *rundir, const char *app, int timeout_ms)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int fd, saved;

	if (bluepillctl_sockaddr(rundir, app, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* A unix connect waits on a full backlog for the send timeout. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Lists the apps whose socket accepts a connection. */
static int
bluepillctl_apps(const struct bluepillctl *bc)
{
	char **names;
	size_t n, i;
	json_t *arr = NULL;
	int err, fd;

	if ((err = bluepillctl_scan(bc->rundir, &names, &n)) != 0) {
		fprintf(stderr, "bluepillctl: %s: %s\n", bc->rundir,
		    strerror(err));
		return err == EACCES ? CTL_EXIT_PERM : CTL_EXIT_NOAPP;
	}
	if (bc->json && (arr = json_array()) == NULL) {
		bluepillctl_free_names(names, n);
		return bluepillctl_fail(CTL_EXIT_USAGE, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if ((fd = bluepillctl_connect(bc->rundir, names[i],
		         BLUEPILLCTL_PROBE_MS)) == -1)
			continue;
		close(fd);
		if (arr != NULL)
			json_array_append_new(arr, json_string(names[i]));
		else
			printf("%s\n", names[i]);
	}
	bluepillctl_free_names(names, n);
	if (arr != NULL) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(arr);
	}
	return CTL_EXIT_OK;
}

/*
 * Chooses the application: -a, else the only one with a socket.  Returns
 * -1 with bc->app set, or an exit code after printing why not.
 */
static int
bluepillctl_pick_app(struct bluepillctl *bc, int quiet_none)
{
	static char only[BP_NAME_MAX];
	char **names;
	size_t n, i;
	int err;

	if (bc->app_given)
		return -1;
	if ((err = bluepillctl_scan(bc->rundir, &names, &n)) != 0) {
		fprintf(stderr, "bluepillctl: %s: %s\n", bc->rundir,
		    strerror(err));
		return err == EACCES ? CTL_EXIT_PERM : CTL_EXIT_NOAPP;
	}
	if (n == 0) {
		if (quiet_none)
			return CTL_EXIT_OK;
		return bluepillctl_fail(CTL_EXIT_NOAPP,
		    "no application is running");
	}
	if (n > 1) {
		fputs("bluepillctl: several applications are running, "
		      "choose one with -a:\n",
		    stderr);
		for (i = 0; i < n; i++)
			fprintf(stderr, "%s\n", names[i]);
		bluepillctl_free_names(names, n);
		return CTL_EXIT_USAGE;
	}
	strncpy(only, names[0], sizeof(only) - 1);
	bluepillctl_free_names(names, n);
	bc->app = only;
	return -1;
}

/* Returns the milliseconds left until the deadline (-1: none, 0: passed). */
static int
bluepillctl_remaining(const struct bluepillctl *bc)
{
	struct timespec now;
	long long ms;

	if (!bc->has_deadline)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(bc->deadline.tv_sec - now.tv_sec) * 1000 +
	    (bc->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return 0;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Reports that the reply did not end in time. */
static int
bluepillctl_timed_out(const struct bluepillctl *bc)
{
	fprintf(stderr,
	    "bluepillctl: application \"%s\" did not answer in "
	    "time\n",
	    bc->app);
	return CTL_EXIT_TIMEOUT;
}

/* Writes the whole request; 0, or -1 with errno. */
static int
bluepillctl_send(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Prints the versions as JSON: the worker's reply (if any) and ours. */
static int
bluepillctl_version_json(const json_t *reply)
{
	json_t *obj;
	int rc;

	obj = reply != NULL ? json_deep_copy(reply) : json_object();
	if (obj == NULL || !json_is_object(obj) ||
	    json_object_set_new(obj, "bluepillctl",
	        json_string(PACKAGE_VERSION)) == -1) {
		json_decref(obj);
		return -1;
	}
	rc = ctl_render_json(stdout, obj);
	json_decref(obj);
	return rc;
}

/* Prints the final reply object the way the command asks for. */
static int
bluepillctl_final(const struct bluepillctl *bc, const json_t *reply, int code)
{
	const json_t *v;
	int rc = 0;

	v = json_object_get(reply, "error");
	if (json_is_string(v))
		return bluepillctl_fail_foreign(code, json_string_value(v));
	if (bc->json && bc->cmd->wire == CTL_CMD_VERSION)
		rc = bluepillctl_version_json(reply);
	else if (bc->json && bc->cmd->local != LOCAL_METRICS &&
	    bc->cmd->wire != CTL_CMD_LOG)
		rc = ctl_render_json(stdout, reply);
	else if (bc->cmd->local == LOCAL_METRICS)
		rc = ctl_render_metrics(stdout, reply, time(NULL));
	else if (bc->cmd->action)
		rc = ctl_render_results(stdout, reply);
	else {
		switch (bc->cmd->wire) {
		case CTL_CMD_STATUS:
			rc = ctl_render_status(stdout, reply);
			break;
		case CTL_CMD_VERSION:
			v = json_object_get(reply, "version");
			if (!json_is_string(v)) {
				rc = -1;
				break;
			}
			printf("worker %s (%s)\n", json_string_value(v),
			    bc->app);
			break;
		case CTL_CMD_RELOAD:
			v = json_object_get(reply, "message");
			if (json_is_string(v))
				printf("%s\n", json_string_value(v));
			break;
		default:
			break;
		}
	}
	if (rc == -1)
		return bluepillctl_fail(CTL_EXIT_USAGE,
		    "malformed reply from the worker");
	return code;
}

/*
 * Handles one reply line: prints a log line and returns -1 to read on,
 * or returns the exit code once the final object has been handled.
 */
static int
bluepillctl_line(const struct bluepillctl *bc, const char *line, size_t len)
{
	json_t *obj, *v;
	json_error_t jerr;
	json_int_t code;
	int rc;

	/*
	 * No JSON_REJECT_DUPLICATES: it costs a fifth of parsing a status
	 * of 200 processes, and a repeated key (the last one wins) can do
	 * no harm: every value is checked before it is used.
	 */
	obj = json_loadb(line, len, 0, &jerr);
	if (!json_is_object(obj)) {
		json_decref(obj);
		return bluepillctl_fail(CTL_EXIT_USAGE,
		    "malformed reply from the worker");
	}
	v = json_object_get(obj, "v");
	if (v != NULL &&
	    (!json_is_integer(v) ||
	        json_integer_value(v) != CTL_PROTO_VERSION)) {
		json_decref(obj);
		return bluepillctl_fail(CTL_EXIT_USAGE,
		    "the worker speaks another protocol version");
	}
	if ((v = json_object_get(obj, "exit")) == NULL) {
		v = json_object_get(obj, "log");
		if (json_is_string(v)) {
			/* The worker escaped it already; flush for followers. */
			fputs(json_string_value(v), stdout);
			fputc('\n', stdout);
			if (fflush(stdout) == EOF) {
				json_decref(obj);
				return errno == EPIPE ? CTL_EXIT_OK :
				                        CTL_EXIT_USAGE;
			}
		}
		json_decref(obj);
		return -1;
	}
	if (!json_is_integer(v) || (code = json_integer_value(v)) < 0 ||
	    code > 255) {
		json_decref(obj);
		return bluepillctl_fail(CTL_EXIT_USAGE,
		    "malformed reply from the worker");
	}
	rc = bluepillctl_final(bc, obj, (int)code);
	json_decref(obj);
	return rc;
}

/* Reads reply lines until the final object, EOF or the deadline. */
static int
bluepillctl_read(const struct bluepillctl *bc, int fd)
{
	char *buf = NULL, *tmp, *nl;
	size_t len = 0, cap = 0, off;
	struct pollfd pfd;
	ssize_t n;
	int rc = -1, ms;

	for (;;) {
		/* Hand every complete line over before reading more. */
		off = 0;
		while (rc == -1 && off < len &&
		    (nl = memchr(buf + off, '\n', len - off)) != NULL) {
			if (nl > buf + off)
				rc = bluepillctl_line(bc, buf + off,
				    (size_t)(nl - (buf + off)));
			off = (size_t)(nl - buf) + 1;
		}
		if (rc != -1)
			break;
		if (off > 0) {
			memmove(buf, buf + off, len - off);
			len -= off;
		}
		if (len >= BLUEPILLCTL_LINE_MAX) {
			rc = bluepillctl_fail(CTL_EXIT_USAGE,
			    "reply line too long");
			break;
		}
		if (cap - len < 65536) {
			if ((tmp = realloc(buf, cap + 65536)) == NULL) {
				rc = bluepillctl_fail(CTL_EXIT_USAGE,
				    "out of memory");
				break;
			}
			buf = tmp;
			cap += 65536;
		}
		if ((ms = bluepillctl_remaining(bc)) == 0) {
			rc = bluepillctl_timed_out(bc);
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) == -1) {
			if (errno != EINTR) {
				rc = bluepillctl_fail(CTL_EXIT_USAGE,
				    strerror(errno));
				break;
			}
			if (bluepillctl_interrupted) {
				rc = CTL_EXIT_OK;
				break;
			}
			continue;
		}
		if (pfd.revents == 0)
			continue;
		n = read(fd, buf + len, cap - len);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			rc = bluepillctl_fail(CTL_EXIT_NOAPP, strerror(errno));
			break;
		}
		if (n == 0) {
			/* The last line may lack its newline. */
			if (len > 0)
				rc = bluepillctl_line(bc, buf, len);
			if (rc == -1) {
				fprintf(stderr,
				    "bluepillctl: application "
				    "\"%s\" closed the connection "
				    "before replying\n",
				    bc->app);
				rc = CTL_EXIT_NOAPP;
			}
			break;
		}
		len += (size_t)n;
	}
	free(buf);
	return rc;
}

/* Maps a failed connect to the message and exit code of SPEC §5. */
static int
bluepillctl_connect_failed(const struct bluepillctl *bc, int err)
{
	switch (err) {
	case ENOENT:
	case ECONNREFUSED:
		fprintf(stderr,
		    "bluepillctl: application \"%s\" is not running\n",
		    bc->app);
		return CTL_EXIT_NOAPP;
	case EACCES:
	case EPERM:
		return bluepillctl_fail(CTL_EXIT_PERM, "permission denied");
	case EAGAIN:
	case EINPROGRESS:
	case ETIMEDOUT:
		return bluepillctl_timed_out(bc);
	default:
		fprintf(stderr, "bluepillctl: %s/%s.sock: %s\n", bc->rundir,
		    bc->app, strerror(err));
		return CTL_EXIT_NOAPP;
	}
}

/* Sends the request of bc to its app and prints the reply. */
static int
bluepillctl_run(struct bluepillctl *bc)
{
	struct ctl_request req, check;
	struct sigaction sa;
	char *line, err[64];
	size_t len;
	int fd, rc, ms;

	memset(&req, 0, sizeof(req));
	req.version = CTL_PROTO_VERSION;
	req.cmd = bc->cmd->wire;
	if (bc->target != NULL) {
		if (strlen(bc->target) >= sizeof(req.target))
			return bluepillctl_fail(CTL_EXIT_USAGE,
			    "target too long");
		strncpy(req.target, bc->target, sizeof(req.target) - 1);
	}
	if (bc->cmd->action)
		req.timeout_ms = bc->timeout_s * 1000;
	if (bc->cmd->wire == CTL_CMD_LOG && bc->have_timeout)
		req.follow_ms = bc->timeout_s * 1000;
	if ((line = ctl_request_encode(&req)) == NULL)
		return bluepillctl_fail(CTL_EXIT_USAGE,
		    "cannot encode the request");
	len = strlen(line);
	/* The worker would refuse what we cannot decode ourselves. */
	if (ctl_request_decode(line, len, &check, err, sizeof(err)) == -1) {
		free(line);
		return bluepillctl_fail(CTL_EXIT_USAGE, err);
	}

	/* The log follower has no deadline unless -t bounds it. */
	if (bc->cmd->wire != CTL_CMD_LOG || bc->have_timeout) {
		clock_gettime(CLOCK_MONOTONIC, &bc->deadline);
		bc->deadline.tv_sec += (time_t)bc->timeout_s +
		    BLUEPILLCTL_GRACE_S;
		bc->has_deadline = 1;
	}
	if (bc->cmd->wire == CTL_CMD_LOG) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = bluepillctl_sigint;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}

	ms = bluepillctl_remaining(bc);
	fd = bluepillctl_connect(bc->rundir, bc->app,
	    ms == -1 ? CTL_REQ_TIMEOUT_MS : ms);
	if (fd == -1) {
		rc = bluepillctl_connect_failed(bc, errno);
		free(line);
		return rc;
	}
	if (bluepillctl_send(fd, line, len) == -1) {
		if (errno != EPIPE && errno != ECONNRESET) {
			rc = bluepillctl_fail(CTL_EXIT_NOAPP, strerror(errno));
			free(line);
			close(fd);
			return rc;
		}
		/*
		 * The worker may have refused us before reading: its reply
		 * is still queued for us to read.
		 */
	}
	free(line);
	rc = bluepillctl_read(bc, fd);
	close(fd);
	return rc;
}

/* Looks a command up by name. */
static const struct bluepillctl_cmd *
bluepillctl_find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < BLUEPILLCTL_NCMDS; i++)
		if (strcmp(bluepillctl_cmds[i].name, name) == 0)
			return &bluepillctl_cmds[i];
	return NULL;
}

/* Parses the command line, picks the app and runs the command. */
int
main(int argc, char *argv[])
{
	struct bluepillctl bc;
	const char *env;
	int ch, rc;

	memset(&bc, 0, sizeof(bc));
	bc.timeout_s = CTL_DEFAULT_TIMEOUT_S;
	signal(SIGPIPE, SIG_IGN);

	while ((ch = getopt(argc, argv, "a:r:jt:")) != -1) {
		switch (ch) {
		case 'a':
			if (!bluepillctl_app_valid(optarg, strlen(optarg)))
				return bluepillctl_fail(CTL_EXIT_USAGE,
				    "invalid application name");
			bc.app = optarg;
			bc.app_given = 1;
			break;
		case 'r':
			if (*optarg == '\0')
				return bluepillctl_usage();
			bc.rundir = optarg;
			break;
		case 'j':
			bc.json = 1;
			break;
		case 't':
			if (bluepillctl_parse_timeout(optarg, &bc.timeout_s) ==
			    -1)
				return bluepillctl_fail(CTL_EXIT_USAGE,
				    "invalid timeout");
			bc.have_timeout = 1;
			break;
		default:
			return bluepillctl_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2 ||
	    (bc.cmd = bluepillctl_find_cmd(argv[0])) == NULL)
		return bluepillctl_usage();
	if (argc == 2) {
		if (!bc.cmd->takes_target)
			return bluepillctl_usage();
		bc.target = argv[1];
	}
	if (bc.rundir == NULL) {
		env = getenv("BLUEPILL_RUNDIR");
		bc.rundir = env != NULL && *env != '\0' ? env :
		                                          BLUEPILLCTL_RUNDIR;
	}

	if (bc.cmd->local == LOCAL_APPS)
		return bluepillctl_apps(&bc);
	if (bc.cmd->wire == CTL_CMD_VERSION && !bc.json)
		printf("bluepillctl %s\n", PACKAGE_VERSION);
	/* Our own version is worth printing even when nothing runs. */
	rc = bluepillctl_pick_app(&bc, bc.cmd->wire == CTL_CMD_VERSION);
	if (rc == CTL_EXIT_OK && bc.json)
		rc = bluepillctl_version_json(NULL) == -1 ? CTL_EXIT_USAGE :
		                                            CTL_EXIT_OK;
	if (rc != -1)
		return rc;
	rc = bluepillctl_run(&bc);
	if (fflush(stdout) == EOF && errno != EPIPE)
		return bluepillctl_fail(CTL_EXIT_USAGE, strerror(errno));
	return rc;
}
