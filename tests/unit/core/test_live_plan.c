// SPDX-License-Identifier: MIT
/* Unit tests of the live dump's routes and protected-range bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/live_plan.h"

static void routes(void **state)
{
	const unsigned rw = MAP_PERM_R | MAP_PERM_W, r = MAP_PERM_R, x = MAP_PERM_X;
	static const char *const names[] = { "skip", "protect", "in pause", "after" };
	const struct {
		unsigned perms;
		unsigned long inode;
		const char *path;
		unsigned vmflags;
		uint64_t filesz;
		unsigned can; /* LIVE_CAN_* */
		enum live_route want;
		uint64_t kpage_kb;
	} cases[] = {
		/* private anonymous memory, whatever the kernel calls it */
		{ rw, 0, "", 0, 0x2000, false, LIVE_PROTECT, 0 },
		{ rw, 0, "[heap]", 0, 0x2000, false, LIVE_PROTECT, 0 },
		{ rw, 0, "[stack]", 0, 0x2000, false, LIVE_PROTECT, 0 },
		{ rw, 0, "[anon:arena]", 0, 0x2000, false, LIVE_PROTECT, 0 },
		/* read-only too: mprotect() could make it writable during the dump */
		{ r, 0, "", 0, 0x2000, false, LIVE_PROTECT, 0 },
		/* no data in the core: nothing to do */
		{ rw, 0, "", 0, 0, false, LIVE_SKIP, 0 },
		/* a library's .data (private file mapping): userfaultfd refuses it, copied in the pause */
		{ rw, 1234, "/usr/lib/libc.so.6", 0, 0x2000, false, LIVE_IN_PAUSE, 0 },
		/* its text and read-only data: after the pause */
		{ r | x, 1234, "/usr/lib/libc.so.6", 0, 0x1000, false, LIVE_AFTER, 0 },
		/* shared anonymous memory (shmem), hugetlb, memfd: not protected */
		{ rw | MAP_PERM_SHARED, 0, "", VMF_SHARED, 0x2000, false, LIVE_IN_PAUSE, 0 },
		{ rw, 0, "", VMF_HUGETLB, 0x2000, false, LIVE_IN_PAUSE, 0 },
		{ rw, 77, "/memfd:buf (deleted)", 0, 0x2000, false, LIVE_IN_PAUSE, 0 },
		/* private anonymous hugetlb: protected once the handshake enabled hugetlb write-protect */
		{ rw, 88, "/anon_hugepage (deleted)", VMF_HUGETLB, 0x200000, true, LIVE_PROTECT, 2048 },
		{ rw, 88, "/anon_hugepage (deleted)", VMF_HUGETLB, 0x200000, false, LIVE_IN_PAUSE, 2048 },
		{ rw, 88, "/anon_hugepage (deleted)", VMF_HUGETLB, 0, true, LIVE_SKIP, 2048 },
		/* 1 GiB pages (a fault would copy 1 GiB), or a page size smaps did not give: in the pause */
		{ rw, 88, "/anon_hugepage (deleted)", VMF_HUGETLB, 0x40000000, true, LIVE_IN_PAUSE, 1 << 20 },
		{ rw, 88, "/anon_hugepage (deleted)", VMF_HUGETLB, 0x200000, true, LIVE_IN_PAUSE, 0 },
		/* shared memory stays in the pause unless the caller found it the target's alone */
		{ rw | MAP_PERM_SHARED, 88, "/anon_hugepage (deleted)", VMF_HUGETLB | VMF_SHARED, 0x200000,
		  true, LIVE_IN_PAUSE, 2048 },
		{ rw | MAP_PERM_SHARED, 0, "/dev/zero (deleted)", VMF_SHARED, 0x2000, true, LIVE_IN_PAUSE, 0 },
		{ rw | MAP_PERM_SHARED, 77, "/memfd:buf (deleted)", VMF_SHARED, 0x2000, true, LIVE_IN_PAUSE, 0 },
		/* shared memory that is the target's alone (the caller checked): protected */
		{ rw | MAP_PERM_SHARED, 5, "/dev/zero (deleted)", VMF_SHARED, 0x2000, 3, LIVE_PROTECT, 0 },
		{ r | MAP_PERM_SHARED, 5, "/dev/zero (deleted)", VMF_SHARED, 0x2000, 3, LIVE_PROTECT, 0 },
		{ rw | MAP_PERM_SHARED, 9, "[anon_shmem:pool]", VMF_SHARED, 0x2000, 2, LIVE_PROTECT, 0 },
		{ rw | MAP_PERM_SHARED, 77, "/memfd:buf (deleted)", VMF_SHARED, 0x2000, 3, LIVE_PROTECT, 0 },
		{ rw | MAP_PERM_SHARED, 88, "/anon_hugepage (deleted)", VMF_HUGETLB | VMF_SHARED, 0x200000,
		  3, LIVE_PROTECT, 2048 },
		/* ... but shared hugetlb needs hugetlb write-protect and 2 MiB pages */
		{ rw | MAP_PERM_SHARED, 88, "/anon_hugepage (deleted)", VMF_HUGETLB | VMF_SHARED, 0x200000,
		  2, LIVE_IN_PAUSE, 2048 },
		{ rw | MAP_PERM_SHARED, 88, "/anon_hugepage (deleted)", VMF_HUGETLB | VMF_SHARED, 0x40000000,
		  3, LIVE_IN_PAUSE, 1 << 20 },
		/* what others can open by its name never: a /dev/shm file, a SysV segment, a real file */
		{ rw | MAP_PERM_SHARED, 66, "/dev/shm/pool", VMF_SHARED, 0x2000, 3, LIVE_IN_PAUSE, 0 },
		{ rw | MAP_PERM_SHARED, 65, "/SYSV00001234 (deleted)", VMF_SHARED, 0x2000, 3, LIVE_IN_PAUSE, 0 },
		{ rw | MAP_PERM_SHARED, 64, "/var/lib/db/table", VMF_SHARED, 0x2000, 3, LIVE_IN_PAUSE, 0 },
		{ r | MAP_PERM_SHARED, 64, "/var/lib/db/table", VMF_SHARED, 0x2000, 3, LIVE_AFTER, 0 },
		/* a private mapping of a hugetlbfs file shows the file where it is not written yet */
		{ rw, 99, "/dev/hugepages/pool", VMF_HUGETLB, 0x200000, true, LIVE_IN_PAUSE, 2048 },
		/* the kernel's special mappings are not anonymous memory */
		{ r | x, 0, "[vdso]", 0, 0x2000, false, LIVE_AFTER, 0 },
		{ rw, 0, "[uprobes]", 0, 0x1000, false, LIVE_IN_PAUSE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mapping m = { 0x1000, 0x3000, 0, cases[i].perms, cases[i].inode,
				     (char *)cases[i].path, cases[i].vmflags, true, 0, 0, cases[i].kpage_kb };
		enum live_route got = live_route(&m, cases[i].filesz, cases[i].can);

		if (got != cases[i].want)
			fail_msg("case %zu (%s): %s, want %s", i, cases[i].path, names[got], names[cases[i].want]);
	}
}

