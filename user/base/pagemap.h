/* SPDX-License-Identifier: MIT */
/*
 * /proc/PID/pagemap: which pages of the target are resident, so the core
 * writer never touches (and so never faults in) a page that is not.
 */
#ifndef CORETRAP_PAGEMAP_H
#define CORETRAP_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PM_PRESENT (1ull << 63)
#define PM_SWAPPED (1ull << 62)
#define PM_UFFD_WP (1ull << 57) /* the page is write-protected by a userfaultfd */

/* Open /proc/PID/pagemap; returns an fd or a negative errno. */
int pagemap_open(pid_t pid);
/* Read the entries of npages pages from addr into out. 0 or negative errno. */
int pagemap_read(int fd, uint64_t addr, size_t npages, uint64_t *out);

/* A run of pages [start, end). */
struct page_run {
	uint64_t start, end;
};
/*
 * The runs of present pages that are not userfaultfd write-protected
 * (written since they were protected, or populated since) in [start, end),
 * with the PAGEMAP_SCAN ioctl (Linux 6.7): a walk of the page tables that
 * reports ranges, not 8 bytes per page. Calls fn for each run, stopping at
 * its first non-zero return, which is returned. -ENOTTY or -EINVAL when
 * the kernel has no PAGEMAP_SCAN.
 */
int pagemap_scan_unprotected(int fd, uint64_t start, uint64_t end,
			     int (*fn)(const struct page_run *run, void *arg), void *arg);

#endif
