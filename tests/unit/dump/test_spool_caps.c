/* SPDX-License-Identifier: MIT */
/* The storage caps: sizes as written, and the decision before a dump (go, evict, or which cap refuses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dump/spool_caps.h"

#define MiB (1ull << 20)
#define GiB (1ull << 30)

static void test_sizes(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
		unsigned pct;
	} ok[] = {
		{ "4096", 4096, 0 },	   { "0", 0, 0 },	   { "512M", 512 * MiB, 0 }, { "512MiB", 512 * MiB, 0 },
		{ "512MB", 512 * MiB, 0 }, { "10G", 10 * GiB, 0 }, { "1T", 1ull << 40, 0 },  { "8K", 8192, 0 },
		{ "100B", 100, 0 },	   { "15%", 0, 15 },	   { "100%", 0, 100 },
	};
	static const char *const bad[] = { "",
					   "G",
					   "-1",
					   "10X",
					   "10GG",
					   "10GiBB",
					   "1.5G",
					   "0%",
					   "101%",
					   "5%x",
					   "99999999999999999999",
					   "20000000000T",
					   " 5",
					   NULL };
	struct spool_size s;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (spool_parse_size(ok[i].s, true, &s))
			fail_msg("'%s' refused", ok[i].s);
		assert_int_equal(s.bytes, ok[i].bytes);
		assert_int_equal(s.pct, ok[i].pct);
	}
	for (const char *const *b = bad; *b; b++)
		if (!spool_parse_size(*b, true, &s))
			fail_msg("'%s' taken", *b);
	assert_int_not_equal(spool_parse_size("10%", false, &s), 0); /* max-dump has no percentage */
	assert_int_equal(spool_size_bytes(&(struct spool_size){ .pct = 10 }, 1000 * MiB), 100 * MiB);
	assert_int_equal(spool_size_bytes(&(struct spool_size){ .bytes = 7 }, 1000 * MiB), 7);
}

static void test_fmt(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(spool_fmt_size(4096, b, sizeof(b)), "4 KiB");
	assert_string_equal(spool_fmt_size(1000, b, sizeof(b)), "1000 B");
	assert_string_equal(spool_fmt_size(812 * MiB, b, sizeof(b)), "812 MiB");
	assert_string_equal(spool_fmt_size(3 * GiB / 2, b, sizeof(b)), "1.5 GiB");
	assert_string_equal(spool_fmt_size(2 * GiB, b, sizeof(b)), "2 GiB");
}

static const struct spool_fs big_fs = { .total_bytes = 1000 * GiB, .avail_bytes = 900 * GiB };

