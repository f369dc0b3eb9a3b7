/*
 * test_ctl_client: runs the built bluepillctl ($BLUEPILLCTL) against a fake
 * worker on a unix socket in a scratch run directory and checks what it
 * sent, what it printed and how it exited.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ctl_proto.h"

/* One fake worker: a listening socket served by a forked child. */
struct fake {
	pid_t pid;
	int reqfd; /* read end: the request line the child received */
};

/* What one run of bluepillctl produced. */
struct run {
	int status;
	char out[8192];
	char err[8192];
};

static char rundir[] = "/tmp/test_ctl_client.XXXXXX";
static const char *ctl_path;

/* Builds the socket path of app in the scratch run directory. */
static void
sock_path(struct sockaddr_un *sun, const char *app)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.sock", rundir,
	    app);
}

/* Binds app's socket; listens unless a stale socket is wanted. */
static int
fake_bind(const char *app, int listening)
{
	struct sockaddr_un sun;
	int fd;

	sock_path(&sun, app);
	unlink(sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (listening)
		assert_int_equal(listen(fd, 8), 0);
	return fd;
}

/* Starts a worker for app that answers one request with reply. */
static void
fake_start(struct fake *f, const char *app, const char *reply)
{
	int lfd, cfd, p[2];
	char buf[CTL_REQ_MAX + 1];
	size_t len = 0;
	ssize_t n;

	lfd = fake_bind(app, 1);
	assert_int_equal(pipe(p), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		close(p[0]);
		if ((cfd = accept(lfd, NULL, NULL)) == -1)
			_exit(1);
		while (len < sizeof(buf) &&
		    (n = read(cfd, buf + len, sizeof(buf) - len)) > 0) {
			len += (size_t)n;
			if (memchr(buf, '\n', len) != NULL)
				break;
		}
		if (write(p[1], buf, len) != (ssize_t)len)
			_exit(1);
		close(p[1]);
		if (reply != NULL &&
		    write(cfd, reply, strlen(reply)) != (ssize_t)strlen(reply))
			_exit(1);
		close(cfd);
		_exit(0);
	}
	close(p[1]);
	close(lfd);
	f->reqfd = p[0];
}

/* Stops the worker and returns the request it got ("" if none). */
static void
fake_stop(struct fake *f, char *req, size_t reqlen)
{
	size_t len = 0;
	ssize_t n;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, NULL, 0);
	while (len + 1 < reqlen &&
	    (n = read(f->reqfd, req + len, reqlen - 1 - len)) > 0)
		len += (size_t)n;
	req[len] = '\0';
	close(f->reqfd);
}

/* Reads a whole temporary file into buf. */
static void
slurp(FILE *fp, char *buf, size_t len)
{
	size_t n;

	rewind(fp);
	n = fread(buf, 1, len - 1, fp);
	buf[n] = '\0';
	fclose(fp);
}

/* Runs bluepillctl with argv (NULL-terminated), env BLUEPILL_RUNDIR=envdir. */
static void
run_ctl(struct run *r, const char *envdir, ...)
{
	const char *argv[16];
	va_list ap;
	FILE *out, *err;
	pid_t pid;
	int argc = 0;

	argv[argc++] = ctl_path;
	va_start(ap, envdir);
	while ((argv[argc] = va_arg(ap, const char *)) != NULL)
		assert_true(++argc < 15);
	va_end(ap);
	out = tmpfile();
	err = tmpfile();
	assert_non_null(out);
	assert_non_null(err);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(out), STDOUT_FILENO);
		dup2(fileno(err), STDERR_FILENO);
		if (envdir != NULL)
			setenv("BLUEPILL_RUNDIR", envdir, 1);
		else
			unsetenv("BLUEPILL_RUNDIR");
		setenv("TZ", "UTC", 1);
		execv(ctl_path, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &r->status, 0), pid);
	assert_true(WIFEXITED(r->status));
	r->status = WEXITSTATUS(r->status);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

/* Removes every socket the previous test left. */
static int
clean_rundir(void **state)
{
	static const char *apps[] = { "shop", "blog", "stale" };
	struct sockaddr_un sun;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		sock_path(&sun, apps[i]);
		unlink(sun.sun_path);
	}
	return 0;
}

