/* SPDX-License-Identifier: MIT */
/* A rule's triggers and action through the real switch checker, each refusal at the key that earns it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/fleet_check.h"

static const char head[] = "rules:\n  - name: r\n    match: { name: x }\n";

/* The error fleet_check_rule gives rule r of head + body, "" when it passes. */
static void check(const char *body, char *out, size_t len)
{
	char text[1024];
	struct fleet_file *ff = malloc(sizeof(*ff));
	struct fleet_errors errs = { 0 };

	assert_non_null(ff);
	snprintf(text, sizeof(text), "%s%s", head, body);
	assert_int_equal(fleet_config_parse(text, strlen(text), "t.yaml", ff, &errs), 0);
	assert_int_equal(ff->nrules, 1);
	fleet_check_rule(&ff->rules[0], "t.yaml", &errs);
	snprintf(out, len, "%s", errs.n ? errs.line[0] : "");
	free(ff);
}

static void test_valid_rules_pass(void **state)
{
	static const char *const bodies[] = {
		"    triggers: { c: 80, pf: 500, sustain: 200 }\n    action: { n: 2, s: 10, z: zstd, live: off }\n",
		"    triggers: { m: [500, 1000] }\n    action: { mc: 0x33 }\n",
		"    triggers: { crash: true }\n",
		"    triggers: { sig: [SIGSEGV, SIGABRT] }\n",
		"    triggers: { e: true, f: [\"*Timeout*\"] }\n    action: { dt: heap }\n",
		"    triggers: { pc: { \"System.Runtime:cpu-usage\": 90 } }\n",
		"    triggers: { ml: 100 }\n    action: { restrack: nodump, sr: 10 }\n",
	};
	char got[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		check(bodies[i], got, sizeof(got));
		if (got[0])
			fail_msg("rule %zu refused: %s", i, got);
	}
}

static void test_refusals_are_placed(void **state)
{
	static const struct { const char *body, *want; } cases[] = {
		/* a value out of range: at its key */
		{ "    triggers: { c: 200000 }\n", "t.yaml:4:17: rule 'r': -c must be between 0 and 100000, got 200000" },
		{ "    triggers: { c: 5 }\n    action: { dt: huge }\n", "t.yaml:5:15: rule 'r': -dt expects heap" },
		{ "    triggers: { c: 5, pf: 0 }\n", "t.yaml:4:23: rule 'r': -pf must be between 1" },
		/* only a combination is wrong: at the rule */
		{ "    triggers: { m: [1, 2] }\n    action: { n: 3 }\n", "t.yaml:2:5: rule 'r': -n cannot be used with a -m list" },
		{ "    triggers: { e: true, pc: { \"a:b\": 1 } }\n", "t.yaml:2:5: rule 'r': -e cannot be combined with -pc" },
		/* modifiers alone are no trigger */
		{ "    triggers: { sustain: 10, pf: 100 }\n", "t.yaml:2:5: rule 'r': no trigger under 'triggers'" },
		{ "    action: { n: 2 }\n", "t.yaml:2:5: rule 'r': no trigger under 'triggers'" },
	};
	char got[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check(cases[i].body, got, sizeof(got));
		if (strncmp(got, cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got '%s', want '%s...'", i, got[0] ? got : "(passed)", cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rules_pass),
		cmocka_unit_test(test_refusals_are_placed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
