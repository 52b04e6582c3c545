/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dump/naming.h"

static struct tm at(int year, int mon, int mday, int h, int m, int s)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
			 .tm_hour = h, .tm_min = m, .tm_sec = s };
	return tm;
}

struct name_case {
	const char *dir, *proc, *custom, *trigger;
	struct tm tm;
	int pid;
	unsigned index;
	const char *want;
};

static void test_names(void **state)
{
	const struct name_case cases[] = {
		{ "/tmp/out", "rssspike", NULL, "commit", at(2026, 11, 25, 0, 9, 49), 5314, 0,
		  "/tmp/out/rssspike_commit_261125_000949.5314" },
		{ ".", "sleeper", "", "time", at(2025, 1, 2, 3, 4, 5), 42, 3, "./sleeper_time_250102_030405.42" },
		{ "/tmp/out/", "my-app.v2", NULL, "cpu", at(2031, 12, 31, 23, 59, 59), 7, 0,
		  "/tmp/out/my_app_v2_cpu_311231_235959.7" },
		{ "/", "", NULL, "signal", at(2000, 6, 7, 8, 9, 10), 1, 0, "/unknown_signal_000607_080910.1" },
		{ "/tmp", "ignored", "mydump", "time", at(2025, 1, 1, 0, 0, 0), 99, 0, "/tmp/mydump.99" },
		{ "/tmp", "ignored", "mydump", "time", at(2025, 1, 1, 0, 0, 0), 99, 1, "/tmp/mydump_1.99" },
		{ "/tmp", "ignored", "mydump", "time", at(2025, 1, 1, 0, 0, 0), 99, 2, "/tmp/mydump_2.99" },
		{ "d", "dotnet", "crash.core", "exception", at(2025, 1, 1, 0, 0, 0), 5, 11, "d/crash.core_11.5" },
		{ "d/", "dotnet", "crash.core", "exception", at(2025, 1, 1, 0, 0, 0), 5, 0, "d/crash.core.5" },
	};
	char out[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct name_case *c = &cases[i];

		assert_int_equal(naming_build(out, sizeof(out), c->dir, c->proc, c->custom, c->trigger, &c->tm,
					      c->pid, c->index), 0);
		assert_string_equal(out, c->want);
	}
}

static void test_too_long(void **state)
{
	struct tm tm = at(2025, 1, 1, 0, 0, 0);
	char out[24];

	(void)state;
	assert_int_equal(naming_build(out, sizeof(out), "/tmp", "averyveryverylongname", NULL, "time", &tm, 1, 0),
			 -ENAMETOOLONG);
	/* exactly fitting: "/tmp/a_time_250101_000000.1" is 27 chars */
	char fit[28];
	assert_int_equal(naming_build(fit, sizeof(fit), "/tmp", "a", NULL, "time", &tm, 1, 0), 0);
	assert_string_equal(fit, "/tmp/a_time_250101_000000.1");
	assert_int_equal(naming_build(fit, sizeof(fit) - 1, "/tmp", "a", NULL, "time", &tm, 1, 0), -ENAMETOOLONG);
}

static void test_add_suffix(void **state)
{
	char p[64] = "/tmp/my.dir/app_cpu_261125_101500.1234";
	char small[24] = "/t/a_time_250101_0.1";

	(void)state;
	assert_int_equal(naming_add_suffix(p, sizeof(p), 1), 0);
	assert_string_equal(p, "/tmp/my.dir/app_cpu_261125_101500_1.1234");
	assert_int_equal(naming_add_suffix(small, sizeof(small), 12), 0);
	assert_string_equal(small, "/t/a_time_250101_0_12.1");
	assert_int_equal(naming_add_suffix(small, sizeof(small), 123), -ENAMETOOLONG);
	assert_string_equal(small, "/t/a_time_250101_0_12.1");
}

static void test_sanitize(void **state)
{
	char out[8];

	(void)state;
	naming_sanitize("a b/c:d", out, sizeof(out));
	assert_string_equal(out, "a_b_c_d");
	naming_sanitize("abcdefghijk", out, sizeof(out));
	assert_string_equal(out, "abcdefg");
	naming_sanitize(NULL, out, sizeof(out));
	assert_string_equal(out, "unknown");
	naming_sanitize("\xc3\xa9t\xc3\xa9", out, sizeof(out));
	assert_string_equal(out, "__t__");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_add_suffix),
		cmocka_unit_test(test_sanitize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
