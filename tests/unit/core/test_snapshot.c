// SPDX-License-Identifier: MIT
/* cmocka tests of the snapshot ring: sizing policy, sparse window writes, and the writer thread. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit_tmpfile.h"

#include "core/output.h"
#include "core/snapshot.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)
#define PS 4096

static void test_ring_size_policy(void **state)
{
	(void)state;
	/* Buffered: a whole snapshot with some slack, at least the small ring. */
	assert_int_equal(snapshot_ring_size(1 * GIB, 22 * GIB, 2 * GIB, false), 1 * GIB + GIB / 16 + 16 * MIB);
	assert_int_equal(snapshot_ring_size(40 * MIB, 22 * GIB, 2 * GIB, false), SNAPSHOT_SMALL_RING);
	/* ... even beyond the dirty threshold (a filesystem without direct I/O) */
	assert_int_equal(snapshot_ring_size(4 * GIB, 22 * GIB, 2 * GIB, false), 4 * GIB + GIB / 4 + 16 * MIB);
	/* Direct under the dirty threshold: three quarters. */
	assert_int_equal(snapshot_ring_size(1 * GIB, 22 * GIB, 2 * GIB, true), 768 * MIB);
	assert_int_equal(snapshot_ring_size(2 * GIB, 22 * GIB, 2 * GIB, true), 1536 * MIB);
	/* Direct beyond it: half the dump. */
	assert_int_equal(snapshot_ring_size(4 * GIB, 22 * GIB, 2 * GIB, true), 2 * GIB);
	assert_int_equal(snapshot_ring_size(1 * GIB, 22 * GIB, 512 * MIB, true), 512 * MIB);
	/* at least the small ring */
	assert_int_equal(snapshot_ring_size(80 * MIB, 22 * GIB, 2 * GIB, true), SNAPSHOT_SMALL_RING);
	assert_int_equal(snapshot_ring_size(100 * MIB, 22 * GIB, 0, true), SNAPSHOT_SMALL_RING);
	assert_int_equal(snapshot_ring_size(1 * MIB, 22 * GIB, 0, true), SNAPSHOT_SMALL_RING);
	/* never more than half of the available memory */
	assert_int_equal(snapshot_ring_size(8 * GIB, 6 * GIB, 2 * GIB, false), 3 * GIB);
	assert_int_equal(snapshot_ring_size(8 * GIB, 4 * GIB, 0, true), 2 * GIB);
	assert_int_equal(snapshot_ring_size(3 * GIB, 4 * GIB, 4 * GIB, true), 2 * GIB);
	assert_int_equal(snapshot_ring_size(1 * GIB, 64 * MIB, 0, false), 32 * MIB);
}

static void test_direct_io_policy(void **state)
{
	(void)state;
	/* small and far under the dirty threshold: the page cache */
	assert_false(snapshot_prefer_direct(16 * MIB, 2 * GIB));
	assert_false(snapshot_prefer_direct(SNAPSHOT_SMALL_RING, 2 * GIB));
	/* bigger than the small ring: direct, even with headroom to spare */
	assert_true(snapshot_prefer_direct(SNAPSHOT_SMALL_RING + PS, 2 * GIB));
	assert_true(snapshot_prefer_direct(1 * GIB, 20 * GIB));
	/* small, but the dirty pages already fill the background threshold */
	assert_true(snapshot_prefer_direct(16 * MIB, 8 * MIB));
	assert_true(snapshot_prefer_direct(PS, 0));
}

static void test_huge_fault_pace(void **state)
{
	(void)state;
	/* 16 MiB of huge pages: 1 ms while the host backs them, 37 ms when it must back them anew */
	assert_false(snapshot_fault_pace_slow(16 * MIB, 1000000));
	assert_true(snapshot_fault_pace_slow(16 * MIB, 37000000));
	/* a fast step with a few ms of preemption stays on huge pages */
	assert_false(snapshot_fault_pace_slow(16 * MIB, 5000000));
	/* the line: 2 GiB/s */
	assert_false(snapshot_fault_pace_slow(2 * GIB, 1000000000));
	assert_true(snapshot_fault_pace_slow(2 * GIB - 1, 1000000000));
	assert_true(snapshot_fault_pace_slow(PS, UINT64_MAX));
	assert_false(snapshot_fault_pace_slow(16 * MIB, 0));
}

