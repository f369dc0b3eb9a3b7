/*
 * Tests of the condition evaluators, the N-of-M window, the sample log
 * line and the flapping trigger, all with injected readings and times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"

#define MB (1024ULL * 1024)

/* Returns a check of type with times = [n, m] and a threshold. */
static struct check_conf
test_conf(int type, int n, int m, uint64_t below)
{
	struct check_conf cc;

	memset(&cc, 0, sizeof(cc));
	cc.type = (uint8_t)type;
	cc.times_n = (uint8_t)n;
	cc.times_m = (uint8_t)m;
	cc.below = below;
	cc.every_ms = 10000;
	return cc;
}

/*
 * Feeds a pattern of 'F' (failed) and 'P' (passed) samples; returns a
 * string with '1' where the check fired and '.' where it did not.
 */
static const char *
test_feed(struct check_state *cs, const struct check_conf *cc,
    const char *pattern)
{
	static char fired[128];
	size_t i;

	for (i = 0; pattern[i] != '\0' && i < sizeof(fired) - 1; i++)
		fired[i] = check_record(cs, cc, pattern[i] == 'F', i) ? '1' :
		                                                        '.';
	fired[i] = '\0';
	return fired;
}

/* times = N means N failures in a row. */
static void
test_window_in_a_row(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 3, 3, 0);
	struct check_state cs;

	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FFPFFFF"), ".....1.");
	/* times_m unset (0) reads as M = N. */
	cc.times_m = 0;
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FFPFFFFFF"), ".....1..1");
	/* times unset reads as 1: every failure fires. */
	cc.times_n = 0;
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "PFFPF"), ".11.1");
}

/* times = [N, M]: N failures among the last M samples. */
static void
test_window_n_of_m(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 3, 5, 0);
	struct check_state cs;

	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FPFPF"), "....1");
	/* Enough failures fire before the window has filled. */
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FFF"), "..1");
	/* Failures that slid out of the window do not count. */
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FPPPFFPPPF"), "..........");
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FPPPFFF"), "......1");

	cc = test_conf(CHECK_MEM_USAGE, 2, 3, 0);
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FPPFPPF"), ".......");
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FPF"), "..1");
}

/* After firing the window starts over, so the next sample cannot fire. */
static void
test_window_cleared(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 2, 3, 0);
	struct check_state cs;

	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FFFFFFF"), ".1.1.1.");
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, "FFPF"), ".1..");
}

/* The widest window, M = 64, counts all 64 samples. */
static void
test_window_wide(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 64, 64, 0);
	struct check_state cs;
	char pattern[70], expect[70];
	int i;

	memset(pattern, 'F', 64);
	pattern[64] = '\0';
	memset(expect, '.', 64);
	expect[63] = '1';
	expect[64] = '\0';
	check_reset(&cs);
	assert_string_equal(test_feed(&cs, &cc, pattern), expect);

	/* N = 2 of M = 64: a failure 63 samples back still counts. */
	cc = test_conf(CHECK_MEM_USAGE, 2, 64, 0);
	check_reset(&cs);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 0);
	for (i = 0; i < 62; i++)
		assert_int_equal(check_record(&cs, &cc, 0, 0), 0);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 1);
	/* ... but 64 samples back it does not. */
	check_reset(&cs);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 0);
	for (i = 0; i < 63; i++)
		assert_int_equal(check_record(&cs, &cc, 0, 0), 0);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 0);

	/* An M beyond BP_MAX_TIMES is read as BP_MAX_TIMES. */
	cc = test_conf(CHECK_MEM_USAGE, 2, 200, 0);
	check_reset(&cs);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 0);
	assert_int_equal(check_record(&cs, &cc, 1, 0), 1);
}

/* mem_usage compares rss (or the tree's) with below, inclusive. */
static void
test_eval_mem(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 1, 1, 100 * MB);
	struct check_state cs;
	struct check_input in;
	uint64_t v;

	check_reset(&cs);
	memset(&in, 0, sizeof(in));
	in.rss = 100 * MB - 1;
	in.tree_rss = 300 * MB;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_true(v == 100 * MB - 1);
	in.rss = 100 * MB;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	in.rss = 1;
	cc.include_children = 1;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_true(v == 300 * MB);
	assert_int_equal(check_mem_usage(&cc, 0, &v), CHECK_PASS);
}

