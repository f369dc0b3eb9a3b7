/*
 * fuzz_conf: the drop-in loader on arbitrary file contents.  conf.c only
 * loads from a path (it checks the file with fstat before reading), so
 * each input is written to one file in a private temporary directory and
 * loaded unprivileged.  An accepted app must hold every invariant the
 * master and the worker rely on; a refused one must explain itself in
 * "FILE:LINE: message" lines.  The duration and size parsers get the
 * input as a string too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "fuzz.h"

static char fuzz_conf_dir[64];
static char fuzz_conf_path[128];

/* Removes the temporary drop-in and its directory at exit. */
static void
fuzz_conf_cleanup(void)
{
	if (fuzz_conf_path[0] != '\0')
		unlink(fuzz_conf_path);
	if (fuzz_conf_dir[0] != '\0')
		rmdir(fuzz_conf_dir);
}

/* Creates the temporary directory once. */
static void
fuzz_conf_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_conf_dir[0] != '\0')
		return;
	snprintf(fuzz_conf_dir, sizeof(fuzz_conf_dir), "%s/bpfuzz.XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(fuzz_conf_dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	snprintf(fuzz_conf_path, sizeof(fuzz_conf_path), "%s/fuzz.conf",
	    fuzz_conf_dir);
	atexit(fuzz_conf_cleanup);
}

/* Writes the input as the drop-in's contents. */
static void
fuzz_conf_write(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(fuzz_conf_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		perror(fuzz_conf_path);
		abort();
	}
	while (off < size) {
		n = write(fd, data + off, size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("write");
			abort();
		}
		off += (size_t)n;
	}
	close(fd);
}

/* Tells whether a table holds a NUL-terminated string at off. */
static int
fuzz_conf_str_ok(const struct strtab *st, uint32_t off)
{
	return off < st->len && memchr(st->buf + off, '\0', st->len - off);
}

/* Checks that a command's argc strings all lie inside the master table. */
static void
fuzz_conf_cmd(const struct app *app, const struct cmd_conf *cmd)
{
	uint32_t off = cmd->argv;
	uint16_t i;

	if (cmd->argc == 0)
		return;
	FUZZ_CHECK(cmd->shell == 0 || cmd->argc == 1);
	for (i = 0; i < cmd->argc; i++) {
		FUZZ_CHECK(fuzz_conf_str_ok(&app->mstr, off));
		off += (uint32_t)strlen(app->mstr.buf + off) + 1;
	}
}

/* Checks one accepted process against what master and worker assume. */
static void
fuzz_conf_proc(const struct app *app, uint32_t i)
{
	const struct proc_conf *pc = &app->procs[i];
	const struct proc_exec *ex = &app->execs[i];
	uint32_t k;

	FUZZ_CHECK(memchr(pc->name, '\0', sizeof(pc->name)) != NULL);
	FUZZ_CHECK(memchr(pc->group, '\0', sizeof(pc->group)) != NULL);
	FUZZ_CHECK(pc->name[0] != '\0');
	FUZZ_CHECK(fuzz_conf_str_ok(&app->wstr, pc->pid_file));
	FUZZ_CHECK(strtab_get(&app->wstr, pc->pid_file)[0] == '/');
	FUZZ_CHECK(pc->nsigsteps <= BP_MAX_SIGSTEPS);
	FUZZ_CHECK((uint32_t)pc->check_first + pc->ncheck <= app->conf.nchecks);
	FUZZ_CHECK((uint32_t)pc->child_check_first + pc->nchild_check <=
	    app->conf.nchecks);
	FUZZ_CHECK(pc->ncheck <= BP_MAX_PROC_CHECKS);
	FUZZ_CHECK(pc->nchild_check <= BP_MAX_PROC_CHECKS);
	for (k = pc->check_first; k < pc->check_first + pc->ncheck; k++)
		FUZZ_CHECK(
		    app->checks[k].proc == i && !app->checks[k].for_children);
	for (k = pc->child_check_first;
	     k < pc->child_check_first + pc->nchild_check; k++)
		FUZZ_CHECK(
		    app->checks[k].proc == i && app->checks[k].for_children);
	FUZZ_CHECK(!pc->nchild_check || pc->monitor_children);
	FUZZ_CHECK(ex->start.argc > 0);
	FUZZ_CHECK(!pc->has_stop_command == !ex->stop.argc);
	FUZZ_CHECK(!pc->has_restart_command == !ex->restart.argc);
	FUZZ_CHECK(!pc->has_pre_start_command == !ex->pre_start.argc);
	fuzz_conf_cmd(app, &ex->start);
	fuzz_conf_cmd(app, &ex->stop);
	fuzz_conf_cmd(app, &ex->restart);
	fuzz_conf_cmd(app, &ex->pre_start);
	fuzz_conf_cmd(app, &ex->child_stop);
	fuzz_conf_cmd(app, &ex->child_restart);
	FUZZ_CHECK(ex->ngroups <= BP_MAX_GROUPS);
	for (k = 0; k < pc->nsigsteps; k++)
		FUZZ_CHECK(
		    pc->sigsteps[k].signo > 0 && pc->sigsteps[k].signo < 65);
}

