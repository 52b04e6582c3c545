/* SPDX-License-Identifier: MIT */
/* The pure parts of log.c: JSON escaping and event objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/log.h"

static void test_escape(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "l1\nl2\tx\r", "l1\\nl2\\tx\\r" },
		{ "\b\f", "\\b\\f" },
		{ "\x01\x1f", "\\u0001\\u001f" },
		{ "caf\xc3\xa9 /path", "caf\xc3\xa9 /path" }, /* UTF-8 and '/' pass through */
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(log_json_escape(out, sizeof(out), cases[i].in), strlen(cases[i].want));
		assert_string_equal(out, cases[i].want);
	}
}

static void test_escape_truncates_but_counts(void **state)
{
	char out[4];

	(void)state;
	assert_int_equal(log_json_escape(out, sizeof(out), "a\"bc"), 5);
	assert_string_equal(out, "a\\\"");
	assert_int_equal(log_json_escape(NULL, 0, "\n"), 2);
}

static void test_event_objects(void **state)
{
	char out[512];
	const struct log_event dump = { .event = "dump", .pid = 42, .name = "sleeper", .trigger = "time",
					.path = "/tmp/a \"b\"", .index = 0, .has = LOG_HAS_INDEX };
	const struct log_event err = { .event = "error", .message = "no process with PID 7" };
	const struct log_event trig = { .event = "trigger", .pid = 5, .trigger = "cpu", .value = 0,
					.threshold = 10, .has = LOG_HAS_VALUE };
	const char *want;

	(void)state;
	want = "{\"time\":\"T\",\"event\":\"dump\",\"pid\":42,\"name\":\"sleeper\",\"trigger\":\"time\","
	       "\"path\":\"/tmp/a \\\"b\\\"\",\"index\":0}";
	assert_int_equal(log_format_json(out, sizeof(out), &dump, "T"), strlen(want));
	assert_string_equal(out, want);

	want = "{\"event\":\"error\",\"message\":\"no process with PID 7\"}";
	log_format_json(out, sizeof(out), &err, NULL);
	assert_string_equal(out, want);

	want = "{\"event\":\"trigger\",\"pid\":5,\"trigger\":\"cpu\",\"value\":0,\"threshold\":10}";
	log_format_json(out, sizeof(out), &trig, NULL);
	assert_string_equal(out, want);

	/* too small: truncated, terminated, full length reported */
	assert_int_equal(log_format_json(out, 8, &err, NULL), strlen("{\"event\":\"error\",\"message\":\"no process with PID 7\"}"));
	assert_int_equal(strlen(out), 7);
}

/* log_error() adds "coretrap: " itself: a message that carries it already is not doubled. */
static void test_error_body_drops_our_prefix(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "failed to watch process 7: No such process", "failed to watch process 7: No such process" },
		{ "coretrap: failed to load the BPF programs: x", "failed to load the BPF programs: x" },
		{ "coretrap: coretrap: twice", "twice" },
		{ "coretrap:no space", "coretrap:no space" },
		{ "not coretrap: at the start", "not coretrap: at the start" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(log_error_body(cases[i].in), cases[i].want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_truncates_but_counts),
		cmocka_unit_test(test_event_objects),
		cmocka_unit_test(test_error_body_drops_our_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
