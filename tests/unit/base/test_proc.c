/* SPDX-License-Identifier: MIT */
/* The typed /proc readers, on ourselves and on children made for the purpose. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc.h"

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

static void *park(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/*
 * A process in many groups has a status file far over a page (the Groups:
 * line comes before Threads:), and its leader exited before its other
 * thread: proc_has_live_thread must still find that thread.
 */
static void test_live_thread_behind_a_long_status(void **state)
{
	static gid_t groups[2000];
	pthread_t t;
	pid_t child;

	(void)state;
	if (geteuid() != 0)
		skip(); /* setgroups needs CAP_SETGID */
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		groups[i] = (gid_t)(1000000 + i);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		if (setgroups(sizeof(groups) / sizeof(groups[0]), groups) || pthread_create(&t, NULL, park, NULL))
			_exit(1);
		syscall(SYS_exit, 0); /* the leader alone: the other thread runs on */
	}
	for (int i = 0; i < 1000 && proc_alive(child); i++)
		usleep(1000);
	bool leader_gone = !proc_alive(child), lives = proc_has_live_thread(child);
	/* and every field after Groups: is read whole */
	uint64_t rss, ign, cgt;
	uint32_t threads = 0;
	pid_t tracer = -1;
	int counts = proc_counts(child, getpagesize(), &rss, &threads);
	int dispositions = proc_dispositions(child, &ign, &cgt);
	int traced = proc_tracer_pid(child, 0, &tracer);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	assert_true(leader_gone); /* the leader is a zombie... */
	assert_true(lives);       /* ...but the process lives */
	assert_int_equal(counts, 0);
	assert_true(threads > 1);
	assert_int_equal(dispositions, 0);
	assert_int_equal(traced, 0);
	assert_int_equal(tracer, 0);
}

static void test_status_readers_on_ourselves(void **state)
{
	uint64_t ign, cgt, rss;
	uint32_t threads, fds, fds_after;
	pid_t tracer = -1;
	char st = 0;
	int fd;

	(void)state;
	assert_int_equal(proc_state(getpid(), 0, &st), 0);
	assert_int_equal(st, 'R'); /* reading its own stat, it runs */
	assert_int_equal(proc_state(getpid(), getpid(), &st), 0);
	assert_int_equal(proc_tracer_pid(getpid(), 0, &tracer), 0);
	assert_int_equal(tracer, 0);
	assert_int_equal(proc_thread_seccomp(getpid(), gettid()), 0); /* no filter in this driver */
	uint64_t caps = 0;
	assert_int_equal(proc_cap_eff(getpid(), &caps), 0);
	assert_true(geteuid() != 0 || (caps & (1ull << 19))); /* root has CAP_SYS_PTRACE */
	signal(SIGUSR2, SIG_IGN);
	assert_int_equal(proc_dispositions(getpid(), &ign, &cgt), 0);
	signal(SIGUSR2, SIG_DFL);
	assert_true(ign & (1ull << (SIGUSR2 - 1)));
	assert_int_equal(proc_counts(getpid(), getpagesize(), &rss, &threads), 0);
	assert_int_equal(threads, 1);
	assert_true(rss > 0);
	assert_int_equal(proc_fd_count(getpid(), &fds), 0);
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(proc_fd_count(getpid(), &fds_after), 0);
	close(fd);
	assert_int_equal(fds_after, fds + 1);
	/* gone: the one answer for every reader */
	assert_int_equal(proc_state(4194305, 0, &st), -ESRCH);
	assert_int_equal(proc_tracer_pid(getpid(), 4194305, &tracer), -ESRCH);
	assert_int_equal(proc_fd_count(4194305, &fds), -ESRCH);
	assert_int_equal(proc_counts(4194305, getpagesize(), &rss, &threads), -ESRCH);
	assert_int_equal(proc_thread_seccomp(4194305, 4194305), -ESRCH);
	assert_int_equal(proc_cap_eff(4194305, &caps), -ESRCH);
}

static void test_maps_and_system_readers(void **state)
{
	struct maps maps;
	struct proc_meminfo mi;
	bool stack = false;
	uint64_t ratio;

	(void)state;
	assert_int_equal(proc_read_maps(getpid(), true, &maps), 0);
	assert_true(maps.n > 0);
	assert_true(maps.v[0].has_smaps);
	for (size_t i = 0; i < maps.n; i++)
		stack |= !strcmp(maps.v[i].path, "[stack]");
	assert_true(stack);
	maps_free(&maps);
	assert_int_equal(proc_read_maps(getpid(), false, &maps), 0);
	assert_true(maps.n > 0 && !maps.v[0].has_smaps);
	maps_free(&maps);
	assert_int_equal(proc_read_maps(4194305, false, &maps), -ESRCH);
	assert_int_equal(maps.n, 0);

	assert_int_equal(proc_meminfo(&mi), 0);
	assert_true(mi.available_bytes > 0 && mi.available_bytes % 1024 == 0);
	assert_int_equal(proc_sys_number("sys/vm/dirty_background_ratio", &ratio), 0);
	assert_true(ratio <= 100);
	assert_int_equal(proc_sys_number("sys/vm/no_such_knob", &ratio), -ENOENT);
	assert_int_equal(proc_ticks_to_us((uint64_t)sysconf(_SC_CLK_TCK)), 1000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_on_ourselves),
		cmocka_unit_test(test_status_readers_on_ourselves),
		cmocka_unit_test(test_maps_and_system_readers),
		cmocka_unit_test(test_live_thread_behind_a_long_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
