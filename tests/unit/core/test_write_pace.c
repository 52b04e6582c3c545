// SPDX-License-Identifier: MIT
/*
 * The live writers' pace: bookings at the rate with a period's credit, a freeze cuts it from what
 * got through and sets a ceiling, calm periods raise it to the ceiling (or
 * past WRITE_PACE_UNLIMITED to none) and a calm spell the ceiling, one cut per host period.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/write_pace.h"

#define MS (1000ull * 1000)
#define MB 1e6
#define T0 (1000 * MS)

/* Watchdog ticks, 1 ms apart and on time, from `from` for `ms` ms, while writers use the pace. */
static uint64_t calm(struct write_pace *p, uint64_t from, unsigned ms)
{
	for (unsigned i = 1; i <= ms; i++) {
		write_pace_reserve(p, from + i * MS, p->rate ? (uint64_t)(p->rate / 1000) : 1000000);
		write_pace_observe(p, from + i * MS, 0);
	}
	return from + ms * MS;
}

/* The same ticks with no writer at work. */
static uint64_t idle(struct write_pace *p, uint64_t from, unsigned ms)
{
	for (unsigned i = 1; i <= ms; i++)
		write_pace_observe(p, from + i * MS, 0);
	return from + ms * MS;
}

static void test_eager_starts_unlimited(void **state)
{
	struct write_pace p;

	(void)state;
	write_pace_init(&p, false, T0);
	assert_true(p.rate == 0);
	assert_int_equal(write_pace_reserve(&p, T0, 64 << 20), 0);
	assert_int_equal(write_pace_reserve(&p, T0, 64 << 20), 0);
	calm(&p, T0, 1000);
	assert_true(p.rate == 0);
	assert_int_equal(p.freezes, 0);
}

static void test_bookings_share_the_rate(void **state)
{
	struct write_pace p;

	(void)state;
	write_pace_init(&p, true, T0);
	assert_true(p.rate == WRITE_PACE_SLOW_START);
	/* a full bucket to start: one host period's bytes (30 MB at 300 MB/s) go at once */
	assert_int_equal(write_pace_reserve(&p, T0, 30000000), 0);
	assert_int_equal(write_pace_reserve(&p, T0, 3000000), 0);
	/* 3 MB at 300 MB/s is 10 ms: the next two wait their turn */
	assert_int_equal(write_pace_reserve(&p, T0, 3000000), 10 * MS);
	assert_int_equal(write_pace_reserve(&p, T0 + 1 * MS, 3000000), 19 * MS);
	/* after a lull the bucket is full again, and holds no more than a period */
	assert_int_equal(write_pace_reserve(&p, T0 + 500 * MS, 30000000), 0);
	assert_int_equal(write_pace_reserve(&p, T0 + 500 * MS, 3000000), 0);
	assert_int_equal(write_pace_reserve(&p, T0 + 500 * MS, 3000000), 10 * MS);
}

static void test_cautious_climbs_from_its_slow_start_to_its_ceiling(void **state)
{
	struct write_pace p;

	(void)state;
	write_pace_init(&p, true, T0);
	assert_true(p.rate == WRITE_PACE_SLOW_START && p.ceiling == WRITE_PACE_START);
	calm(&p, T0, 500);
	assert_true(p.rate > WRITE_PACE_SLOW_START && p.rate < WRITE_PACE_START);
	calm(&p, T0 + 500 * MS, 3000);
	assert_true(p.rate == WRITE_PACE_START);
	assert_true(p.slowest == WRITE_PACE_SLOW_START);
}

static void test_writers_that_do_not_use_the_pace_do_not_raise_it(void **state)
{
	struct write_pace p;
	uint64_t t;

	(void)state;
	write_pace_init(&p, true, T0);
	t = idle(&p, T0, 3000);
	assert_true(p.rate == WRITE_PACE_SLOW_START);
	/* a quarter of what the rate allows: still no raise */
	for (int i = 0; i < 30; i++) {
		write_pace_reserve(&p, t, (uint64_t)(WRITE_PACE_SLOW_START / 40));
		t = idle(&p, t, 100);
	}
	assert_true(p.rate == WRITE_PACE_SLOW_START);
	calm(&p, t, 300);
	assert_true(p.rate > WRITE_PACE_SLOW_START);
}

static void test_a_freeze_cuts_from_what_got_through(void **state)
{
	struct write_pace p;
	uint64_t t;

	(void)state;
	write_pace_init(&p, false, T0);
	/* 200 MB in each 100 ms period: 2 GB/s got through */
	t = T0;
	for (int i = 0; i < 3; i++) {
		write_pace_reserve(&p, t, 200000000);
		t = idle(&p, t, 100);
	}
	write_pace_reserve(&p, t, 100000000);
	write_pace_observe(&p, t + 20 * MS, 19 * MS);
	assert_int_equal(p.freezes, 1);
	assert_int_equal(p.worst_freeze_ns, 19 * MS);
	assert_true(p.rate > 2e9 * WRITE_PACE_CUT * 0.99 && p.rate < 2e9 * WRITE_PACE_CUT * 1.01);
	assert_true(p.ceiling > 2e9 * WRITE_PACE_CEILING * 0.99 && p.ceiling < 2e9 * WRITE_PACE_CEILING * 1.01);
	assert_true(p.slowest == p.rate);
}

