// SPDX-License-Identifier: MIT
/* STUB until the cli branch lands: minimal proc.h readers. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "proc.h"

int proc_name(pid_t pid, char *out, size_t len)
{
	char path[64], buf[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	buf[n] = 0;
	const char *b = strrchr(buf, '/');
	b = b ? b + 1 : buf;
	snprintf(out, len, "%s", b);
	out[strcspn(out, " ")] = 0;
	return 0;
}

int proc_find_by_name(const char *name, bool ignore_case, pid_t *out)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t best = 0;
	char n[256];

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t p = atoi(de->d_name);

		if (p <= 0 || p == getpid() || proc_name(p, n, sizeof(n)))
			continue;
		if ((ignore_case ? strcasecmp(n, name) : strcmp(n, name)) == 0 && (!best || p < best))
			best = p;
	}
	closedir(d);
	if (!best)
		return -ESRCH;
	*out = best;
	return 0;
}

bool proc_alive(pid_t pid)
{
	char path[64], buf[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}
