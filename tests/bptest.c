/*
 * bptest: one small program with many behaviours, supervised by the
 * end-to-end tests, the benchmarks and the demo.  Only libc.
 *
 *	bptest sleep			run until TERM (exit 0)
 *	bptest crash SECONDS		exit 1 after SECONDS
 *	bptest ignore-term		ignore TERM, run forever
 *	bptest daemon PIDFILE [--delay MS]
 *					fork, parent exits; the child calls
 *					setsid, writes its pid and runs
 *	bptest leak MB_PER_SECOND [MAX_MB]
 *					grow the resident set steadily
 *	bptest spin-after SECONDS	idle, then burn CPU
 *	bptest heartbeat FILE INTERVAL_MS [STOP_AFTER_S]
 *					touch FILE periodically
 *	bptest http PORT [ok|error|hang] [CONTROL_FILE]
 *					HTTP/1.0 on 127.0.0.1:PORT; USR1 cycles
 *					ok -> error -> hang, or CONTROL_FILE
 *					(read at each request) names the mode
 *	bptest forker N [--keep-children]
 *					keep N sleeping children alive
 *	bptest report FILE		write identity, environment, fds and
 *					signal state to FILE, then sleep
 *	bptest fork-bomb [MAX]		a tree of MAX sleeping processes; with
 *					MAX 0, every process forks forever
 *					(only under a process limit!)
 *	bptest with-ignored SIG[,SIG...] PROGRAM [ARG...]
 *					exec PROGRAM with those signal numbers
 *					ignored, even glibc's reserved 32 and 33
 *
 * Every mode but with-ignored first writes "bptest MODE: started pid N"
 * to stdout and stderr, so tests can count starts and check where output
 * goes.
 */
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile sig_atomic_t bptest_got_usr1;
static volatile sig_atomic_t bptest_got_term;

static void bptest_usage(void) __attribute__((noreturn));
static void
bptest_die(const char *, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void bptest_forever(void) __attribute__((noreturn));

/* Prints a usage message and exits 2. */
static void
bptest_usage(void)
{
	fprintf(stderr,
	    "usage: bptest sleep | crash SECONDS | ignore-term |\n"
	    "       daemon PIDFILE [--delay MS] |\n"
	    "       leak MB_PER_SECOND [MAX_MB] | spin-after SECONDS |\n"
	    "       heartbeat FILE INTERVAL_MS [STOP_AFTER_S] |\n"
	    "       http PORT [ok|error|hang] [CONTROL_FILE] |\n"
	    "       forker N [--keep-children] | report FILE |\n"
	    "       fork-bomb [MAX] |\n"
	    "       with-ignored SIG[,SIG...] PROGRAM [ARG...]\n");
	exit(2);
}

/* Prints an error with errno's text and exits 1. */
static void
bptest_die(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fputs("bptest: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(saved));
	exit(1);
}

/* Parses a non-negative number (fractions allowed) or dies with usage. */
static double
bptest_number(const char *s)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || d < 0 || d > 1e9)
		bptest_usage();
	return d;
}

/* Returns CLOCK_MONOTONIC in seconds. */
static double
bptest_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sleeps for secs seconds, resuming after signals. */
static void
bptest_sleep(double secs)
{
	struct timespec ts;

	if (secs <= 0)
		return;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Writes all of buf to fd, ignoring errors (stdout may be closed). */
static void
bptest_write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Announces a start on stdout and stderr, unbuffered, for counting. */
static void
bptest_announce(const char *mode)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line), "bptest %s: started pid %ld\n", mode,
	    (long)getpid());
	if (n > 0 && (size_t)n < sizeof(line)) {
		bptest_write_all(STDOUT_FILENO, line, (size_t)n);
		bptest_write_all(STDERR_FILENO, line, (size_t)n);
	}
}

