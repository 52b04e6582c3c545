// SPDX-License-Identifier: MIT
/*
 * The scratch file the live pool parks copies in: each copy comes back
 * once, in its window, with its data; the budget and a failed write say
 * no; what no window took is written to its place.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit_tmpfile.h"

#include "core/live_spill.h"

#define PS 4096
#define BASE 0x7f0000000000ull

/* Park the copy of page n (target BASE + n * stride, core offset n pages), filled with n. */
static void park(struct live_spill *s, unsigned n, uint64_t stride)
{
	unsigned char d[PS];
	uint64_t at;

	memset(d, n & 0xff, PS);
	memcpy(d, &n, sizeof(n));
	assert_true(live_spill_place(s, &at));
	assert_int_equal(live_spill_write(s, d, at), 0);
	live_spill_add(s, BASE + n * stride, (uint64_t)n * PS, at);
}

struct seen {
	uint64_t stride;
	unsigned count;
	unsigned char got[20000];
};

static void seen_one(void *arg, uint64_t addr, uint64_t off, const unsigned char *data)
{
	struct seen *t = arg;
	unsigned v;

	memcpy(&v, data, sizeof(v));
	assert_true(v < sizeof(t->got));
	assert_int_equal(addr, BASE + v * t->stride);
	assert_int_equal(off, (uint64_t)v * PS);
	assert_int_equal(data[PS - 1], v & 0xff);
	t->got[v]++;
	t->count++;
}

static void parked_copies_come_back_once_in_their_window(void **state)
{
	struct live_spill s;
	struct seen t = { PS, 0, { 0 } };
	const unsigned n = 5000;

	(void)state;
	live_spill_init(&s, PS);
	assert_int_equal(live_spill_enable(&s, unit_temp_fd(), 1u << 20), 0);
	for (unsigned i = 0; i < n; i++)
		park(&s, (i * 7919u) % n, PS); /* scrambled */
	assert_int_equal(live_spill_parked(&s), n);
	/* windows of 8 MiB (2048 pages), in address order, as the reader goes */
	for (unsigned w = 0; w * 2048 < n; w++) {
		unsigned before = t.count;

		assert_int_equal(live_spill_take(&s, BASE + (uint64_t)w * 2048 * PS, BASE + (uint64_t)(w + 1) * 2048 * PS,
						 seen_one, &t), 0);
		assert_int_equal(t.count - before, (w + 1) * 2048 <= n ? 2048 : n - w * 2048);
	}
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(t.got[i], 1);
	/* nothing left, nothing twice */
	assert_int_equal(live_spill_parked(&s), 0);
	assert_int_equal(live_spill_take(&s, BASE, BASE + (uint64_t)n * PS, seen_one, &t), 0);
	assert_int_equal(t.count, n);
	live_spill_fini(&s);
}

static void addresses_far_apart_share_buckets_and_stay_apart(void **state)
{
	struct live_spill s;
	/* 1 GiB apart: every copy hashes somewhere in a table of 65536 buckets of 2 MiB */
	struct seen t = { 1ull << 30, 0, { 0 } };

	(void)state;
	live_spill_init(&s, PS);
	assert_int_equal(live_spill_enable(&s, unit_temp_fd(), 1u << 20), 0);
	for (unsigned i = 0; i < 3000; i++)
		park(&s, i, t.stride);
	/* one window around copy 1234 takes it alone */
	assert_int_equal(live_spill_take(&s, BASE + 1234 * t.stride, BASE + 1234 * t.stride + (8u << 20), seen_one, &t),
			 0);
	assert_int_equal(t.count, 1);
	assert_int_equal(t.got[1234], 1);
	/* entries handed back are used again */
	park(&s, 1234, t.stride);
	assert_int_equal(live_spill_parked(&s), 3000);
	assert_int_equal(live_spill_take(&s, 0, UINT64_MAX, seen_one, &t), 0);
	assert_int_equal(t.count, 3001);
	for (unsigned i = 0; i < 3000; i++)
		assert_int_equal(t.got[i], i == 1234 ? 2 : 1);
	live_spill_fini(&s);
}

static void no_file_or_a_spent_budget_says_no(void **state)
{
	struct live_spill s;
	uint64_t at;

	(void)state;
	live_spill_init(&s, PS);
	assert_false(live_spill_place(&s, &at));
	assert_int_equal(live_spill_enable(&s, unit_temp_fd(), 2), 0);
	assert_true(live_spill_place(&s, &at));
	assert_int_equal(at, 0);
	assert_true(live_spill_place(&s, &at));
	assert_int_equal(at, PS);
	assert_false(live_spill_place(&s, &at));
	live_spill_fini(&s);
	/* the budget never goes past LIVE_SPILL_MAX, whatever the free space */
	live_spill_init(&s, PS);
	assert_int_equal(live_spill_enable(&s, unit_temp_fd(), UINT64_MAX), 0);
	assert_int_equal(s.budget, LIVE_SPILL_MAX);
	live_spill_fini(&s);
}

static void a_failed_write_ends_parking(void **state)
{
	struct live_spill s;
	unsigned char d[PS] = { 1 };
	uint64_t at;
	int ro = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)state;
	assert_true(ro >= 0);
	live_spill_init(&s, PS);
	assert_int_equal(live_spill_enable(&s, ro, 100), 0);
	assert_true(live_spill_place(&s, &at));
	assert_int_equal(live_spill_write(&s, d, at), -EBADF);
	assert_false(live_spill_place(&s, &at));
	live_spill_fini(&s);
}

static void what_no_window_took_is_written_to_its_place(void **state)
{
	struct live_spill s;
	int core = unit_temp_fd();
	unsigned char got[PS];
	unsigned v;

	(void)state;
	assert_int_equal(ftruncate(core, 64 * PS), 0);
	live_spill_init(&s, PS);
	assert_int_equal(live_spill_enable(&s, unit_temp_fd(), 100), 0);
	for (unsigned n = 1; n < 64; n += 2)
		park(&s, n, PS);
	assert_int_equal(live_spill_flush(&s, core), 0);
	assert_int_equal(live_spill_parked(&s), 0);
	for (unsigned n = 0; n < 64; n++) {
		assert_int_equal(pread(core, got, PS, (off_t)n * PS), PS);
		memcpy(&v, got, sizeof(v));
		assert_int_equal(v, n % 2 ? n : 0);
	}
	live_spill_fini(&s);
	close(core);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parked_copies_come_back_once_in_their_window),
		cmocka_unit_test(addresses_far_apart_share_buckets_and_stay_apart),
		cmocka_unit_test(no_file_or_a_spent_budget_says_no),
		cmocka_unit_test(a_failed_write_ends_parking),
		cmocka_unit_test(what_no_window_took_is_written_to_its_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
