/* SPDX-License-Identifier: MIT */
/* The /proc parsers on recorded buffers, and the readers on ourselves. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc.h"

#define CMD(s) s, sizeof(s) - 1 /* keep embedded NULs, drop the literal's own */

static void test_cmdline_names(void **state)
{
	static const struct { const char *buf; size_t len; const char *want; } cases[] = {
		{ CMD("/usr/bin/sleep\0" "100\0"), "sleep" },
		{ CMD("sleeper\0"), "sleeper" },
		{ CMD("/usr/bin/sudo\0/opt/app/bin/server\0--port\0" "80\0"), "server" },
		{ CMD("sudo\0python3\0x.py\0"), "python3" },
		{ CMD("nginx: master process /usr/sbin/nginx\0"), "nginx:" },
		{ CMD("/usr/bin/dotnet\0app.dll\0"), "dotnet" },
		{ CMD("/a/b/c d e"), "c" },       /* no trailing NUL (setproctitle) */
		{ CMD("sudo"), "sudo" },          /* sudo alone */
		{ CMD("./rel/prog\0"), "prog" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(proc_name_from_cmdline(cases[i].buf, cases[i].len, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_cmdline_empty(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(proc_name_from_cmdline("", 0, out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("\0\0"), out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("/usr/bin/\0"), out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("sudo\0\0"), out, sizeof(out)), -ENOENT);
	/* truncated to the buffer */
	char small[4];
	assert_int_equal(proc_name_from_cmdline(CMD("abcdef\0"), small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
}

static void test_stat_state(void **state)
{
	(void)state;
	assert_int_equal(proc_state_from_stat("42 (sleeper) S 1 42 42 0"), 'S');
	assert_int_equal(proc_state_from_stat("42 (a) b) (c) Z 1"), 'Z');
	assert_int_equal(proc_state_from_stat("42 (x"), 0);
	assert_int_equal(proc_state_from_stat(""), 0);
}

static void test_status_euid(void **state)
{
	uid_t uid = 0;

	(void)state;
	assert_int_equal(proc_euid_from_status("Name:\tx\nUid:\t1000\t1001\t1000\t1000\nGid:\t0\n", &uid), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(proc_euid_from_status("Name:\tx\n", &uid), -EINVAL);
}

static void test_threads_from_status(void **state)
{
	(void)state;
	assert_int_equal(proc_threads_from_status("Name:\tx\nState:\tZ (zombie)\nThreads:\t3\n"), 3);
	assert_int_equal(proc_threads_from_status("Name:\tx\nThreads:\t1\nSigQ:\t0/1\n"), 1);
	assert_int_equal(proc_threads_from_status("Name:\tx\n"), -EINVAL);
	assert_int_equal(proc_threads_from_status("Name:\tx\nThreads:\tmany\n"), -EINVAL);
}

static void test_seccomp_from_status(void **state)
{
	(void)state;
	assert_int_equal(proc_seccomp_from_status("Name:\tx\nSeccomp:\t0\nSeccomp_filters:\t0\n"), 0);
	assert_int_equal(proc_seccomp_from_status("Name:\tx\nSeccomp:\t2\nSeccomp_filters:\t1\n"), 2);
	/* Seccomp_filters: alone (no Seccomp: line) is not the mode */
	assert_int_equal(proc_seccomp_from_status("Name:\tx\nSeccomp_filters:\t1\n"), -EINVAL);
	assert_int_equal(proc_seccomp_from_status("Name:\tx\n"), -EINVAL);
}

static void test_cap_eff_from_status(void **state)
{
	uint64_t caps = 0;

	(void)state;
	assert_int_equal(proc_cap_eff_from_status("Name:\tx\nCapPrm:\t0\nCapEff:\t000001ffffffffff\n", &caps), 0);
	assert_true(caps == 0x1ffffffffffull);
	assert_int_equal(proc_cap_eff_from_status("Name:\tx\nCapEff:\t0000000000000000\n", &caps), 0);
	assert_true(caps == 0);
	assert_int_equal(proc_cap_eff_from_status("Name:\tx\n", &caps), -EINVAL);
}

static void test_readers_on_ourselves(void **state)
{
	char name[64];
	uid_t uid;

	(void)state;
	assert_int_equal(proc_name(getpid(), name, sizeof(name)), 0);
	assert_string_equal(name, "test_proc");
	assert_true(proc_alive(getpid()));
	assert_int_equal(proc_euid(getpid(), &uid), 0);
	assert_int_equal(uid, geteuid());
	/* pid_max is at most 2^22: this pid cannot exist */
	assert_false(proc_alive(4194305));
	assert_int_equal(proc_name(4194305, name, sizeof(name)), -ESRCH);
	/* our own name is skipped: no other test_proc runs here */
	pid_t found;
	assert_int_equal(proc_find_by_name("test_proc", false, &found), -ESRCH);
	/* pid 1 has the lowest pid of all its namesakes */
	assert_int_equal(proc_name(1, name, sizeof(name)), 0);
	assert_int_equal(proc_find_by_name(name, false, &found), 0);
	assert_int_equal(found, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline_names),
		cmocka_unit_test(test_cmdline_empty),
		cmocka_unit_test(test_stat_state),
		cmocka_unit_test(test_status_euid),
		cmocka_unit_test(test_threads_from_status),
		cmocka_unit_test(test_seccomp_from_status),
		cmocka_unit_test(test_cap_eff_from_status),
		cmocka_unit_test(test_readers_on_ourselves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