static void test_one_cut_per_period(void **state)
{
	struct write_pace p;
	double after_first;

	(void)state;
	write_pace_init(&p, true, T0);
	write_pace_observe(&p, T0 + 10 * MS, 9 * MS);
	after_first = p.rate;
	assert_true(after_first == WRITE_PACE_SLOW_START * WRITE_PACE_CUT);
	/* the same freeze seen again, 30 ms on: counted, not cut again */
	write_pace_observe(&p, T0 + 40 * MS, 7 * MS);
	assert_int_equal(p.freezes, 2);
	assert_true(p.rate == after_first);
	/* a period later it is a new freeze */
	write_pace_observe(&p, T0 + 140 * MS, 7 * MS);
	assert_true(p.rate < after_first);
}

static void test_noise_under_the_threshold_is_no_freeze(void **state)
{
	struct write_pace p;

	(void)state;
	write_pace_init(&p, true, T0);
	write_pace_observe(&p, T0 + 5 * MS, WRITE_PACE_FREEZE_NS - 1);
	assert_int_equal(p.freezes, 0);
	assert_true(p.rate == WRITE_PACE_SLOW_START);
}

static void test_calm_raises_back_to_the_ceiling(void **state)
{
	struct write_pace p;
	uint64_t t;

	(void)state;
	write_pace_init(&p, true, T0);
	t = calm(&p, T0, 3000);
	assert_true(p.rate == WRITE_PACE_START);
	write_pace_observe(&p, t + 10 * MS, 12 * MS);
	assert_true(p.rate == WRITE_PACE_START * WRITE_PACE_CUT);
	/* held for a period, then raised step by step, never above the ceiling */
	t = calm(&p, t + 10 * MS, 150);
	assert_true(p.rate <= WRITE_PACE_START * WRITE_PACE_CUT * (1 + WRITE_PACE_RAISE) + WRITE_PACE_STEP);
	t = calm(&p, t, 750);
	assert_true(p.rate == p.ceiling);
	assert_true(p.ceiling == WRITE_PACE_START * WRITE_PACE_CEILING);
	/* a calm spell lifts the ceiling too, back to a cautious pace's ceiling, not above */
	t = calm(&p, t, 10000);
	assert_true(p.ceiling == WRITE_PACE_START && p.rate == WRITE_PACE_START);
}

static void test_a_freeze_stops_the_ceiling_rising(void **state)
{
	struct write_pace p;
	uint64_t t;
	double ceiling;

	(void)state;
	write_pace_init(&p, true, T0);
	write_pace_observe(&p, T0 + 10 * MS, 12 * MS);
	ceiling = p.ceiling;
	/* 0.9 s calm, a freeze, 0.9 s calm: never ten calm periods in a row */
	t = calm(&p, T0 + 10 * MS, 900);
	write_pace_observe(&p, t + 1 * MS, 8 * MS);
	t = calm(&p, t + 1 * MS, 900);
	assert_true(p.ceiling < ceiling);
}

static void test_eager_climbs_back_to_unlimited_slowly(void **state)
{
	struct write_pace p;
	uint64_t t;

	(void)state;
	write_pace_init(&p, false, T0);
	/* nothing written: the cut starts from WRITE_PACE_START */
	write_pace_observe(&p, T0 + 10 * MS, 30 * MS);
	assert_true(p.rate == WRITE_PACE_START * WRITE_PACE_CUT);
	t = calm(&p, T0 + 10 * MS, 2000);
	/* learnt: the ceiling holds it, rising 5% a calm second */
	assert_true(p.rate == p.ceiling && p.rate > 0);
	assert_true(p.ceiling < WRITE_PACE_START);
	/* with no top, after long enough the ceiling is gone and so is the pace */
	calm(&p, t, 120000);
	assert_true(p.ceiling == 0 && p.rate == 0);
}

static void test_never_below_the_floor(void **state)
{
	struct write_pace p;
	uint64_t t = T0;

	(void)state;
	write_pace_init(&p, true, T0);
	for (int i = 0; i < 50; i++) {
		t += 150 * MS;
		write_pace_observe(&p, t, 20 * MS);
	}
	assert_true(p.rate == WRITE_PACE_MIN);
	assert_true(p.ceiling >= WRITE_PACE_MIN);
	/* the bucket at the floor: a period's worth, then a wait per byte at the floor */
	assert_int_equal(write_pace_reserve(&p, t, (uint64_t)(WRITE_PACE_MIN / 10)), 0);
	assert_int_equal(write_pace_reserve(&p, t, 1000000), 0);
	assert_int_equal(write_pace_reserve(&p, t, 1000000), (uint64_t)(1e6 * 1e9 / WRITE_PACE_MIN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eager_starts_unlimited),
		cmocka_unit_test(test_bookings_share_the_rate),
		cmocka_unit_test(test_cautious_climbs_from_its_slow_start_to_its_ceiling),
		cmocka_unit_test(test_writers_that_do_not_use_the_pace_do_not_raise_it),
		cmocka_unit_test(test_a_freeze_cuts_from_what_got_through),
		cmocka_unit_test(test_one_cut_per_period),
		cmocka_unit_test(test_noise_under_the_threshold_is_no_freeze),
		cmocka_unit_test(test_calm_raises_back_to_the_ceiling),
		cmocka_unit_test(test_a_freeze_stops_the_ceiling_rising),
		cmocka_unit_test(test_eager_climbs_back_to_unlimited_slowly),
		cmocka_unit_test(test_never_below_the_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
