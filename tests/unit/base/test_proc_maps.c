// SPDX-License-Identifier: MIT
/* cmocka tests of the maps/smaps parser and the coredump_filter policy. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/proc_maps.h"

static const char maps_text[] =
	"55d0c0a00000-55d0c0a01000 r--p 00000000 fe:01 1234                       /usr/bin/dumpee\n"
	"55d0c0a01000-55d0c0a02000 r-xp 00001000 fe:01 1234                       /usr/bin/dumpee\n"
	"55d0c1000000-55d0c1021000 rw-p 00000000 00:00 0                          [heap]\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000100000-7f0000200000 rw-s 00000000 00:01 77                         /dev/zero (deleted)\n"
	"7f0000300000-7f0000301000 r--p 00000000 fe:01 99                         /tmp/a file with spaces\n"
	"7ffd000f0000-7ffd000f2000 r-xp 00000000 00:00 0                          [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void test_parse_maps(void **state)
{
	(void)state;
	struct maps m;

	assert_int_equal(maps_parse(maps_text, strlen(maps_text), &m), 0);
	assert_int_equal(m.n, 8);
	assert_int_equal(m.v[0].start, 0x55d0c0a00000ull);
	assert_int_equal(m.v[0].end, 0x55d0c0a01000ull);
	assert_int_equal(m.v[0].perms, MAP_PERM_R);
	assert_int_equal(m.v[0].inode, 1234);
	assert_string_equal(m.v[0].path, "/usr/bin/dumpee");
	assert_int_equal(m.v[1].offset, 0x1000);
	assert_int_equal(m.v[1].perms, MAP_PERM_R | MAP_PERM_X);
	assert_string_equal(m.v[2].path, "[heap]");
	assert_string_equal(m.v[3].path, "");
	assert_int_equal(m.v[3].perms, 0);
	assert_int_equal(m.v[4].perms, MAP_PERM_R | MAP_PERM_W | MAP_PERM_SHARED);
	assert_string_equal(m.v[5].path, "/tmp/a file with spaces");
	assert_int_equal(m.v[7].start, 0xffffffffff600000ull);
	assert_false(m.v[0].has_smaps);
	assert_true(mapping_is_file(&m.v[0]));
	assert_false(mapping_is_file(&m.v[2]));
	assert_true(mapping_is_anon_shared(&m.v[4]));
	maps_free(&m);
}

static const char smaps_text[] =
	"7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
	"Size:               4096 kB\n"
	"Rss:                 512 kB\n"
	"Anonymous:           512 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n"
	"7f0000400000-7f0000500000 rw-p 00000000 00:00 0 \n"
	"Size:               1024 kB\n"
	"Rss:                1024 kB\n"
	"Anonymous:          1024 kB\n"
	"VmFlags: rd wr mr mw me ac sd dd \n"
	"7f0000600000-7f0000601000 r--p 00000000 fe:01 55                         /usr/lib/libc.so.6\n"
	"Rss:                   4 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd mr mw me sd \n"
	"7f0000601000-7f0000602000 rw-p 00001000 fe:01 55                         /usr/lib/libc.so.6\n"
	"Anonymous:             4 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n"
	"7ffd00000000-7ffd00002000 r--p 00000000 00:00 0                          [vvar]\n"
	"VmFlags: rd mr pf io de dd \n"
	"7f0000700000-7f0000900000 rw-s 00000000 00:0f 3                          /anon_hugepage (deleted)\n"
	"KernelPageSize:     2048 kB\n"
	"VmFlags: rd wr sh mr mw me ms de ht sd \n";

static void test_parse_smaps(void **state)
{
	(void)state;
	struct maps m;

	assert_int_equal(maps_parse(smaps_text, strlen(smaps_text), &m), 0);
	assert_int_equal(m.n, 6);
	assert_true(m.v[0].has_smaps);
	assert_int_equal(m.v[0].rss_kb, 512);
	assert_int_equal(m.v[0].anon_kb, 512);
	assert_int_equal(m.v[0].vmflags, 0);
	assert_int_equal(m.v[1].vmflags, VMF_DONTDUMP);
	assert_int_equal(m.v[3].anon_kb, 4);
	assert_int_equal(m.v[4].vmflags, VMF_IO | VMF_DONTDUMP);
	assert_int_equal(m.v[5].vmflags, VMF_SHARED | VMF_HUGETLB);
	/* the huge page size (live dumps protect hugetlb by whole huge pages); 0 where not given */
	assert_int_equal(m.v[5].kpage_kb, 2048);
	assert_int_equal(m.v[0].kpage_kb, 0);

	/* default filter 0x33 */
	assert_int_equal(maps_dump_kind(&m.v[0], CDF_DEFAULT), DUMP_WHOLE);
	assert_int_equal(maps_dump_kind(&m.v[1], CDF_DEFAULT), DUMP_SKIP);       /* dd */
	assert_int_equal(maps_dump_kind(&m.v[2], CDF_DEFAULT), DUMP_ELF_HEADER); /* text, offset 0 */
	assert_int_equal(maps_dump_kind(&m.v[3], CDF_DEFAULT), DUMP_WHOLE);      /* written .data */
	assert_int_equal(maps_dump_kind(&m.v[4], CDF_DEFAULT), DUMP_SKIP);       /* io/dd vvar */
	assert_int_equal(maps_dump_kind(&m.v[5], CDF_DEFAULT), DUMP_SKIP);       /* hugetlb shared: bit 6 off */
	assert_int_equal(maps_dump_kind(&m.v[5], CDF_DEFAULT | CDF_HUGETLB_SHARED), DUMP_WHOLE);

	/* filter semantics bit by bit */
	assert_int_equal(maps_dump_kind(&m.v[0], 0), DUMP_SKIP);
	assert_int_equal(maps_dump_kind(&m.v[2], CDF_FILE_PRIVATE), DUMP_WHOLE);
	assert_int_equal(maps_dump_kind(&m.v[2], CDF_ANON_PRIVATE), DUMP_SKIP);
	assert_int_equal(maps_dump_kind(&m.v[3], CDF_ANON_PRIVATE), DUMP_WHOLE);
	assert_int_equal(maps_dump_kind(&m.v[3], CDF_ELF_HEADERS), DUMP_SKIP); /* offset != 0 */
	maps_free(&m);
}

