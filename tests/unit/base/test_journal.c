/* SPDX-License-Identifier: MIT */
/* The journal's native datagram format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/journal.h"

static void test_plain_fields_and_left_out_ones(void **state)
{
	const struct journal_field f[] = {
		{ "MESSAGE", "hello world" }, { "COREDUMP_SIGNAL", NULL }, { "PRIORITY", "5" }, { "EMPTY", "" },
	};
	static const char want[] = "MESSAGE=hello world\nPRIORITY=5\nEMPTY=\n";
	char out[128];

	(void)state;
	assert_int_equal(journal_format(out, sizeof(out), f, 4), sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
}

/* A value with a line feed: KEY\n, 64-bit little-endian length, the bytes, \n. */
static void test_binary_form(void **state)
{
	const struct journal_field f[] = { { "MESSAGE", "a\nb" }, { "X", "y" } };
	static const char want[] = "MESSAGE\n\x03\0\0\0\0\0\0\0a\nb\nX=y\n";
	char out[128];

	(void)state;
	assert_int_equal(journal_format(out, sizeof(out), f, 2), sizeof(want) - 1);
	assert_memory_equal(out, want, sizeof(want) - 1);
}

static void test_too_small_or_bad_key_sends_nothing(void **state)
{
	const struct journal_field f[] = { { "MESSAGE", "0123456789" } };
	const struct journal_field bad[] = { { "MESSAGE", "x" }, { "lower", "x" } };
	char out[64];

	(void)state;
	assert_int_equal(journal_format(out, 19, f, 1), 19);
	assert_int_equal(journal_format(out, 18, f, 1), 0);
	assert_int_equal(journal_format(out, sizeof(out), bad, 2), 0);
}

static void test_key_names(void **state)
{
	(void)state;
	assert_true(journal_key_valid("COREDUMP_PID"));
	assert_true(journal_key_valid("A1_"));
	assert_false(journal_key_valid(""));
	assert_false(journal_key_valid("_PID")); /* trusted fields are the journal's own */
	assert_false(journal_key_valid("1A"));
	assert_false(journal_key_valid("Message"));
	assert_false(journal_key_valid("A-B"));
	assert_false(journal_key_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")); /* 65 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_fields_and_left_out_ones),
		cmocka_unit_test(test_binary_form),
		cmocka_unit_test(test_too_small_or_bad_key_sends_nothing),
		cmocka_unit_test(test_key_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
