// SPDX-License-Identifier: MIT
/* cmocka tests of the dump file: direct I/O on and off, and the buffered retry of a refused direct write. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/output.h"

#define PS 4096

/* A dump file in /tmp, as core_output_open makes it (an O_TMPFILE, mode 0600). */
static void open_tmp(struct core_output *out)
{
	assert_int_equal(core_output_open(out, "/tmp/test_core_output.never-linked", false), 0);
	assert_true(out->fd >= 0);
}

static bool fd_direct(int fd)
{
	return fcntl(fd, F_GETFL) & O_DIRECT;
}

static void test_direct_turns_on_where_the_filesystem_allows(void **state)
{
	(void)state;
	struct core_output out;

	unsetenv("CORETRAP_DIRECT_IO");
	open_tmp(&out);
	if (!core_output_use_direct(&out, PS, true)) {
		core_output_abort(&out);
		skip(); /* /tmp does not announce direct-I/O alignment (tmpfs, old kernel) */
	}
	assert_true(out.direct);
	assert_true(fd_direct(out.fd));
	core_output_abort(&out);
}

static void test_direct_only_when_preferred(void **state)
{
	(void)state;
	struct core_output out;

	unsetenv("CORETRAP_DIRECT_IO");
	open_tmp(&out);
	assert_false(core_output_use_direct(&out, PS, false));
	assert_false(out.direct);
	assert_false(fd_direct(out.fd));
	core_output_abort(&out);
}

static void test_env_forces_direct(void **state)
{
	(void)state;
	struct core_output out;
	bool on;

	setenv("CORETRAP_DIRECT_IO", "1", 1);
	open_tmp(&out);
	on = core_output_use_direct(&out, PS, false);
	unsetenv("CORETRAP_DIRECT_IO");
	if (!on) {
		core_output_abort(&out);
		skip(); /* /tmp does not announce direct-I/O alignment (tmpfs, old kernel) */
	}
	assert_true(fd_direct(out.fd));
	core_output_abort(&out);
}

static void test_env_keeps_buffered_writes(void **state)
{
	(void)state;
	struct core_output out;

	setenv("CORETRAP_DIRECT_IO", "0", 1);
	open_tmp(&out);
	assert_false(core_output_use_direct(&out, PS, true));
	assert_false(out.direct);
	assert_false(fd_direct(out.fd));
	unsetenv("CORETRAP_DIRECT_IO");
	core_output_abort(&out);
}

/* An aligned write stays direct; a misaligned one is refused by the kernel and retried buffered. */
static void test_refused_direct_write_is_retried_buffered(void **state)
{
	(void)state;
	struct core_output out;
	unsigned char *aligned = aligned_alloc(PS, 2 * PS), back[100];

	unsetenv("CORETRAP_DIRECT_IO");
	open_tmp(&out);
	if (!core_output_use_direct(&out, PS, true)) {
		core_output_abort(&out);
		free(aligned);
		skip(); /* no direct I/O under /tmp: nothing to fall back from */
	}
	memset(aligned, 0xA5, 2 * PS);
	assert_int_equal(core_output_pwrite(out.fd, aligned, 2 * PS, PS), 0);
	assert_true(fd_direct(out.fd));

	/* 100 bytes from an odd address to an odd offset: EINVAL under O_DIRECT */
	memset(aligned, 0x3C, 101);
	assert_int_equal(core_output_pwrite(out.fd, aligned + 1, 100, 7), 0);
	assert_false(fd_direct(out.fd));
	assert_int_equal(pread(out.fd, back, sizeof(back), 7), (ssize_t)sizeof(back));
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0x3C);
	/* the direct write before it is intact */
	assert_int_equal(pread(out.fd, back, sizeof(back), PS), (ssize_t)sizeof(back));
	assert_int_equal(back[0], 0xA5);
	core_output_abort(&out);
	free(aligned);
}

/* Errors other than a refused direct write come back as they are. */
static void test_write_error_is_returned(void **state)
{
	(void)state;
	char c = 0;

	assert_int_equal(core_output_pwrite(-1, &c, 1, 0), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_turns_on_where_the_filesystem_allows),
		cmocka_unit_test(test_direct_only_when_preferred),
		cmocka_unit_test(test_env_forces_direct),
		cmocka_unit_test(test_env_keeps_buffered_writes),
		cmocka_unit_test(test_refused_direct_write_is_retried_buffered),
		cmocka_unit_test(test_write_error_is_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
