/*
 * bluepilld: the master daemon, or (with -W, used only when the master
 * re-executes itself) one application's worker.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bluepill.h"
#include "conf.h"
#include "log.h"
#include "master.h"
#include "worker.h"

/* Prints the usage line and exits 1. */
static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: bluepilld [-d] [-n] [-v] [-c confdir] [-r rundir]\n");
	exit(1);
}

/* Parses a uid or gid given by the master on a worker's command line. */
static uint32_t
parse_id(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > UINT32_MAX)
		usage();
	return (uint32_t)v;
}

int
main(int argc, char *argv[])
{
	const char *confdir = BP_CONFDIR_DEFAULT;
	const char *rundir = BP_RUNDIR_DEFAULT;
	const char *wname = NULL;
	uint32_t uid = 0, gid = 0;
	int ch, fg = 0, check = 0, verbose = 0, logfd = 0, have_ids = 0;

	while ((ch = getopt(argc, argv, "c:dg:Lnr:u:vW:")) != -1) {
		switch (ch) {
		case 'c':
			confdir = optarg;
			break;
		case 'd':
			fg = 1;
			break;
		case 'n':
			check = 1;
			break;
		case 'r':
			rundir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'W':
			wname = optarg;
			break;
		case 'u':
			uid = parse_id(optarg);
			have_ids |= 1;
			break;
		case 'g':
			gid = parse_id(optarg);
			have_ids |= 2;
			break;
		case 'L':
			logfd = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (wname != NULL) {
		if (have_ids != 3)
			usage();
		return worker_main(wname, uid, gid, fg, verbose, logfd);
	}
	if (check) {
		struct conf_opts opts;

		conf_opts_init(&opts, rundir);
		return conf_check_dir(confdir, &opts, stdout);
	}
	if (rundir[0] != '/' || confdir[0] != '/') {
		fprintf(stderr, "bluepilld: -c and -r need absolute paths\n");
		return 1;
	}
	/* Startup errors reach the terminal even when we will detach. */
	log_init(1, verbose, "bluepilld");
	return master_main(confdir, rundir, fg, verbose);
}
