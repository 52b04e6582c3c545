// SPDX-License-Identifier: MIT
/* Unit tests of child_end with real children: one that ends, one that will not. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/child_end.h"
#include "base/mono_clock.h"

/* A child that exits with code after ms. */
static pid_t child(int ms, int code)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		usleep((useconds_t)ms * 1000);
		_exit(code);
	}
	return pid;
}

/* A child that never ends and is deaf to SIGTERM; returns once it is. */
static pid_t deaf_child(void)
{
	int ready[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGTERM, SIG_IGN);
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void ends_within_the_grace(void **state)
{
	pid_t pid = child(50, 7);
	int status = 0;

	(void)state;
	assert_true(child_end(pid, pid, 5000, &status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
	errno = 0;
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* reaped: nothing left */
	assert_int_equal(errno, ECHILD);
}

static void killed_past_the_grace(void **state)
{
	pid_t pid = deaf_child();
	uint64_t t0 = now_ms();
	int status = 0;

	(void)state;
	kill(pid, SIGTERM); /* ignored */
	assert_false(child_end(pid, pid, 200, &status));
	assert_true(now_ms() - t0 >= 200);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
}

/* -pgid kills the helpers the child started as well (an upload hook's curl). */
static void group_kill_takes_the_helpers(void **state)
{
	int pipefd[2], status = 0;
	pid_t leader, helper = 0;

	(void)state;
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	assert_int_equal(pipe(pipefd), 0);
	leader = fork();
	assert_true(leader >= 0);
	if (leader == 0) {
		pid_t h;

		setpgid(0, 0);
		signal(SIGTERM, SIG_IGN);
		h = fork();
		if (h == 0)
			for (;;)
				pause();
		if (write(pipefd[1], &h, sizeof(h)) != sizeof(h))
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	assert_int_equal(read(pipefd[0], &helper, sizeof(helper)), sizeof(helper));
	close(pipefd[0]);
	assert_false(child_end(leader, -leader, 100, NULL));
	/* The orphaned helper is re-parented to us (a subreaper): it must have died of the same SIGKILL. */
	assert_int_equal(waitpid(helper, &status, 0), helper);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* Already reaped elsewhere (ECHILD): nothing to wait for, nothing to kill. */
static void a_child_already_reaped(void **state)
{
	pid_t pid = child(0, 0);

	(void)state;
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	assert_true(child_end(pid, pid, 0, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ends_within_the_grace),
		cmocka_unit_test(killed_past_the_grace),
		cmocka_unit_test(group_kill_takes_the_helpers),
		cmocka_unit_test(a_child_already_reaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