/* status with the single app: the request and the listing. */
static void
test_client_status(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop",
	    "{\"v\":1,\"exit\":0,\"app\":\"shop\",\"processes\":["
	    "{\"name\":\"unicorn\",\"group\":\"web\",\"pid\":42,"
	    "\"state\":\"up\"},{\"name\":\"solo\",\"group\":null,\"pid\":0,"
	    "\"state\":\"down\"}]}\n");
	run_ctl(&r, NULL, "-r", rundir, "status", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req, "{\"v\":1,\"cmd\":\"status\"}\n");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
	    "web:\n  unicorn(pid:42): up\n\nsolo(pid:): down\n\n");
	assert_string_equal(r.err, "");
}

/* An action carries -t as timeout_ms and exits with the reply's code. */
static void
test_client_action(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop",
	    "{\"v\":1,\"exit\":5,\"results\":[{\"name\":\"unicorn\","
	    "\"group\":\"web\",\"pid\":42,\"state\":\"stopping\","
	    "\"settled\":false}]}\n");
	run_ctl(&r, rundir, "-t", "7", "stop", "web:unicorn", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req,
	    "{\"v\":1,\"cmd\":\"stop\",\"target\":\"web:unicorn\","
	    "\"timeout_ms\":7000}\n");
	assert_int_equal(r.status, 5);
	assert_string_equal(r.out,
	    "web:unicorn: stopping (pid 42) (did not settle in time)\n");
}

/* An error reply goes to stderr with the worker's exit code. */
static void
test_client_error_reply(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop",
	    "{\"v\":1,\"exit\":4,\"error\":\"no process matches nope\"}\n");
	run_ctl(&r, NULL, "-r", rundir, "-a", "shop", "restart", "nope", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req,
	    "{\"v\":1,\"cmd\":\"restart\",\"target\":\"nope\","
	    "\"timeout_ms\":60000}\n");
	assert_int_equal(r.status, 4);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "bluepillctl: no process matches nope\n");
}

/* log prints each line and sends follow_ms only from -t. */
static void
test_client_log(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop",
	    "{\"log\":\"first line\"}\n{\"log\":\"second \\\\x1b line\"}\n"
	    "{\"v\":1,\"exit\":0}");
	run_ctl(&r, NULL, "-r", rundir, "-t", "2", "log", "web", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req,
	    "{\"v\":1,\"cmd\":\"log\",\"target\":\"web\",\"follow_ms\":2000}\n");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "first line\nsecond \\x1b line\n");
}

/* version prints both sides; metrics renders status as Prometheus text. */
static void
test_client_version_metrics(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1], expect[128];

	(void)state;
	fake_start(&f, "shop", "{\"v\":1,\"exit\":0,\"version\":\"9.9.9\"}\n");
	run_ctl(&r, NULL, "-r", rundir, "version", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req, "{\"v\":1,\"cmd\":\"version\"}\n");
	assert_int_equal(r.status, 0);
	snprintf(expect, sizeof(expect),
	    "bluepillctl %s\nworker 9.9.9 (shop)\n", PACKAGE_VERSION);
	assert_string_equal(r.out, expect);

	fake_start(&f, "shop",
	    "{\"v\":1,\"exit\":0,\"app\":\"shop\",\"processes\":[{\"name\":"
	    "\"a\",\"group\":null,\"pid\":3,\"state\":\"up\"}]}\n");
	run_ctl(&r, NULL, "-r", rundir, "metrics", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_string_equal(req, "{\"v\":1,\"cmd\":\"status\"}\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out,
	    "# TYPE bluepill_process_up gauge\n"
	    "bluepill_process_up{app=\"shop\","
	    "group=\"\",process=\"a\"} 1\n"));
}

/* -j re-encodes the reply without "exit". */
static void
test_client_json(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop",
	    "{\"v\":1,\"exit\":0,\"app\":\"shop\",\"processes\":[]}\n");
	run_ctl(&r, NULL, "-r", rundir, "-j", "status", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out,
	    "{\n  \"v\": 1,\n  \"app\": \"shop\",\n  \"processes\": []\n}\n");
}

/* Broken replies: garbage, or a worker that hangs up without one. */
static void
test_client_bad_reply(void **state)
{
	struct fake f;
	struct run r;
	char req[CTL_REQ_MAX + 1];

	(void)state;
	fake_start(&f, "shop", "this is not json\n");
	run_ctl(&r, NULL, "-r", rundir, "status", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "malformed reply"));

	fake_start(&f, "shop", "{\"v\":1,\"exit\":0,\"processes\":5}\n");
	run_ctl(&r, NULL, "-r", rundir, "status", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");

	fake_start(&f, "shop", NULL);
	run_ctl(&r, NULL, "-r", rundir, "status", NULL);
	fake_stop(&f, req, sizeof(req));
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "closed the connection"));
}

