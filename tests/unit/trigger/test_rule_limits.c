/* SPDX-License-Identifier: MIT */
/* Fleet rule limits: a sliding window of dumps and a cool-down, over a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "trigger/rule_limits.h"

#define S 1000000000ULL

static void test_no_limits_always_allow(void **state)
{
	struct rule_limits l = { 0 };

	(void)state;
	for (uint64_t t = 1; t < 2000; t++) {
		assert_int_equal(rule_limits_check(&l, t * S), RULE_ALLOW);
		rule_limits_record(&l, t * S);
	}
	assert_int_equal(rule_limits_next_ns(&l, 5 * S), 0);
}

static void test_window_slides(void **state)
{
	struct rule_limits l = { .dumps = 2, .window_s = 60 };

	(void)state;
	assert_int_equal(rule_limits_check(&l, 100 * S), RULE_ALLOW);
	rule_limits_record(&l, 100 * S);
	assert_int_equal(rule_limits_check(&l, 110 * S), RULE_ALLOW);
	rule_limits_record(&l, 110 * S);
	/* two in the last 60 s: held back until the first leaves the window */
	assert_int_equal(rule_limits_check(&l, 120 * S), RULE_WINDOW);
	assert_int_equal(rule_limits_next_ns(&l, 120 * S), 160 * S);
	assert_int_equal(rule_limits_check(&l, 159 * S), RULE_WINDOW);
	assert_int_equal(rule_limits_check(&l, 160 * S), RULE_ALLOW);
	rule_limits_record(&l, 160 * S);
	assert_int_equal(rule_limits_check(&l, 165 * S), RULE_WINDOW);
	assert_int_equal(rule_limits_next_ns(&l, 165 * S), 170 * S);
	assert_int_equal(rule_limits_check(&l, 500 * S), RULE_ALLOW);
}

static void test_cooldown(void **state)
{
	struct rule_limits l = { .cooldown_s = 30 };

	(void)state;
	assert_int_equal(rule_limits_check(&l, 1 * S), RULE_ALLOW);
	rule_limits_record(&l, 1 * S);
	assert_int_equal(rule_limits_check(&l, 30 * S), RULE_COOLDOWN);
	assert_int_equal(rule_limits_next_ns(&l, 30 * S), 31 * S);
	assert_int_equal(rule_limits_check(&l, 31 * S), RULE_ALLOW);
}

static void test_big_window_keeps_its_count(void **state)
{
	struct rule_limits l = { .dumps = 5000, .window_s = 3600 };
	int allowed = 0;

	(void)state;
	/* more than the ring holds: the cap is the ring's size, never an overflow */
	for (uint64_t t = 0; t < 3000; t++)
		if (rule_limits_check(&l, (t + 1) * S) == RULE_ALLOW) {
			rule_limits_record(&l, (t + 1) * S);
			allowed++;
		}
	assert_int_equal(allowed, RULE_LIMITS_MAX_DUMPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_limits_always_allow),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_cooldown),
		cmocka_unit_test(test_big_window_keeps_its_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
