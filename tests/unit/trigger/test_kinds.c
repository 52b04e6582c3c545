// SPDX-License-Identifier: MIT
/*
 * The trigger kinds table (user/trigger/kinds.c), tested as data: each case
 * is a command line's triggers, a target's kernel counters, and the verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "trigger/kinds.h"

#define MS NS_PER_MS
#define PAGE 4096L
#define MB_PAGES(mb) ((uint64_t)(mb) * 256) /* 4 KiB pages */
#define NOW (1000 * NS_PER_S)

/* The trigger switches of a command line; -1 / 0 = not given, as in struct config. */
struct triggers {
	int c, cl, tc, fc, pf, s;
	long m[3];
	int m_count;
	bool ml;
};

static struct config config_of(const struct triggers *tr)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.cpu_above_pct = tr->c;
	cfg.cpu_below_pct = tr->cl;
	cfg.thread_count = tr->tc;
	cfg.fd_count = tr->fc;
	cfg.poll_ms = tr->pf ? tr->pf : 1000;
	cfg.interval_s = tr->s;
	cfg.mem_count = tr->m_count;
	cfg.mem_below = tr->ml;
	memcpy(cfg.mem_mb, tr->m, sizeof(tr->m));
	return cfg;
}

/* The run's parameters for a command line's triggers (cfg must outlive p). */
static void params_of(const struct triggers *tr, struct config *cfg, struct trigger_params *p)
{
	*cfg = config_of(tr);
	kinds_init(p, cfg, PAGE);
}

/*
 * No trigger given: every field "not given". A case writes NONE first and
 * then the switches it gives, which override those defaults on purpose.
 */
#define NONE .c = -1, .cl = -1, .tc = -1, .fc = -1
#pragma GCC diagnostic ignored "-Woverride-init"

/* Counters with cpu_ns of CPU time in the bucket of NOW (inside any window). */
static struct target_state counters(uint64_t cpu_ns, uint64_t rss_pages, uint32_t threads, uint32_t fds,
				    uint64_t window_ns)
{
	struct target_state st;
	uint64_t epoch = NOW / (window_ns / CPU_BUCKETS);

	memset(&st, 0, sizeof(st));
	st.cpu[epoch % CPU_BUCKETS] = (struct cpu_bucket){ .epoch = epoch, .ns = cpu_ns };
	st.rss_pages = rss_pages;
	st.threads = threads;
	st.fds = fds;
	return st;
}

struct judge_case {
	const char *what;
	struct triggers tr;
	int kind;
	uint64_t cpu_ms, rss_pages;
	uint32_t threads, fds;
	int mem_dumps;
	bool window_full;
	bool cond;
	long long value, threshold; /* checked when cond */
};

