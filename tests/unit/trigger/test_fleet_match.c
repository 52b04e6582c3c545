/* SPDX-License-Identifier: MIT */
/* Daemon rules against processes: the cgroup v2 line, "under" a cgroup, and every match key. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "trigger/fleet_match.h"

static void test_cgroup_v2_line(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(fleet_cgroup_v2_path("0::/system.slice/api.service\n", out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/api.service");
	/* hybrid hierarchy: the v1 lines come first */
	assert_int_equal(fleet_cgroup_v2_path("12:cpu:/x\n1:name=systemd:/y\n0::/user.slice\n", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice");
	assert_int_equal(fleet_cgroup_v2_path("0::/", out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(fleet_cgroup_v2_path("3:memory:/a\n", out, sizeof(out)), -ENOENT);
	assert_int_equal(fleet_cgroup_v2_path("0::/very/long\n", out, 5), -ENOENT);
	assert_int_equal(fleet_cgroup_v2_path("", out, sizeof(out)), -ENOENT);
}

static void test_cgroup_under(void **state)
{
	(void)state;
	assert_true(fleet_cgroup_under("/system.slice/api.service", "/system.slice/api.service"));
	assert_true(fleet_cgroup_under("/system.slice/api.service", "/system.slice"));
	assert_true(fleet_cgroup_under("/system.slice/api.service", "/system.slice/"));
	assert_true(fleet_cgroup_under("/kubepods/pod1/c2", "/kubepods"));
	assert_true(fleet_cgroup_under("/anything", "/"));
	/* a name that only starts the same is not under it */
	assert_false(fleet_cgroup_under("/system.slice/api.service2", "/system.slice/api.service"));
	assert_false(fleet_cgroup_under("/system", "/system.slice"));
}

static void test_unit_and_container(void **state)
{
	static const char id[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char text[1024];

	(void)state;
	assert_true(fleet_cgroup_has_unit("/system.slice/api.service", "api.service"));
	assert_true(fleet_cgroup_has_unit("/user.slice/user-1000.slice/user@1000.service/app.slice/x.service",
					  "user@1000.service"));
	assert_false(fleet_cgroup_has_unit("/system.slice/api.service", "api"));
	assert_false(fleet_cgroup_has_unit("/system.slice/api.service2", "api.service"));
	assert_false(fleet_cgroup_has_unit("/", "api.service"));
	/* the systemd driver's scopes, and the cgroupfs driver's bare ids, in v2 and v1 lines */
	snprintf(text, sizeof(text), "0::/system.slice/docker-%s.scope\n", id);
	assert_true(fleet_cgroups_have_container(text, id));
	assert_true(fleet_cgroups_have_container(text, "0123456789ab"));
	assert_false(fleet_cgroups_have_container(text, "123456789abc"));
	snprintf(text, sizeof(text), "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-%s.scope", id);
	assert_true(fleet_cgroups_have_container(text, "0123456789abcdef"));
	snprintf(text, sizeof(text), "5:memory:/docker/%s\n0::/\n", id);
	assert_true(fleet_cgroups_have_container(text, "0123456789abcdef"));
	snprintf(text, sizeof(text), "0::/kubepods/burstable/pod5/%s\n", id);
	assert_true(fleet_cgroups_have_container(text, id));
	assert_false(fleet_cgroups_have_container("0::/system.slice/api.service\n", "0123456789ab"));
	assert_false(fleet_cgroups_have_container("garbage", "0123456789ab"));
	assert_false(fleet_cgroups_have_container("", "0123456789ab"));
}

static void test_rule_matches(void **state)
{
	struct fleet_process p = { .name = "api", .exe = "/usr/bin/api", .cgroup = "/system.slice/api.service" };
	struct monitor_rule none = { 0 }, by_name = { .match_name = "api" },
			    all = { .match_name = "api", .match_exe = "/usr/bin/api", .match_cgroup = "/system.slice" },
			    wrong_exe = { .match_name = "api", .match_exe = "/usr/bin/other" },
			    by_cgroup = { .match_cgroup = "/system.slice/db.service" };

	(void)state;
	assert_false(fleet_rule_matches(&none, &p)); /* a rule without a match matches nothing */
	assert_true(fleet_rule_matches(&by_name, &p));
	assert_true(fleet_rule_matches(&all, &p));
	assert_false(fleet_rule_matches(&wrong_exe, &p));
	assert_false(fleet_rule_matches(&by_cgroup, &p));
	p.cgroup[0] = 0; /* unknown cgroup: a cgroup rule does not match */
	assert_false(fleet_rule_matches(&all, &p));
}

static void test_first_rule_wins_on_a_live_process(void **state)
{
	struct monitor_rule rules[3] = { { .match_name = "no-such-name" }, { .match_cgroup = "/" },
					 { .match_cgroup = "/" } };

	(void)state;
	/* pid 1 has a cgroup v2 path on this kernel; ourselves and a missing pid are never matched */
	assert_ptr_equal(fleet_match_pid(rules, 3, 1), &rules[1]);
	assert_null(fleet_match_pid(rules, 3, getpid()));
	assert_null(fleet_match_pid(rules, 3, 4194305));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_v2_line),
		cmocka_unit_test(test_cgroup_under),
		cmocka_unit_test(test_unit_and_container),
		cmocka_unit_test(test_rule_matches),
		cmocka_unit_test(test_first_rule_wins_on_a_live_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