static const struct live_range ranges[] = {
	{ 0x10000, 0x4000, 0x1000, 0, false, -1, 0 },
	{ 0x14000, 0x2000, 0x5000, 0, false, -1, 0 }, /* touches the first */
	{ 0x20000, 0x1000, 0x7000, 0, false, -1, 0 },
};

static void find(void **state)
{
	(void)state;
	assert_int_equal(live_range_find(ranges, 3, 0x10000), 0);
	assert_int_equal(live_range_find(ranges, 3, 0x13fff), 0);
	assert_int_equal(live_range_find(ranges, 3, 0x14000), 1);
	assert_int_equal(live_range_find(ranges, 3, 0x20fff), 2);
	assert_int_equal(live_range_find(ranges, 3, 0x16000), -1);
	assert_int_equal(live_range_find(ranges, 3, 0xffff), -1);
	assert_int_equal(live_range_find(ranges, 3, 0x21000), -1);
	assert_int_equal(live_range_find(ranges, 0, 0x10000), -1);
}

static void at_risk(void **state)
{
	(void)state;
	/* nothing copied yet: any overlap with a protected range */
	assert_true(live_range_at_risk(ranges, 3, 0, 0x12000, 0x13000));
	assert_false(live_range_at_risk(ranges, 3, 0, 0x16000, 0x20000)); /* the gap */
	assert_true(live_range_at_risk(ranges, 3, 0, 0x0, 0x10001));
	/* the reader is past it */
	assert_false(live_range_at_risk(ranges, 3, 0x16000, 0x10000, 0x16000));
	/* the part at and above the reader is not copied yet */
	assert_true(live_range_at_risk(ranges, 3, 0x12000, 0x10000, 0x12001));
	assert_false(live_range_at_risk(ranges, 3, 0x12000, 0x10000, 0x12000));
	/* beyond every range */
	assert_false(live_range_at_risk(ranges, 3, 0, 0x21000, 0x30000));
	/* everything copied */
	assert_false(live_range_at_risk(ranges, 3, UINT64_MAX, 0x0, UINT64_MAX));
}

static void runs(void **state)
{
	struct live_range dropped[3] = { ranges[0], ranges[1], ranges[2] };

	(void)state;
	assert_int_equal(live_run_end(ranges, 3, 0), 2);
	assert_int_equal(live_run_end(ranges, 3, 1), 2);
	assert_int_equal(live_run_end(ranges, 3, 2), 3);
	/* a range refused (len 0) ends the run before it */
	dropped[1].len = 0;
	assert_int_equal(live_run_end(dropped, 3, 0), 1);
}

static void runs_keep_one_page_size(void **state)
{
	/* base pages, then hugetlb touching them: two ioctls (one would be refused, EINVAL) */
	const struct live_range mixed[] = {
		{ 0x1fe000, 0x2000, 0, 0, false, -1, 0 },
		{ 0x200000, 0x400000, 0x2000, 0x200000, false, -1, 0 },
		{ 0x600000, 0x200000, 0x402000, 0x200000, false, -1, 0 },
		{ 0x800000, 0x1000, 0x602000, 0, false, -1, 0 },
	};

	(void)state;
	assert_int_equal(live_run_end(mixed, 4, 0), 1);
	assert_int_equal(live_run_end(mixed, 4, 1), 3);
	assert_int_equal(live_run_end(mixed, 4, 3), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(routes),
		cmocka_unit_test(find),
		cmocka_unit_test(at_risk),
		cmocka_unit_test(runs),
		cmocka_unit_test(runs_keep_one_page_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
