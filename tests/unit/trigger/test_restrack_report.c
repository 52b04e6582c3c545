/* SPDX-License-Identifier: MIT */
/* The leak report: grouping, order, and both output forms. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "trigger/restrack_report.h"

static void test_group_order(void **state)
{
	/* stack 7: 3 x 100 = 300; stack 2: 1 x 4096; stack -1: 2 x 10; stack 9: 300 in 1 */
	const struct rt_record rec[] = {
		{ 7, 100, 50 }, { 2, 4096, 70 }, { 7, 100, 20 }, { -1, 10, 5 },
		{ 7, 100, 90 }, { -1, 10, 1 }, { 9, 300, 10 },
	};
	struct rt_group *g;
	size_t n;

	(void)state;
	assert_int_equal(rt_group_records(rec, sizeof(rec) / sizeof(rec[0]), &g, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(g[0].stack_id, 2);
	assert_int_equal(g[0].bytes, 4096);
	assert_int_equal(g[0].count, 1);
	/* equal bytes: more blocks first */
	assert_int_equal(g[1].stack_id, 7);
	assert_int_equal(g[1].count, 3);
	assert_int_equal(g[1].bytes, 300);
	assert_int_equal(g[1].oldest_ts_ns, 20);
	assert_int_equal(g[2].stack_id, 9);
	assert_int_equal(g[3].stack_id, -1);
	assert_int_equal(g[3].count, 2);
	assert_int_equal(g[3].oldest_ts_ns, 1);
	free(g);

	assert_int_equal(rt_group_records(rec, 0, &g, &n), 0);
	assert_int_equal(n, 0);
	assert_null(g);
}

/* A large input stays exact: 1000 leaked blocks among 100000 others. */
static void test_group_many(void **state)
{
	size_t total = 101000;
	struct rt_record *rec = calloc(total, sizeof(*rec));
	struct rt_group *g;
	size_t n;

	(void)state;
	assert_non_null(rec);
	for (size_t i = 0; i < total; i++)
		rec[i] = (struct rt_record){ .stack_id = i % 101 == 0 && i / 101 < 1000 ? 5 : (int32_t)(10 + i % 50),
					     .size = i % 101 == 0 && i / 101 < 1000 ? 4096 : 16,
					     .ts_ns = 1000 + i };
	assert_int_equal(rt_group_records(rec, total, &g, &n), 0);
	assert_int_equal(g[0].stack_id, 5);
	assert_int_equal(g[0].count, 1000);
	assert_int_equal(g[0].bytes, 1000 * 4096);
	assert_int_equal(g[0].oldest_ts_ns, 1000);
	free(g);
	free(rec);
}

static size_t fake_frames(void *ctx, int32_t id, struct rt_frame *fr, size_t max)
{
	(void)ctx;
	assert_true(max >= 3);
	if (id == 2) {
		fr[0] = (struct rt_frame){ .ip = 0x401136, .module = "/usr/bin/app", .sym = "leak_blocks", .off = 0x1d };
		fr[1] = (struct rt_frame){ .ip = 0x401200, .module = "/usr/bin/app", .sym = NULL, .off = 0x1200 };
		fr[2] = (struct rt_frame){ .ip = 0x7f0012345678 };
		return 3;
	}
	return 0;
}

static char *render(bool json, const struct rt_group *g, size_t n)
{
	struct rt_report_head h = { .pid = 42, .name = "app \"x\"", .trigger = "time", .dump_path = "/tmp/d.42",
				    .sample_rate = 10, .now_ns = 3500000000ull, .tracked_ns = 2000000000ull,
				    .counters = { .allocs = 9, .sampled = 3, .freed = 1, .map_full = 4 } };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(rt_report_write(f, json, &h, g, n, fake_frames, NULL), 0);
	fclose(f);
	return buf;
}

static void test_text(void **state)
{
	const struct rt_group g[] = { { .stack_id = 2, .count = 1000, .bytes = 4096000, .oldest_ts_ns = 1000000000ull },
				      { .stack_id = 3, .count = 1, .bytes = 8, .oldest_ts_ns = 3000000000ull } };
	char *out = render(false, g, 2), *empty;

	(void)state;
	assert_non_null(strstr(out, "process app \"x\" (42), trigger time, dump /tmp/d.42\n"));
	assert_non_null(strstr(out, "sample rate 1 in 10 (counts and bytes are of the sampled blocks only)\n"));
	assert_non_null(strstr(out, "outstanding: 1001 blocks, 4096008 bytes, 2 stacks\n"));
	assert_non_null(strstr(out, "4 lost (map full)"));
	assert_non_null(strstr(out, "\n#1 1000 blocks, 4096000 bytes, oldest 2.500 s\n"
				    "    leak_blocks+0x1d (/usr/bin/app)\n"
				    "    app+0x1200\n"
				    "    0x7f0012345678\n"));
	assert_non_null(strstr(out, "\n#2 1 blocks, 8 bytes, oldest 0.500 s\n    (stack not available)\n"));
	free(out);
	empty = render(false, NULL, 0);
	assert_non_null(strstr(empty, "No leaks detected."));
	free(empty);
}

static void test_json(void **state)
{
	const struct rt_group g[] = { { .stack_id = 2, .count = 1000, .bytes = 4096000, .oldest_ts_ns = 1000000000ull } };
	char *out = render(true, g, 1);

	(void)state;
	assert_non_null(strstr(out, "{\"pid\":42,\"name\":\"app \\\"x\\\"\",\"trigger\":\"time\""));
	assert_non_null(strstr(out, "\"sample_rate\":10,\"blocks\":1000,\"bytes\":4096000"));
	assert_non_null(strstr(out, "\"map_full\":4"));
	assert_non_null(strstr(out, "\"stacks\":[{\"blocks\":1000,\"bytes\":4096000,\"oldest_s\":2.500,\"frames\":["
				    "{\"ip\":\"0x401136\",\"module\":\"/usr/bin/app\",\"symbol\":\"leak_blocks\",\"offset\":29},"
				    "{\"ip\":\"0x401200\",\"module\":\"/usr/bin/app\",\"offset\":4608},"
				    "{\"ip\":\"0x7f0012345678\"}]}]}\n"));
	free(out);
}

static void test_frame_text(void **state)
{
	char buf[64];
	struct rt_frame a = { .ip = 1, .module = "/lib/libc.so.6", .sym = "malloc", .off = 0 };
	struct rt_frame b = { .ip = 1, .module = "/lib/libc.so.6", .off = 0x2a };
	struct rt_frame c = { .ip = 0xdead };

	(void)state;
	assert_string_equal(rt_frame_text(&a, buf, sizeof(buf)), "malloc+0x0");
	assert_string_equal(rt_frame_text(&b, buf, sizeof(buf)), "libc.so.6+0x2a");
	assert_string_equal(rt_frame_text(&c, buf, sizeof(buf)), "0xdead");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_order),
		cmocka_unit_test(test_group_many),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_frame_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