static const struct judge_case judge_cases[] = {
	{ "-c 50 at 60%", { NONE, .c = 50 }, TRIG_CPU, .cpu_ms = 600, .cond = true, .value = 60, .threshold = 50 },
	{ "-c 50 at exactly 50%", { NONE, .c = 50 }, TRIG_CPU, .cpu_ms = 500, .cond = true, .value = 50,
	  .threshold = 50 },
	{ "-c 50 at 40%", { NONE, .c = 50 }, TRIG_CPU, .cpu_ms = 400, .cond = false },
	{ "-c 150 on several cores", { NONE, .c = 150 }, TRIG_CPU, .cpu_ms = 1600, .cond = true, .value = 160,
	  .threshold = 150 },
	{ "-cl 10 at 5%, full window", { NONE, .cl = 10 }, TRIG_CPU, .cpu_ms = 50, .window_full = true,
	  .cond = true, .value = 5, .threshold = 10 },
	{ "-cl 10 at 5%, window not full yet", { NONE, .cl = 10 }, TRIG_CPU, .cpu_ms = 50, .cond = false },
	{ "-cl 10 at 10%", { NONE, .cl = 10 }, TRIG_CPU, .cpu_ms = 100, .window_full = true, .cond = false },
	{ "-cl 10 -c 80 above", { NONE, .c = 80, .cl = 10 }, TRIG_CPU, .cpu_ms = 900, .window_full = true,
	  .cond = true, .value = 90, .threshold = 80 },
	{ "-cl 10 -c 80 below", { NONE, .c = 80, .cl = 10 }, TRIG_CPU, .cpu_ms = 20, .window_full = true,
	  .cond = true, .value = 2, .threshold = 10 },
	{ "-cl 10 -c 80 inside", { NONE, .c = 80, .cl = 10 }, TRIG_CPU, .cpu_ms = 500, .window_full = true,
	  .cond = false },
	{ "-c 50 -pf 200 at 60%", { NONE, .c = 50, .pf = 200 }, TRIG_CPU, .cpu_ms = 120, .cond = true,
	  .value = 60, .threshold = 50 },
	{ "-m 100 at 100 MB", { NONE, .m = { 100 }, .m_count = 1 }, TRIG_MEM, .rss_pages = MB_PAGES(100),
	  .cond = true, .value = 100, .threshold = 100 },
	{ "-m 100 one page short", { NONE, .m = { 100 }, .m_count = 1 }, TRIG_MEM,
	  .rss_pages = MB_PAGES(100) - 1, .cond = false },
	{ "-m 100,200 second entry, at 150", { NONE, .m = { 100, 200 }, .m_count = 2 }, TRIG_MEM,
	  .rss_pages = MB_PAGES(150), .mem_dumps = 1, .cond = false },
	{ "-m 100,200 second entry, at 250", { NONE, .m = { 100, 200 }, .m_count = 2 }, TRIG_MEM,
	  .rss_pages = MB_PAGES(250), .mem_dumps = 1, .cond = true, .value = 250, .threshold = 200 },
	{ "-m 100,200 list exhausted", { NONE, .m = { 100, 200 }, .m_count = 2 }, TRIG_MEM,
	  .rss_pages = MB_PAGES(9999), .mem_dumps = 2, .cond = false },
	{ "-ml 50 at 40 MB", { NONE, .m = { 50 }, .m_count = 1, .ml = true }, TRIG_MEM,
	  .rss_pages = MB_PAGES(40), .cond = true, .value = 40, .threshold = 50 },
	{ "-ml 50 at 50 MB", { NONE, .m = { 50 }, .m_count = 1, .ml = true }, TRIG_MEM,
	  .rss_pages = MB_PAGES(50), .cond = false },
	{ "-tc 10 at 10", { NONE, .tc = 10 }, TRIG_THREADS, .threads = 10, .cond = true, .value = 10,
	  .threshold = 10 },
	{ "-tc 10 at 9", { NONE, .tc = 10 }, TRIG_THREADS, .threads = 9, .cond = false },
	{ "-tc 0 holds at once", { NONE, .tc = 0 }, TRIG_THREADS, .threads = 1, .cond = true, .value = 1,
	  .threshold = 0 },
	{ "-fc 5 at 7", { NONE, .fc = 5 }, TRIG_FDS, .fds = 7, .cond = true, .value = 7, .threshold = 5 },
	{ "-fc 5 at 4", { NONE, .fc = 5 }, TRIG_FDS, .fds = 4, .cond = false },
	{ "timer -s 7", { NONE, .s = 7 }, K_TIMER, .cond = true, .value = 7, .threshold = 0 },
};

