/*
 * master: the privileged parent of every worker and application process.
 */
#ifndef BP_MASTER_H
#define BP_MASTER_H

#include <stddef.h>

/* Runs the master until TERM/INT; returns the exit status. */
int master_main(const char *confdir, const char *rundir, int foreground,
    int verbose);
/* Re-reads the drop-ins (HUP, bluepillctl reload); code 0 or 6. */
void master_reload(int *code, char *text, size_t len);

#endif /* BP_MASTER_H */
