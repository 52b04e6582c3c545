/* SPDX-License-Identifier: MIT */
/*
 * The /proc error policy of proc_read.h, on real files: vanished processes
 * and threads, files that do not fit, missing files, access refused. read()
 * is wrapped (-Wl,--wrap=read) to make a read fail after the first bytes,
 * which /proc does when a task is reaped mid-read.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/proc_read.h"

#define NO_SUCH_PID 4194305 /* pid_max is at most 2^22 */

/* The injected failure: the first read gives at most 8 bytes, the next fails with err. */
static struct {
	int err;
	int calls;
} inject;

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	if (!inject.err)
		return __real_read(fd, buf, n);
	if (inject.calls++ == 0)
		return __real_read(fd, buf, n < 8 ? n : 8);
	errno = inject.err;
	inject.err = 0; /* once */
	return -1;
}

static void test_fits_or_e2big(void **state)
{
	char *whole, buf[PROC_PAGE_FILE_MAX];
	size_t len, n = 99;

	(void)state;
	/* our cmdline does not change while we read it */
	assert_int_equal(proc_read_alloc(getpid(), 0, "cmdline", &whole, &len), 0);
	assert_true(len > 1 && len < sizeof(buf));
	assert_int_equal(proc_read(getpid(), 0, "cmdline", buf, len + 1, &n), 0);
	assert_int_equal(n, len);
	assert_memory_equal(buf, whole, len);
	assert_int_equal(buf[len], '\0');
	/* one byte short: refused, not cut */
	assert_int_equal(proc_read(getpid(), 0, "cmdline", buf, len, &n), -E2BIG);
	assert_int_equal(proc_read(getpid(), 0, "cmdline", buf, 1, NULL), -E2BIG);
	assert_int_equal(proc_read(getpid(), 0, "cmdline", buf, 0, NULL), -EINVAL);
	free(whole);
}

static void test_alloc_grows(void **state)
{
	char *smaps;
	size_t len;

	(void)state;
	/* smaps of any process is many pages */
	assert_int_equal(proc_read_alloc(getpid(), 0, "smaps", &smaps, &len), 0);
	assert_true(len > 4 * PROC_PAGE_FILE_MAX);
	assert_int_equal(strlen(smaps), len);
	assert_int_equal(smaps[len - 1], '\n');
	free(smaps);
}

static void test_vanished_is_esrch(void **state)
{
	char buf[PROC_PAGE_FILE_MAX], *p = NULL;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0)
		_exit(0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(proc_read(child, 0, "stat", buf, sizeof(buf), NULL), -ESRCH);
	assert_int_equal(proc_read_alloc(child, 0, "status", &p, NULL), -ESRCH);
	assert_null(p);
	assert_int_equal(proc_open(child, 0, "mem", O_RDONLY), -ESRCH);
	assert_int_equal(proc_read(NO_SUCH_PID, 0, "stat", buf, sizeof(buf), NULL), -ESRCH);
	/* a thread that is not (or no longer) in a live process */
	assert_int_equal(proc_read(getpid(), NO_SUCH_PID, "stat", buf, sizeof(buf), NULL), -ESRCH);
	assert_int_equal(proc_read(getpid(), getpid(), "stat", buf, sizeof(buf), NULL), 0);
}

static void test_file_kept_open_follows_one_process(void **state)
{
	char buf[PROC_PAGE_FILE_MAX];
	size_t len;
	int fd;
	pid_t child = fork();

	(void)state;
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	fd = proc_open(child, 0, "stat", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(proc_pread(fd, buf, sizeof(buf), &len), 0);
	assert_true(len > 0 && strchr(buf, ')'));
	/* again from the start, not from where the last read ended */
	assert_int_equal(proc_pread(fd, buf, sizeof(buf), &len), 0);
	assert_true(len > 0 && strchr(buf, ')'));
	assert_int_equal(proc_pread(fd, buf, 4, NULL), -E2BIG);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* reaped: the read itself says ESRCH */
	assert_int_equal(proc_pread(fd, buf, sizeof(buf), NULL), -ESRCH);
	close(fd);
}

static void test_missing_file_of_a_live_process(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(proc_read(getpid(), 0, "no_such_file", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(proc_read(getpid(), getpid(), "no_such_file", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(proc_read(PROC_SYSTEM, 0, "no_such_file", buf, sizeof(buf), NULL), -ENOENT);
	assert_int_equal(proc_read(PROC_SYSTEM, 0, "sys/kernel/pid_max", buf, sizeof(buf), NULL), 0);
}

static void test_access_refused_passes_through(void **state)
{
	int status;
	pid_t child;

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs a uid to drop to, and a process of another user */
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		char buf[64];

		if (setgid(65534) || setuid(65534))
			_exit(100);
		/* init's environ needs ptrace access to init */
		_exit(-proc_read(1, 0, "environ", buf, sizeof(buf), NULL));
	}
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EACCES);
}

static void test_partial_read_is_never_trusted(void **state)
{
	char buf[PROC_PAGE_FILE_MAX], *p = NULL;

	(void)state;
	inject.err = ESRCH;
	inject.calls = 0;
	assert_int_equal(proc_read(getpid(), 0, "status", buf, sizeof(buf), NULL), -ESRCH);
	assert_int_equal(inject.calls, 2);
	inject.err = EIO;
	inject.calls = 0;
	assert_int_equal(proc_read_alloc(getpid(), 0, "cmdline", &p, NULL), -EIO);
	assert_null(p);
	/* EINTR is no failure: the read goes on and the text is whole */
	inject.err = EINTR;
	inject.calls = 0;
	assert_int_equal(proc_read_alloc(getpid(), 0, "cmdline", &p, NULL), 0);
	assert_true(strstr(p, "test_proc_read") != NULL);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_or_e2big),
		cmocka_unit_test(test_alloc_grows),
		cmocka_unit_test(test_vanished_is_esrch),
		cmocka_unit_test(test_file_kept_open_follows_one_process),
		cmocka_unit_test(test_missing_file_of_a_live_process),
		cmocka_unit_test(test_access_refused_passes_through),
		cmocka_unit_test(test_partial_read_is_never_trusted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
