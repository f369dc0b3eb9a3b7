/*
 * conf: drop-in files (libconfig syntax) to flat struct app, with strict
 * validation.  Every error reads "FILE:LINE: message naming the key".
 */
#ifndef BP_CONF_H
#define BP_CONF_H

#include <stdio.h>
#include "bluepill.h"

/* How the loader judges identities and file ownership. */
struct conf_opts {
	int privileged;    /* running as root: enforce ownership, allow uids */
	uint32_t self_uid; /* when not privileged: the only uid allowed */
	uint32_t self_gid;
	const char *rundir; /* for default pid files */
};

/* One drop-in and what became of it. */
struct conf_file {
	char path[BP_PATH_MAX];
	struct app *app; /* NULL when the file was refused */
	char *errors;    /* "FILE:LINE: message\n" lines, NULL when valid */
};

/* Everything read from a drop-in directory, in file name order. */
struct conf_set {
	struct conf_file *files;
	size_t nfiles;
	char *errors; /* directory-level errors, NULL when none */
};

/* Fills opts for the calling process (root or not) and rundir. */
void conf_opts_init(struct conf_opts *opts, const char *rundir);
/* Loads one drop-in; 0 and *app filled, or -1 and *errors allocated. */
int conf_load_file(const char *path, const struct conf_opts *opts,
    struct app *app, char **errors);
/*
 * Loads every *.conf of dir in name order, refusing a later file that names
 * an app already loaded, then reserves each app's worker uid.  Returns 0
 * when every file loaded, -1 when any was refused (set is filled anyway).
 */
int conf_load_dir(const char *dir, const struct conf_opts *opts,
    struct conf_set *set);
/* The -n mode: prints "FILE: OK" or the errors; returns 0 or 6. */
int conf_check_dir(const char *dir, const struct conf_opts *opts, FILE *out);
/* Releases what conf_load_file allocated inside app (not app itself). */
void conf_app_free(struct app *app);
/* Releases every app, error text and the file array of set. */
void conf_set_free(struct conf_set *set);
/* Parses "500ms", "10s", "3m", "24h", "2d" or plain seconds; 0 or -1. */
int conf_parse_duration(const char *s, uint64_t *ms);
/* Parses "512KB", "100 MB", "2GB" (powers of 1024) or bytes; 0 or -1. */
int conf_parse_size(const char *s, uint64_t *bytes);
/* Appends s (with its NUL) to st; returns its offset or UINT32_MAX. */
uint32_t strtab_add(struct strtab *st, const char *s);
/* Compares two loaded apps byte for byte (used by reload). */
int conf_app_equal(const struct app *a, const struct app *b);

#endif /* BP_CONF_H */