/* Exits 0 from a TERM handler, as well-behaved programs do. */
static void
bptest_exit_on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Records a TERM for loops that must clean up first. */
static void
bptest_note_term(int sig)
{
	(void)sig;
	bptest_got_term = 1;
}

/* Records a USR1 (http mode switch). */
static void
bptest_note_usr1(int sig)
{
	(void)sig;
	bptest_got_usr1 = 1;
}

/* Installs handler for sig without SA_RESTART, so blocking calls wake. */
static void
bptest_handle(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL) == -1)
		bptest_die("sigaction %d", sig);
}

/* Waits for signals forever. */
static void
bptest_forever(void)
{
	for (;;)
		pause();
}

/* Runs until TERM. */
static int
bptest_mode_sleep(void)
{
	bptest_handle(SIGTERM, bptest_exit_on_term);
	bptest_forever();
}

/* Exits 1 after the given time: a process that keeps crashing. */
static int
bptest_mode_crash(int argc, char **argv)
{
	if (argc != 1)
		bptest_usage();
	bptest_handle(SIGTERM, bptest_exit_on_term);
	bptest_sleep(bptest_number(argv[0]));
	return 1;
}

/* Ignores TERM, so only KILL (or another signal) ends it. */
static int
bptest_mode_ignore_term(void)
{
	if (signal(SIGTERM, SIG_IGN) == SIG_ERR)
		bptest_die("signal");
	bptest_forever();
}

/* Writes pid to path atomically (through path.tmp and rename). */
static void
bptest_write_pidfile(const char *path, pid_t pid)
{
	char tmp[PATH_MAX], buf[32];
	int fd, n;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		bptest_usage();
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		bptest_die("open %s", tmp);
	bptest_write_all(fd, buf, (size_t)n);
	if (close(fd) == -1)
		bptest_die("close %s", tmp);
	if (rename(tmp, path) == -1)
		bptest_die("rename %s", tmp);
}

/* Daemonizes itself as classic daemons do and writes its own pid file. */
static int
bptest_mode_daemon(int argc, char **argv)
{
	const char *pidfile;
	double delay = 0;
	pid_t pid;
	int fd;

	if (argc == 3 && strcmp(argv[1], "--delay") == 0)
		delay = bptest_number(argv[2]) / 1000.0;
	else if (argc != 1)
		bptest_usage();
	pidfile = argv[0];

	switch (pid = fork()) {
	case -1:
		bptest_die("fork");
	case 0:
		break;
	default:
		_exit(0);
	}
	if (setsid() == -1)
		bptest_die("setsid");
	bptest_announce("daemon-child");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	bptest_handle(SIGTERM, bptest_note_term);
	bptest_sleep(delay);
	bptest_write_pidfile(pidfile, getpid());
	while (!bptest_got_term)
		pause();
	unlink(pidfile);
	return 0;
}

/* Grows the resident set by mbps MB per second, up to max_mb. */
static int
bptest_mode_leak(int argc, char **argv)
{
	double mbps, max_mb, total = 0;
	size_t chunk, off;
	long pagesz;
	char *p;

	if (argc < 1 || argc > 2)
		bptest_usage();
	mbps = bptest_number(argv[0]);
	max_mb = argc == 2 ? bptest_number(argv[1]) : 4096;
	pagesz = sysconf(_SC_PAGESIZE);
	if (pagesz <= 0)
		pagesz = 4096;
	bptest_handle(SIGTERM, bptest_exit_on_term);
	/* Ten steps a second keep the growth smooth for sampling checks. */
	chunk = (size_t)(mbps * 1024 * 1024 / 10);
	for (;;) {
		if (chunk > 0 && total + mbps / 10 <= max_mb) {
			if ((p = malloc(chunk)) == NULL)
				bptest_die("malloc");
			for (off = 0; off < chunk; off += (size_t)pagesz)
				p[off] = 1;
			total += mbps / 10;
		}
		bptest_sleep(0.1);
	}
}