/* No app, several apps, a stale socket, a missing -a app. */
static void
test_client_app_selection(void **state)
{
	struct run r;
	int a, b;

	(void)state;
	run_ctl(&r, NULL, "-r", rundir, "status", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err, "bluepillctl: no application is running\n");

	run_ctl(&r, NULL, "-r", "/nonexistent/bluepill", "status", NULL);
	assert_int_equal(r.status, 2);

	a = fake_bind("shop", 1);
	b = fake_bind("blog", 1);
	run_ctl(&r, rundir, "status", NULL);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err,
	    "bluepillctl: several applications are running, choose one with "
	    "-a:\nblog\nshop\n");

	/* apps lists only sockets that accept a connection. */
	close(fake_bind("stale", 0));
	run_ctl(&r, rundir, "apps", NULL);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "blog\nshop\n");

	run_ctl(&r, rundir, "-a", "stale", "status", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err,
	    "bluepillctl: application \"stale\" is not running\n");
	run_ctl(&r, rundir, "-a", "gone", "status", NULL);
	assert_int_equal(r.status, 2);
	assert_string_equal(r.err,
	    "bluepillctl: application \"gone\" is not running\n");

	/* Root ignores file modes, so only others see EACCES. */
	if (geteuid() != 0) {
		struct sockaddr_un sun;

		sock_path(&sun, "shop");
		assert_int_equal(chmod(sun.sun_path, 0), 0);
		run_ctl(&r, rundir, "-a", "shop", "status", NULL);
		assert_int_equal(r.status, 3);
		assert_string_equal(r.err, "bluepillctl: permission denied\n");
	}
	close(a);
	close(b);
}

/* Bad usage exits 1 before touching any socket. */
static void
test_client_usage(void **state)
{
	static const char *const bad[][4] = {
		{ "bogus", NULL },
		{ "quit", "extra", NULL },
		{ "apps", "x", NULL },
		{ "status", "a", "b", NULL },
		{ "-t", "soon", "status", NULL },
		{ "-t", "-1", "status", NULL },
		{ "-a", "../etc", "status", NULL },
		{ "-x", "status", NULL },
		{ NULL },
	};
	struct run r;
	size_t i;
	int fd;

	(void)state;
	run_ctl(&r, NULL, NULL);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "usage: bluepillctl"));
	for (i = 0; bad[i][0] != NULL; i++) {
		run_ctl(&r, rundir, bad[i][0], bad[i][1], bad[i][2], bad[i][3],
		    NULL);
		if (r.status != 1)
			fail_msg("%s %s: exit %d", bad[i][0],
			    bad[i][1] ? bad[i][1] : "", r.status);
		assert_string_equal(r.out, "");
	}
	/* A malformed target is refused locally, with the codec's reason. */
	fd = fake_bind("shop", 1);
	run_ctl(&r, rundir, "status", "a:b:c", NULL);
	close(fd);
	assert_int_equal(r.status, 1);
	assert_string_equal(r.err, "bluepillctl: invalid target\n");
}

/* Makes the scratch run directory, or skips without a built client. */
static int
setup(void **state)
{
	(void)state;
	ctl_path = getenv("BLUEPILLCTL");
	if (ctl_path == NULL || access(ctl_path, X_OK) == -1)
		return -1;
	if (mkdtemp(rundir) == NULL)
		return -1;
	return 0;
}

/* Removes the scratch run directory. */
static int
teardown(void **state)
{
	clean_rundir(state);
	rmdir(rundir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_client_status, clean_rundir),
		cmocka_unit_test_setup(test_client_action, clean_rundir),
		cmocka_unit_test_setup(test_client_error_reply, clean_rundir),
		cmocka_unit_test_setup(test_client_log, clean_rundir),
		cmocka_unit_test_setup(test_client_version_metrics,
		    clean_rundir),
		cmocka_unit_test_setup(test_client_json, clean_rundir),
		cmocka_unit_test_setup(test_client_bad_reply, clean_rundir),
		cmocka_unit_test_setup(test_client_app_selection, clean_rundir),
		cmocka_unit_test_setup(test_client_usage, clean_rundir),
	};

	if (getenv("BLUEPILLCTL") == NULL) {
		/* Run outside "make check": nothing to test against. */
		printf("1..0 # SKIP BLUEPILLCTL is not set\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
