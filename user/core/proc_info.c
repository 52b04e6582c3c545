// SPDX-License-Identifier: MIT
#include "core/proc_info.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int core_proc_read(const char *rel, char **buf, size_t *len)
{
	char path[128];
	size_t cap = 4096, n = 0;
	char *b;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s", rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	b = malloc(cap + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);

			if (!nb) {
				free(b);
				close(fd);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			int err = errno == ESRCH ? -ESRCH : -errno;

			if (errno == EINTR)
				continue;
			free(b);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

static uint64_t ticks_to_us(unsigned long long t)
{
	static long hz;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	return (uint64_t)t * 1000000ull / (uint64_t)(hz > 0 ? hz : 100);
}

int core_parse_stat(const char *buf, struct core_stat *out)
{
	const char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
	unsigned long long ut, st, cut, cst;
	long prio, nice;
	int ppid, pgrp, sid;
	size_t clen;

	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open_paren + 1, clen);
	/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime prio nice */
	if (sscanf(close_paren + 2, "%c %d %d %d %*d %*d %lu %*u %*u %*u %*u %llu %llu %llu %llu %ld %ld",
		   &out->state, &ppid, &pgrp, &sid, &out->flags, &ut, &st, &cut, &cst, &prio,
		   &nice) != 11)
		return -EINVAL;
	out->ppid = ppid;
	out->pgrp = pgrp;
	out->sid = sid;
	out->nice = (int)nice;
	out->utime_us = ticks_to_us(ut);
	out->stime_us = ticks_to_us(st);
	out->cutime_us = ticks_to_us(cut);
	out->cstime_us = ticks_to_us(cst);
	return 0;
}

int core_parse_status(const char *buf, struct core_status *out)
{
	const char *p;
	unsigned u, g;

	memset(out, 0, sizeof(*out));
	if ((p = strstr(buf, "\nUid:")) && sscanf(p + 5, "%u", &u) == 1)
		out->uid = u;
	if ((p = strstr(buf, "\nGid:")) && sscanf(p + 5, "%u", &g) == 1)
		out->gid = g;
	if ((p = strstr(buf, "\nSigPnd:")))
		out->sigpnd = strtoul(p + 8, NULL, 16);
	if ((p = strstr(buf, "\nShdPnd:")))
		out->shdpnd = strtoul(p + 8, NULL, 16);
	if ((p = strstr(buf, "\nSigBlk:")))
		out->sigblk = strtoul(p + 8, NULL, 16);
	return 0;
}
