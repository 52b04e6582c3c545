/* SPDX-License-Identifier: MIT */
/* cmocka tests of the pure parts of user/dotnet*.c: /proc parsing that names
 * the diagnostics socket, dump type names, the log-line description. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dotnet/dotnet.h"

static void test_starttime(void **state)
{
	unsigned long long v = 0;
	/* field 22 = 78657; comm holds spaces and a ')' */
	const char *line = "9286 (dot net) x) S 1 9286 9286 0 -1 4194560 5961 0 0 0 23 6 0 0 20 0 "
			   "18 0 78657 3463417856 7950 18446744073709551615\n";

	(void)state;
	assert_int_equal(dotnet_parse_starttime(line, &v), 0);
	assert_int_equal(v, 78657);
	assert_int_equal(dotnet_parse_starttime("12 (x) S 1 2 3", &v), -EINVAL);
	assert_int_equal(dotnet_parse_starttime("no parens", &v), -EINVAL);
	assert_int_equal(dotnet_parse_starttime("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x", &v), -EINVAL);
}

static void test_nspid_and_ids(void **state)
{
	const char *host = "Name:\tdotnet\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t4242\n";
	const char *ns = "Name:\tdotnet\nUid:\t1000\t65534\t65534\t65534\nGid:\t1000\t65533\t1\t1\n"
			 "NSpid:\t14485\t7\t1\nCapEff:\t000001ffffffffff\n";
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint64_t caps;

	(void)state;
	assert_int_equal(dotnet_parse_nspid(host, &pid), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(dotnet_parse_nspid(ns, &pid), 0);
	assert_int_equal(pid, 1); /* innermost namespace: the last value */
	assert_int_equal(dotnet_parse_nspid("Name:\tx\n", &pid), -EINVAL);
	assert_int_equal(dotnet_parse_nspid("NSpid:\t\n", &pid), -EINVAL);
	assert_int_equal(dotnet_parse_euid_egid(ns, &uid, &gid), 0);
	assert_int_equal(uid, 65534); /* effective, not real */
	assert_int_equal(gid, 65533);
	assert_int_equal(dotnet_parse_capeff(ns, &caps), 0);
	assert_true(caps & 2);
	assert_int_equal(dotnet_parse_capeff(host, &caps), -EINVAL);
}

static void test_environ(void **state)
{
	static const char block[] = "A=1\0TMPDIR=/t1\0TMPDIRX=no\0TMPDIR=/t2\0B";

	(void)state;
	assert_string_equal(dotnet_environ_get(block, sizeof(block) - 1, "TMPDIR"), "/t2");
	assert_string_equal(dotnet_environ_get(block, sizeof(block) - 1, "A"), "1");
	assert_null(dotnet_environ_get(block, sizeof(block) - 1, "B"));
	assert_null(dotnet_environ_get(block, sizeof(block) - 1, "TMP"));
	/* a value cut by the end of the block without its NUL is not returned */
	assert_null(dotnet_environ_get("A=12", 4, "A"));
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
		cmocka_unit_test(test_starttime),
		cmocka_unit_test(test_nspid_and_ids),
		cmocka_unit_test(test_environ),
		cmocka_unit_test(test_dump_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
