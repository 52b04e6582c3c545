/* SPDX-License-Identifier: MIT */
/*
 * A file for a unit test to write into: made in /tmp and unlinked at
 * once, so nothing is left behind whatever the test does. After cmocka.h.
 */
#ifndef CORETRAP_TESTS_UNIT_TMPFILE_H
#define CORETRAP_TESTS_UNIT_TMPFILE_H

#include <stdlib.h>
#include <unistd.h>

static inline int unit_temp_fd(void)
{
	char path[] = "/tmp/coretrap-unit.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

#endif
