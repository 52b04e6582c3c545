/* SPDX-License-Identifier: MIT */
/* Which mapping is the C library -restrack attaches to. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trigger/restrack_libc.h"

static void test_names(void **state)
{
	(void)state;
	assert_true(restrack_is_libc_name("/usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_true(restrack_is_libc_name("/lib/libc-2.31.so"));
	assert_true(restrack_is_libc_name("/lib/ld-musl-x86_64.so.1"));
	assert_true(restrack_is_libc_name("/usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)"));
	assert_false(restrack_is_libc_name("/usr/lib/libcrypto.so.3"));
	assert_false(restrack_is_libc_name("/usr/lib/libc.so.6.bak"));
	assert_false(restrack_is_libc_name("/usr/lib/x86_64-linux-gnu/libcap.so.2"));
	assert_false(restrack_is_libc_name("/usr/lib/libc-client.so.2007e"));
}

static void test_find(void **state)
{
	static const char dynamic[] =
		"55d4c6a00000-55d4c6a02000 r--p 00000000 fd:01 1835 /usr/bin/app\n"
		"7f1000000000-7f1000028000 r--p 00000000 fd:01 2001 /usr/lib/x86_64-linux-gnu/libcap.so.2\n"
		"7f2000000000-7f2000028000 r--p 00000000 fd:01 2002 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
		"7f2000028000-7f200019d000 r-xp 00028000 fd:01 2002 /usr/lib/x86_64-linux-gnu/libc.so.6\n";
	static const char stat_bin[] =
		"00400000-00401000 r--p 00000000 fd:01 1835 /usr/bin/static_app\n"
		"00401000-00499000 r-xp 00001000 fd:01 1835 /usr/bin/static_app\n"
		"7ffc2e5f6000-7ffc2e5f8000 r-xp 00000000 00:00 0 [vdso]\n";
	struct maps m;
	size_t idx;

	(void)state;
	assert_int_equal(maps_parse(dynamic, sizeof(dynamic) - 1, &m), 0);
	assert_int_equal(restrack_find_libc(&m, &idx), 0);
	assert_int_equal(idx, 2);
	maps_free(&m);
	assert_int_equal(maps_parse(stat_bin, sizeof(stat_bin) - 1, &m), 0);
	assert_int_equal(restrack_find_libc(&m, &idx), -ENOENT);
	maps_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
