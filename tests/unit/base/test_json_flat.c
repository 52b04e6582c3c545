/* SPDX-License-Identifier: MIT */
/* Reading back our own JSON event lines: strings, numbers, escapes, and what is not there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/json_flat.h"

static const char line[] = "{\"time\":\"2026-12-03T08:41:06.310+00:00\",\"event\":\"dump\",\"pid\":17728,"
			   "\"name\":\"a \\\"b\\\" \\\\ c\\n\\u0001\\u00e9\",\"path\":\"/tmp/x,y}\",\"index\":0,"
			   "\"value\":-12}";

static void test_strings(void **state)
{
	char s[64];

	(void)state;
	assert_true(json_flat_string(line, "event", s, sizeof(s)));
	assert_string_equal(s, "dump");
	assert_true(json_flat_string(line, "name", s, sizeof(s)));
	assert_string_equal(s, "a \"b\" \\ c\n\001?");
	assert_true(json_flat_string(line, "path", s, sizeof(s))); /* a comma and a brace inside a string */
	assert_string_equal(s, "/tmp/x,y}");
	assert_false(json_flat_string(line, "pid", s, sizeof(s))); /* a number */
	assert_false(json_flat_string(line, "rule", s, sizeof(s)));
	assert_false(json_flat_string(line, "event", s, 4)); /* does not fit */
}

static void test_numbers(void **state)
{
	long long v = 0;

	(void)state;
	assert_true(json_flat_int(line, "pid", &v));
	assert_int_equal(v, 17728);
	assert_true(json_flat_int(line, "index", &v));
	assert_int_equal(v, 0);
	assert_true(json_flat_int(line, "value", &v));
	assert_int_equal(v, -12);
	assert_false(json_flat_int(line, "event", &v));
	assert_false(json_flat_int(line, "threshold", &v));
}

static void test_not_json(void **state)
{
	static const char *const bad[] = { "", "[1]", "{", "{\"a\"", "{\"a\":\"x", "{\"a\":\"\\q\"}",
					   "{\"a\":\"\\u12\"}", "{\"a\":1 \"b\":2}", "ready", NULL };
	char s[16];
	long long v;

	(void)state;
	for (const char *const *b = bad; *b; b++) {
		assert_false(json_flat_string(*b, "a", s, sizeof(s)));
		assert_false(json_flat_int(*b, "b", &v));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_not_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