/* Idles for a while, then burns CPU forever. */
static int
bptest_mode_spin_after(int argc, char **argv)
{
	volatile unsigned long n = 0;

	if (argc != 1)
		bptest_usage();
	bptest_handle(SIGTERM, bptest_exit_on_term);
	bptest_sleep(bptest_number(argv[0]));
	for (;;)
		n++;
}

/* Touches file every interval, and stops touching after stop seconds. */
static int
bptest_mode_heartbeat(int argc, char **argv)
{
	double interval, stop = -1, start;
	int fd;

	if (argc < 2 || argc > 3)
		bptest_usage();
	interval = bptest_number(argv[1]) / 1000.0;
	if (argc == 3)
		stop = bptest_number(argv[2]);
	bptest_handle(SIGTERM, bptest_exit_on_term);
	start = bptest_now();
	while (stop < 0 || bptest_now() - start < stop) {
		fd = open(argv[0], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd == -1)
			bptest_die("open %s", argv[0]);
		if (futimens(fd, NULL) == -1)
			bptest_die("futimens %s", argv[0]);
		close(fd);
		bptest_sleep(interval);
	}
	bptest_forever();
}

enum bptest_http_mode { HTTP_OK, HTTP_ERROR, HTTP_HANG };

/* Parses an http mode name; -1 if unknown. */
static int
bptest_http_mode_parse(const char *s)
{
	if (strcmp(s, "ok") == 0 || strcmp(s, "200") == 0)
		return HTTP_OK;
	if (strcmp(s, "error") == 0 || strcmp(s, "500") == 0)
		return HTTP_ERROR;
	if (strcmp(s, "hang") == 0)
		return HTTP_HANG;
	return -1;
}

