// SPDX-License-Identifier: MIT
/* The fault handler's write queue: every page pushed lands at its offset, more than fit at once. */
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
#define PAGES (3 * LIVE_PAGES_QUEUED + 17) /* wraps the queue, and waits for room */

static void every_page_lands_at_its_offset(void **state)
{
	char path[] = "/tmp/test_live_pages.XXXXXX";
	struct live_pages q;
	unsigned char *got = malloc(PS);
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0 && got);
	unlink(path);
	assert_int_equal(live_pages_start(&q, fd, PS), 0);
	/* pushed in a scrambled order, each page filled with its own number */
	for (unsigned i = 0; i < PAGES; i++) {
		unsigned page = (i * 7919u) % PAGES;
		unsigned char *slot = live_pages_slot(&q);

		memset(slot, page & 0xff, PS);
		memcpy(slot, &page, sizeof(page));
		live_pages_push(&q, (uint64_t)page * PS);
	}
	/* a slot taken and not pushed is simply reused */
	memset(live_pages_slot(&q), 0xee, PS);
	assert_int_equal(live_pages_stop(&q), 0);
	for (unsigned page = 0; page < PAGES; page++) {
		unsigned n;

		assert_int_equal(pread(fd, got, PS, (off_t)page * PS), PS);
		memcpy(&n, got, sizeof(n));
		assert_int_equal(n, page);
		assert_int_equal(got[PS - 1], page & 0xff);
	}
	assert_int_equal(pread(fd, got, PS, (off_t)PAGES * PS), 0);
	close(fd);
	free(got);
}

static void a_write_error_is_returned(void **state)
{
	struct live_pages q;

	(void)state;
	assert_int_equal(live_pages_start(&q, -1, PS), 0);
	memset(live_pages_slot(&q), 1, PS);
	live_pages_push(&q, 0);
	assert_int_equal(live_pages_stop(&q), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_page_lands_at_its_offset),
		cmocka_unit_test(a_write_error_is_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
