/* SPDX-License-Identifier: MIT */
/* cmocka tests of user/dotnet/runtime*.c without a runtime: a target that is
 * gone, dump type names, the log-line description. (The /proc parsing that
 * names the socket is tested with base/proc_parse.) */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dotnet/dotnet.h"

/* A pid that is gone is "no such process", not "not a .NET process" (-ENOENT). */
static void test_vanished_target(void **state)
{
	const pid_t gone = 4194305; /* pid_max is at most 2^22 */
	struct dotnet_target t;

	(void)state;
	assert_int_equal(dotnet_target_open(gone, &t), -ESRCH);
	assert_false(dotnet_detect(gone));
}

static void test_dump_types(void **state)
{
	enum dotnet_dump_type t;
	struct dotnet_dump_result res;
	char line[128];

	(void)state;
	assert_int_equal(dotnet_dump_type_parse("HEAP", &t), 0);
	assert_int_equal(t, DOTNET_DUMP_HEAP);
	assert_int_equal(dotnet_dump_type_parse("triage", &t), 0);
	assert_int_equal(t, DOTNET_DUMP_TRIAGE);
	assert_int_equal(dotnet_dump_type_parse("mini", &t), 0);
	assert_int_equal(dotnet_dump_type_parse("full", &t), 0);
	assert_int_equal(t, DOTNET_DUMP_FULL);
	assert_int_equal(dotnet_dump_type_parse("withheap", &t), -EINVAL);
	memset(&res, 0, sizeof(res));
	strcpy(res.info.runtime_version, "10.0.12+a1b2c3");
	strcpy(res.info.entry_assembly, "MarkerApp");
	dotnet_describe(&res, DOTNET_DUMP_HEAP, line, sizeof(line));
	assert_string_equal(line, ".NET 10.0.12, entry MarkerApp, heap dump");
	memset(&res, 0, sizeof(res));
	dotnet_describe(&res, DOTNET_DUMP_MINI, line, sizeof(line));
	assert_string_equal(line, ".NET, mini dump");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vanished_target),
		cmocka_unit_test(test_dump_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