/* Reads the mode named in the control file, keeping cur when absent. */
static int
bptest_http_mode_read(const char *path, int cur)
{
	char buf[32];
	ssize_t n;
	int fd, m;

	if (path == NULL || (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return cur;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return cur;
	buf[n] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	m = bptest_http_mode_parse(buf);
	return m == -1 ? cur : m;
}

#define HTTP_MAX_CLIENTS 64

struct bptest_client {
	int fd;
	size_t len;
	int answered; /* hang mode: request read, never answered */
	char buf[2048];
};

/* Answers one complete request according to mode. */
static void
bptest_http_answer(struct bptest_client *c, int mode)
{
	static const char ok[] =
	    "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
	    "Content-Length: 2\r\n\r\nok";
	static const char err[] =
	    "HTTP/1.0 500 Internal Server Error\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nerror";
	static const char nf[] =
	    "HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
	int root;

	root = strncmp(c->buf, "GET / ", 6) == 0;
	if (mode == HTTP_HANG) {
		c->answered = 1;
		return;
	}
	if (!root)
		bptest_write_all(c->fd, nf, sizeof(nf) - 1);
	else if (mode == HTTP_OK)
		bptest_write_all(c->fd, ok, sizeof(ok) - 1);
	else
		bptest_write_all(c->fd, err, sizeof(err) - 1);
	close(c->fd);
	c->fd = -1;
}

/* Opens the listening socket on 127.0.0.1:port. */
static int
bptest_http_listen(int port)
{
	struct sockaddr_in sin;
	int s, one = 1;

	if ((s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bptest_die("socket");
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		bptest_die("bind 127.0.0.1:%d", port);
	if (listen(s, 64) == -1)
		bptest_die("listen");
	return s;
}

/* Serves GET / on 127.0.0.1:port: 200 "ok", 500, or never answers. */
static int
bptest_mode_http(int argc, char **argv)
{
	struct bptest_client cl[HTTP_MAX_CLIENTS];
	struct pollfd pfd[HTTP_MAX_CLIENTS + 1];
	const char *control = NULL;
	int s, mode = HTTP_OK, port, i, n, fd;
	ssize_t r;

	if (argc < 1 || argc > 3)
		bptest_usage();
	port = (int)bptest_number(argv[0]);
	if (port < 1 || port > 65535)
		bptest_usage();
	if (argc >= 2 && (mode = bptest_http_mode_parse(argv[1])) == -1)
		bptest_usage();
	if (argc == 3)
		control = argv[2];
	for (i = 0; i < HTTP_MAX_CLIENTS; i++)
		cl[i].fd = -1;
	signal(SIGPIPE, SIG_IGN);
	bptest_handle(SIGTERM, bptest_exit_on_term);
	bptest_handle(SIGUSR1, bptest_note_usr1);
	s = bptest_http_listen(port);

	for (;;) {
		if (bptest_got_usr1) {
			bptest_got_usr1 = 0;
			mode = (mode + 1) % 3;
		}
		pfd[0].fd = s;
		pfd[0].events = POLLIN;
		for (i = 0; i < HTTP_MAX_CLIENTS; i++) {
			pfd[i + 1].fd = cl[i].fd;
			pfd[i + 1].events = POLLIN;
		}
		if ((n = poll(pfd, HTTP_MAX_CLIENTS + 1, -1)) == -1) {
			if (errno == EINTR)
				continue;
			bptest_die("poll");
		}
		if (pfd[0].revents & POLLIN) {
			fd = accept4(s, NULL, NULL, SOCK_CLOEXEC);
			for (i = 0; fd != -1 && i < HTTP_MAX_CLIENTS; i++)
				if (cl[i].fd == -1)
					break;
			if (fd != -1 && i == HTTP_MAX_CLIENTS)
				close(fd); /* full: the client sees a reset */
			else if (fd != -1) {
				cl[i].fd = fd;
				cl[i].len = 0;
				cl[i].answered = 0;
			}
		}
		for (i = 0; i < HTTP_MAX_CLIENTS; i++) {
			struct bptest_client *c = &cl[i];

			if (c->fd == -1 || pfd[i + 1].fd != c->fd ||
			    pfd[i + 1].revents == 0)
				continue;
			r = read(c->fd, c->buf + c->len,
			    sizeof(c->buf) - 1 - c->len);
			if (r <= 0) {
				close(c->fd);
				c->fd = -1;
				continue;
			}
			if (c->answered)
				continue; /* hanging: swallow and wait */
			c->len += (size_t)r;
			c->buf[c->len] = '\0';
			if (strstr(c->buf, "\r\n\r\n") == NULL &&
			    strstr(c->buf, "\n\n") == NULL &&
			    c->len < sizeof(c->buf) - 1)
				continue;
			mode = bptest_http_mode_read(control, mode);
			bptest_http_answer(c, mode);
		}
	}
}

/* Reaps dead children of the pool and forgets them. */
static void
bptest_forker_reap(pid_t *kids, int n)
{
	pid_t pid;
	int i, status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		for (i = 0; i < n; i++)
			if (kids[i] == pid)
				kids[i] = 0;
}

/* Keeps n sleeping children alive, as a worker pool master does. */
static int
bptest_mode_forker(int argc, char **argv)
{
	sigset_t set, empty;
	pid_t *kids;
	int n, i, sig, keep = 0;

	if (argc == 2 && strcmp(argv[1], "--keep-children") == 0)
		keep = 1;
	else if (argc != 1)
		bptest_usage();
	n = (int)bptest_number(argv[0]);
	if (n < 1 || n > 1000)
		bptest_usage();
	if ((kids = calloc((size_t)n, sizeof(*kids))) == NULL)
		bptest_die("calloc");

	sigemptyset(&empty);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (;;) {
		for (i = 0; i < n; i++) {
			if (kids[i] != 0)
				continue;
			switch (kids[i] = fork()) {
			case -1:
				kids[i] = 0;
				bptest_sleep(0.1);
				break;
			case 0:
				sigprocmask(SIG_SETMASK, &empty, NULL);
				bptest_handle(SIGTERM, bptest_exit_on_term);
				bptest_forever();
			}
		}
		if ((sig = sigwaitinfo(&set, NULL)) == -1)
			continue;
		if (sig == SIGCHLD) {
			bptest_forker_reap(kids, n);
			continue;
		}
		/* TERM or INT: end the pool unless told to orphan it. */
		for (i = 0; i < n && !keep; i++)
			if (kids[i] > 0)
				kill(kids[i], SIGTERM);
		for (i = 0; i < n && !keep; i++)
			if (kids[i] > 0)
				waitpid(kids[i], NULL, 0);
		return 0;
	}
}

/* Copies the line of /proc/self/status starting with key into out. */
static void
bptest_status_field(const char *key, char *out, size_t outlen)
{
	char line[256];
	size_t klen = strlen(key);
	FILE *f;

	snprintf(out, outlen, "?");
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out, outlen, "%s",
			    line + klen + 1 + strspn(line + klen + 1, " \t"));
			break;
		}
	}
	fclose(f);
}

/* Writes the list of open fds, except the directory's own. */
static void
bptest_report_fds(FILE *out)
{
	struct dirent *de;
	const char *sep = "";
	DIR *d;

	fputs("fds=", out);
	if ((d = opendir("/proc/self/fd")) == NULL) {
		fputs("?\n", out);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || atoi(de->d_name) == dirfd(d) ||
		    atoi(de->d_name) == fileno(out))
			continue;
		fprintf(out, "%s%s", sep, de->d_name);
		sep = ",";
	}
	closedir(d);
	fputc('\n', out);
}

