/*
 * ctl_render: how bluepillctl prints a worker's reply (ctl_proto.h): the
 * Ruby-compatible status listing, action results, JSON and the Prometheus
 * text exposition format.  Each function checks the whole reply before it
 * writes anything and returns 0, or -1 (nothing written) when the reply is
 * malformed.
 */
#ifndef BP_CTL_RENDER_H
#define BP_CTL_RENDER_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

/*
 * Prints a status reply: group blocks in order of first appearance, the
 * ungrouped block without a header, children under their parent, event
 * history (local time) after the process that carries one.
 */
int ctl_render_status(FILE *fp, const json_t *reply);
/* Prints an action reply: "[group:]name: state (pid N)", one a line. */
int ctl_render_results(FILE *fp, const json_t *reply);
/* Prints a status reply as Prometheus metrics; now gives the uptimes. */
int ctl_render_metrics(FILE *fp, const json_t *reply, time_t now);
/* Pretty-prints the reply without its "exit" member. */
int ctl_render_json(FILE *fp, const json_t *reply);
/* Escapes a Prometheus label value (\\, \", \n) into dst; -1 if too long. */
int ctl_render_label(char *dst, size_t dstlen, const char *src);

#endif /* BP_CTL_RENDER_H */
