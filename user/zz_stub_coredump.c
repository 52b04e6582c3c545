/* SPDX-License-Identifier: MIT */
/*
 * STUB until the core branch is merged: writes a tiny placeholder file with
 * the real writer's file contract (0600, -EEXIST without overwrite, no file
 * on failure, -ESRCH for a dead target, -EINTR when interrupted).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coredump.h"
#include "proc.h"

int coredump_write(const struct dump_request *req, struct dump_result *res)
{
	char tmp[PATH_MAX + 16], text[64];
	struct stat sb;
	int fd, n;

	if (!proc_alive(req->pid))
		return -ESRCH;
	if (req->interrupted && *req->interrupted)
		return -EINTR;
	if (!req->overwrite && lstat(req->path, &sb) == 0)
		return -EEXIST;
	snprintf(tmp, sizeof(tmp), "%s.tmpXXXXXX", req->path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	n = snprintf(text, sizeof(text), "coretrap stub core of pid %d\n", (int)req->pid);
	if (write(fd, text, (size_t)n) != n || fchmod(fd, 0600) || close(fd)) {
		int e = errno;

		unlink(tmp);
		return -e;
	}
	if (req->overwrite ? rename(tmp, req->path) : link(tmp, req->path)) {
		int e = errno;

		unlink(tmp);
		return -e;
	}
	if (!req->overwrite)
		unlink(tmp);
	memset(res, 0, sizeof(*res));
	res->apparent_bytes = (uint64_t)n;
	return 0;
}
