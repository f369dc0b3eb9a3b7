/*
 * spawn: the fork ritual.  Block every signal around fork; in the child
 * reset every disposition and the mask, start a new session, take the
 * identity (groups, gid, uid), then, as the user, chdir, write the pid file
 * and open stdio without following symlinks; close every other descriptor
 * and exec with an environment built from scratch.  A failing step reports
 * its errno through a close-on-exec pipe and the child exits 127.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bluepill.h"
#include "log.h"
#include "msg.h"
#include "spawn.h"

extern char **environ;

/* Returns the command a job kind runs, or NULL if it has none. */
const struct cmd_conf *
spawn_cmd(const struct app *app, uint32_t proc, enum job_kind kind, int32_t arg)
{
	const struct proc_exec *x;
	const struct cmd_conf *c = NULL;

	if (proc >= app->conf.nprocs)
		return NULL;
	x = &app->execs[proc];
	switch (kind) {
	case JOB_START:
		c = &x->start;
		break;
	case JOB_STOP:
		c = &x->stop;
		break;
	case JOB_RESTART:
		c = &x->restart;
		break;
	case JOB_PRE_START:
		c = &x->pre_start;
		break;
	case JOB_CHILD_STOP:
		c = &x->child_stop;
		break;
	case JOB_CHILD_RESTART:
		c = &x->child_restart;
		break;
	case JOB_CHECK:
		if (arg < 0 || (uint32_t)arg >= app->conf.nchecks ||
		    app->checks[arg].proc != proc ||
		    app->checks[arg].type != CHECK_EXEC)
			return NULL;
		c = &app->check_cmds[arg];
		break;
	default:
		return NULL;
	}
	return c->argc > 0 ? c : NULL;
}

/* Tells whether a shell command is one simple command (safe to exec). */
int
spawn_is_simple(const char *cmd)
{
	/* Reserved words and builtins: "exec exit 0" would fail. */
	static const char *const words[] = { "if", "then", "else", "elif", "fi",
		"case", "esac", "for", "while", "until", "do", "done", "exec",
		"{", "}", "!", "[[", "exit", "return", "break", "continue", ":",
		".", "eval", "export", "readonly", "set", "shift", "trap",
		"unset", "cd", "wait", "umask", "ulimit", "read", "alias",
		"unalias", "command", "type", "hash", "getopts", "times",
		"local", "source", "true", "false", "test", "[", "echo",
		"printf", "kill", "pwd", "jobs", "fg", "bg", NULL };
	const char *p = cmd;
	size_t n;
	int i;

	if (strpbrk(cmd, ";&|()`\n") != NULL)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t");
	if (n == 0)
		return 0;
	/* "VAR=x prog" would make "exec VAR=x" a failed exec */
	if (memchr(p, '=', n) != NULL)
		return 0;
	for (i = 0; words[i] != NULL; i++)
		if (strlen(words[i]) == n && strncmp(p, words[i], n) == 0)
			return 0;
	return 1;
}

/* Returns s with every {{PID}} replaced by pid, malloc'd. */
static char *
spawn_subst_pid(const char *s, pid_t pid)
{
	char num[24], *out, *o;
	const char *p;
	size_t count = 0, n;

	snprintf(num, sizeof(num), "%ld", (long)pid);
	for (p = s; (p = strstr(p, "{{PID}}")) != NULL; p += 7)
		count++;
	n = strlen(s) + count * strlen(num) + 1;
	if ((out = malloc(n)) == NULL)
		return NULL;
	for (o = out, p = s; *p != '\0';) {
		if (strncmp(p, "{{PID}}", 7) == 0) {
			o = stpcpy(o, num);
			p += 7;
		} else
			*o++ = *p++;
	}
	*o = '\0';
	return out;
}

