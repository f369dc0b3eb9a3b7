/*
 * Tests of the drop-in loader: one bad fixture per rule with its exact
 * "FILE:LINE: message", good fixtures whose every field is checked, the
 * value parsers, directories, ownership rules and identities.  Fixtures are
 * copied into a private temporary directory first, so that the ownership
 * rules see files we created with known modes.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "conf_wire.h"

#define RUNDIR "/run/bp-test"
#define SELF_UID 1000
#define SELF_GID 1000

static char tmpdir[256];

/* Copies src into dir/name with the given mode. */
static void
copy_file(const char *src, const char *dir, const char *name, mode_t mode)
{
	char dst[BP_PATH_MAX], buf[8192];
	ssize_t n;
	int in, out;

	snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	assert_true((in = open(src, O_RDONLY)) != -1);
	assert_true(
	    (out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	assert_int_equal(n, 0);
	assert_int_equal(fchmod(out, mode), 0);
	close(in);
	close(out);
}

/* Copies one fixture of tests/data/conf into the private directory. */
static void
fixture(const char *name)
{
	char src[BP_PATH_MAX];

	snprintf(src, sizeof(src), "%s/conf/%s", TEST_DATADIR, name);
	copy_file(src, tmpdir, name, 0644);
}

/* Writes text into dir/name with the given mode. */
static void
write_file(const char *dir, const char *name, const char *text, mode_t mode)
{
	char path[BP_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* Removes a directory and the plain files in it. */
static void
rm_tree(const char *dir)
{
	char cmd[BP_PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Creates a fresh private directory for the whole run. */
static int
setup_all(void **state)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_conf.XXXXXX",
	    t != NULL && *t == '/' ? t : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return chmod(tmpdir, 0755);
}

/* Removes the private directory. */
static int
teardown_all(void **state)
{
	char cmd[BP_PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Options as root would have them (whoever runs the test). */
static void
opts_root(struct conf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->privileged = 1;
	o->rundir = RUNDIR;
}

/* Options of an ordinary user with SELF_UID/SELF_GID. */
static void
opts_user(struct conf_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->privileged = 0;
	o->self_uid = SELF_UID;
	o->self_gid = SELF_GID;
	o->rundir = RUNDIR;
}

/* Loads a fixture from the private directory. */
static int
load(const char *name, const struct conf_opts *o, struct app *app,
    char **errors)
{
	char path[BP_PATH_MAX];

	fixture(name);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return conf_load_file(path, o, app, errors);
}

/* Loads tmpdir/name, which must be valid, printing errors if not. */
static void
load_tmp_ok(const char *name, const struct conf_opts *o, struct app *app)
{
	char path[BP_PATH_MAX], *errors = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	rc = conf_load_file(path, o, app, &errors);
	if (rc != 0)
		print_error("%s", errors ? errors : "(no text)\n");
	assert_int_equal(rc, 0);
	assert_null(errors);
}

/* Loads a fixture that must be valid. */
static void
load_ok(const char *name, const struct conf_opts *o, struct app *app)
{
	fixture(name);
	load_tmp_ok(name, o, app);
}

/* Returns the string at offset i of a table, failing on a bad offset. */
static const char *
str(const struct strtab *st, uint32_t off)
{
	assert_true(off < st->len);
	return st->buf + off;
}

/* Returns argument i of a command. */
static const char *
arg(const struct app *app, const struct cmd_conf *c, int i)
{
	uint32_t off = c->argv;

	assert_true(i < c->argc);
	while (i-- > 0)
		off += (uint32_t)strlen(str(&app->mstr, off)) + 1;
	return str(&app->mstr, off);
}

/* Returns "K=V" number i of a process's environment. */
static const char *
env(const struct app *app, int p, int i)
{
	const struct proc_exec *ex = &app->execs[p];
	uint32_t off = ex->env;

	assert_true(i < ex->nenv);
	while (i-- > 0)
		off += (uint32_t)strlen(str(&app->mstr, off)) + 1;
	return str(&app->mstr, off);
}

/* Returns the primary gid of a user that must exist. */
static uint32_t
user_gid(const char *name)
{
	struct passwd *pw = getpwnam(name);

	assert_non_null(pw);
	return (uint32_t)pw->pw_gid;
}

/* Returns the uid of a user that must exist. */
static uint32_t
user_uid(const char *name)
{
	struct passwd *pw = getpwnam(name);

	assert_non_null(pw);
	return (uint32_t)pw->pw_uid;
}

/* Returns the gid of a group that must exist. */
static uint32_t
group_gid(const char *name)
{
	struct group *gr = getgrnam(name);

	assert_non_null(gr);
	return (uint32_t)gr->gr_gid;
}

/* One bad fixture and the first error line it must produce. */
struct bad {
	const char *file;
	int priv;
	unsigned line; /* 0: "FILE: message" */
	const char *msg;
	int prefix; /* msg is only the beginning of the line */
};

#define VALID_NAME                                                         \
	"is not a valid name (1 to 63 of A-Z a-z 0-9 _ . -, not starting " \
	"with . or -)"

/* clang-format off */
static const struct bad bads[] = {
	{ "bad-include.conf", 0, 2, "@include is not allowed", 0 },
	{ "bad-syntax.conf", 0, 2, "syntax error", 0 },
	{ "bad-unknown-key.conf", 0, 1, "unknown setting \"usr\"", 0 },
	{ "bad-unknown-proc-key.conf", 0, 5,
	  "unknown setting \"usr\" in process \"unicorn\"", 0 },
	{ "bad-type-string.conf", 0, 1, "working_dir: expected a string", 0 },
	{ "bad-type-bool.conf", 0, 5, "daemonize: expected true or false", 0 },
	{ "bad-type-cmd.conf", 0, 4,
	  "start_command: expected a command (a string or an array of "
	  "strings)", 0 },
	{ "bad-unknown-user.conf", 1, 2,
	  "uid: unknown user \"nosuchuser-bp\"", 0 },
	{ "bad-unknown-group.conf", 1, 1,
	  "gid: unknown group \"nosuchgroup-bp\"", 0 },
	{ "bad-unknown-proc-user.conf", 1, 5,
	  "uid: unknown user \"nosuchuser-bp\"", 0 },
	{ "bad-supp-group.conf", 1, 5,
	  "supplementary_groups: unknown group \"nosuchgroup-bp\"", 0 },
	{ "bad-dup-proc.conf", 0, 5,
	  "name: process \"web:a\" is already defined at line 2", 0 },
	{ "bad-dup-pidfile.conf", 0, 4,
	  "pid_file: \"/tmp/bp-x.pid\" is already the pid file of process "
	  "\"a\"", 0 },
	{ "bad-dup-default-pidfile.conf", 0, 3,
	  "pid_file: \"" RUNDIR "/pids/bad-dup-default-pidfile/a_b_c.pid\" is "
	  "already the pid file of process \"a:b_c\"", 0 },
	{ "bad-check-no-every.conf", 0, 6,
	  "missing \"every\" in check of process \"a\"", 0 },
	{ "bad-sigsteps-even.conf", 0, 5,
	  "stop_signals: must start and end with a signal, with a delay "
	  "between signals", 0 },
	{ "bad-sigsteps-sum.conf", 0, 5,
	  "stop_signals: delays add up to 3s, not less than stop_grace_time "
	  "(3s)", 0 },
	{ "bad-sigsteps-unknown.conf", 0, 6,
	  "stop_signals: unknown signal \"FOO\"", 0 },
	{ "bad-sigsteps-number.conf", 0, 5,
	  "stop_signals: expected a signal name at position 1", 0 },
	{ "bad-sigsteps-many.conf", 0, 6, "stop_signals: more than 8 signals",
	  0 },
	{ "bad-children-no-stop.conf", 0, 5,
	  "missing \"stop_command\" in monitor_children of process \"a\"", 0 },
	{ "bad-children-type.conf", 0, 5,
	  "monitor_children: expected a group such as { stop_command = "
	  "\"...\"; }", 0 },
	{ "bad-children-key.conf", 0, 7,
	  "unknown setting \"start_command\" in monitor_children of process "
	  "\"a\"", 0 },
	{ "bad-duration-unit.conf", 0, 5,
	  "start_grace_time: invalid duration \"10x\" (unknown unit)", 0 },
	{ "bad-duration-negative.conf", 0, 5,
	  "stop_grace_time: negative duration", 0 },
	{ "bad-duration-overflow.conf", 0, 5,
	  "restart_grace_time: invalid duration \"5000000s\" (out of range)",
	  0 },
	{ "bad-duration-int-overflow.conf", 0, 5,
	  "restart_grace_time: duration out of range (at most 4294967s)", 0 },
	{ "bad-duration-empty.conf", 0, 6,
	  "every: invalid duration \"\" (empty)", 0 },
	{ "bad-duration-type.conf", 0, 5,
	  "start_grace_time: expected a duration (seconds, or a string such "
	  "as \"10s\")", 0 },
	{ "bad-grace-zero.conf", 0, 5,
	  "start_grace_time: must be greater than 0", 0 },
	{ "bad-every-small.conf", 0, 5, "every: must be at least 100ms", 0 },
	{ "bad-size-unit.conf", 0, 6,
	  "below: invalid size \"800XB\" (unknown unit)", 0 },
	{ "bad-size-negative.conf", 0, 5, "below: negative size", 0 },
	{ "bad-size-float.conf", 0, 5,
	  "below: expected a size (bytes, or a string such as \"100MB\")", 0 },
	{ "bad-bigint.conf", 0, 6,
	  "integer 5000000000 does not fit in 32 bits (use a string such as "
	  "\"5GB\", or an L suffix)", 0 },
	{ "bad-pid-placeholder.conf", 0, 4,
	  "start_command: {{PID}} is only allowed in stop and restart "
	  "commands", 0 },
	{ "bad-pid-placeholder-exec.conf", 0, 6,
	  "command: {{PID}} is only allowed in stop and restart commands", 0 },
	{ "bad-empty-argv.conf", 0, 4, "start_command: empty command", 0 },
	{ "bad-empty-cmd.conf", 0, 5, "stop_command: empty command", 0 },
	{ "bad-argv-type.conf", 0, 5,
	  "restart_command: expected an array of strings", 0 },
	{ "bad-name.conf", 0, 1, "name: \".hidden\" " VALID_NAME, 0 },
	{ "bad-proc-name.conf", 0, 2, "name: \"a:b\" " VALID_NAME, 0 },
	{ "bad-group-name.conf", 0, 2,
	  "group: \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaa\" " VALID_NAME, 0 },
	{ "bad-relpath.conf", 0, 5,
	  "stdout: \"log/out.log\" is not an absolute path", 0 },
	{ "bad-log-file.conf", 0, 1,
	  "log_file: \"shop.log\" is not an absolute path", 0 },
	{ "bad-env-name.conf", 0, 2,
	  "environment: invalid variable name \"A-B\"", 0 },
	{ "bad-env-value.conf", 0, 5, "environment: PORT: expected a string",
	  0 },
	{ "bad-env-type.conf", 0, 1,
	  "environment: expected a group such as { NAME = \"value\"; }", 0 },
	{ "bad-check-key.conf", 0, 6, "key \"url\" does not apply to mem_usage",
	  0 },
	{ "bad-check-unknown-key.conf", 0, 6,
	  "unknown setting \"evry\" in check of process \"a\"", 0 },
	{ "bad-check-type.conf", 0, 5, "type: unknown check type \"foo\"", 0 },
	{ "bad-check-no-type.conf", 0, 5,
	  "missing \"type\" in check of process \"a\"", 0 },
	{ "bad-checks-type.conf", 0, 5,
	  "checks: expected a list of groups such as ( { type = "
	  "\"mem_usage\"; ... } )", 0 },
	{ "bad-times.conf", 0, 5, "times: need 1 <= N <= M <= 64", 0 },
	{ "bad-times-big.conf", 0, 5, "times: need 1 <= N <= M <= 64", 0 },
	{ "bad-max-processes.conf", 0, 2,
	  "max_processes: must be between 1 and 4194304", 0 },
	{ "bad-max-processes-type.conf", 0, 1,
	  "max_processes: expected an integer (processes and threads the app "
	  "may run at once)", 0 },
	{ "bad-fires.conf", 0, 6,
	  "fires: unknown action \"explode\" (restart, stop, unmonitor or "
	  "start)", 0 },
	{ "bad-fires-dup.conf", 0, 6, "fires: \"stop\" is listed twice", 0 },
	{ "bad-children-fires.conf", 0, 8,
	  "fires: \"unmonitor\" does not apply to monitor_children checks "
	  "(restart or stop)", 0 },
	{ "bad-children-flapping.conf", 0, 7,
	  "type: flapping does not apply to monitor_children (bluepill never "
	  "starts children)", 0 },
	{ "bad-http-url.conf", 0, 6,
	  "url: \"https://127.0.0.1/\": only http:// URLs are supported", 0 },
	{ "bad-http-port.conf", 0, 6,
	  "url: \"http://127.0.0.1:99999/\": invalid port", 0 },
	{ "bad-http-pattern.conf", 0, 6,
	  "pattern: invalid regular expression: ", 1 },
	{ "bad-http-missing-url.conf", 0, 5,
	  "missing \"url\" in check of process \"a\"", 0 },
	{ "bad-http-kind.conf", 0, 6, "kind: 999 is not an HTTP status code",
	  0 },
	{ "bad-exec-no-command.conf", 0, 5,
	  "missing \"command\" in check of process \"a\"", 0 },
	{ "bad-flapping-every.conf", 0, 6,
	  "key \"every\" does not apply to flapping", 0 },
	{ "bad-flapping-within.conf", 0, 5,
	  "missing \"within\" in check of process \"a\"", 0 },
	{ "bad-flapping-twice.conf", 0, 7,
	  "type: only one flapping check per process", 0 },
	{ "bad-cpu.conf", 0, 6, "below: expected a percentage (a number)", 0 },
	{ "bad-file-time.conf", 0, 6,
	  "filename: \"tmp/x\" is not an absolute path", 0 },
	{ "bad-checks-limit.conf", 0, 5, "checks: more than 16 checks", 0 },
	{ "bad-no-start.conf", 0, 2,
	  "missing \"start_command\" in process \"a\"", 0 },
	{ "bad-no-name-proc.conf", 0, 2, "missing \"name\" in process #1", 0 },
	{ "bad-no-processes.conf", 0, 0,
	  "missing \"processes\" (at least one process)", 0 },
	{ "bad-processes-empty.conf", 0, 1,
	  "processes: empty list (at least one process)", 0 },
	{ "bad-processes-type.conf", 0, 1,
	  "processes: expected a list of groups such as ( { name = \"web\"; "
	  "... } )", 0 },
	{ "bad-ctl-groups.conf", 0, 1,
	  "ctl_groups: expected an array of group names", 0 },
	{ "bad-ctl-groups-unknown.conf", 0, 1,
	  "ctl_groups: unknown group \"nosuchgroup-bp\"", 0 },
	{ "bad-worker-root.conf", 1, 1, "worker_user: must not be root", 0 },
	{ "bad-worker-managed.conf", 1, 2,
	  "worker_user: \"daemon\" also runs process \"a\"", 0 },
	{ "bad-needs-root.conf", 0, 1,
	  "uid: \"daemon\" needs root (bluepilld runs as uid 1000)", 0 },
	{ "bad-needs-root-gid.conf", 0, 5,
	  "gid: \"adm\" needs root (bluepilld runs as gid 1000)", 0 },
	{ "bad-needs-root-supp.conf", 0, 5,
	  "supplementary_groups: \"adm\" needs root (bluepilld runs as gid "
	  "1000)", 0 },
	{ "bad-needs-root-worker.conf", 0, 1,
	  "worker_user: \"nobody\" needs root (bluepilld runs as uid 1000)",
	  0 },
};
/* clang-format on */

/* A bad fixture is refused with exactly the expected first line. */
static void
test_bad(void **state)
{
	const struct bad *b = *state;
	struct conf_opts o;
	struct app app;
	char *errors = NULL, want[2048], *nl;
	size_t n;

	if (b->priv)
		opts_root(&o);
	else
		opts_user(&o);
	memset(&app, 0xa5, sizeof(app));
	assert_int_equal(load(b->file, &o, &app, &errors), -1);
	assert_non_null(errors);
	if (b->line > 0)
		snprintf(want, sizeof(want), "%s/%s:%u: %s", tmpdir, b->file,
		    b->line, b->msg);
	else
		snprintf(want, sizeof(want), "%s/%s: %s", tmpdir, b->file,
		    b->msg);
	nl = strchr(errors, '\n');
	assert_non_null(nl);
	n = (size_t)(nl - errors);
	if (b->prefix ? strncmp(errors, want, strlen(want)) != 0 :
	                (n != strlen(want) || strncmp(errors, want, n) != 0)) {
		print_error("want: %s\ngot:  %s", want, errors);
		fail();
	}
	/* a refused file leaves nothing behind */
	assert_null(app.procs);
	assert_null(app.wstr.buf);
	assert_int_equal(app.conf.nprocs, 0);
	free(errors);
}

/* Every error of a file is reported, not only the first. */
static void
test_bad_multi(void **state)
{
	struct conf_opts o;
	struct app app;
	char *errors = NULL, want[BP_PATH_MAX + 256];
	const char *lines[] = {
		"1: unknown setting \"usr\"",
		"5: start_command: {{PID}} is only allowed in stop and restart "
		"commands",
		"6: stdout: \"rel\" is not an absolute path",
		"7: missing \"every\" in check of process \"a\"",
		"7: missing \"below\" in check of process \"a\"",
	};
	size_t i;

	opts_user(&o);
	assert_int_equal(load("bad-multi.conf", &o, &app, &errors), -1);
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(want, sizeof(want), "%s/bad-multi.conf:%s\n", tmpdir,
		    lines[i]);
		if (strstr(errors, want) == NULL) {
			print_error("missing: %sin:\n%s", want, errors);
			fail();
		}
	}
	free(errors);
}

/* The SPEC §2 example (users substituted) loads with the values it says. */
static void
test_good_spec(void **state)
{
	struct conf_opts o;
	struct app app;
	const struct proc_conf *p;
	const struct proc_exec *ex;
	const struct check_conf *c;

	opts_root(&o);
	load_ok("good-spec.conf", &o, &app);
	assert_string_equal(app.conf.name, "shop");
	assert_int_equal(app.conf.uid, user_uid("daemon"));
	assert_int_equal(app.conf.gid, group_gid("daemon"));
	assert_int_equal(app.conf.log_to_file, 1);
	assert_string_equal(app.log_file, "/var/log/bluepill/shop.log");
	assert_int_equal(app.conf.nctl_gids, 1);
	assert_int_equal(app.conf.ctl_gids[0], group_gid("adm"));
	assert_int_equal(app.conf.nprocs, 1);
	p = &app.procs[0];
	ex = &app.execs[0];
	assert_string_equal(p->name, "unicorn");
	assert_string_equal(p->group, "web");
	assert_int_equal(p->line, 11);
	assert_string_equal(str(&app.wstr, p->pid_file),
	    "/srv/shop/shared/pids/unicorn.pid");
	assert_int_equal(p->daemonize, 1);
	assert_int_equal(p->auto_start, 1);
	assert_int_equal(p->start_grace_ms, 20000);
	assert_int_equal(p->stop_grace_ms, 45000);
	assert_int_equal(p->restart_grace_ms, 3000);
	assert_int_equal(p->nsigsteps, 3);
	assert_int_equal(p->sigsteps[0].signo, SIGQUIT);
	assert_int_equal(p->sigsteps[0].delay_ms, 30000);
	assert_int_equal(p->sigsteps[1].signo, SIGTERM);
	assert_int_equal(p->sigsteps[1].delay_ms, 10000);
	assert_int_equal(p->sigsteps[2].signo, SIGKILL);
	assert_int_equal(p->sigsteps[2].delay_ms, 0);
	assert_int_equal(ex->start.argc, 1);
	assert_int_equal(ex->start.shell, 1);
	assert_string_equal(arg(&app, &ex->start, 0),
	    "bundle exec unicorn -c config/unicorn.rb");
	assert_string_equal(str(&app.mstr, ex->working_dir),
	    "/srv/shop/current");
	assert_string_equal(str(&app.mstr, ex->stdin_path), "/dev/null");
	assert_string_equal(str(&app.mstr, ex->stdout_path),
	    "/srv/shop/shared/log/unicorn.log");
	assert_int_equal(ex->nenv, 1);
	assert_string_equal(env(&app, 0, 0), "RAILS_ENV=production");
	assert_int_equal(ex->uid, user_uid("daemon"));
	assert_int_equal(ex->gid, group_gid("daemon"));
	assert_int_equal(ex->ngroups, 1);
	assert_string_equal(str(&app.mstr, ex->user_name), "daemon");
	assert_int_equal(p->monitor_children, 1);
	assert_int_equal(p->has_child_restart_command, 0);
	assert_string_equal(arg(&app, &ex->child_stop, 0),
	    "kill -QUIT {{PID}}");

	assert_int_equal(app.conf.nchecks, 4);
	assert_int_equal(p->check_first, 0);
	assert_int_equal(p->ncheck, 3);
	assert_int_equal(p->child_check_first, 3);
	assert_int_equal(p->nchild_check, 1);
	c = &app.checks[0];
	assert_int_equal(c->type, CHECK_MEM_USAGE);
	assert_int_equal(c->below, 800ULL << 20);
	assert_int_equal(c->every_ms, 10000);
	assert_int_equal(c->times_n, 3);
	assert_int_equal(c->times_m, 5);
	assert_int_equal(c->include_children, 1);
	assert_int_equal(c->nfires, 1);
	assert_int_equal(c->fires[0], ACTION_RESTART);
	assert_int_equal(c->line, 23);
	c = &app.checks[1];
	assert_int_equal(c->type, CHECK_HTTP);
	assert_string_equal(str(&app.wstr, c->url), "http://127.0.0.1:8080/up");
	assert_int_equal(c->timeout_ms, 2000);
	assert_int_equal(c->times_n, 2);
	assert_int_equal(c->times_m, 2);
	assert_int_equal(c->http_kind, 0);
	c = &app.checks[2];
	assert_int_equal(c->type, CHECK_FLAPPING);
	assert_int_equal(c->times_n, 5);
	assert_int_equal(c->within_ms, 60000);
	assert_int_equal(c->retry_in_ms, 600000);
	assert_int_equal(c->every_ms, 0);
	assert_int_equal(c->nfires, 0);
	c = &app.checks[3];
	assert_int_equal(c->type, CHECK_MEM_USAGE);
	assert_int_equal(c->for_children, 1);
	assert_int_equal(c->proc, 0);
	assert_int_equal(c->below, 300ULL << 20);
	assert_int_equal(c->nfires, 1);
	assert_int_equal(c->fires[0], ACTION_STOP);
	assert_int_equal(app.conf.strtab_len, app.wstr.len);
	conf_app_free(&app);
}

/* Every key given explicitly ends up in the right field. */
static void
test_good_full(void **state)
{
	struct conf_opts o;
	struct app app;
	const struct proc_conf *p;
	const struct proc_exec *ex;
	const struct check_conf *c;
	const struct cmd_conf *cc;

	opts_root(&o);
	load_ok("good-full.conf", &o, &app);
	assert_string_equal(app.conf.name, "full");
	assert_int_equal(app.conf.nctl_gids, 2);
	assert_int_equal(app.conf.ctl_gids[0], group_gid("adm"));
	assert_int_equal(app.conf.ctl_gids[1], group_gid("nogroup"));
	assert_int_equal(app.conf.worker_uid, user_uid("nobody"));
	assert_int_equal(app.conf.worker_gid, user_gid("nobody"));
	assert_int_equal(app.conf.nprocs, 2);
	assert_int_equal(app.max_processes, 200);

	p = &app.procs[0];
	ex = &app.execs[0];
	assert_string_equal(p->name, "web");
	assert_string_equal(p->group, "front");
	assert_int_equal(ex->start.shell, 0);
	assert_int_equal(ex->start.argc, 3);
	assert_string_equal(arg(&app, &ex->start, 0), "/usr/bin/env");
	assert_string_equal(arg(&app, &ex->start, 1), "sleep");
	assert_string_equal(arg(&app, &ex->start, 2), "100");
	assert_int_equal(p->has_stop_command, 1);
	assert_int_equal(ex->stop.shell, 1);
	assert_string_equal(arg(&app, &ex->stop, 0), "kill -QUIT {{PID}}");
	assert_int_equal(p->has_restart_command, 1);
	assert_int_equal(ex->restart.argc, 3);
	assert_string_equal(arg(&app, &ex->restart, 2), "{{PID}}");
	assert_int_equal(p->has_pre_start_command, 1);
	assert_string_equal(arg(&app, &ex->pre_start, 0), "mkdir -p /tmp/full");
	assert_int_equal(p->nsigsteps, 3);
	assert_int_equal(p->sigsteps[0].signo, SIGQUIT);
	assert_int_equal(p->sigsteps[0].delay_ms, 500);
	assert_int_equal(p->sigsteps[1].signo, SIGTERM);
	assert_int_equal(p->sigsteps[1].delay_ms, 1500);
	assert_int_equal(p->sigsteps[2].signo, SIGKILL);
	assert_string_equal(str(&app.wstr, p->pid_file), "/run/full/web.pid");
	assert_int_equal(p->daemonize, 1);
	assert_int_equal(p->auto_start, 0);
	assert_string_equal(str(&app.mstr, ex->working_dir), "/srv/full/web");
	assert_string_equal(str(&app.mstr, ex->stdin_path), "/dev/zero");
	assert_string_equal(str(&app.mstr, ex->stdout_path),
	    "/var/log/full/web.out");
	assert_string_equal(str(&app.mstr, ex->stderr_path),
	    "/var/log/full/web.err");
	/* the app's variables first, those the process overrides dropped */
	assert_int_equal(ex->nenv, 4);
	assert_string_equal(env(&app, 0, 0), "A=app-a");
	assert_string_equal(env(&app, 0, 1), "C=app-c");
	assert_string_equal(env(&app, 0, 2), "B=proc-b");
	assert_string_equal(env(&app, 0, 3), "D=proc-d");
	assert_int_equal(ex->uid, 0);
	assert_int_equal(p->uid, 0);
	assert_int_equal(ex->gid, group_gid("adm"));
	assert_int_equal(p->gid, group_gid("adm"));
	/* explicit gid: [gid] + supplementary_groups, deduplicated */
	assert_int_equal(ex->ngroups, 2);
	assert_int_equal(ex->groups[0], group_gid("adm"));
	assert_int_equal(ex->groups[1], group_gid("daemon"));
	assert_string_equal(str(&app.mstr, ex->user_name), "root");
	assert_string_equal(str(&app.mstr, ex->home), getpwnam("root")->pw_dir);
	assert_int_equal(p->start_grace_ms, 20000);
	assert_int_equal(p->stop_grace_ms, 45000);
	assert_int_equal(p->restart_grace_ms, 120000);

	assert_int_equal(p->check_first, 0);
	assert_int_equal(p->ncheck, 9);
	assert_int_equal(p->child_check_first, 9);
	assert_int_equal(p->nchild_check, 2);
	assert_int_equal(app.conf.nchecks, 11);
	c = &app.checks[1];
	assert_int_equal(c->type, CHECK_CPU_USAGE);
	assert_int_equal(c->below, 5050);
	assert_int_equal(c->every_ms, 5000);
	assert_int_equal(c->nfires, 2);
	assert_int_equal(c->fires[0], ACTION_STOP);
	assert_int_equal(c->fires[1], ACTION_START);
	c = &app.checks[2];
	assert_int_equal(c->type, CHECK_RUNNING_TIME);
	assert_int_equal(c->below, 86400000ULL);
	assert_int_equal(c->fires[0], ACTION_UNMONITOR);
	c = &app.checks[3];
	assert_int_equal(c->type, CHECK_FILE_TIME);
	assert_string_equal(str(&app.wstr, c->filename), "/tmp/full.stamp");
	assert_int_equal(c->below, 300000);
	c = &app.checks[4];
	assert_int_equal(c->type, CHECK_HTTP);
	assert_int_equal(c->http_kind, 204);
	assert_string_equal(str(&app.wstr, c->pattern), "^ok$");
	assert_int_equal(c->timeout_ms, 2000);
	c = &app.checks[5];
	assert_int_equal(c->type, CHECK_ZOMBIE_PROCESS);
	c = &app.checks[6];
	assert_int_equal(c->type, CHECK_EXEC);
	assert_int_equal(c->timeout_ms, 1000);
	cc = &app.check_cmds[6];
	assert_int_equal(cc->argc, 2);
	assert_int_equal(cc->shell, 0);
	assert_string_equal(arg(&app, cc, 0), "/usr/local/bin/probe");
	assert_string_equal(arg(&app, cc, 1), "--quick");
	/* only exec checks carry a command */
	assert_int_equal(app.check_cmds[5].argc, 0);
	c = &app.checks[7];
	assert_int_equal(c->type, CHECK_ALWAYS_TRUE);
	assert_int_equal(c->every_ms, 3600000);
	c = &app.checks[8];
	assert_int_equal(c->type, CHECK_FLAPPING);
	assert_int_equal(c->times_n, 3);
	assert_int_equal(c->times_m, 3);
	c = &app.checks[9];
	assert_int_equal(c->for_children, 1);
	assert_int_equal(c->below, 300ULL << 20);
	c = &app.checks[10];
	assert_int_equal(c->for_children, 1);
	assert_int_equal(c->type, CHECK_HTTP);
	assert_int_equal(c->every_ms, 10000);
	assert_int_equal(p->has_child_restart_command, 1);
	assert_string_equal(arg(&app, &ex->child_restart, 1), "-USR2");

	p = &app.procs[1];
	ex = &app.execs[1];
	assert_string_equal(p->name, "worker");
	assert_int_equal(ex->start.shell, 1);
	assert_string_equal(arg(&app, &ex->start, 0), "exec sleep 100 | cat");
	assert_int_equal(ex->nenv, 3);
	assert_string_equal(env(&app, 1, 0), "A=app-a");
	assert_string_equal(env(&app, 1, 1), "B=app-b");
	assert_string_equal(env(&app, 1, 2), "C=app-c");
	assert_string_equal(str(&app.mstr, ex->working_dir), "/srv/full");
	assert_int_equal(ex->uid, user_uid("daemon"));
	assert_int_equal(ex->gid, group_gid("daemon"));
	assert_int_equal(ex->ngroups, 1);
	assert_int_equal(p->check_first, 11);
	assert_int_equal(p->ncheck, 0);
	assert_int_equal(p->nchild_check, 0);
	assert_int_equal(p->monitor_children, 0);
	assert_int_equal(p->nsigsteps, 0);
	conf_app_free(&app);
}

/* A minimal file gets every default. */
static void
test_good_defaults(void **state)
{
	struct conf_opts o;
	struct app app;
	const struct proc_conf *p;
	const struct proc_exec *ex;
	const struct check_conf *c;
	uint32_t i;

	opts_root(&o);
	load_ok("good-defaults.conf", &o, &app);
	assert_string_equal(app.conf.name, "good-defaults");
	assert_int_equal(app.conf.uid, 0);
	assert_int_equal(app.conf.gid, 0);
	assert_int_equal(app.conf.log_to_file, 0);
	assert_string_equal(app.log_file, "");
	assert_int_equal(app.max_processes, 0);
	assert_int_equal(app.conf.nctl_gids, 0);
	assert_int_equal(app.conf.nprocs, 3);
	/* offset 0 of both tables is the empty string */
	assert_string_equal(str(&app.wstr, 0), "");
	assert_string_equal(str(&app.mstr, 0), "");
	for (i = 0; i < app.conf.nprocs; i++) {
		p = &app.procs[i];
		ex = &app.execs[i];
		assert_int_equal(p->daemonize, 0);
		assert_int_equal(p->auto_start, 1);
		assert_int_equal(p->start_grace_ms, BP_DEFAULT_GRACE_MS);
		assert_int_equal(p->stop_grace_ms, BP_DEFAULT_GRACE_MS);
		assert_int_equal(p->restart_grace_ms, BP_DEFAULT_GRACE_MS);
		assert_int_equal(p->nsigsteps, 0);
		assert_int_equal(p->has_stop_command, 0);
		assert_int_equal(p->has_restart_command, 0);
		assert_int_equal(p->has_pre_start_command, 0);
		assert_int_equal(p->monitor_children, 0);
		assert_int_equal(ex->stop.argc, 0);
		assert_int_equal(ex->nenv, 0);
		assert_string_equal(str(&app.mstr, ex->working_dir), "/");
		assert_string_equal(str(&app.mstr, ex->stdin_path),
		    "/dev/null");
		assert_string_equal(str(&app.mstr, ex->stdout_path),
		    "/dev/null");
		assert_string_equal(str(&app.mstr, ex->stderr_path),
		    "/dev/null");
		assert_int_equal(ex->uid, 0);
		assert_int_equal(ex->gid, user_gid("root"));
		assert_true(ex->ngroups >= 1);
		assert_int_equal(ex->groups[0], user_gid("root"));
		assert_string_equal(str(&app.mstr, ex->user_name), "root");
	}
	assert_string_equal(str(&app.wstr, app.procs[0].pid_file),
	    RUNDIR "/pids/good-defaults/sleeper.pid");
	assert_string_equal(str(&app.wstr, app.procs[1].pid_file),
	    RUNDIR "/pids/good-defaults/g_grouped.pid");
	assert_string_equal(app.procs[1].group, "g");
	assert_int_equal(app.conf.nchecks, 3);
	c = &app.checks[0];
	assert_int_equal(c->proc, 2);
	assert_int_equal(c->http_kind, 0);
	assert_int_equal(c->timeout_ms, 5000);
	assert_int_equal(c->times_n, 1);
	assert_int_equal(c->times_m, 1);
	assert_int_equal(c->nfires, 1);
	assert_int_equal(c->fires[0], ACTION_RESTART);
	assert_int_equal(c->pattern, 0);
	c = &app.checks[1];
	assert_int_equal(c->type, CHECK_EXEC);
	assert_int_equal(c->timeout_ms, 5000);
	assert_int_equal(app.check_cmds[1].shell, 1);
	assert_string_equal(arg(&app, &app.check_cmds[1], 0), "true");
	c = &app.checks[2];
	assert_int_equal(c->type, CHECK_FLAPPING);
	assert_int_equal(c->times_n, 5);
	assert_int_equal(c->within_ms, 60000);
	assert_int_equal(c->retry_in_ms, 0);
	/* a reserved worker uid of its own, with the same gid */
	assert_true(app.conf.worker_uid >= BP_DYN_UID_MIN);
	assert_true(app.conf.worker_uid <= BP_DYN_UID_MAX);
	assert_int_equal(app.conf.worker_gid, app.conf.worker_uid);
	assert_null(getpwuid(app.conf.worker_uid));
	assert_null(getgrgid(app.conf.worker_gid));
	conf_app_free(&app);
}

/* Unprivileged, everything runs as ourselves and no groups are set. */
static void
test_good_unprivileged(void **state)
{
	struct conf_opts o;
	struct app app;
	uint32_t i;

	opts_user(&o);
	o.self_uid = 4242;
	o.self_gid = 4343;
	load_ok("good-defaults.conf", &o, &app);
	assert_int_equal(app.conf.uid, 4242);
	assert_int_equal(app.conf.gid, 4343);
	assert_int_equal(app.conf.worker_uid, 4242);
	assert_int_equal(app.conf.worker_gid, 4343);
	for (i = 0; i < app.conf.nprocs; i++) {
		assert_int_equal(app.execs[i].uid, 4242);
		assert_int_equal(app.execs[i].gid, 4343);
		assert_int_equal(app.procs[i].uid, 4242);
		assert_int_equal(app.execs[i].ngroups, 0);
	}
	conf_app_free(&app);
}

/* Unprivileged, naming our own user is fine. */
static void
test_good_unprivileged_self(void **state)
{
	struct conf_opts o;
	struct app app;

	opts_user(&o);
	o.self_uid = user_uid("daemon");
	o.self_gid = group_gid("daemon");
	write_file(tmpdir, "self.conf",
	    "uid = \"daemon\";\ngid = \"daemon\";\nworker_user = \"daemon\";\n"
	    "processes = ( { name = \"a\"; start_command = \"x\";\n"
	    "  supplementary_groups = [ \"daemon\" ]; } );\n",
	    0644);
	load_tmp_ok("self.conf", &o, &app);
	assert_int_equal(app.execs[0].uid, user_uid("daemon"));
	assert_int_equal(app.execs[0].gid, group_gid("daemon"));
	assert_int_equal(app.conf.worker_uid, user_uid("daemon"));
	assert_string_equal(str(&app.mstr, app.execs[0].user_name), "daemon");
	conf_app_free(&app);
}

/* uid and gid travel as a pair; with uid alone the user's groups apply. */
static void
test_good_identity(void **state)
{
	struct conf_opts o;
	struct app app;
	const struct proc_exec *ex;
	uint32_t daemon = user_uid("daemon"), adm = group_gid("adm");
	uint32_t nogroup = group_gid("nogroup");

	opts_root(&o);
	load_ok("good-identity.conf", &o, &app);
	assert_int_equal(app.conf.uid, daemon);
	assert_int_equal(app.conf.gid, adm);
	/* inherits the app's uid and gid */
	ex = &app.execs[0];
	assert_int_equal(ex->uid, daemon);
	assert_int_equal(ex->gid, adm);
	assert_int_equal(ex->ngroups, 1);
	assert_int_equal(ex->groups[0], adm);
	/* its own uid: that user's primary group, not the app's gid */
	ex = &app.execs[1];
	assert_int_equal(ex->uid, user_uid("nobody"));
	assert_int_equal(ex->gid, user_gid("nobody"));
	assert_int_equal(ex->groups[0], user_gid("nobody"));
	assert_string_equal(str(&app.mstr, ex->user_name), "nobody");
	assert_string_equal(str(&app.mstr, ex->home),
	    getpwnam("nobody")->pw_dir);
	assert_string_equal(str(&app.mstr, ex->shell),
	    getpwnam("nobody")->pw_shell);
	/* the user's own groups, then supplementary_groups, deduplicated */
	ex = &app.execs[2];
	assert_int_equal(ex->gid, user_gid("daemon"));
	assert_int_equal(ex->ngroups, 3);
	assert_int_equal(ex->groups[0], user_gid("daemon"));
	assert_int_equal(ex->groups[1], adm);
	assert_int_equal(ex->groups[2], nogroup);
	/* its own gid with the app's uid */
	ex = &app.execs[3];
	assert_int_equal(ex->uid, daemon);
	assert_int_equal(ex->gid, nogroup);
	assert_int_equal(ex->ngroups, 1);
	/* numbers are accepted when the entries exist */
	ex = &app.execs[4];
	assert_int_equal(ex->uid, 1);
	assert_int_equal(ex->gid, 4);
	conf_app_free(&app);
}

/* Durations: units, fractions, spaces, and every way to be wrong. */
static void
test_parse_duration(void **state)
{
	uint64_t ms = 42;

	assert_int_equal(conf_parse_duration("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(conf_parse_duration("10s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(conf_parse_duration("3m", &ms), 0);
	assert_int_equal(ms, 180000);
	assert_int_equal(conf_parse_duration("24h", &ms), 0);
	assert_int_equal(ms, 86400000);
	assert_int_equal(conf_parse_duration("2d", &ms), 0);
	assert_int_equal(ms, 172800000);
	assert_int_equal(conf_parse_duration("7", &ms), 0);
	assert_int_equal(ms, 7000);
	assert_int_equal(conf_parse_duration("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(conf_parse_duration("0.25", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(conf_parse_duration(".5m", &ms), 0);
	assert_int_equal(ms, 30000);
	assert_int_equal(conf_parse_duration("10 s", &ms), 0);
	assert_int_equal(ms, 10000);
	assert_int_equal(conf_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(conf_parse_duration("1.000000000000s", &ms), 0);
	assert_int_equal(ms, 1000);
	/* the largest value that fits, and one past it */
	assert_int_equal(conf_parse_duration("18446744073709551615ms", &ms), 0);
	assert_true(ms == UINT64_MAX);
	ms = 42;
	assert_int_equal(conf_parse_duration("18446744073709551616ms", &ms),
	    -1);
	assert_int_equal(conf_parse_duration("18446744073709551615s", &ms), -1);
	assert_int_equal(conf_parse_duration("213503982334602d", &ms), -1);
	assert_int_equal(conf_parse_duration("", &ms), -1);
	assert_int_equal(conf_parse_duration(NULL, &ms), -1);
	assert_int_equal(conf_parse_duration("-1s", &ms), -1);
	assert_int_equal(conf_parse_duration("10x", &ms), -1);
	assert_int_equal(conf_parse_duration("10S", &ms), -1);
	assert_int_equal(conf_parse_duration("10sec", &ms), -1);
	assert_int_equal(conf_parse_duration("s", &ms), -1);
	assert_int_equal(conf_parse_duration(".", &ms), -1);
	assert_int_equal(conf_parse_duration(" 10s", &ms), -1);
	assert_int_equal(conf_parse_duration("10s ", &ms), -1);
	assert_int_equal(conf_parse_duration("+5s", &ms), -1);
	assert_int_equal(conf_parse_duration("1e3", &ms), -1);
	/* below a millisecond cannot be represented */
	assert_int_equal(conf_parse_duration("0.5ms", &ms), -1);
	assert_int_equal(conf_parse_duration("0.0001s", &ms), -1);
	assert_int_equal(ms, 42);
}

/* Sizes: powers of 1024, spaces, case, and the errors. */
static void
test_parse_size(void **state)
{
	uint64_t b = 42;

	assert_int_equal(conf_parse_size("512", &b), 0);
	assert_int_equal(b, 512);
	assert_int_equal(conf_parse_size("512B", &b), 0);
	assert_int_equal(b, 512);
	assert_int_equal(conf_parse_size("512KB", &b), 0);
	assert_int_equal(b, 512 * 1024);
	assert_int_equal(conf_parse_size("100 MB", &b), 0);
	assert_int_equal(b, 100ULL << 20);
	assert_int_equal(conf_parse_size("2GB", &b), 0);
	assert_int_equal(b, 2ULL << 30);
	assert_int_equal(conf_parse_size("3TB", &b), 0);
	assert_int_equal(b, 3ULL << 40);
	assert_int_equal(conf_parse_size("1.5GB", &b), 0);
	assert_int_equal(b, 3ULL << 29);
	assert_int_equal(conf_parse_size("1M", &b), 0);
	assert_int_equal(b, 1ULL << 20);
	assert_int_equal(conf_parse_size("1mb", &b), 0);
	assert_int_equal(b, 1ULL << 20);
	assert_int_equal(conf_parse_size("4KiB", &b), 0);
	assert_int_equal(b, 4096);
	assert_int_equal(conf_parse_size("16777215TB", &b), 0);
	assert_true(b == 16777215ULL << 40);
	b = 42;
	assert_int_equal(conf_parse_size("16777216TB", &b), -1);
	assert_int_equal(conf_parse_size("99999999999999999999", &b), -1);
	assert_int_equal(conf_parse_size("", &b), -1);
	assert_int_equal(conf_parse_size("-1KB", &b), -1);
	assert_int_equal(conf_parse_size("1PB", &b), -1);
	assert_int_equal(conf_parse_size("1 XB", &b), -1);
	assert_int_equal(conf_parse_size("KB", &b), -1);
	assert_int_equal(conf_parse_size("0.1KB", &b), -1);
	assert_int_equal(conf_parse_size("1.5", &b), -1);
	assert_int_equal(b, 42);
}

/* The string table starts empty and appends with NULs. */
static void
test_strtab(void **state)
{
	struct strtab st;
	char *big;

	memset(&st, 0, sizeof(st));
	assert_int_equal(strtab_add(&st, ""), 0);
	assert_int_equal(strtab_add(&st, "abc"), 1);
	assert_int_equal(strtab_add(&st, "de"), 5);
	assert_int_equal(st.len, 8);
	assert_string_equal(strtab_get(&st, 1), "abc");
	assert_string_equal(strtab_get(&st, 5), "de");
	assert_string_equal(strtab_get(&st, 8), "");
	assert_non_null(big = malloc(BP_STRTAB_MAX));
	memset(big, 'x', BP_STRTAB_MAX - 1);
	big[BP_STRTAB_MAX - 1] = '\0';
	assert_int_equal(strtab_add(&st, big), UINT32_MAX);
	assert_int_equal(st.len, 8);
	big[BP_STRTAB_MAX - 9] = '\0';
	assert_int_equal(strtab_add(&st, big), 8);
	assert_int_equal(st.len, BP_STRTAB_MAX);
	assert_int_equal(strtab_add(&st, ""), UINT32_MAX);
	free(big);
	free(st.buf);
}

/* Loading twice gives equal apps; any change makes them differ. */
static void
test_app_equal(void **state)
{
	struct conf_opts o;
	struct app a, b;

	opts_root(&o);
	load_ok("good-full.conf", &o, &a);
	load_ok("good-full.conf", &o, &b);
	assert_true(conf_app_equal(&a, &b));
	b.checks[3].below++;
	assert_false(conf_app_equal(&a, &b));
	b.checks[3].below--;
	assert_true(conf_app_equal(&a, &b));
	b.max_processes++;
	assert_false(conf_app_equal(&a, &b));
	b.max_processes--;
	b.mstr.buf[b.execs[1].working_dir]++;
	assert_false(conf_app_equal(&a, &b));
	conf_app_free(&b);
	load_ok("good-spec.conf", &o, &b);
	assert_false(conf_app_equal(&a, &b));
	conf_app_free(&a);
	conf_app_free(&b);
}

/* Encodes a set through a pipe and returns the bytes (len in *len). */
static unsigned char *
wire_bytes(const struct conf_set *set, size_t *len)
{
	static unsigned char buf[1 << 20];
	int p[2];
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(conf_wire_write(p[1], set), 0);
	close(p[1]);
	*len = 0;
	while ((n = read(p[0], buf + *len, sizeof(buf) - *len)) > 0)
		*len += (size_t)n;
	close(p[0]);
	return buf;
}

/* The loader's set crosses the wire unchanged; a damaged one is refused. */
static void
test_wire(void **state)
{
	struct conf_opts o;
	struct conf_set set, back;
	struct app *a;
	unsigned char *b, *copy;
	size_t len, cut;

	opts_root(&o);
	memset(&set, 0, sizeof(set));
	set.nfiles = 2;
	set.files = calloc(2, sizeof(*set.files));
	assert_non_null(set.files);
	set.errors = strdup("dir: a directory-level error\n");
	a = calloc(1, sizeof(*a));
	assert_non_null(a);
	load_ok("good-full.conf", &o, a);
	snprintf(set.files[0].path, sizeof(set.files[0].path), "/x/full.conf");
	set.files[0].app = a;
	snprintf(set.files[1].path, sizeof(set.files[1].path), "/x/bad.conf");
	set.files[1].errors = strdup("/x/bad.conf:3: oops\n");

	b = wire_bytes(&set, &len);
	assert_int_equal(conf_wire_decode(b, len, &back), 0);
	assert_int_equal(back.nfiles, 2);
	assert_string_equal(back.errors, set.errors);
	assert_string_equal(back.files[0].path, "/x/full.conf");
	assert_null(back.files[0].errors);
	assert_non_null(back.files[0].app);
	assert_true(conf_app_equal(back.files[0].app, a));
	assert_int_equal(back.files[0].app->max_processes, 200);
	assert_string_equal(back.files[1].path, "/x/bad.conf");
	assert_string_equal(back.files[1].errors, set.files[1].errors);
	assert_null(back.files[1].app);
	conf_set_free(&back);

	/* Every truncation and a trailing byte are refused. */
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, b, len);
	for (cut = 0; cut < len; cut++) {
		assert_int_equal(conf_wire_decode(copy, cut, &back), -1);
		assert_int_equal(back.nfiles, 0);
	}
	copy[len] = 0;
	assert_int_equal(conf_wire_decode(copy, len + 1, &back), -1);
	/* A process count past the limit is refused, not trusted. */
	{
		size_t at = 3 * sizeof(uint32_t) + strlen(set.errors) +
		    sizeof(uint32_t) + strlen("/x/full.conf") +
		    2 * sizeof(uint32_t) + offsetof(struct app_conf, nprocs);
		uint32_t big = BP_MAX_PROCS + 1;

		memcpy(copy + at, &big, sizeof(big));
		assert_int_equal(conf_wire_decode(copy, len, &back), -1);
	}
	free(copy);
	conf_set_free(&set);
	(void)state;
}

/* Copies the dir fixtures into a fresh directory; returns its path. */
static void
make_dir(char *dir, size_t len, const char *const *names)
{
	char src[BP_PATH_MAX];

	snprintf(dir, len, "%s/d.XXXXXX", tmpdir);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	for (; *names != NULL; names++) {
		snprintf(src, sizeof(src), "%s/conf/dir/%s", TEST_DATADIR,
		    *names);
		copy_file(src, dir, *names, 0644);
	}
}

/* A directory: good files load, bad ones are refused, others ignored. */
static void
test_dir(void **state)
{
	static const char *const names[] = { "10-shop.conf", "20-broken.conf",
		"30-shop-again.conf", "40-other.conf", "50-pidclash.conf",
		"README", ".hidden.conf", "60-old.conf.bak", NULL };
	char dir[512], want[BP_PATH_MAX * 3];
	struct conf_opts o;
	struct conf_set set;

	make_dir(dir, sizeof(dir), names);
	opts_user(&o);
	assert_int_equal(conf_load_dir(dir, &o, &set), -1);
	assert_null(set.errors);
	assert_int_equal(set.nfiles, 5);

	snprintf(want, sizeof(want), "%s/10-shop.conf", dir);
	assert_string_equal(set.files[0].path, want);
	assert_non_null(set.files[0].app);
	assert_null(set.files[0].errors);
	assert_string_equal(set.files[0].app->conf.name, "shop");

	assert_null(set.files[1].app);
	snprintf(want, sizeof(want),
	    "%s/20-broken.conf:2: unknown setting \"usr\" in process \"a\"\n",
	    dir);
	assert_string_equal(set.files[1].errors, want);

	assert_null(set.files[2].app);
	snprintf(want, sizeof(want),
	    "%s/30-shop-again.conf:1: name \"shop\" is already used by "
	    "%s/10-shop.conf\n",
	    dir, dir);
	assert_string_equal(set.files[2].errors, want);

	assert_non_null(set.files[3].app);
	assert_string_equal(set.files[3].app->conf.name, "40-other");

	assert_null(set.files[4].app);
	snprintf(want, sizeof(want),
	    "%s/50-pidclash.conf:2: pid_file \"/tmp/bp-dir-a.pid\" is already "
	    "the pid file of process \"a\" in %s/10-shop.conf\n",
	    dir, dir);
	assert_string_equal(set.files[4].errors, want);
	conf_set_free(&set);
	rm_tree(dir);
}

/* Only good files: 0, and each app has its own worker uid. */
static void
test_dir_workers(void **state)
{
	static const char *const names[] = { "10-shop.conf", "40-other.conf",
		NULL };
	char dir[512];
	struct conf_opts o;
	struct conf_set a, b;
	size_t i;

	make_dir(dir, sizeof(dir), names);
	write_file(dir, "45-third.conf",
	    "processes = ( { name = \"a\"; start_command = \"x\"; } );\n",
	    0644);
	opts_root(&o);
	assert_int_equal(conf_load_dir(dir, &o, &a), 0);
	assert_int_equal(conf_load_dir(dir, &o, &b), 0);
	assert_int_equal(a.nfiles, 3);
	for (i = 0; i < a.nfiles; i++) {
		assert_non_null(a.files[i].app);
		assert_true(a.files[i].app->conf.worker_uid >= BP_DYN_UID_MIN);
		assert_true(a.files[i].app->conf.worker_uid <= BP_DYN_UID_MAX);
		/* stable across runs */
		assert_true(conf_app_equal(a.files[i].app, b.files[i].app));
	}
	assert_int_not_equal(a.files[0].app->conf.worker_uid,
	    a.files[1].app->conf.worker_uid);
	assert_int_not_equal(a.files[0].app->conf.worker_uid,
	    a.files[2].app->conf.worker_uid);
	assert_int_not_equal(a.files[1].app->conf.worker_uid,
	    a.files[2].app->conf.worker_uid);
	conf_set_free(&a);
	conf_set_free(&b);
	rm_tree(dir);
}

/* A later app may not run processes as an earlier app's worker_user. */
static void
test_dir_worker_clash(void **state)
{
	static const char *const none[] = { NULL };
	char dir[512], want[BP_PATH_MAX * 3];
	struct conf_opts o;
	struct conf_set set;

	make_dir(dir, sizeof(dir), none);
	write_file(dir, "a.conf",
	    "worker_user = \"daemon\";\n"
	    "processes = ( { name = \"a\"; start_command = \"x\"; } );\n",
	    0644);
	write_file(dir, "b.conf",
	    "processes = (\n  { name = \"b\"; start_command = \"x\";\n"
	    "    uid = \"daemon\"; } );\n",
	    0644);
	write_file(dir, "c.conf",
	    "worker_user = \"daemon\";\n"
	    "processes = ( { name = \"c\"; start_command = \"x\"; } );\n",
	    0644);
	opts_root(&o);
	assert_int_equal(conf_load_dir(dir, &o, &set), -1);
	assert_int_equal(set.nfiles, 3);
	assert_non_null(set.files[0].app);
	assert_int_equal(set.files[0].app->conf.worker_uid, user_uid("daemon"));
	assert_null(set.files[1].app);
	snprintf(want, sizeof(want),
	    "%s/b.conf:2: uid: %u is the worker_user of application \"a\" in "
	    "%s/a.conf\n",
	    dir, user_uid("daemon"), dir);
	assert_string_equal(set.files[1].errors, want);
	assert_null(set.files[2].app);
	snprintf(want, sizeof(want),
	    "%s/c.conf:1: worker_user: uid %u is already the worker of "
	    "application \"a\" in %s/a.conf\n",
	    dir, user_uid("daemon"), dir);
	assert_string_equal(set.files[2].errors, want);
	conf_set_free(&set);
	rm_tree(dir);
}

/* A missing directory is an error of the set. */
static void
test_dir_missing(void **state)
{
	char dir[512];
	struct conf_opts o;
	struct conf_set set;

	snprintf(dir, sizeof(dir), "%s/no-such-dir", tmpdir);
	opts_user(&o);
	assert_int_equal(conf_load_dir(dir, &o, &set), -1);
	assert_non_null(set.errors);
	assert_non_null(strstr(set.errors, "no-such-dir: "));
	assert_int_equal(set.nfiles, 0);
	conf_set_free(&set);
}

/* -n prints OK or the errors and returns 0 or 6. */
static void
test_check_dir(void **state)
{
	static const char *const good[] = { "10-shop.conf", "40-other.conf",
		"README", NULL };
	static const char *const bad[] = { "10-shop.conf", "20-broken.conf",
		NULL };
	static const char *const none[] = { NULL };
	char dir[512], want[BP_PATH_MAX * 3], *text = NULL;
	size_t len = 0;
	struct conf_opts o;
	FILE *out;

	opts_user(&o);
	make_dir(dir, sizeof(dir), good);
	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(conf_check_dir(dir, &o, out), 0);
	fclose(out);
	snprintf(want, sizeof(want),
	    "%s/10-shop.conf: OK\n%s/40-other.conf: OK\n", dir, dir);
	assert_string_equal(text, want);
	free(text);
	rm_tree(dir);

	make_dir(dir, sizeof(dir), bad);
	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(conf_check_dir(dir, &o, out), 6);
	fclose(out);
	snprintf(want, sizeof(want),
	    "%s/10-shop.conf: OK\n%s/20-broken.conf:2: unknown setting "
	    "\"usr\" in process \"a\"\n",
	    dir, dir);
	assert_string_equal(text, want);
	free(text);
	rm_tree(dir);

	make_dir(dir, sizeof(dir), none);
	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(conf_check_dir(dir, &o, out), 0);
	fclose(out);
	assert_string_equal(text, "");
	free(text);
	rm_tree(dir);

	snprintf(dir, sizeof(dir), "%s/no-such-dir", tmpdir);
	assert_non_null(out = open_memstream(&text, &len));
	assert_int_equal(conf_check_dir(dir, &o, out), 6);
	fclose(out);
	assert_non_null(strstr(text, "no-such-dir: "));
	free(text);
}

/* Loads dir/name expecting one error line. */
static void
expect_error(const char *dir, const char *name, const struct conf_opts *o,
    const char *msg)
{
	char path[BP_PATH_MAX], want[BP_PATH_MAX * 3], *errors = NULL;
	struct app app;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(conf_load_file(path, o, &app, &errors), -1);
	snprintf(want, sizeof(want), "%s: %s\n", path, msg);
	if (strstr(errors, want) == NULL) {
		print_error("want: %sgot:  %s", want, errors);
		fail();
	}
	free(errors);
}

/* Privileged: writable files or directories and odd file types refused. */
static void
test_ownership(void **state)
{
	static const char *const none[] = { NULL };
	static const char text[] =
	    "processes = ( { name = \"a\"; start_command = \"x\"; } );\n";
	char dir[512], path[BP_PATH_MAX], want[BP_PATH_MAX + 64];
	char *errors = NULL;
	struct conf_opts o, u;
	struct app app;

	opts_root(&o);
	opts_user(&u);
	make_dir(dir, sizeof(dir), none);
	write_file(dir, "ok.conf", text, 0644);
	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	assert_int_equal(conf_load_file(path, &o, &app, &errors), 0);
	conf_app_free(&app);

	write_file(dir, "gw.conf", text, 0664);
	expect_error(dir, "gw.conf", &o, "writable by group or others");
	write_file(dir, "ow.conf", text, 0646);
	expect_error(dir, "ow.conf", &o, "writable by group or others");
	/* the same files are fine for an ordinary user's daemon */
	snprintf(path, sizeof(path), "%s/gw.conf", dir);
	assert_int_equal(conf_load_file(path, &u, &app, &errors), 0);
	conf_app_free(&app);

	snprintf(path, sizeof(path), "%s/link.conf", dir);
	assert_int_equal(symlink("ok.conf", path), 0);
	expect_error(dir, "link.conf", &u, "is a symbolic link");
	snprintf(path, sizeof(path), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	expect_error(dir, "fifo.conf", &u, "not a regular file");
	snprintf(path, sizeof(path), "%s/sub.conf", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	expect_error(dir, "sub.conf", &u, "not a regular file");
	expect_error(dir, "missing.conf", &u, "No such file or directory");

	assert_int_equal(chmod(dir, 0775), 0);
	snprintf(want, sizeof(want),
	    "directory \"%s\" is writable by group or others", dir);
	expect_error(dir, "ok.conf", &o, want);
	rm_tree(dir);
}

/* Privileged: a file or directory owned by someone else is refused. */
static void
test_ownership_root(void **state)
{
	static const char *const none[] = { NULL };
	char dir[512], path[BP_PATH_MAX], want[BP_PATH_MAX + 64];
	struct conf_opts o;

	if (geteuid() != 0) {
		skip();
		return;
	}
	opts_root(&o);
	make_dir(dir, sizeof(dir), none);
	write_file(dir, "ok.conf",
	    "processes = ( { name = \"a\"; start_command = \"x\"; } );\n",
	    0644);
	snprintf(path, sizeof(path), "%s/ok.conf", dir);
	assert_int_equal(chown(path, user_uid("daemon"), 0), 0);
	expect_error(dir, "ok.conf", &o, "not owned by root");
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chown(dir, user_uid("daemon"), 0), 0);
	snprintf(want, sizeof(want), "directory \"%s\" is not owned by root",
	    dir);
	expect_error(dir, "ok.conf", &o, want);
	rm_tree(dir);
}

/* Odd contents: a NUL byte, too large a file, escaped names. */
static void
test_contents(void **state)
{
	static const char *const none[] = { NULL };
	char dir[512], path[BP_PATH_MAX], *big, *errors = NULL;
	char want[BP_PATH_MAX * 2];
	struct conf_opts o;
	struct app app;
	FILE *f;

	opts_user(&o);
	make_dir(dir, sizeof(dir), none);
	snprintf(path, sizeof(path), "%s/nul.conf", dir);
	assert_non_null(f = fopen(path, "w"));
	fwrite("name = \"a\";\0\n", 1, 13, f);
	fclose(f);
	expect_error(dir, "nul.conf", &o, "contains a NUL byte");

	snprintf(path, sizeof(path), "%s/big.conf", dir);
	assert_non_null(big = malloc(1024 * 1024 + 2));
	memset(big, '#', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	write_file(dir, "big.conf", big, 0644);
	free(big);
	expect_error(dir, "big.conf", &o, "larger than 1048576 bytes");

	/* a newline in a value cannot forge a second error line */
	write_file(dir, "esc.conf",
	    "processes = ( { name = \"a\\nb\"; start_command = \"x\"; } );\n",
	    0644);
	snprintf(path, sizeof(path), "%s/esc.conf", dir);
	assert_int_equal(conf_load_file(path, &o, &app, &errors), -1);
	snprintf(want, sizeof(want), "%s:1: name: \"a\\x0ab\" " VALID_NAME "\n",
	    path);
	assert_non_null(strstr(errors, want));
	free(errors);

	/* an L suffix or a string is how one writes a big number */
	write_file(dir, "long.conf",
	    "processes = ( { name = \"a\"; start_command = \"x\";\n"
	    "  checks = ( { type = \"mem_usage\"; every = 1;\n"
	    "    below = 5000000000L; } ); } );\n",
	    0644);
	snprintf(path, sizeof(path), "%s/long.conf", dir);
	assert_int_equal(conf_load_file(path, &o, &app, &errors), 0);
	assert_true(app.checks[0].below == 5000000000ULL);
	conf_app_free(&app);
	rm_tree(dir);
}

/* Writes a generated file, loads it and expects msg on its first line. */
static void
expect_first(const char *name, const char *text, const struct conf_opts *o,
    unsigned line, const char *msg)
{
	char path[BP_PATH_MAX], want[BP_PATH_MAX * 2], *errors = NULL;
	struct app app;

	write_file(tmpdir, name, text, 0644);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_int_equal(conf_load_file(path, o, &app, &errors), -1);
	snprintf(want, sizeof(want), "%s:%u: %s\n", path, line, msg);
	if (strncmp(errors, want, strlen(want)) != 0) {
		print_error("want: %sgot:  %s", want, errors);
		fail();
	}
	free(errors);
}

/* The limits of bluepill.h are errors naming the key. */
static void
test_limits(void **state)
{
	struct conf_opts o;
	struct group *gr;
	char *text, *p, arr[8192];
	size_t len = 0;
	int i, n;

	opts_root(&o);
	assert_non_null(text = malloc(1 << 20));
	p = text + sprintf(text, "processes = (\n");
	for (i = 0; i <= BP_MAX_PROCS; i++)
		p += sprintf(p,
		    " { name = \"p%d\"; start_command = \"x\"; }%s\n", i,
		    i < BP_MAX_PROCS ? "," : "");
	sprintf(p, ");\n");
	expect_first("limit-procs.conf", text, &o, 1,
	    "processes: more than 1024 processes");

	/* as many groups as the system has, up to 40 */
	setgrent();
	for (n = 0; n < 40 && (gr = getgrent()) != NULL; n++)
		len += (size_t)snprintf(arr + len, sizeof(arr) - len,
		    "%s\"%s\"", n ? ", " : "", gr->gr_name);
	endgrent();
	assert_true(n > BP_MAX_CTL_GROUPS);
	sprintf(text,
	    "ctl_groups = [ %s ];\n"
	    "processes = ( { name = \"a\"; start_command = \"x\"; } );\n",
	    arr);
	expect_first("limit-ctl.conf", text, &o, 1,
	    "ctl_groups: more than 16 groups");
	if (n <= BP_MAX_GROUPS) {
		free(text);
		skip();
		return;
	}
	sprintf(text,
	    "processes = ( { name = \"a\"; start_command = \"x\";\n"
	    "  supplementary_groups = [ %s ]; } );\n",
	    arr);
	expect_first("limit-supp.conf", text, &o, 2,
	    "supplementary_groups: more than 32 groups");
	free(text);
}

/* conf_opts_init describes the calling process. */
static void
test_opts_init(void **state)
{
	struct conf_opts o;

	conf_opts_init(&o, "/run/x");
	assert_int_equal(o.privileged, geteuid() == 0);
	assert_int_equal(o.self_uid, geteuid());
	assert_int_equal(o.self_gid, getegid());
	assert_string_equal(o.rundir, "/run/x");
}

/* Runs every bad fixture as a test of its own, then the others. */
int
main(void)
{
	struct CMUnitTest tests[sizeof(bads) / sizeof(bads[0]) + 32];
	size_t n = 0, i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		tests[n].name = bads[i].file;
		tests[n].test_func = test_bad;
		tests[n].setup_func = NULL;
		tests[n].teardown_func = NULL;
		tests[n].initial_state = (void *)&bads[i];
		n++;
	}
#define ADD(f) tests[n++] = (struct CMUnitTest)cmocka_unit_test(f)
	ADD(test_bad_multi);
	ADD(test_good_spec);
	ADD(test_good_full);
	ADD(test_good_defaults);
	ADD(test_good_unprivileged);
	ADD(test_good_unprivileged_self);
	ADD(test_good_identity);
	ADD(test_parse_duration);
	ADD(test_parse_size);
	ADD(test_strtab);
	ADD(test_app_equal);
	ADD(test_wire);
	ADD(test_dir);
	ADD(test_dir_workers);
	ADD(test_dir_worker_clash);
	ADD(test_dir_missing);
	ADD(test_check_dir);
	ADD(test_ownership);
	ADD(test_ownership_root);
	ADD(test_contents);
	ADD(test_limits);
	ADD(test_opts_init);
#undef ADD
	return _cmocka_run_group_tests("conf", tests, n, setup_all,
	    teardown_all);
}