/* cpu_usage is the share of one core since the previous sample. */
static void
test_eval_cpu(void **state)
{
	struct check_conf cc = test_conf(CHECK_CPU_USAGE, 1, 1, 5000);
	struct check_state cs;
	struct check_input in;
	uint64_t v;

	check_reset(&cs);
	memset(&in, 0, sizeof(in));
	in.clk_tck = 100;
	in.now_ms = 0;
	in.cpu_ticks = 1000000; /* a lifetime of work: must not count */
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	/* 50 ticks in 1 s is 50%: at the threshold, so it fails. */
	in.now_ms = 1000;
	in.cpu_ticks += 50;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_int_equal(v, 5000);
	/* 49 ticks in 1 s. */
	in.now_ms = 2000;
	in.cpu_ticks += 49;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_int_equal(v, 4900);
	/* No time passed: no sample, and the baseline stays. */
	in.cpu_ticks += 10;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	/* Two busy cores over 10 s: 2000 ticks + the 10 above = 201%. */
	in.now_ms = 12000;
	in.cpu_ticks += 2000;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_int_equal(v, 20100);
	/* Fewer ticks than before (time left the tree) count as idle. */
	in.now_ms = 13000;
	in.cpu_ticks -= 500;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_int_equal(v, 0);
	in.now_ms = 14000;
	in.cpu_ticks += 7;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_int_equal(v, 700);
	/* Time going backwards restarts the baseline. */
	in.now_ms = 100;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	/* A reset forgets the baseline (a new pid). */
	check_reset(&cs);
	in.now_ms = 20000;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
}

/* With include_children the tree's ticks are used. */
static void
test_eval_cpu_tree(void **state)
{
	struct check_conf cc = test_conf(CHECK_CPU_USAGE, 1, 1, 9000);
	struct check_state cs;
	struct check_input in;
	uint64_t v;

	cc.include_children = 1;
	check_reset(&cs);
	memset(&in, 0, sizeof(in));
	in.clk_tck = 250;
	in.now_ms = 5000;
	in.cpu_ticks = 10;
	in.tree_cpu_ticks = 100;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	/* 500 tree ticks at 250 Hz in 2 s = 100%; own ticks unchanged. */
	in.now_ms = 7000;
	in.tree_cpu_ticks += 500;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_int_equal(v, 10000);
	/* An unknown clk_tck reads as 100 Hz. */
	assert_int_equal(check_cpu_usage(&cc, &cs, 600 + 100, 8000, 0, &v),
	    CHECK_FAIL);
	assert_int_equal(v, 10000);
}

/* running_time, zombie_process and always_true. */
static void
test_eval_other(void **state)
{
	struct check_conf cc = test_conf(CHECK_RUNNING_TIME, 1, 1, 86400000);
	struct check_state cs;
	struct check_input in;
	uint64_t v;

	check_reset(&cs);
	memset(&in, 0, sizeof(in));
	in.age_ms = 86399999;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	in.age_ms = 86400000;
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_int_equal(v, 86400000);

	cc = test_conf(CHECK_ZOMBIE_PROCESS, 1, 1, 0);
	in.state = 'S';
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_int_equal(v, 'S');
	in.state = 'Z';
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_FAIL);
	assert_int_equal(v, 'Z');

	cc = test_conf(CHECK_ALWAYS_TRUE, 1, 1, 0);
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_PASS);
	assert_int_equal(v, 0);

	/* Results of these come from elsewhere. */
	cc = test_conf(CHECK_HTTP, 1, 1, 0);
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	cc = test_conf(CHECK_EXEC, 1, 1, 0);
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	cc = test_conf(CHECK_FILE_TIME, 1, 1, 0);
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
	cc = test_conf(CHECK_FLAPPING, 1, 1, 0);
	assert_int_equal(check_eval(&cc, &cs, &in, &v), CHECK_SKIP);
}

