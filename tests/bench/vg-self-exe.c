/*
 * vg-self-exe: an LD_PRELOAD shim for the valgrind run of `make bench`.
 *
 * The master starts each worker with execv("/proc/self/exe", ...).  Under
 * valgrind, /proc/self/exe is the valgrind tool itself, so the traced
 * child would load the tool as its client and fail.  Valgrind does answer
 * readlink("/proc/self/exe") with the client's real path, so this shim
 * turns that one exec into an exec of the resolved path; every other exec
 * is passed through unchanged.  Built by tests/bench/run, never installed.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int execv(const char *, char *const[]);

/* Executes path, with /proc/self/exe resolved first. */
int
execv(const char *path, char *const argv[])
{
	char self[PATH_MAX];
	ssize_t n;

	if (strcmp(path, "/proc/self/exe") == 0) {
		n = readlink(path, self, sizeof(self) - 1);
		if (n > 0) {
			self[n] = '\0';
			return execve(self, argv, environ);
		}
	}
	return execve(path, argv, environ);
}
