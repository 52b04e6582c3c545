// SPDX-License-Identifier: MIT
/*
 * The fault handler's page pool: copies the reader takes are handed over
 * and not written; the others land at their place in the core, also when
 * many more are kept than the pool holds at once. With a scratch file,
 * what the pool cannot hold waits there and still reaches the reader.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit_tmpfile.h"

#include "core/live_pages.h"

#define PS 4096
#define BASE 0x700000000000ull

/* Keep page number n (target BASE + n pages, core offset n pages), filled with its number. */
static void keep(struct live_pages *q, unsigned n)
{
	unsigned s = live_pages_slot(q);
	unsigned char *d = live_pages_data(q, s);

	memset(d, n & 0xff, PS);
	memcpy(d, &n, sizeof(n));
	live_pages_keep(q, s, BASE + (uint64_t)n * PS, (uint64_t)n * PS);
}

/* 1 if page n of the file holds what keep(n) wrote, 0 if it is zero (not written). */
static int written(int fd, unsigned n)
{
	unsigned char got[PS];
	unsigned v;

	assert_int_equal(pread(fd, got, PS, (off_t)n * PS), PS);
	memcpy(&v, got, sizeof(v));
	if (v == 0 && got[PS - 1] == 0)
		return 0;
	assert_int_equal(v, n);
	assert_int_equal(got[PS - 1], n & 0xff);
	return 1;
}

static void more_than_the_pool_holds_all_land_in_place(void **state)
{
	const unsigned pages = 3 * LIVE_PAGES_POOL + 17;
	struct live_pages q;
	int fd = unit_temp_fd();

	(void)state;
	assert_int_equal(ftruncate(fd, (off_t)pages * PS), 0);
	assert_int_equal(live_pages_start(&q, fd, PS, 0), 0);
	for (unsigned i = 0; i < pages; i++)
		keep(&q, 1 + (i * 7919u) % (pages - 1)); /* scrambled, page 0 never */
	/* a slot taken and given back is not written */
	memset(live_pages_data(&q, live_pages_slot(&q)), 0xee, PS);
	assert_int_equal(live_pages_stop(&q), 0);
	assert_int_equal(written(fd, 0), 0);
	for (unsigned n = 1; n < pages; n++)
		assert_int_equal(written(fd, n), 1);
	close(fd);
}

struct taken {
	unsigned n, count;
	uint64_t addr[8];
	unsigned char got[4096];
};

static void take_one(void *arg, uint64_t addr, uint64_t off, const unsigned char *data)
{
	struct taken *t = arg;
	unsigned v;

	memcpy(&v, data, sizeof(v));
	assert_int_equal(addr, BASE + (uint64_t)v * PS);
	assert_int_equal(off, (uint64_t)v * PS);
	assert_int_equal(data[PS - 1], v & 0xff);
	t->addr[t->count++ % 8] = addr;
	t->got[v]++;
}

/*
 * A pool of 64 pages, 2000 copies kept in a scrambled order, the reader
 * taking windows of 256 pages in address order at the end (its copies
 * parked in the scratch file first, as live.c does): with a budget
 * of `budget` pages in the scratch file.
 */
static void keep_more_than_the_pool_then_take(uint64_t budget, struct taken *t, int core)
{
	struct live_pages q;
	const unsigned pages = 2000;

	assert_int_equal(ftruncate(core, (off_t)(pages + 1) * PS), 0);
	assert_int_equal(live_pages_start(&q, core, PS, 64), 0);
	assert_int_equal(live_pages_allow_scratch(&q, unit_temp_fd(), budget), 0);
	for (unsigned i = 0; i < pages; i++)
		keep(&q, 1 + (i * 7919u) % pages);
	/* as the reader does: what is parked first, unlocked; then the rest, once no copy can come */
	for (unsigned w = 0; w * 256 <= pages; w++) {
		uint64_t start = BASE + (uint64_t)w * 256 * PS, end = start + 256 * PS;

		live_pages_take_parked(&q, start, end, take_one, t);
		live_pages_take(&q, start, end, take_one, t);
	}
	assert_int_equal(live_pages_stop(&q), 0);
	if (budget >= pages)
		/* all but what stays in the pool (under 64) went out, parked save at most the
		 * one being parked when the reader took its window, each of 9 windows */
		assert_true(q.parked + q.written >= pages - 64 && q.written <= 9);
	else
		assert_true(q.parked <= budget && q.parked + 9 >= budget);
	assert_int_equal(t->count + q.written, pages);
}

static void copies_the_pool_cannot_hold_wait_in_the_scratch_file(void **state)
{
	struct taken t = { 0, 0, { 0 }, { 0 } };
	int core = unit_temp_fd();

	(void)state;
	keep_more_than_the_pool_then_take(1u << 20, &t, core);
	/* every copy reached the reader or, the few that raced its window, their place: once */
	for (unsigned n = 1; n <= 2000; n++)
		assert_int_equal(t.got[n] + written(core, n), 1);
	close(core);
}

static void past_the_scratch_budget_copies_go_to_their_place(void **state)
{
	struct taken t = { 0, 0, { 0 }, { 0 } };
	int core = unit_temp_fd();

	(void)state;
	keep_more_than_the_pool_then_take(100, &t, core);
	/* each copy either reached the reader or its place, never both */
	for (unsigned n = 1; n <= 2000; n++)
		assert_int_equal(t.got[n] + written(core, n), 1);
	close(core);
}

static void what_the_reader_takes_is_not_written(void **state)
{
	struct taken t = { 0, 0, { 0 }, { 0 } };
	struct live_pages q;
	int fd = unit_temp_fd();

	(void)state;
	assert_int_equal(ftruncate(fd, 16 * PS), 0);
	assert_int_equal(live_pages_start(&q, fd, PS, 0), 0);
	for (unsigned n = 1; n <= 10; n++)
		keep(&q, n);
	live_pages_drop(&q, live_pages_slot(&q));
	/* the reader's window: pages 3, 4, 5 */
	live_pages_take(&q, BASE + 3 * PS, BASE + 6 * PS, take_one, &t);
	assert_int_equal(t.count, 3);
	/* again: nothing left there */
	live_pages_take(&q, BASE + 3 * PS, BASE + 6 * PS, take_one, &t);
	assert_int_equal(t.count, 3);
	assert_int_equal(live_pages_stop(&q), 0);
	for (unsigned n = 1; n <= 10; n++)
		assert_int_equal(written(fd, n), n < 3 || n > 5);
	close(fd);
}

static void a_write_error_is_returned(void **state)
{
	struct live_pages q;

	(void)state;
	assert_int_equal(live_pages_start(&q, -1, PS, 0), 0);
	keep(&q, 1);
	assert_int_equal(live_pages_stop(&q), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(more_than_the_pool_holds_all_land_in_place),
		cmocka_unit_test(what_the_reader_takes_is_not_written),
		cmocka_unit_test(a_write_error_is_returned),
		cmocka_unit_test(copies_the_pool_cannot_hold_wait_in_the_scratch_file),
		cmocka_unit_test(past_the_scratch_budget_copies_go_to_their_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