/* file_time: a missing file fails, the age is compared inclusively. */
static void
test_eval_file_time(void **state)
{
	struct check_conf cc = test_conf(CHECK_FILE_TIME, 1, 1, 10000);
	uint64_t v;

	assert_int_equal(check_file_time(&cc, 0, 0, 0, &v), CHECK_FAIL);
	assert_true(v == CHECK_VALUE_MISSING);
	assert_int_equal(check_file_time(&cc, 1, 1000, 10999, &v), CHECK_PASS);
	assert_int_equal(v, 9999);
	assert_int_equal(check_file_time(&cc, 1, 1000, 11000, &v), CHECK_FAIL);
	assert_int_equal(v, 10000);
	/* Modified in the future (a clock step): brand new. */
	assert_int_equal(check_file_time(&cc, 1, 50000, 11000, &v), CHECK_PASS);
	assert_int_equal(v, 0);
	assert_int_equal(check_file_time(&cc, 1, -5000, 5000, &v), CHECK_FAIL);
	assert_int_equal(v, 10000);
}

/* http kind: 0 accepts 2xx and 3xx, otherwise the exact code. */
static void
test_http_status(void **state)
{
	struct check_conf cc = test_conf(CHECK_HTTP, 1, 1, 0);

	assert_true(check_http_status_ok(&cc, 200));
	assert_true(check_http_status_ok(&cc, 204));
	assert_true(check_http_status_ok(&cc, 302));
	assert_false(check_http_status_ok(&cc, 199));
	assert_false(check_http_status_ok(&cc, 404));
	assert_false(check_http_status_ok(&cc, 500));
	cc.http_kind = 404;
	assert_true(check_http_status_ok(&cc, 404));
	assert_false(check_http_status_ok(&cc, 200));
}

/* A usage reading becomes an input with the process's age. */
static void
test_input_fill(void **state)
{
	struct procfs_usage u;
	struct check_input in;

	memset(&u, 0, sizeof(u));
	u.state = 'S';
	u.starttime = 30025; /* 300.25 s after boot at 100 Hz */
	u.rss = 5;
	u.tree_rss = 6;
	u.cpu_ticks = 7;
	u.tree_cpu_ticks = 8;
	check_input_fill(&in, &u, 1234, 400000, 100);
	assert_int_equal(in.now_ms, 1234);
	assert_int_equal(in.age_ms, 400000 - 300250);
	assert_int_equal(in.rss, 5);
	assert_int_equal(in.tree_rss, 6);
	assert_int_equal(in.cpu_ticks, 7);
	assert_int_equal(in.tree_cpu_ticks, 8);
	assert_int_equal(in.clk_tck, 100);
	assert_int_equal(in.state, 'S');
	/* Boot time before the start (bad clock): age 0, not a wrap. */
	check_input_fill(&in, &u, 0, 1000, 0);
	assert_int_equal(in.age_ms, 0);
	assert_int_equal(in.clk_tck, 100);
}

/* Sizes: B, KB, MB whole; GB and up with one decimal below 100. */
static void
test_format_size(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0B" },
		{ 1023, "1023B" },
		{ 1024, "1KB" },
		{ 1535, "1KB" },
		{ 57 * MB, "57MB" },
		{ 57 * MB + MB - 1, "57MB" },
		{ 1024 * MB - 1, "1023MB" },
		{ 1024 * MB, "1GB" },
		{ 1536 * MB, "1.5GB" },
		{ 1024 * MB + 102 * MB, "1GB" },
		{ 1024 * MB + 103 * MB, "1.1GB" },
		{ 99 * 1024 * MB + 1000 * MB, "99.9GB" },
		{ 100 * 1024 * MB + 1000 * MB, "100GB" },
		{ 1280 * 1024 * MB, "1.2TB" },
		{ UINT64_MAX, "15.9EB" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    check_format_size(buf, sizeof(buf), cases[i].v),
		    strlen(cases[i].s));
		assert_string_equal(buf, cases[i].s);
	}
	assert_int_equal(check_format_size(buf, 3, 57 * MB), 4);
	assert_string_equal(buf, "57");
}

