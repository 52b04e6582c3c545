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

/* Open /proc/PID/pagemap; returns an fd or a negative errno. */
int pagemap_open(pid_t pid);
/* Read the entries of npages pages from addr into out. 0 or negative errno. */
int pagemap_read(int fd, uint64_t addr, size_t npages, uint64_t *out);

#endif