/*
 * Writes what the supervisor gave this process: ids, groups, session,
 * cwd, signal state, fds and environment, as KEY=VALUE lines.
 */
static int
bptest_mode_report(int argc, char **argv)
{
	char tmp[PATH_MAX], cwd[PATH_MAX], field[128];
	gid_t groups[NGROUPS_MAX];
	mode_t mask;
	FILE *out;
	int i, ng;
	char **e;

	if (argc != 1)
		bptest_usage();
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", argv[0]) >= (int)sizeof(tmp))
		bptest_usage();
	/* Sample the signal state before this program changes any of it. */
	if ((out = fopen(tmp, "we")) == NULL)
		bptest_die("fopen %s", tmp);
	fprintf(out, "pid=%ld\nppid=%ld\n", (long)getpid(), (long)getppid());
	fprintf(out, "uid=%ld\neuid=%ld\n", (long)getuid(), (long)geteuid());
	fprintf(out, "gid=%ld\negid=%ld\n", (long)getgid(), (long)getegid());
	fputs("groups=", out);
	if ((ng = getgroups(NGROUPS_MAX, groups)) == -1)
		ng = 0;
	for (i = 0; i < ng; i++)
		fprintf(out, "%s%ld", i ? "," : "", (long)groups[i]);
	fputc('\n', out);
	fprintf(out, "sid=%ld\npgid=%ld\n", (long)getsid(0), (long)getpgid(0));
	fprintf(out, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	mask = umask(0);
	umask(mask);
	fprintf(out, "umask=%04o\n", (unsigned)mask);
	bptest_status_field("SigBlk", field, sizeof(field));
	fprintf(out, "sigblk=%s\n", field);
	bptest_status_field("SigIgn", field, sizeof(field));
	fprintf(out, "sigign=%s\n", field);
	bptest_status_field("NoNewPrivs", field, sizeof(field));
	fprintf(out, "nonewprivs=%s\n", field);
	bptest_status_field("CapEff", field, sizeof(field));
	fprintf(out, "capeff=%s\n", field);
	bptest_report_fds(out);
	for (e = environ; *e != NULL; e++)
		fprintf(out, "env=%s\n", *e);
	fputs("end\n", out);
	if (fclose(out) == EOF)
		bptest_die("write %s", tmp);
	if (rename(tmp, argv[0]) == -1)
		bptest_die("rename %s", tmp);
	return bptest_mode_sleep();
}

/* Builds a tree of budget sleeping processes (itself included). */
static int
bptest_mode_fork_bomb(int argc, char **argv)
{
	long budget = 100, half;
	pid_t pid;

	if (argc > 1)
		bptest_usage();
	if (argc == 1)
		budget = (long)bptest_number(argv[0]);
	if (budget < 0 || budget > 10000)
		bptest_usage();
	bptest_handle(SIGTERM, bptest_exit_on_term);
	if (budget == 0) {
		/* The real thing: every process forks again, forever. */
		struct timespec ms = { 0, 20000000 };

		for (;;)
			if (fork() == -1)
				nanosleep(&ms, NULL);
	}
	/* Each process keeps one slot and hands the rest to two children. */
	budget--;
	while (budget > 0) {
		half = budget / 2;
		if ((pid = fork()) == -1)
			break;
		if (pid == 0) {
			budget = budget - half - 1;
			continue;
		}
		budget = half;
		if (budget > 0 && (pid = fork()) == 0) {
			budget--;
			continue;
		}
		break;
	}
	bptest_forever();
}

/*
 * Execs a program with some signals ignored.  The raw system call reaches
 * the signals glibc reserves (32, 33), which make(1) is known to leave
 * ignored: a supervisor must reset those too.  Only the handler is set and
 * everything else is zero, so the kernel struct's layout does not matter.
 */
static int
bptest_mode_with_ignored(int argc, char **argv)
{
	struct {
		unsigned long handler, flags, restorer, mask[2];
	} ksa;
	char *list, *tok, *save;
	long sig;

	if (argc < 2)
		bptest_usage();
	if ((list = strdup(argv[0])) == NULL)
		bptest_die("strdup");
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		sig = (long)bptest_number(tok);
		if (sig < 1 || sig > 64 || sig == SIGKILL || sig == SIGSTOP)
			bptest_usage();
		memset(&ksa, 0, sizeof(ksa));
		ksa.handler = (unsigned long)SIG_IGN;
		if (syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8) == -1)
			bptest_die("rt_sigaction %ld", sig);
	}
	free(list);
	execv(argv[1], argv + 1);
	bptest_die("exec %s", argv[1]);
}