/* Checks one accepted check. */
static void
fuzz_conf_check(const struct app *app, uint32_t i)
{
	const struct check_conf *c = &app->checks[i];
	uint8_t k;

	FUZZ_CHECK(c->type > CHECK_NONE && c->type <= CHECK_FLAPPING);
	FUZZ_CHECK(c->proc < app->conf.nprocs);
	FUZZ_CHECK(fuzz_conf_str_ok(&app->wstr, c->url));
	FUZZ_CHECK(fuzz_conf_str_ok(&app->wstr, c->pattern));
	FUZZ_CHECK(fuzz_conf_str_ok(&app->wstr, c->filename));
	FUZZ_CHECK(c->nfires <= BP_MAX_FIRES);
	for (k = 0; k < c->nfires; k++)
		FUZZ_CHECK(
		    c->fires[k] > ACTION_NONE && c->fires[k] <= ACTION_START);
	FUZZ_CHECK(c->times_n >= 1 && c->times_n <= c->times_m &&
	    c->times_m <= BP_MAX_TIMES);
	if (c->type == CHECK_EXEC) {
		FUZZ_CHECK(app->check_cmds[i].argc > 0);
		fuzz_conf_cmd(app, &app->check_cmds[i]);
	}
}

/* Checks an accepted app as a whole. */
static void
fuzz_conf_accepted(const struct app *app)
{
	uint32_t i, j;

	FUZZ_CHECK(memchr(app->conf.name, '\0', sizeof(app->conf.name)));
	FUZZ_CHECK(app->conf.name[0] != '\0');
	FUZZ_CHECK(app->conf.nprocs >= 1 && app->conf.nprocs <= BP_MAX_PROCS);
	FUZZ_CHECK(app->conf.nchecks <= BP_MAX_CHECKS);
	FUZZ_CHECK(app->conf.nctl_gids <= BP_MAX_CTL_GROUPS);
	FUZZ_CHECK(app->wstr.len > 0 && app->wstr.len <= BP_STRTAB_MAX);
	FUZZ_CHECK(app->wstr.buf[0] == '\0');
	FUZZ_CHECK(app->wstr.buf[app->wstr.len - 1] == '\0');
	FUZZ_CHECK(app->conf.strtab_len == app->wstr.len);
	FUZZ_CHECK(app->mstr.len > 0 && app->mstr.buf[app->mstr.len - 1] == 0);
	FUZZ_CHECK(memchr(app->log_file, '\0', sizeof(app->log_file)));
	for (i = 0; i < app->conf.nprocs; i++) {
		fuzz_conf_proc(app, i);
		/* Names and pid files are unique within an app. */
		for (j = 0; j < i; j++) {
			FUZZ_CHECK(strcmp(app->procs[i].name,
			               app->procs[j].name) != 0 ||
			    strcmp(app->procs[i].group, app->procs[j].group) !=
			        0);
			FUZZ_CHECK(strcmp(strtab_get(&app->wstr,
			                      app->procs[i].pid_file),
			               strtab_get(&app->wstr,
			                   app->procs[j].pid_file)) != 0);
		}
	}
	for (i = 0; i < app->conf.nchecks; i++)
		fuzz_conf_check(app, i);
}

/* Checks a refusal: one or more "PATH:..." lines, each ending in '\n'. */
static void
fuzz_conf_refused(const char *errors)
{
	size_t plen = strlen(fuzz_conf_path);
	const char *p = errors, *nl;

	FUZZ_CHECK(errors != NULL && *errors != '\0');
	while (*p != '\0') {
		FUZZ_CHECK(
		    strncmp(p, fuzz_conf_path, plen) == 0 && p[plen] == ':');
		nl = strchr(p, '\n');
		FUZZ_CHECK(nl != NULL);
		p = nl + 1;
	}
}

/* Runs the duration and size parsers on the input as a C string. */
static void
fuzz_conf_units(const uint8_t *data, size_t size)
{
	char *s;
	uint64_t v;

	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (conf_parse_duration(s, &v) == 0)
		FUZZ_CHECK(s[0] != '\0');
	if (conf_parse_size(s, &v) == 0)
		FUZZ_CHECK(s[0] != '\0');
	free(s);
}

/* Loads one input as a drop-in. */
int
fuzz_conf_one(const uint8_t *data, size_t size)
{
	struct conf_opts opts;
	struct app app;
	char *errors = NULL;

	fuzz_conf_setup();
	fuzz_conf_units(data, size);
	/* libconfig reads text: a NUL would only cut it short. */
	fuzz_conf_write(data, size);
	memset(&opts, 0, sizeof(opts));
	opts.privileged = 0;
	opts.self_uid = (uint32_t)geteuid();
	opts.self_gid = (uint32_t)getegid();
	opts.rundir = "/run/bluepill-fuzz";
	if (conf_load_file(fuzz_conf_path, &opts, &app, &errors) == 0) {
		FUZZ_CHECK(errors == NULL);
		fuzz_conf_accepted(&app);
		conf_app_free(&app);
	} else {
		fuzz_conf_refused(errors);
		free(errors);
	}
	return 0;
}

#ifndef FUZZ_NO_MAIN
/* libFuzzer's entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_conf_one(data, size);
}
#endif
