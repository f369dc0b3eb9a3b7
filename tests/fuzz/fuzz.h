/*
 * fuzz: the libFuzzer targets.  Each target's body is a plain function so
 * the regression test (tests/test_fuzz_regress.c) can replay saved inputs
 * without libFuzzer; LLVMFuzzerTestOneInput is only defined for the fuzz
 * build (FUZZ_NO_MAIN unset).
 */
#ifndef BP_FUZZ_H
#define BP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* A broken invariant: abort so libFuzzer (or the test) reports it. */
#define FUZZ_CHECK(cond)                                      \
	do {                                                  \
		if (!(cond))                                  \
			fuzz_fail(__FILE__, __LINE__, #cond); \
	} while (0)

/* Prints the failed condition and aborts. */
static inline __attribute__((noreturn)) void
fuzz_fail(const char *file, int line, const char *cond)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
	abort();
}

/* One input for each target; they return 0 like LLVMFuzzerTestOneInput. */
int fuzz_conf_one(const uint8_t *data, size_t size);
int fuzz_ctl_one(const uint8_t *data, size_t size);
int fuzz_msg_one(const uint8_t *data, size_t size);
int fuzz_procfs_one(const uint8_t *data, size_t size);

/* The libFuzzer entry points. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif /* BP_FUZZ_H */