static const char merge_smaps_text[] =
	"7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
	"Rss:                 512 kB\n"
	"KernelPageSize:        4 kB\n"
	"Anonymous:           512 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n"
	"7f0000400000-7f0000500000 rw-p 00000000 00:00 0 \n"
	"Rss:                1024 kB\n"
	"Anonymous:          1024 kB\n"
	"VmFlags: rd wr mr mw me ac sd dd \n"
	"7f0000601000-7f0000602000 rw-p 00001000 fe:01 55                         /usr/lib/libc.so.6\n"
	"Anonymous:             4 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n"
	"7f0000602000-7f0000603000 rw-p 00002000 fe:01 55                         /usr/lib/libc.so.6\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd wr mr mw me ac sd \n";

static void test_merge_smaps(void **state)
{
	/* the same mappings as /proc/PID/maps shows them a moment later, minus one */
	static const char now_text[] =
		"7f0000000000-7f0000400000 rw-p 00000000 00:00 0 \n"
		"7f0000400000-7f0000500000 rw-p 00000000 00:00 0 \n"
		"7f0000602000-7f0000603000 rw-p 00002000 fe:01 55                         /usr/lib/libc.so.6\n";
	static const char grown_text[] = "7f0000000000-7f0000800000 rw-p 00000000 00:00 0 \n";
	static const char new_text[] = "7f0000300000-7f0000301000 rw-p 00000000 00:00 0 \n";
	static const char perms_text[] = "7f0000400000-7f0000500000 r--p 00000000 00:00 0 \n";
	struct maps before, now;

	(void)state;
	assert_int_equal(maps_parse(merge_smaps_text, strlen(merge_smaps_text), &before), 0);
	assert_int_equal(maps_parse(now_text, strlen(now_text), &now), 0);
	assert_false(now.v[1].has_smaps);
	assert_int_equal(maps_merge_smaps(&now, &before), 0);
	assert_true(now.v[0].has_smaps);
	assert_int_equal(now.v[0].rss_kb, 512);
	assert_int_equal(now.v[0].anon_kb, 512);
	assert_int_equal(now.v[0].kpage_kb, 4);
	assert_int_equal(now.v[1].vmflags, VMF_DONTDUMP);
	assert_int_equal(maps_dump_kind(&now.v[1], CDF_DEFAULT), DUMP_SKIP);
	/* .data without anonymous pages then may have some now: dumped whole, as writable */
	assert_false(now.v[2].has_smaps);
	assert_int_equal(maps_dump_kind(&now.v[2], CDF_DEFAULT), DUMP_WHOLE);
	maps_free(&now);
	/* a mapping that grew, a new one, changed permissions: read smaps again */
	assert_int_equal(maps_parse(grown_text, strlen(grown_text), &now), 0);
	assert_int_equal(maps_merge_smaps(&now, &before), -ESTALE);
	maps_free(&now);
	assert_int_equal(maps_parse(new_text, strlen(new_text), &now), 0);
	assert_int_equal(maps_merge_smaps(&now, &before), -ESTALE);
	maps_free(&now);
	assert_int_equal(maps_parse(perms_text, strlen(perms_text), &now), 0);
	assert_int_equal(maps_merge_smaps(&now, &before), -ESTALE);
	maps_free(&now);
	maps_free(&before);
}

