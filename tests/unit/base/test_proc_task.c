// SPDX-License-Identifier: MIT
/* The per-thread /proc readers, on ourselves and on a pid that cannot exist. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc_task.h"

static int count_tid(pid_t tid, void *arg)
{
	int *n = arg;

	(void)tid;
	(*n)++;
	return 0;
}

static int stop_at_self(pid_t tid, void *arg)
{
	(void)arg;
	return tid == gettid() ? 7 : 0;
}

static void *idle(void *arg)
{
	pause();
	return arg;
}

static void readers_on_ourselves(void **state)
{
	pthread_t th;
	int n = 0;

	(void)state;
	assert_int_equal(pthread_create(&th, NULL, idle, NULL), 0);
	assert_int_equal(proc_task_foreach(getpid(), count_tid, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(proc_task_foreach(getpid(), stop_at_self, NULL), 7);
	assert_true(proc_task_exists(getpid(), gettid()));
	assert_false(proc_task_exists(getpid(), getppid())); /* a process, not one of our threads */
	assert_false(proc_task_is_zombie(getpid(), gettid()));
	assert_int_equal(proc_task_tracer(getpid(), gettid()), 0);
	assert_int_equal(proc_task_live_thread(getpid()), getpid());
	pthread_cancel(th);
	pthread_join(th, NULL);
	/* pid_max is at most 2^22: this one never exists */
	assert_int_equal(proc_task_foreach(1 << 23, count_tid, &n), -ESRCH);
	assert_true(proc_task_is_zombie(1 << 23, 1 << 23));
	assert_int_equal(proc_task_tracer(1 << 23, 1 << 23), -1);
	assert_int_equal(proc_task_live_thread(1 << 23), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readers_on_ourselves),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