static void test_fault_budget(void **state)
{
	const uint64_t B = SNAPSHOT_FAULT_BUDGET_NS, MS = 1000000;

	(void)state;
	/* the small ring is always faulted in, however slowly */
	assert_false(snapshot_fault_should_stop(0, 10 * B, B, false));
	assert_false(snapshot_fault_should_stop(SNAPSHOT_SMALL_RING - PS, 10 * B, B, true));
	assert_false(snapshot_fault_should_stop(0, 1, 0, false));
	/* beyond it, the fault-in stops once the budget is spent */
	assert_true(snapshot_fault_should_stop(SNAPSHOT_SMALL_RING, B, B, false));
	assert_true(snapshot_fault_should_stop(SNAPSHOT_SMALL_RING, 0, 0, false));
	assert_false(snapshot_fault_should_stop(1 * GIB, B - 1, B, false));
	assert_true(snapshot_fault_should_stop(1 * GIB, 2 * B, B, false));
	/* under the dirty threshold a slow pace is fine until the budget: 768 MiB in 400 ms */
	assert_false(snapshot_fault_should_stop(768 * MIB, 400 * MS, B, false));
	/* beyond it (disk_bound) a slow pace stops at once: 64 MiB in 52 ms (one slow huge step) */
	assert_true(snapshot_fault_should_stop(SNAPSHOT_SMALL_RING, 52 * MS, B, true));
	/* ... but warm memory goes on: 1 GiB of huge pages in 50 ms */
	assert_false(snapshot_fault_should_stop(1 * GIB, 50 * MS, B, true));
}

static void test_small_pages_only_where_the_ring_holds_the_dump(void **state)
{
	const uint64_t MS = 1000000;

	(void)state;
	/* under the threshold a slow step of huge pages turns the rest to 4 KiB pages: 16 MiB in 37 ms */
	assert_true(snapshot_switch_to_small_pages(16 * MIB, 37 * MS, false));
	assert_false(snapshot_switch_to_small_pages(16 * MIB, 1 * MS, false));
	/* disk-bound (cycled, written direct), huge pages stay: they make 4 MiB requests, not 1 MiB */
	assert_false(snapshot_switch_to_small_pages(16 * MIB, 37 * MS, true));
	assert_false(snapshot_switch_to_small_pages(16 * MIB, 1 * MS, true));
}

static void fill(unsigned char *p, size_t len, unsigned char v)
{
	memset(p, v, len);
}

static void test_write_window_holes(void **state)
{
	(void)state;
	/* pages: READY(1), READY zero, HOLE, FAILED, READY(5), READY(6) */
	unsigned char st[6] = { PG_READY, PG_READY, PG_HOLE, PG_FAILED, PG_READY, PG_READY };
	unsigned char *packed = calloc(5, PS), page[PS];
	uint64_t data = 0;
	int fd = unit_temp_fd();

	fill(packed, PS, 1);       /* slot 0: page 0 */
	/* slot 1: page 1, zero; slot 2: page 3, failed */
	fill(packed + 3 * PS, PS, 5); /* slot 3: page 4 */
	fill(packed + 4 * PS, PS, 6); /* slot 4: page 5 */
	assert_int_equal(core_write_window(fd, st, packed, 6, PS, true, PS, &data), 0);
	assert_int_equal(data, 3 * PS);
	assert_int_equal(pread(fd, page, PS, PS), PS);
	assert_int_equal(page[0], 1);
	assert_int_equal(pread(fd, page, PS, 5 * PS), PS);
	assert_int_equal(page[PS - 1], 5);
	assert_int_equal(pread(fd, page, PS, 6 * PS), PS);
	assert_int_equal(page[0], 6);
	/* pages 1-3 were never written: the file has a hole there */
	assert_int_equal(lseek(fd, 2 * PS, SEEK_DATA), 5 * PS);
	free(packed);
	close(fd);
}