static void test_policy_maps_only(void **state)
{
	(void)state;
	struct maps m;

	assert_int_equal(maps_parse(maps_text, strlen(maps_text), &m), 0);
	assert_int_equal(maps_dump_kind(&m.v[3], CDF_DEFAULT), DUMP_SKIP);  /* PROT_NONE */
	assert_int_equal(maps_dump_kind(&m.v[4], CDF_DEFAULT), DUMP_WHOLE); /* anon shared, bit 1 */
	assert_int_equal(maps_dump_kind(&m.v[4], CDF_ANON_PRIVATE), DUMP_SKIP);
	assert_int_equal(maps_dump_kind(&m.v[6], 0), DUMP_WHOLE);           /* vdso always */
	assert_int_equal(maps_dump_kind(&m.v[7], 0xff), DUMP_SKIP);         /* vsyscall unreadable */
	maps_free(&m);
}

static void test_file_shared_bit(void **state)
{
	(void)state;
	static const char t[] = "7f0000000000-7f0000002000 rw-s 00000000 fe:01 42 /data/shared.bin\n";
	struct maps m;

	assert_int_equal(maps_parse(t, strlen(t), &m), 0);
	assert_false(mapping_is_anon_shared(&m.v[0]));
	assert_int_equal(maps_dump_kind(&m.v[0], CDF_DEFAULT), DUMP_SKIP);
	assert_int_equal(maps_dump_kind(&m.v[0], CDF_FILE_SHARED), DUMP_WHOLE);
	maps_free(&m);
}

static void test_filter_parse_and_garbage(void **state)
{
	(void)state;
	unsigned long f = 0;
	struct maps m;

	assert_int_equal(maps_parse_filter("00000033\n", 9, &f), 0);
	assert_int_equal(f, 0x33);
	assert_int_equal(maps_parse_filter("zz", 2, &f), -EINVAL);
	assert_int_equal(maps_parse_filter("", 0, &f), -EINVAL);
	/* garbage lines are ignored, an empty buffer is an empty list */
	assert_int_equal(maps_parse("hello\nworld", 11, &m), 0);
	assert_int_equal(m.n, 0);
	maps_free(&m);
}

/* Another process's maps: does it map this shared object (inode and path both)? */
static void test_maps_text_has_object(void **state)
{
	static const char text[] =
		"7f0000000000-7f0004000000 rw-s 00000000 00:01 4242                       /dev/zero (deleted)\n"
		"7f1000000000-7f1000001000 rw-s 00000000 00:01 77                         /memfd:buf (deleted)\n"
		"7f2000000000-7f2000001000 rw-p 00000000 00:00 0 \n"
		"7f3000000000-7f3000001000 r--p 00000000 08:01 4242                       /usr/lib/libx.so";

	(void)state;
	assert_true(maps_text_has_object(text, strlen(text), 4242, "/dev/zero (deleted)"));
	assert_true(maps_text_has_object(text, strlen(text), 77, "/memfd:buf (deleted)"));
	/* the same inode number with another path is another object, and the reverse */
	assert_false(maps_text_has_object(text, strlen(text), 4242, "/memfd:buf (deleted)"));
	assert_false(maps_text_has_object(text, strlen(text), 424, "/dev/zero (deleted)"));
	assert_false(maps_text_has_object(text, strlen(text), 77, "/memfd:bu"));
	/* the last line has no newline; a truncated or empty text holds nothing */
	assert_true(maps_text_has_object(text, strlen(text), 4242, "/usr/lib/libx.so"));
	assert_false(maps_text_has_object(text, 30, 4242, "/dev/zero (deleted)"));
	assert_false(maps_text_has_object("", 0, 0, ""));
}

/* Shared memory nobody can open by its name: the kinds a live dump may write-protect. */
static void test_unnamed_shared(void **state)
{
	const struct {
		unsigned perms;
		unsigned long inode;
		const char *path;
		bool want;
	} cases[] = {
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/dev/zero (deleted)", true },
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "[anon_shmem:pool]", true },
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/memfd:x (deleted)", true },
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/anon_hugepage (deleted)", true },
		{ MAP_PERM_W, 5, "/dev/zero (deleted)", false },           /* private */
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/memfd:x", false },    /* not unlinked? not a memfd */
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/dev/shm/x", false },
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/dev/shm/x (deleted)", false },
		{ MAP_PERM_SHARED | MAP_PERM_W, 5, "/SYSV00000000 (deleted)", false },
		{ MAP_PERM_SHARED | MAP_PERM_W, 0, "/dev/zero (deleted)", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mapping m = { .perms = cases[i].perms, .inode = cases[i].inode,
				     .path = (char *)cases[i].path };

		if (mapping_is_unnamed_shared(&m) != cases[i].want)
			fail_msg("case %zu (%s)", i, cases[i].path);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_maps),
		cmocka_unit_test(test_parse_smaps),
		cmocka_unit_test(test_merge_smaps),
		cmocka_unit_test(test_policy_maps_only),
		cmocka_unit_test(test_file_shared_bit),
		cmocka_unit_test(test_filter_parse_and_garbage),
		cmocka_unit_test(test_maps_text_has_object),
		cmocka_unit_test(test_unnamed_shared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