/* Frees a vector from spawn_build_argv or spawn_build_env. */
void
spawn_free_argv(char **argv)
{
	char **a;

	if (argv == NULL)
		return;
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

/* Builds argv for a command; see spawn.h. */
char **
spawn_build_argv(const struct app *app, const struct cmd_conf *cmd,
    pid_t target)
{
	char **argv;
	uint32_t off = cmd->argv;
	uint16_t i;

	if (cmd->argc == 0)
		return NULL;
	if (cmd->shell) {
		const char *s = strtab_get(&app->mstr, off);
		char *line, *full;

		if ((argv = calloc(4, sizeof(char *))) == NULL)
			return NULL;
		if ((line = spawn_subst_pid(s, target)) == NULL)
			goto fail;
		if (spawn_is_simple(line)) {
			if (asprintf(&full, "exec %s", line) == -1) {
				free(line);
				goto fail;
			}
			free(line);
			line = full;
		}
		argv[0] = strdup("/bin/sh");
		argv[1] = strdup("-c");
		argv[2] = line;
		if (argv[0] == NULL || argv[1] == NULL)
			goto fail;
		return argv;
	}
	if ((argv = calloc((size_t)cmd->argc + 1, sizeof(char *))) == NULL)
		return NULL;
	for (i = 0; i < cmd->argc; i++) {
		const char *s = strtab_get(&app->mstr, off);

		if ((argv[i] = spawn_subst_pid(s, target)) == NULL)
			goto fail;
		off += (uint32_t)strlen(s) + 1;
	}
	return argv;
fail:
	spawn_free_argv(argv);
	return NULL;
}

/* Appends "name=value" to env unless a variable of that name is set. */
static int
spawn_env_add(char **env, size_t *n, size_t max, const char *name,
    const char *value)
{
	size_t i, l = strlen(name);

	for (i = 0; i < *n; i++)
		if (strncmp(env[i], name, l) == 0 && env[i][l] == '=')
			return 0;
	if (*n >= max)
		return -1;
	if (asprintf(&env[*n], "%s=%s", name, value) == -1)
		return -1;
	(*n)++;
	return 0;
}

/* Builds the clean environment of SPEC §7 for process proc. */
char **
spawn_build_env(const struct app *app, uint32_t proc)
{
	const struct proc_exec *x = &app->execs[proc];
	size_t n = 0, max = (size_t)x->nenv + 7;
	uint32_t off = x->env;
	char **env;
	uint16_t i;
	const char *wd = strtab_get(&app->mstr, x->working_dir);

	if ((env = calloc(max + 1, sizeof(char *))) == NULL)
		return NULL;
	/* Configured variables win over the defaults below. */
	for (i = 0; i < x->nenv; i++) {
		const char *s = strtab_get(&app->mstr, off);

		if ((env[n++] = strdup(s)) == NULL)
			goto fail;
		off += (uint32_t)strlen(s) + 1;
	}
	if (spawn_env_add(env, &n, max, "PATH", BP_DEFAULT_PATH) == -1 ||
	    spawn_env_add(env, &n, max, "HOME",
	        *strtab_get(&app->mstr, x->home) ?
	            strtab_get(&app->mstr, x->home) :
	            "/") == -1 ||
	    spawn_env_add(env, &n, max, "USER",
	        strtab_get(&app->mstr, x->user_name)) == -1 ||
	    spawn_env_add(env, &n, max, "LOGNAME",
	        strtab_get(&app->mstr, x->user_name)) == -1 ||
	    spawn_env_add(env, &n, max, "SHELL",
	        *strtab_get(&app->mstr, x->shell) ?
	            strtab_get(&app->mstr, x->shell) :
	            "/bin/sh") == -1 ||
	    spawn_env_add(env, &n, max, "PWD", *wd ? wd : "/") == -1)
		goto fail;
	return env;
fail:
	spawn_free_argv(env);
	return NULL;
}

/* Reports a failed step to the parent and ends the child. */
static void __attribute__((noreturn)) spawn_child_fail(int errfd, int step)
{
	int msg[2];

	msg[0] = errno;
	msg[1] = step;
	if (write(errfd, msg, sizeof(msg)) < 0)
		(void)0;
	_exit(127);
}

/*
 * Opens the directory part of path one component at a time, never
 * following a symbolic link.  *safe tells whether every directory on the
 * way belongs to root and is not writable by group or others (or is
 * sticky, on the way): only then may root write there, since otherwise
 * the app's user could swap a component for a link into root's files.
 */
static int
spawn_open_dir(const char *path, int *safe)
{
	char comp[BP_PATH_MAX];
	const char *p = path, *slash;
	struct stat st;
	int dfd, nfd;

	*safe = 1;
	if (*p != '/' ||
	    (dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	for (;;) {
		if (fstat(dfd, &st) == -1) {
			close(dfd);
			return -1;
		}
		while (*p == '/')
			p++;
		slash = strchr(p, '/');
		/*
		 * On the way, a sticky directory (/tmp) is fine: nobody else
		 * can replace root's entry in it.  The last directory must
		 * be writable by root alone.
		 */
		if (st.st_uid != 0 ||
		    ((st.st_mode & 022) &&
		        (slash == NULL || !(st.st_mode & S_ISVTX))))
			*safe = 0;
		if (slash == NULL)
			return dfd; /* the rest is the file name */
		if ((size_t)(slash - p) >= sizeof(comp)) {
			close(dfd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		nfd = openat(dfd, comp,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if (nfd == -1)
			return -1;
		dfd = nfd;
		p = slash;
	}
}

/*
 * Writes the child's own pid into path.  As root only when every directory
 * of the path is root's alone (returns 1 otherwise: retry as the user);
 * as the user after the identity change.  No component and not the file
 * itself is ever followed through a symbolic link.
 */
static int
spawn_write_pidfile(const char *path, int as_root)
{
	const char *base = strrchr(path, '/');
	char buf[32];
	int dfd, fd, n, safe;

	if (base == NULL || base[1] == '\0')
		return -1;
	if ((dfd = spawn_open_dir(path, &safe)) == -1)
		return -1;
	if (as_root && !safe) {
		close(dfd);
		return 1;
	}
	fd = openat(dfd, base + 1,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	close(dfd);
	if (fd == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Opens one stdio file as the user, appending, never through a symlink. */
static int
spawn_open_stdio(const char *path, int input)
{
	int flags = O_NOFOLLOW | O_CLOEXEC;

	if (*path == '\0')
		path = "/dev/null";
	if (strcmp(path, "/dev/null") == 0)
		flags &= ~O_NOFOLLOW;
	if (input)
		flags |= O_RDONLY;
	else
		flags |= O_WRONLY | O_APPEND | O_CREAT;
	return open(path, flags, 0640);
}

/*
 * glibc's sigaction refuses the two signals it reserves for threads (32
 * and 33), so an ignored one (make leaves them ignored) would reach the
 * process; the raw system call resets them too.
 */
static void
spawn_reset_reserved_signals(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} k;
	int sig;

	memset(&k, 0, sizeof(k));
	for (sig = 32; sig < SIGRTMIN; sig++)
		(void)syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
}

/*
 * Gives a new child default dispositions for every signal (the reserved
 * ones too) and an empty mask, as a program expects at exec; 0 or -1.
 */
int
spawn_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	spawn_reset_reserved_signals();
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL);
}

enum spawn_step {
	STEP_SIGNALS = 1,
	STEP_SETSID,
	STEP_GROUPS,
	STEP_GID,
	STEP_UID,
	STEP_CHDIR,
	STEP_PIDFILE,
	STEP_STDIO,
	STEP_EXEC,
	STEP_CONTAIN,
};

/*
 * Puts the child under its app's max_processes: into the app's cgroup
 * when the master has one (cgfd), else RLIMIT_NPROC, which counts every
 * process of the uid about to be taken and binds nobody but non-root.
 */
static int
spawn_contain(const struct app *app, int cgfd)
{
	struct rlimit rl;

	if (app->max_processes == 0)
		return 0;
	if (cgfd >= 0)
		return write(cgfd, "0", 1) == 1 ? 0 : -1;
	rl.rlim_cur = rl.rlim_max = app->max_processes;
	return setrlimit(RLIMIT_NPROC, &rl);
}

/* The child's side of the ritual; never returns. */
static void __attribute__((noreturn))
spawn_child(const struct app *app, uint32_t proc, enum job_kind kind,
    char **argv, char **env, int errfd, int privileged, int cgfd)
{
	const struct proc_exec *x = &app->execs[proc];
	const struct proc_conf *pc = &app->procs[proc];
	const char *pidfile = strtab_get(&app->wstr, pc->pid_file);
	const char *wd = strtab_get(&app->mstr, x->working_dir);
	const char *in = strtab_get(&app->mstr, x->stdin_path);
	const char *out = strtab_get(&app->mstr, x->stdout_path);
	const char *err = strtab_get(&app->mstr, x->stderr_path);
	int write_pid = (kind == JOB_START && pc->daemonize && *pidfile);
	int fds[3], i, r;

	if (spawn_reset_signals() == -1)
		spawn_child_fail(errfd, STEP_SIGNALS);
	if (setsid() == -1)
		spawn_child_fail(errfd, STEP_SETSID);
	umask(022);
	if (spawn_contain(app, cgfd) == -1)
		spawn_child_fail(errfd, STEP_CONTAIN);
	if (write_pid && privileged) {
		r = spawn_write_pidfile(pidfile, 1);
		if (r == -1)
			spawn_child_fail(errfd, STEP_PIDFILE);
		if (r == 1 && x->uid == 0) {
			/* Root never writes where others could plant a link. */
			errno = EPERM;
			spawn_child_fail(errfd, STEP_PIDFILE);
		}
		if (r == 0)
			write_pid = 0;
	}
	if (privileged) {
		gid_t groups[BP_MAX_GROUPS];

		for (i = 0; i < x->ngroups && i < BP_MAX_GROUPS; i++)
			groups[i] = (gid_t)x->groups[i];
		if (setgroups(x->ngroups, groups) == -1)
			spawn_child_fail(errfd, STEP_GROUPS);
		if (setresgid(x->gid, x->gid, x->gid) == -1)
			spawn_child_fail(errfd, STEP_GID);
		if (setresuid(x->uid, x->uid, x->uid) == -1)
			spawn_child_fail(errfd, STEP_UID);
	}
	if (chdir(*wd ? wd : "/") == -1)
		spawn_child_fail(errfd, STEP_CHDIR);
	if (write_pid && spawn_write_pidfile(pidfile, 0) != 0)
		spawn_child_fail(errfd, STEP_PIDFILE);
	fds[0] = spawn_open_stdio(in, 1);
	fds[1] = spawn_open_stdio(out, 0);
	if (strcmp(err, out) == 0 && fds[1] >= 0)
		fds[2] = dup(fds[1]);
	else
		fds[2] = spawn_open_stdio(err, 0);
	if (fds[0] < 0 || fds[1] < 0 || fds[2] < 0)
		spawn_child_fail(errfd, STEP_STDIO);
	/* Move the fds above 2 first so dup2 never clobbers one of them. */
	for (i = 0; i < 3; i++) {
		if (fds[i] < 3) {
			int nfd = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);

			if (nfd == -1)
				spawn_child_fail(errfd, STEP_STDIO);
			fds[i] = nfd;
		}
	}
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], i) == -1)
			spawn_child_fail(errfd, STEP_STDIO);
			/* Everything else closes at exec; errfd must live until then. */
#ifdef HAVE_CLOSE_RANGE
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
#endif
	{
		long fd, maxfd = sysconf(_SC_OPEN_MAX);

		for (fd = 3; fd < maxfd; fd++)
			if (fd != errfd)
				(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	/* execvp searches the PATH of environ: make it the child's own. */
	environ = env;
	execvp(argv[0], argv);
	spawn_child_fail(errfd, STEP_EXEC);
}

/* Forks and execs a job of process proc; see spawn.h. */
pid_t
spawn_job(const struct app *app, uint32_t proc, enum job_kind kind, int32_t arg,
    pid_t target, int privileged, int cgfd, int *errfd)
{
	const struct cmd_conf *cmd;
	char **argv, **env;
	sigset_t all, old;
	int p[2];
	pid_t pid;

	*errfd = -1;
	if ((cmd = spawn_cmd(app, proc, kind, arg)) == NULL) {
		errno = ENOENT;
		return -1;
	}
	argv = spawn_build_argv(app, cmd, target);
	env = spawn_build_env(app, proc);
	if (argv == NULL || env == NULL || pipe2(p, O_CLOEXEC) == -1) {
		spawn_free_argv(argv);
		spawn_free_argv(env);
		return -1;
	}
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		spawn_child(app, proc, kind, argv, env, p[1], privileged, cgfd);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(p[1]);
	spawn_free_argv(argv);
	spawn_free_argv(env);
	if (pid == -1) {
		close(p[0]);
		return -1;
	}
	*errfd = p[0];
	return pid;
}
