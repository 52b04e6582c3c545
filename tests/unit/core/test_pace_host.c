// SPDX-License-Identifier: MIT
/* Is the host likely to stop us: the hypervisor flag, a cgroup CPU quota, our cgroup's path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/pace_host.h"

static void test_hypervisor_flag(void **state)
{
	(void)state;
	assert_true(pace_host_cpuinfo_virtual("processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n"));
	assert_true(pace_host_cpuinfo_virtual("flags\t\t: fpu hypervisor\nbugs\t\t:\n"));
	assert_true(pace_host_cpuinfo_virtual("flags\t\t: fpu hypervisor"));
	/* bare metal, a longer word, or the word outside a flags line */
	assert_false(pace_host_cpuinfo_virtual("processor\t: 0\nflags\t\t: fpu vme de pse tsc\n"));
	assert_false(pace_host_cpuinfo_virtual("flags\t\t: fpu hypervisors\n"));
	assert_false(pace_host_cpuinfo_virtual("model name\t: hypervisor edition\nflags\t\t: fpu\n"));
	assert_false(pace_host_cpuinfo_virtual(""));
}

static void test_quota_files(void **state)
{
	(void)state;
	assert_true(pace_host_quota_capped("200000 100000\n"));
	assert_true(pace_host_quota_capped("50000\n"));
	assert_false(pace_host_quota_capped("max 100000\n"));
	assert_false(pace_host_quota_capped("-1\n"));
	assert_false(pace_host_quota_capped(""));
}

static void test_cgroup_paths(void **state)
{
	const char *hybrid = "9:name=systemd:/\n4:memory:/api\n2:cpu,cpuacct:/fleet/api\n0::/system.slice/api.service\n";
	char out[64];

	(void)state;
	assert_int_equal(pace_host_cgroup_path(hybrid, false, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/api.service");
	assert_int_equal(pace_host_cgroup_path(hybrid, true, out, sizeof(out)), 0);
	assert_string_equal(out, "/fleet/api");
	/* "cpuset" is not "cpu"; a pure v2 system has no v1 cpu line */
	assert_int_equal(pace_host_cgroup_path("3:cpuset:/x\n0::/\n", true, out, sizeof(out)), -ENOENT);
	assert_int_equal(pace_host_cgroup_path("0::/", false, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(pace_host_cgroup_path("1:cpu:/a\n", false, out, sizeof(out)), -ENOENT);
	assert_int_equal(pace_host_cgroup_path("0::/a/very/long/path\n", false, out, 8), -ENAMETOOLONG);
	assert_int_equal(pace_host_cgroup_path("garbage\n", false, out, sizeof(out)), -ENOENT);
	assert_int_equal(pace_host_cgroup_path("", true, out, sizeof(out)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hypervisor_flag),
		cmocka_unit_test(test_quota_files),
		cmocka_unit_test(test_cgroup_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