static void test_judge(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(judge_cases) / sizeof(judge_cases[0]); i++) {
		const struct judge_case *c = &judge_cases[i];
		struct config cfg;
		struct trigger_params p;
		struct target_state st;
		struct trigger_input in;
		struct trigger_verdict out[K_COUNT];
		const struct trigger_verdict *v = &out[c->kind];

		params_of(&c->tr, &cfg, &p);
		if (!p.wanted[c->kind])
			fail_msg("%s: kind %d not wanted", c->what, c->kind);
		st = counters(c->cpu_ms * MS, c->rss_pages, c->threads, c->fds, p.window_ns);
		in = (struct trigger_input){ .st = &st, .mem_dumps = c->mem_dumps, .now_ns = NOW,
					     .window_full = c->window_full };
		kinds_judge(&p, &in, out);
		if (v->cond != c->cond)
			fail_msg("%s: cond %d, want %d", c->what, v->cond, c->cond);
		if (c->cond && (v->value != c->value || v->threshold != c->threshold))
			fail_msg("%s: value %lld threshold %lld, want %lld %lld", c->what, v->value, v->threshold,
				 c->value, c->threshold);
		/* The other kinds are not asked for here: they never hold, whatever the counters. */
		for (int k = 0; k < K_COUNT; k++)
			if (k != c->kind && out[k].cond)
				fail_msg("%s: kind %s holds too", c->what, trigger_kinds[k].token);
	}
}

struct init_case {
	const char *what;
	struct triggers tr;
	bool cpu, mem, threads, fds, timer, below;
	uint64_t window_ms;
};

static const struct init_case init_cases[] = {
	{ "no trigger: the timer", { NONE }, .timer = true, .window_ms = 1000 },
	{ "-c", { NONE, .c = 80 }, .cpu = true, .window_ms = 1000 },
	{ "-cl: below", { NONE, .cl = 5 }, .cpu = true, .below = true, .window_ms = 1000 },
	{ "-m", { NONE, .m = { 1 }, .m_count = 1 }, .mem = true, .window_ms = 1000 },
	{ "-ml: below", { NONE, .m = { 1 }, .m_count = 1, .ml = true }, .mem = true, .below = true,
	  .window_ms = 1000 },
	{ "-tc -fc", { NONE, .tc = 3, .fc = 4 }, .threads = true, .fds = true, .window_ms = 1000 },
	{ "-pf 200", { NONE, .c = 1, .pf = 200 }, .cpu = true, .window_ms = 200 },
	{ "-pf 5 gives the 10 ms floor", { NONE, .c = 1, .pf = 5 }, .cpu = true, .window_ms = KINDS_MIN_WINDOW_MS },
};

static void test_init(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(init_cases) / sizeof(init_cases[0]); i++) {
		const struct init_case *c = &init_cases[i];
		struct config cfg;
		struct trigger_params p;
		const bool want[K_COUNT] = { [TRIG_CPU] = c->cpu, [TRIG_MEM] = c->mem, [TRIG_THREADS] = c->threads,
					     [TRIG_FDS] = c->fds, [K_TIMER] = c->timer };

		params_of(&c->tr, &cfg, &p);
		for (int k = 0; k < K_COUNT; k++)
			if (p.wanted[k] != want[k])
				fail_msg("%s: wanted[%s] = %d", c->what, trigger_kinds[k].token, p.wanted[k]);
		if (p.below != c->below || p.window_ns != c->window_ms * MS)
			fail_msg("%s: below %d window %llu ns", c->what, p.below, (unsigned long long)p.window_ns);
	}
}

struct arm_case {
	const char *what;
	struct triggers tr;
	int mem_dumps;
	struct target_cfg want;
};

static const struct arm_case arm_cases[] = {
	{ "timer: nothing for the kernel", { NONE }, 0, { 0 } },
	{ "-c 50 -pf 200", { NONE, .c = 50, .pf = 200 }, 0, { .cpu_window_ns = 200 * MS, .cpu_above_ns = 100 * MS } },
	{ "-c 0 still watched", { NONE, .c = 0 }, 0, { .cpu_window_ns = 1000 * MS, .cpu_above_ns = 1 } },
	{ "-cl 5: window only", { NONE, .cl = 5 }, 0, { .cpu_window_ns = 1000 * MS } },
	{ "-m 1,2 after one dump", { NONE, .m = { 1, 2 }, .m_count = 2 }, 1, { .mem_above_pages = MB_PAGES(2) } },
	{ "-m 1 exhausted", { NONE, .m = { 1 }, .m_count = 1 }, 1, { 0 } },
	{ "-m 0 still watched", { NONE, .m = { 0 }, .m_count = 1 }, 0, { .mem_above_pages = 1 } },
	{ "-ml: user space only", { NONE, .m = { 5 }, .m_count = 1, .ml = true }, 0, { 0 } },
	{ "-tc 7 -fc 9", { NONE, .tc = 7, .fc = 9 }, 0, { .threads_above = 7, .fds_above = 9 } },
	{ "-tc 0 -fc 0: user space only", { NONE, .tc = 0, .fc = 0 }, 0, { 0 } },
};