/* Percents: whole, or one decimal, floored. */
static void
test_format_percent(void **state)
{
	char buf[32];

	check_format_percent(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0%");
	check_format_percent(buf, sizeof(buf), 1200);
	assert_string_equal(buf, "12%");
	check_format_percent(buf, sizeof(buf), 1250);
	assert_string_equal(buf, "12.5%");
	check_format_percent(buf, sizeof(buf), 1259);
	assert_string_equal(buf, "12.5%");
	check_format_percent(buf, sizeof(buf), 1209);
	assert_string_equal(buf, "12%");
	check_format_percent(buf, sizeof(buf), 5);
	assert_string_equal(buf, "0%");
	check_format_percent(buf, sizeof(buf), 25010);
	assert_string_equal(buf, "250.1%");
}

/* Durations: at most two units, floored. */
static void
test_format_duration(void **state)
{
	static const struct {
		uint64_t v;
		const char *s;
	} cases[] = {
		{ 0, "0ms" },
		{ 500, "500ms" },
		{ 999, "999ms" },
		{ 1000, "1s" },
		{ 1999, "1s" },
		{ 59999, "59s" },
		{ 60000, "1m" },
		{ 185000, "3m5s" },
		{ 3600000, "1h" },
		{ 3659000, "1h" },
		{ 7800000, "2h10m" },
		{ 86400000, "1d" },
		{ 86400000 + 3 * 3600000, "1d3h" },
		{ 90061000, "1d1h" },
		{ 400 * 86400000ULL, "400d" },
	};
	char buf[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_format_duration(buf, sizeof(buf), cases[i].v);
		assert_string_equal(buf, cases[i].s);
	}
}

/* Each type logs its values its own way. */
static void
test_format_value(void **state)
{
	char buf[32];

	check_format_value(buf, sizeof(buf), CHECK_HTTP, 200);
	assert_string_equal(buf, "200");
	check_format_value(buf, sizeof(buf), CHECK_HTTP, CHECK_HTTP_TIMEOUT);
	assert_string_equal(buf, "timeout");
	check_format_value(buf, sizeof(buf), CHECK_HTTP, CHECK_HTTP_ERROR);
	assert_string_equal(buf, "error");
	check_format_value(buf, sizeof(buf), CHECK_EXEC, 1);
	assert_string_equal(buf, "1");
	check_format_value(buf, sizeof(buf), CHECK_EXEC, CHECK_EXEC_TIMEOUT);
	assert_string_equal(buf, "timeout");
	check_format_value(buf, sizeof(buf), CHECK_EXEC, CHECK_EXEC_SIGNAL + 9);
	assert_string_equal(buf, "signal 9");
	check_format_value(buf, sizeof(buf), CHECK_ZOMBIE_PROCESS, 'Z');
	assert_string_equal(buf, "Z");
	check_format_value(buf, sizeof(buf), CHECK_ZOMBIE_PROCESS, 0);
	assert_string_equal(buf, "?");
	check_format_value(buf, sizeof(buf), CHECK_ALWAYS_TRUE, 0);
	assert_string_equal(buf, "ok");
	check_format_value(buf, sizeof(buf), CHECK_FILE_TIME,
	    CHECK_VALUE_MISSING);
	assert_string_equal(buf, "missing");
	check_format_value(buf, sizeof(buf), CHECK_FILE_TIME, 185000);
	assert_string_equal(buf, "3m5s");
	check_format_value(buf, sizeof(buf), CHECK_RUNNING_TIME, 3600000);
	assert_string_equal(buf, "1h");
	check_format_value(buf, sizeof(buf), CHECK_CPU_USAGE, 1250);
	assert_string_equal(buf, "12.5%");
	check_format_value(buf, sizeof(buf), CHECK_MEM_USAGE, 62 * MB);
	assert_string_equal(buf, "62MB");

	assert_string_equal(check_type_name(CHECK_MEM_USAGE), "mem_usage");
	assert_string_equal(check_type_name(CHECK_ZOMBIE_PROCESS),
	    "zombie_process");
	assert_string_equal(check_type_name(CHECK_FLAPPING), "flapping");
	assert_string_equal(check_type_name(CHECK_NONE), "unknown");
	assert_string_equal(check_type_name(99), "unknown");
	assert_string_equal(check_type_name(-1), "unknown");
}

/* The log line is SPEC's form, oldest first, '*' on failures. */
static void
test_format_sample(void **state)
{
	struct check_conf cc = test_conf(CHECK_MEM_USAGE, 3, 5, 60 * MB);
	struct check_state cs;
	char buf[256];
	int n;

	check_reset(&cs);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "mem_usage: []");
	assert_int_equal(check_record(&cs, &cc, 0, 57 * MB), 0);
	assert_int_equal(check_record(&cs, &cc, 1, 62 * MB), 0);
	assert_int_equal(check_record(&cs, &cc, 1, 67 * MB), 0);
	n = check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "mem_usage: [57MB, 62MB*, 67MB*]");
	assert_int_equal(n, strlen(buf));

	/* The line that fires still shows the failures ... */
	assert_int_equal(check_record(&cs, &cc, 1, 70 * MB), 1);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "mem_usage: [57MB, 62MB*, 67MB*, 70MB*]");
	/* ... the next one starts over. */
	assert_int_equal(check_record(&cs, &cc, 0, 1 * MB), 0);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "mem_usage: [1MB]");

	/* Only the last M samples are shown. */
	cc = test_conf(CHECK_HTTP, 2, 3, 0);
	check_reset(&cs);
	check_record(&cs, &cc, 1, CHECK_HTTP_TIMEOUT);
	check_record(&cs, &cc, 0, 200);
	check_record(&cs, &cc, 0, 200);
	check_record(&cs, &cc, 1, 500);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "http: [200, 200, 500*]");
	check_record(&cs, &cc, 1, CHECK_HTTP_TIMEOUT);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "http: [200, 500*, timeout*]");
}

