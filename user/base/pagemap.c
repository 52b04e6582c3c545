// SPDX-License-Identifier: MIT
#include "base/pagemap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
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

/* PAGEMAP_SCAN (linux/fs.h of 6.7; Debian 12's headers are 6.1). */
struct pm_scan_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PM_SCAN_IOCTL _IOWR('f', 16, struct pm_scan_arg)
#define PM_PAGE_IS_WRITTEN (1ull << 1)
#define PM_PAGE_IS_PRESENT (1ull << 3)
#define PM_SCAN_BATCH 512

int pagemap_scan_unprotected(int fd, uint64_t start, uint64_t end,
			     int (*fn)(const struct page_run *run, void *arg), void *arg)
{
	struct pm_scan_region v[PM_SCAN_BATCH];

	while (start < end) {
		/* "written" is the absence of the write-protect bit on a protected vma */
		struct pm_scan_arg a = { .size = sizeof(a), .start = start, .end = end,
					 .vec = (uintptr_t)v, .vec_len = PM_SCAN_BATCH,
					 .category_mask = PM_PAGE_IS_WRITTEN | PM_PAGE_IS_PRESENT,
					 .return_mask = PM_PAGE_IS_WRITTEN | PM_PAGE_IS_PRESENT };
		long n = ioctl(fd, PM_SCAN_IOCTL, &a);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (long i = 0; i < n; i++) {
			struct page_run r = { v[i].start, v[i].end };
			int err = fn(&r, arg);

			if (err)
				return err;
		}
		/*
		 * Go on where the walk ended; 6.18 may report runs past
		 * walk_end, which must not be reported twice.
		 */
		start = a.walk_end;
		if (n > 0 && v[n - 1].end > start)
			start = v[n - 1].end;
		if (n == 0 && a.walk_end <= a.start)
			break;
	}
	return 0;
}
