/*
 * control: the worker's side of <rundir>/<app>.sock.  Peers are checked
 * before a byte is read; action commands run one at a time in arrival
 * order; status answers at once.
 */
#ifndef BP_CONTROL_H
#define BP_CONTROL_H

struct proc;

/* Starts accepting on the inherited listening socket. */
void control_init(int fd);
/* A process changed state: settle waiting commands. */
void control_proc_changed(struct proc *p);
/* The master answered a reload request. */
void control_reload_done(int code, const char *text);
/* Offers a log line to the recent-lines ring and to followers. */
void control_log_line(const char *line);

#endif /* BP_CONTROL_H */