static void test_no_caps_go(void **state)
{
	struct spool_caps c = { 0 };
	size_t ev[1], nev = 99;
	char why[256];

	(void)state;
	assert_int_equal(spool_plan(&c, &big_fs, NULL, 0, 100 * GiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 0);
	/* even with no cap the dump needs its own room */
	assert_int_equal(spool_plan(&c, &big_fs, NULL, 0, 901 * GiB, ev, &nev, why, sizeof(why)), SPOOL_KEEP_FREE);
	assert_string_equal(why, "it would need about 901 GiB and 900 GiB is free, 0 "
				 "B of it to keep (keep-free, "
				 "no uploaded dump to evict)");
}

static void test_max_dump(void **state)
{
	struct spool_caps c = { .max_dump = { .bytes = 500 * MiB } };
	size_t ev[1], nev;
	char why[256];

	(void)state;
	assert_int_equal(spool_plan(&c, &big_fs, NULL, 0, 500 * MiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(spool_plan(&c, &big_fs, NULL, 0, 812 * MiB, ev, &nev, why, sizeof(why)), SPOOL_TOO_BIG);
	assert_string_equal(why, "it would need about 812 MiB, over max-dump 500 MiB");
	assert_string_equal(spool_verdict_name(SPOOL_TOO_BIG), "max-dump");
}

static void test_max_use_evicts_oldest_uploaded_first(void **state)
{
	struct spool_caps c = { .max_use = { .bytes = 1 * GiB } };
	/* 900 MiB used: two uploaded (ages 30 and 10), one not uploaded (oldest of all) */
	const struct spool_entry e[] = {
		{ .bytes = 300 * MiB, .mtime = 30, .uploaded = true },
		{ .bytes = 300 * MiB, .mtime = 5, .uploaded = false },
		{ .bytes = 300 * MiB, .mtime = 10, .uploaded = true },
	};
	size_t ev[3], nev;
	char why[256];

	(void)state;
	/* 100 MiB fits without eviction */
	assert_int_equal(spool_plan(&c, &big_fs, e, 3, 100 * MiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 0);
	/* 200 MiB needs 76 MiB more: the oldest uploaded one goes (index 2), never the pending one */
	assert_int_equal(spool_plan(&c, &big_fs, e, 3, 200 * MiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 1);
	assert_int_equal(ev[0], 2);
	/* 600 MiB: both uploaded ones, oldest first */
	assert_int_equal(spool_plan(&c, &big_fs, e, 3, 600 * MiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 2);
	assert_int_equal(ev[0], 2);
	assert_int_equal(ev[1], 0);
	/* 800 MiB: even evicting both leaves 1.1 GiB: refused, nothing evicted */
	assert_int_equal(spool_plan(&c, &big_fs, e, 3, 800 * MiB, ev, &nev, why, sizeof(why)), SPOOL_MAX_USE);
	assert_int_equal(nev, 0);
	assert_string_equal(why, "it would need about 800 MiB and the spool may grow "
				 "by 124 MiB (max-use 1 GiB, "
				 "after evicting every uploaded dump)");
}

static void test_keep_free(void **state)
{
	struct spool_caps c = { .keep_free = { .pct = 15 } };
	const struct spool_fs fs = { .total_bytes = 100 * GiB, .avail_bytes = 20 * GiB };
	const struct spool_entry e[] = { { .bytes = 2 * GiB, .mtime = 1, .uploaded = true } };
	size_t ev[1], nev;
	char why[256];

	(void)state;
	/* 15 GiB to keep, 20 free: 5 GiB fit, 6 GiB need the uploaded dump gone, 8 GiB cannot */
	assert_int_equal(spool_plan(&c, &fs, e, 1, 5 * GiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 0);
	assert_int_equal(spool_plan(&c, &fs, e, 1, 6 * GiB, ev, &nev, why, sizeof(why)), SPOOL_GO);
	assert_int_equal(nev, 1);
	assert_int_equal(spool_plan(&c, &fs, e, 1, 8 * GiB, ev, &nev, why, sizeof(why)), SPOOL_KEEP_FREE);
	assert_int_equal(nev, 0);
	assert_string_equal(why, "it would need about 8 GiB and 20 GiB is free, 15 "
				 "GiB of it to keep (keep-free, "
				 "after evicting every uploaded dump)");
}

static void test_defaults(void **state)
{
	struct spool_caps c;

	(void)state;
	spool_caps_default(&c);
	assert_int_equal(c.max_use.pct, 10);
	assert_int_equal(c.keep_free.pct, 15);
	assert_int_equal(c.max_dump.bytes + c.max_dump.pct, 0);
	assert_int_equal(c.max_concurrent, 1);
}

static void test_caps_through_the_environment(void **state)
{
	struct spool_caps c = { .max_use = { .pct = 10 }, .keep_free = { .bytes = 0 }, .max_dump = { .bytes = 4 * GiB },
				.max_concurrent = 2 },
			  back;
	char line[256];

	(void)state;
	spool_caps_format(&c, line, sizeof(line));
	assert_string_equal(line, "max-use=10%,keep-free=0,max-dump=4294967296,max-concurrent=2");
	assert_int_equal(spool_caps_parse(line, &back), 0);
	assert_memory_equal(&back, &c, sizeof(c));
	assert_int_not_equal(spool_caps_parse("max-use=10%", &back), 0); /* every field, or none */
	assert_int_not_equal(spool_caps_parse("max-use=1,keep-free=1,max-dump=5%,max-concurrent=1", &back), 0);
	assert_int_not_equal(spool_caps_parse("max-use=1,keep-free=1,max-dump=1,max-concurrent=65", &back), 0);
	assert_int_not_equal(spool_caps_parse("max-use=1,keep-free=1,max-dump=1,bogus=1", &back), 0);
	assert_int_not_equal(spool_caps_parse(NULL, &back), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_fmt),
		cmocka_unit_test(test_no_caps_go),
		cmocka_unit_test(test_max_dump),
		cmocka_unit_test(test_max_use_evicts_oldest_uploaded_first),
		cmocka_unit_test(test_keep_free),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_caps_through_the_environment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