static void test_arm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(arm_cases) / sizeof(arm_cases[0]); i++) {
		const struct arm_case *c = &arm_cases[i];
		struct config cfg;
		struct trigger_params p;
		struct target_cfg got;

		params_of(&c->tr, &cfg, &p);
		kinds_arm(&p, c->mem_dumps, &got);
		if (memcmp(&got, &c->want, sizeof(got)))
			fail_msg("%s: window %llu cpu %llu mem %llu threads %u fds %u", c->what,
				 (unsigned long long)got.cpu_window_ns, (unsigned long long)got.cpu_above_ns,
				 (unsigned long long)got.mem_above_pages, got.threads_above, got.fds_above);
	}
}

static void test_crossed(void **state)
{
	static const struct {
		struct triggers tr;
		int kind, mem_dumps;
		uint64_t value;
		long long want_value, want_threshold;
	} cases[] = {
		{ { NONE, .c = 50, .pf = 100 }, TRIG_CPU, 0, 75 * MS, 75, 50 },
		{ { NONE, .m = { 10, 20 }, .m_count = 2 }, TRIG_MEM, 1, MB_PAGES(21), 21, 20 },
		{ { NONE, .m = { 10 }, .m_count = 1 }, TRIG_MEM, 1, MB_PAGES(11), 11, 0 },
		{ { NONE, .tc = 4 }, TRIG_THREADS, 0, 6, 6, 4 },
		{ { NONE, .fc = 8 }, TRIG_FDS, 0, 8, 8, 8 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config cfg;
		struct trigger_params p;
		struct trigger_verdict v;

		params_of(&cases[i].tr, &cfg, &p);
		kinds_crossed(&p, cases[i].kind, cases[i].mem_dumps, cases[i].value, &v);
		assert_true(v.cond);
		assert_int_equal(v.value, cases[i].want_value);
		assert_int_equal(v.threshold, cases[i].want_threshold);
	}
}

/* ProcDump's console lines, word for word. */
static void test_lines(void **state)
{
	static const struct { int kind; long long value; const char *want; } cases[] = {
		{ TRIG_CPU, 85, "Trigger: CPU usage:85% on process ID: 1234" },
		{ TRIG_MEM, 300, "Trigger: Commit usage:300MB on process ID: 1234" },
		{ TRIG_THREADS, 12, "Trigger: Thread count:12 on process ID: 1234" },
		{ TRIG_FDS, 40, "Trigger: File descriptor count:40 on process ID: 1234" },
		{ K_TIMER, 10, "Trigger: Timer:10(s) on process ID: 1234" },
	};
	char line[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(kinds_line(cases[i].kind, cases[i].value, 1234, line, sizeof(line)),
				 strlen(cases[i].want));
		assert_string_equal(line, cases[i].want);
	}
	assert_string_equal(trigger_kinds[TRIG_CPU].token, "cpu");
	assert_string_equal(trigger_kinds[TRIG_MEM].token, "commit");
	assert_string_equal(trigger_kinds[TRIG_THREADS].token, "thread");
	assert_string_equal(trigger_kinds[TRIG_FDS].token, "filedesc");
	assert_string_equal(trigger_kinds[K_TIMER].token, "time");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_arm),
		cmocka_unit_test(test_crossed),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
