/*
 * check: the pure logic of conditions and triggers (SPEC §3).  Nothing
 * here does I/O or reads a clock: the worker takes one reading of a
 * process per tick (procfs_read_usage), passes it in with the time, and
 * acts on what comes back.  http and exec results arrive asynchronously
 * and go straight to check_record.
 */
#ifndef BP_CHECK_H
#define BP_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "bluepill.h"
#include "procfs.h"

/*
 * Values kept for the sample log line: the last CHECK_LOG_MAX at most.
 * A window of times = [N, M] with M larger shows "..." before them.
 */
#define CHECK_LOG_MAX 8
/* Starts a flapping trigger remembers: flapping times above are capped. */
#define CHECK_FLAP_MAX 16

/* What an evaluator says about one reading. */
enum check_result {
	CHECK_SKIP = -1, /* no sample (first cpu reading): record nothing */
	CHECK_PASS = 0,
	CHECK_FAIL = 1,
};

/* Special values of samples that have no number. */
#define CHECK_VALUE_MISSING UINT64_MAX /* file_time: no such file */
#define CHECK_HTTP_TIMEOUT 1000        /* http: no answer in time */
#define CHECK_HTTP_ERROR 1001          /* http: refused, reset, bad reply */
#define CHECK_EXEC_TIMEOUT 1000        /* exec: killed after timeout */
#define CHECK_EXEC_SIGNAL 2000         /* exec: + signal number */

/* Runtime state of one condition (96 bytes). */
struct check_state {
	uint64_t history;    /* bit i: the sample i places back failed */
	uint64_t prev_ticks; /* cpu_usage: CPU ticks at the previous sample */
	uint64_t prev_ms;    /* cpu_usage: when it was taken */
	uint64_t values[CHECK_LOG_MAX]; /* ring, for the log line */
	uint8_t nhist;                  /* samples in the window, <= M */
	uint8_t nlog;                   /* values in the ring */
	uint8_t head;                   /* ring slot the next value goes to */
	uint8_t logfail;                /* bit i: values[i] failed */
	uint8_t cleared;                /* fired: window restarts next sample */
	uint8_t have_prev;              /* cpu_usage: prev_* are set */
};

/* Runtime state of a flapping trigger: recent starts, oldest first. */
struct check_flap {
	uint64_t base_ms; /* starts[i] is base_ms + starts[i] */
	uint32_t starts[CHECK_FLAP_MAX];
	uint8_t n;
};

/* One reading of a process, taken once per tick, shared by its checks. */
struct check_input {
	uint64_t now_ms;         /* CLOCK_MONOTONIC */
	uint64_t age_ms;         /* how long the process has been running */
	uint64_t rss;            /* bytes, the process alone */
	uint64_t tree_rss;       /* bytes, with its descendants */
	uint64_t cpu_ticks;      /* utime + stime of the process */
	uint64_t tree_cpu_ticks; /* of the tree, see struct procfs_usage */
	long clk_tck;            /* ticks per second */
	char state;              /* from stat; 'Z' = zombie */
};

/* Fills in from a usage reading; boot_ms is procfs_boottime_ms(). */
void check_input_fill(struct check_input *in, const struct procfs_usage *u,
    uint64_t now_ms, uint64_t boot_ms, long clk_tck);

/* Forgets the window, the log and the cpu baseline (new pid, not up). */
void check_reset(struct check_state *cs);
/*
 * Evaluates mem_usage, cpu_usage, running_time, zombie_process and
 * always_true on a reading; sets *value and returns enum check_result.
 * Other types give CHECK_SKIP: their results come from elsewhere.
 */
int check_eval(const struct check_conf *cc, struct check_state *cs,
    const struct check_input *in, uint64_t *value);
/* mem_usage: value = bytes; fails when bytes >= below. */
int
check_mem_usage(const struct check_conf *cc, uint64_t bytes, uint64_t *value);
/*
 * cpu_usage: value = hundredths of a percent of one core used since the
 * previous sample; the first sample (or no time passed) is CHECK_SKIP.
 */
int check_cpu_usage(const struct check_conf *cc, struct check_state *cs,
    uint64_t ticks, uint64_t now_ms, long clk_tck, uint64_t *value);
/* running_time: value = age in ms; fails when age >= below. */
int check_running_time(const struct check_conf *cc, uint64_t age_ms,
    uint64_t *value);
/*
 * file_time: value = ms since mtime (CLOCK_REALTIME ms both), or
 * CHECK_VALUE_MISSING; fails when missing or age >= below.
 */
int check_file_time(const struct check_conf *cc, int exists, int64_t mtime_ms,
    int64_t real_now_ms, uint64_t *value);
/* zombie_process: value = the state letter; fails on 'Z'. */
int check_zombie(const struct check_conf *cc, char state, uint64_t *value);
/* Whether an http status passes kind (0 = any 2xx or 3xx). */
int check_http_status_ok(const struct check_conf *cc, int status);

/*
 * Records a sample; returns 1 when the check fires (N failures among the
 * last M samples), and then starts a fresh window.
 */
int check_record(struct check_state *cs, const struct check_conf *cc,
    int failed, uint64_t value);

/* Returns "mem_usage", "http", ... ("unknown" when out of range). */
const char *check_type_name(int type);
/* Formats a size: "512B", "57KB", "800MB", "1.5GB" (floored). */
int check_format_size(char *buf, size_t len, uint64_t bytes);
/* Formats hundredths of a percent: "12%", "12.5%" (floored). */
int check_format_percent(char *buf, size_t len, uint64_t hundredths);
/* Formats ms: "500ms", "59s", "3m", "3m5s", "2h10m", "1d3h" (floored). */
int check_format_duration(char *buf, size_t len, uint64_t ms);
/* Formats one value the way its check type logs it. */
int check_format_value(char *buf, size_t len, int type, uint64_t value);
/*
 * Formats the window as "mem_usage: [57MB, 62MB*, 67MB*]", oldest first;
 * returns the length as snprintf does (the text is cut to fit len).
 */
int check_format_sample(char *buf, size_t len, const struct check_conf *cc,
    const struct check_state *cs);

/* Forgets the recorded starts (a user start or stop). */
void check_flap_reset(struct check_flap *fs);
/*
 * Called before each start at now_ms: returns 1 when the process was
 * already started `times` times within `within` (refuse this start; the
 * record is cleared so that the retry may start) and sets *retry_at_ms to
 * now_ms + retry_in, or to 0 when retry_in is 0 (never retry); otherwise
 * records the start and returns 0.
 */
int check_flapping(struct check_flap *fs, const struct check_conf *cc,
    uint64_t now_ms, uint64_t *retry_at_ms);

#endif /* BP_CHECK_H */