/* A window wider than the log shows "..." before the last values. */
static void
test_format_sample_wide(void **state)
{
	struct check_conf cc = test_conf(CHECK_CPU_USAGE, 10, 10, 100);
	struct check_state cs;
	char buf[256], small[16];
	int i, n;

	check_reset(&cs);
	for (i = 1; i <= 8; i++)
		check_record(&cs, &cc, 0, (uint64_t)i * 100);
	check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf, "cpu_usage: [1%, 2%, 3%, 4%, 5%, 6%, 7%, 8%]");
	check_record(&cs, &cc, 1, 900);
	check_record(&cs, &cc, 0, 1000);
	n = check_format_sample(buf, sizeof(buf), &cc, &cs);
	assert_string_equal(buf,
	    "cpu_usage: [..., 3%, 4%, 5%, 6%, 7%, 8%, 9%*, 10%]");
	assert_int_equal(n, strlen(buf));

	/* Cut to fit, NUL-terminated, full length returned. */
	memset(small, 'x', sizeof(small));
	assert_int_equal(check_format_sample(small, sizeof(small), &cc, &cs),
	    n);
	assert_string_equal(small, "cpu_usage: [...");
	assert_int_equal(check_format_sample(NULL, 0, &cc, &cs), n);
	assert_int_equal(check_format_sample(small, 1, &cc, &cs), n);
	assert_string_equal(small, "");
}

/* times starts within the window are allowed, the next is refused. */
static void
test_flapping_basic(void **state)
{
	struct check_conf cc = test_conf(CHECK_FLAPPING, 3, 3, 0);
	struct check_flap fs;
	uint64_t retry = 1;

	cc.within_ms = 60000;
	cc.retry_in_ms = 600000;
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, 1000, &retry), 0);
	assert_int_equal(retry, 0);
	assert_int_equal(check_flapping(&fs, &cc, 11000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 21000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 31000, &retry), 1);
	assert_int_equal(retry, 31000 + 600000);
	/* Refusing cleared the record: the retry may start. */
	assert_int_equal(check_flapping(&fs, &cc, 631000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 631001, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 631002, &retry), 0);
	/* retry_in = 0: never retry. */
	cc.retry_in_ms = 0;
	retry = 5;
	assert_int_equal(check_flapping(&fs, &cc, 631003, &retry), 1);
	assert_int_equal(retry, 0);
	/* A reset (user start or stop) forgets the starts. */
	assert_int_equal(check_flapping(&fs, &cc, 700000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 700001, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 700002, &retry), 0);
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, 700003, &retry), 0);
}

