// SPDX-License-Identifier: MIT
/* Whole /proc files under one error policy; see proc_read.h. */
#include "base/proc_read.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int proc_path(pid_t tgid, pid_t tid, const char *file, char *path, size_t len)
{
	int n;

	if (tgid == PROC_SYSTEM)
		n = snprintf(path, len, "/proc/%s", file);
	else if (tid)
		n = snprintf(path, len, "/proc/%d/task/%d/%s", (int)tgid, (int)tid, file);
	else
		n = snprintf(path, len, "/proc/%d/%s", (int)tgid, file);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* An open() errno under the policy: ENOENT is -ESRCH only when the task's directory is gone too. */
static int open_error(int err, pid_t tgid, pid_t tid)
{
	char dir[64];

	if (err == ESRCH)
		return -ESRCH;
	if (err != ENOENT || tgid == PROC_SYSTEM)
		return -err;
	if (proc_path(tgid, tid, "", dir, sizeof(dir)) == 0 && access(dir, F_OK) == 0)
		return -ENOENT;
	return -ESRCH;
}

int proc_open(pid_t tgid, pid_t tid, const char *file, int flags)
{
	char path[128];
	int fd, err = proc_path(tgid, tid, file, path, sizeof(path));

	if (err)
		return err;
	fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? open_error(errno, tgid, tid) : fd;
}

/* Where the bytes go: a fixed buffer, or one that grows (malloc'd). */
struct sink {
	char *buf;
	size_t cap;
	bool grow;
};

/*
 * Read fd to its end into s (from offset 0 with pread, else from where it
 * is), NUL-terminated. A full fixed buffer is probed for one more byte: if
 * there is one, the file does not fit.
 */
static int read_to_end(int fd, bool positioned, struct sink *s, size_t *len)
{
	size_t total = 0;
	char probe;

	for (;;) {
		char *at = s->buf + total;
		size_t room = s->cap - 1 - total;
		ssize_t n;

		if (!room && s->grow) {
			char *bigger = s->cap <= SIZE_MAX / 2 ? realloc(s->buf, s->cap * 2) : NULL;

			if (!bigger)
				return -ENOMEM;
			s->buf = bigger;
			s->cap *= 2;
			continue;
		}
		if (!room) {
			at = &probe;
			room = 1;
		}
		n = positioned ? pread(fd, at, room, (off_t)total) : read(fd, at, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno; /* ESRCH once the task is reaped; never the bytes so far */
		if (n == 0)
			break;
		if (at == &probe)
			return -E2BIG;
		total += (size_t)n;
	}
	s->buf[total] = '\0';
	if (len)
		*len = total;
	return 0;
}

int proc_read(pid_t tgid, pid_t tid, const char *file, char *buf, size_t cap, size_t *len)
{
	struct sink s = { buf, cap, false };
	int fd, err;

	if (!cap)
		return -EINVAL;
	fd = proc_open(tgid, tid, file, O_RDONLY);
	if (fd < 0)
		return fd;
	err = read_to_end(fd, false, &s, len);
	close(fd);
	return err;
}

int proc_read_alloc(pid_t tgid, pid_t tid, const char *file, char **buf, size_t *len)
{
	struct sink s = { malloc(PROC_PAGE_FILE_MAX), PROC_PAGE_FILE_MAX, true };
	int fd, err;

	if (!s.buf)
		return -ENOMEM;
	fd = proc_open(tgid, tid, file, O_RDONLY);
	if (fd < 0) {
		free(s.buf);
		return fd;
	}
	err = read_to_end(fd, false, &s, len);
	close(fd);
	if (err) {
		free(s.buf);
		return err;
	}
	*buf = s.buf;
	return 0;
}

int proc_pread(int fd, char *buf, size_t cap, size_t *len)
{
	struct sink s = { buf, cap, false };

	return cap ? read_to_end(fd, true, &s, len) : -EINVAL;
}
