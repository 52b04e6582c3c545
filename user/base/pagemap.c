// SPDX-License-Identifier: MIT
#include "base/pagemap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int pagemap_open(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int pagemap_read(int fd, uint64_t addr, size_t npages, uint64_t *out)
{
	size_t want = npages * sizeof(uint64_t), got = 0;
	off_t off = (off_t)(addr / (uint64_t)getpagesize() * sizeof(uint64_t));

	while (got < want) {
		ssize_t n = pread(fd, (char *)out + got, want - got, off + (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			/* beyond the address space: nothing is present there */
			memset((char *)out + got, 0, want - got);
			break;
		}
		got += (size_t)n;
	}
	return 0;
}
