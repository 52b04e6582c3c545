// SPDX-License-Identifier: MIT
/* Unit tests for the pure trigger decisions (user/trigger_logic.c). */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "trigger/rules.h"

#define MS NS_PER_MS

static void window_sum_counts_only_recent_buckets(void **state)
{
	struct cpu_bucket b[CPU_BUCKETS] = {};
	uint64_t window = 160 * MS, width = window / CPU_BUCKETS; /* 10 ms buckets */
	uint64_t now = 1000 * width;                              /* epoch 1000 */

	(void)state;
	b[1000 % CPU_BUCKETS] = (struct cpu_bucket){ .epoch = 1000, .ns = 5 * MS };
	b[990 % CPU_BUCKETS] = (struct cpu_bucket){ .epoch = 990, .ns = 7 * MS };
	b[980 % CPU_BUCKETS] = (struct cpu_bucket){ .epoch = 980, .ns = 100 * MS }; /* 20 slices old */
	assert_int_equal(cpu_window_sum(b, CPU_BUCKETS, window, now), 12 * MS);
	/* 15 slices later only the newest one is left, then nothing. */
	assert_int_equal(cpu_window_sum(b, CPU_BUCKETS, window, now + 14 * width), 5 * MS);
	assert_int_equal(cpu_window_sum(b, CPU_BUCKETS, window, now + 16 * width), 0);
}

static void cpu_thresholds_and_percent(void **state)
{
	(void)state;
	assert_int_equal(cpu_threshold_ns(50, 100), 50 * MS);
	assert_int_equal(cpu_threshold_ns(150, 1000), 1500 * MS); /* several cores */
	assert_int_equal(cpu_threshold_ns(-1, 1000), 0);
	assert_int_equal(cpu_pct(50 * MS, 100 * MS), 50);
	assert_int_equal(cpu_pct(1, 0), 0);
}

static void sample_period_follows_window_within_bounds(void **state)
{
	(void)state;
	assert_int_equal(cpu_sample_period_ns(1000 * MS), 10 * MS);  /* default -pf: 100 Hz */
	assert_int_equal(cpu_sample_period_ns(100 * MS), 1 * MS);    /* 100 samples per window */
	assert_int_equal(cpu_sample_period_ns(500 * MS), 5 * MS);
	assert_int_equal(cpu_sample_period_ns(20 * MS), 1 * MS);     /* capped at 1000 Hz */
	assert_int_equal(cpu_sample_period_ns(0), 1 * MS);
	assert_int_equal(cpu_sample_period_ns(60000 * MS), 10 * MS); /* at least 100 Hz */
}

static void cpu_range_means_outside(void **state)
{
	uint64_t lo = 20 * MS, hi = 80 * MS;

	(void)state;
	assert_true(cpu_condition(90 * MS, hi, true, lo, true));
	assert_true(cpu_condition(10 * MS, hi, true, lo, true));
	assert_false(cpu_condition(50 * MS, hi, true, lo, true));
	assert_false(cpu_condition(10 * MS, hi, true, lo, false)); /* -c only */
	assert_true(cpu_condition(0, 0, false, lo, true));         /* -cl only */
}

static void spike_is_latched_without_sustain(void **state)
{
	struct trig_state t = {};

	(void)state;
	trig_observe(&t, true, 100, 0);
	trig_observe(&t, false, 130, 0); /* freed 30 ns later, before we looked */
	assert_true(trig_due(&t, 200, 0));
	trig_fired(&t, 200, 1000);
	assert_false(trig_due(&t, 300, 0));
	assert_int_equal(trig_next_deadline(&t, 0), UINT64_MAX);
}

static void cooldown_blocks_then_allows_redump(void **state)
{
	struct trig_state t = {};

	(void)state;
	trig_observe(&t, true, 0, 0);
	assert_true(trig_due(&t, 0, 0));
	trig_fired(&t, 10, 1000); /* -s: 1000 ns */
	trig_observe(&t, true, 500, 0);
	assert_false(trig_due(&t, 500, 0));
	assert_int_equal(trig_next_deadline(&t, 0), 1010);
	assert_true(trig_due(&t, 1010, 0)); /* still true after cool-down: dump again */
	/* A spike during cool-down is not latched (ProcDump ignores it). */
	trig_fired(&t, 1010, 1000);
	trig_observe(&t, false, 1100, 0);
	trig_observe(&t, true, 1200, 0);
	trig_observe(&t, false, 1300, 0);
	assert_false(trig_due(&t, 2100, 0));
}

static void sustain_requires_continuous_condition(void **state)
{
	struct trig_state t = {};
	uint64_t sustain = 500;

	(void)state;
	trig_observe(&t, true, 100, sustain);
	assert_false(trig_due(&t, 599, sustain));
	assert_int_equal(trig_next_deadline(&t, sustain), 600);
	trig_observe(&t, false, 400, sustain); /* dropped: clock restarts */
	trig_observe(&t, true, 450, sustain);
	assert_false(trig_due(&t, 600, sustain));
	assert_true(trig_due(&t, 950, sustain));
	trig_fired(&t, 950, 100);
	/* Next dump needs the condition to hold sustain again after cool-down. */
	assert_false(trig_due(&t, 1100, sustain));
	assert_true(trig_due(&t, 1550, sustain));
}

static void memory_list_advances(void **state)
{
	(void)state;
	assert_int_equal(mem_list_index(2, 0), 0);
	assert_int_equal(mem_list_index(2, 1), 1);
	assert_int_equal(mem_list_index(2, 2), -1);
	assert_int_equal(mem_list_index(0, 0), -1);
	assert_int_equal(mb_to_pages(100, 4096), 25600);
	assert_int_equal(pages_to_mb(25600, 4096), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_sum_counts_only_recent_buckets),
		cmocka_unit_test(cpu_thresholds_and_percent),
		cmocka_unit_test(sample_period_follows_window_within_bounds),
		cmocka_unit_test(cpu_range_means_outside),
		cmocka_unit_test(spike_is_latched_without_sustain),
		cmocka_unit_test(cooldown_blocks_then_allows_redump),
		cmocka_unit_test(sustain_requires_continuous_condition),
		cmocka_unit_test(memory_list_advances),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