/*
 * Push many windows through a 2 MiB ring (it wraps and waits); the file
 * must hold them all. With two writers windows finish out of order, and the
 * ring space is still only reused once every older window is written.
 */
static void ring_writer_wraps(unsigned writers, bool direct)
{
	const size_t npages = 96, nwins = 40; /* 384 KiB windows: 5 per ring */
	unsigned char st[96], page[PS];
	struct snapshot s;
	struct core_output out = { .fd = unit_temp_fd() };
	int fd = out.fd, err;

	if (direct && !core_output_use_direct(&out, PS, true))
		skip(); /* the filesystem under /tmp takes no direct writes */
	memset(st, PG_READY, sizeof(st));
	assert_int_equal(snapshot_start(&s, fd, PS, NULL, 2 * MIB, writers, false, false), 0);
	assert_true(s.running);
	assert_int_equal(s.nwriters, writers);
	for (size_t w = 0; w < nwins; w++) {
		unsigned char *p = snapshot_alloc(&s, npages * PS, &err);

		assert_non_null(p);
		assert_int_equal(err, 0);
		assert_true(p >= s.ring && p + npages * PS <= s.ring + s.ring_len);
		fill(p, npages * PS, (unsigned char)(w + 1));
		assert_int_equal(snapshot_queue(&s, st, npages, p, npages * PS, w * npages * PS), 0);
	}
	assert_int_equal(snapshot_finish(&s), 0);
	assert_int_equal(s.data_bytes, nwins * npages * PS);
	snapshot_fini(&s);
	if (direct) { /* every write was aligned: direct I/O stayed on; read back buffered */
		assert_true(fcntl(fd, F_GETFL) & O_DIRECT);
		assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_DIRECT), 0);
	}
	for (size_t w = 0; w < nwins; w++) {
		assert_int_equal(pread(fd, page, PS, (off_t)((w * npages + npages - 1) * PS)), PS);
		assert_int_equal(page[0], w + 1);
	}
	close(fd);
}

static void test_ring_writer_wraps(void **state)
{
	(void)state;
	ring_writer_wraps(1, false);
}

static void test_ring_two_direct_writers_wrap(void **state)
{
	(void)state;
	ring_writer_wraps(SNAPSHOT_MAX_WRITERS, true);
}

/* A write error stops the copy side at its next allocation. */
static void test_ring_write_error(void **state)
{
	(void)state;
	unsigned char st[4] = { PG_READY, PG_READY, PG_READY, PG_READY };
	struct snapshot s;
	unsigned char *p;
	int err, fd = unit_temp_fd();

	close(fd); /* the writer's pwrite fails with EBADF */
	assert_int_equal(snapshot_start(&s, fd, PS, NULL, 2 * MIB, SNAPSHOT_MAX_WRITERS, false, false), 0);
	p = snapshot_alloc(&s, 4 * PS, &err);
	assert_non_null(p);
	fill(p, 4 * PS, 7);
	assert_int_equal(snapshot_queue(&s, st, 4, p, 4 * PS, 0), 0);
	for (int i = 0; i < 1000 && snapshot_alloc(&s, 2 * MIB, &err); i++)
		;
	assert_int_equal(err, -EBADF);
	assert_int_equal(snapshot_finish(&s), -EBADF);
	snapshot_fini(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_size_policy),
		cmocka_unit_test(test_direct_io_policy),
		cmocka_unit_test(test_huge_fault_pace),
		cmocka_unit_test(test_fault_budget),
		cmocka_unit_test(test_small_pages_only_where_the_ring_holds_the_dump),
		cmocka_unit_test(test_write_window_holes),
		cmocka_unit_test(test_ring_writer_wraps),
		cmocka_unit_test(test_ring_two_direct_writers_wrap),
		cmocka_unit_test(test_ring_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