/* Old starts slide out of the window exactly at `within`. */
static void
test_flapping_window(void **state)
{
	struct check_conf cc = test_conf(CHECK_FLAPPING, 3, 3, 0);
	struct check_flap fs, copy;
	uint64_t retry;

	cc.within_ms = 60000;
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, 0, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 10000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 20000, &retry), 0);
	copy = fs;
	/* 59.999 s after the first start: three within the window. */
	assert_int_equal(check_flapping(&copy, &cc, 59999, &retry), 1);
	/* 60 s after: the first has slid out. */
	assert_int_equal(check_flapping(&fs, &cc, 60000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 65000, &retry), 1);

	/* Slow restarts never flap. */
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, 0, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 30000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 60000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 90000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 120000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 150000, &retry), 0);
}

/* Large clocks and long windows keep exact offsets after rebasing. */
static void
test_flapping_rebase(void **state)
{
	struct check_conf cc = test_conf(CHECK_FLAPPING, 4, 4, 0);
	struct check_flap fs, copy;
	uint64_t t0 = 5000000000000ULL, retry;
	int i;

	cc.within_ms = 100000;
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, t0, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 50000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 99999, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 100000, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 100001, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 100002, &retry), 1);

	/* A window of 49 days: starts 48 days apart still count. */
	cc = test_conf(CHECK_FLAPPING, 2, 2, 0);
	cc.within_ms = UINT32_MAX;
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, t0, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, t0 + 4147200000ULL, &retry),
	    0);
	copy = fs;
	assert_int_equal(check_flapping(&copy, &cc, t0 + 4147200001ULL, &retry),
	    1);
	/* ... and a start long after the window sees an empty record. */
	for (i = 0; i < 2; i++)
		assert_int_equal(check_flapping(&fs, &cc,
		                     t0 + (1ULL << 40) + (uint64_t)i, &retry),
		    0);

	/* within = 0: nothing is ever within the window. */
	cc.within_ms = 0;
	for (i = 0; i < 10; i++)
		assert_int_equal(check_flapping(&fs, &cc,
		                     t0 + (1ULL << 41) + (uint64_t)i, &retry),
		    0);
}

/* More than CHECK_FLAP_MAX starts are capped at CHECK_FLAP_MAX. */
static void
test_flapping_cap(void **state)
{
	struct check_conf cc = test_conf(CHECK_FLAPPING, 40, 40, 0);
	struct check_flap fs;
	uint64_t retry;
	int i;

	cc.within_ms = 60000;
	check_flap_reset(&fs);
	for (i = 0; i < CHECK_FLAP_MAX; i++)
		assert_int_equal(check_flapping(&fs, &cc, (uint64_t)i, &retry),
		    0);
	assert_int_equal(check_flapping(&fs, &cc, 100, &retry), 1);

	/* times unset reads as 1: one start per window. */
	cc.times_n = 0;
	check_flap_reset(&fs);
	assert_int_equal(check_flapping(&fs, &cc, 0, &retry), 0);
	assert_int_equal(check_flapping(&fs, &cc, 1, &retry), 1);
}

/* Runs every test case, TAP output under CMOCKA_MESSAGE_OUTPUT=TAP. */
int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_in_a_row),
		cmocka_unit_test(test_window_n_of_m),
		cmocka_unit_test(test_window_cleared),
		cmocka_unit_test(test_window_wide),
		cmocka_unit_test(test_eval_mem),
		cmocka_unit_test(test_eval_cpu),
		cmocka_unit_test(test_eval_cpu_tree),
		cmocka_unit_test(test_eval_other),
		cmocka_unit_test(test_eval_file_time),
		cmocka_unit_test(test_http_status),
		cmocka_unit_test(test_input_fill),
		cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_format_percent),
		cmocka_unit_test(test_format_duration),
		cmocka_unit_test(test_format_value),
		cmocka_unit_test(test_format_sample),
		cmocka_unit_test(test_format_sample_wide),
		cmocka_unit_test(test_flapping_basic),
		cmocka_unit_test(test_flapping_window),
		cmocka_unit_test(test_flapping_rebase),
		cmocka_unit_test(test_flapping_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
