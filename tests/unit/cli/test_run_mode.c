/* SPDX-License-Identifier: MIT */
/* run_mode_for() over configs produced by the real parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cli/options.h"
#include "cli/run.h"

static bool any_dir(const char *path)
{
	(void)path;
	return true;
}

static void test_modes(void **state)
{
	static const struct { const char *args[6]; enum run_mode want; } cases[] = {
		{ { "1234" }, RUN_TIMER },
		{ { "-n", "3", "-s", "0", "myapp" }, RUN_TIMER },
		{ { "-mc", "1", "-o", "1234" }, RUN_TIMER },
		{ { "-c", "50", "1234" }, RUN_MONITOR },
		{ { "-cl", "5", "1234" }, RUN_MONITOR },
		{ { "-m", "10,20", "1234" }, RUN_MONITOR },
		{ { "-tc", "10", "1234" }, RUN_MONITOR },
		{ { "-fc", "10", "1234" }, RUN_MONITOR },
		{ { "-w", "myapp" }, RUN_MONITOR },
		{ { "-pgid", "5" }, RUN_MONITOR },
		{ { "-pc", "a:b", "1", "5" }, RUN_MONITOR },
		/* -restrack is no trigger: alone it reports on the timer, with one it follows it */
		{ { "-restrack", "5" }, RUN_TIMER },
		{ { "-restrack", "nodump", "-m", "100", "5" }, RUN_MONITOR },
		{ { "-restrack", "-sig", "10", "5" }, RUN_SIGTRAP },
		{ { "-sig", "11", "5" }, RUN_SIGTRAP },
		{ { "-crash", "5" }, RUN_SIGTRAP },
		{ { "-e", "5" }, RUN_PROFILER },
		{ { "-gcm", "100", "5" }, RUN_PROFILER },
		{ { "-gcgen", "0", "5" }, RUN_PROFILER },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *argv[8] = { "coretrap" };
		int argc = 1;
		struct config cfg;
		char err[256];

		for (int k = 0; k < 6 && cases[i].args[k]; k++)
			argv[argc++] = (char *)cases[i].args[k];
		assert_int_equal(options_parse(argc, argv, any_dir, &cfg, err, sizeof(err)), 0);
		if (run_mode_for(&cfg) != cases[i].want)
			fail_msg("case %zu (%s ...): got %s, want %s", i, argv[1],
				 run_mode_name(run_mode_for(&cfg)), run_mode_name(cases[i].want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_modes) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
