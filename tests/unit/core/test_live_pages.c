// SPDX-License-Identifier: MIT
/*
 * The fault handler's page pool: copies the reader takes are handed over
 * and not written; the others land at their place in the core, also when
 * many more are kept than the pool holds at once.
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

#include "core/live_pages.h"

#define PS 4096
#define BASE 0x700000000000ull

static int temp_file(void)
{
	char path[] = "/tmp/test_live_pages.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

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
	int fd = temp_file();

	(void)state;
	assert_int_equal(ftruncate(fd, (off_t)pages * PS), 0);
	assert_int_equal(live_pages_start(&q, fd, PS), 0);
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
};

static void take_one(void *arg, uint64_t addr, uint64_t off, const unsigned char *data)
{
	struct taken *t = arg;
	unsigned v;

	memcpy(&v, data, sizeof(v));
	assert_int_equal(addr, BASE + (uint64_t)v * PS);
	assert_int_equal(off, (uint64_t)v * PS);
	t->addr[t->count++ % 8] = addr;
}

static void what_the_reader_takes_is_not_written(void **state)
{
	struct taken t = { 0, 0, { 0 } };
	struct live_pages q;
	int fd = temp_file();

	(void)state;
	assert_int_equal(ftruncate(fd, 16 * PS), 0);
	assert_int_equal(live_pages_start(&q, fd, PS), 0);
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
	assert_int_equal(live_pages_start(&q, -1, PS), 0);
	keep(&q, 1);
	assert_int_equal(live_pages_stop(&q), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(more_than_the_pool_holds_all_land_in_place),
		cmocka_unit_test(what_the_reader_takes_is_not_written),
		cmocka_unit_test(a_write_error_is_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