/* Dispatches on the mode word. */
int
main(int argc, char **argv)
{
	const char *mode;

	if (argc < 2)
		bptest_usage();
	mode = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(mode, "with-ignored") != 0)
		bptest_announce(mode);
	if (strcmp(mode, "sleep") == 0 && argc == 0)
		return bptest_mode_sleep();
	if (strcmp(mode, "crash") == 0)
		return bptest_mode_crash(argc, argv);
	if (strcmp(mode, "ignore-term") == 0 && argc == 0)
		return bptest_mode_ignore_term();
	if (strcmp(mode, "daemon") == 0)
		return bptest_mode_daemon(argc, argv);
	if (strcmp(mode, "leak") == 0)
		return bptest_mode_leak(argc, argv);
	if (strcmp(mode, "spin-after") == 0)
		return bptest_mode_spin_after(argc, argv);
	if (strcmp(mode, "heartbeat") == 0)
		return bptest_mode_heartbeat(argc, argv);
	if (strcmp(mode, "http") == 0)
		return bptest_mode_http(argc, argv);
	if (strcmp(mode, "forker") == 0)
		return bptest_mode_forker(argc, argv);
	if (strcmp(mode, "report") == 0)
		return bptest_mode_report(argc, argv);
	if (strcmp(mode, "fork-bomb") == 0)
		return bptest_mode_fork_bomb(argc, argv);
	if (strcmp(mode, "with-ignored") == 0)
		return bptest_mode_with_ignored(argc, argv);
	bptest_usage();
}
