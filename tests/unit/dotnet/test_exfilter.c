// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dotnet/exfilter.h"

static const char *alpha = "System.InvalidOperationException: marker alpha";
static const char *beta = "System.ArgumentException: marker beta";

static void test_substring_and_case(void **state)
{
	(void)state;
	assert_true(exfilter_match("marker alpha", alpha));
	assert_true(exfilter_match("INVALIDOPERATION", alpha));
	assert_true(exfilter_match("", alpha));
	assert_false(exfilter_match("marker alpha", beta));
	assert_false(exfilter_match("alphax", alpha));
}

static void test_wildcards(void **state)
{
	(void)state;
	assert_true(exfilter_match("*", ""));
	assert_true(exfilter_match("System.*Exception: *beta", beta));
	assert_true(exfilter_match("invalid*alpha", alpha));
	assert_false(exfilter_match("invalid*beta", alpha));
	assert_true(exfilter_match("a**b", "xxaYYb"));
	assert_true(exfilter_match("ab*ab", "abXabab"));
	assert_false(exfilter_match("ab*abc", "abXabab"));
	assert_true(exfilter_match("*: marker *", beta));
	assert_false(exfilter_match("x", ""));
}

static void test_pick(void **state)
{
	(void)state;
	const char f[3][CONFIG_FILTER_MAX] = { "Argument", "marker", "alpha" };
	bool done[3] = { false, false, false };

	assert_int_equal(exfilter_pick(f, 3, "", NULL, beta), 0);
	assert_int_equal(exfilter_pick(f, 3, "", NULL, alpha), 1);
	done[1] = true;
	assert_int_equal(exfilter_pick(f, 3, "", done, alpha), 2);
	done[2] = true;
	assert_int_equal(exfilter_pick(f, 3, "", done, alpha), -1);
	assert_int_equal(exfilter_pick(f, 3, "*beta", NULL, beta), -1);
	assert_int_equal(exfilter_pick(f, 0, "", NULL, beta), 0);
	assert_int_equal(exfilter_pick(f, 0, "ARGUMENTexception", NULL, beta), -1);
	bool all[1] = { true };
	assert_int_equal(exfilter_pick(f, 0, "", all, beta), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_substring_and_case),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_pick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
