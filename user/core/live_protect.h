/* SPDX-License-Identifier: MIT */
/*
 * Setting and lifting the write protection of a live dump's ranges: one
 * ioctl per run of touching ranges where the kernel takes it, range by
 * range where it refuses the run, and the re-protection of only what was
 * written since an earlier protection (PAGEMAP_SCAN).
 */
#ifndef CORETRAP_CORE_LIVE_PROTECT_H
#define CORETRAP_CORE_LIVE_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/live_plan.h"

/*
 * UFFDIO_REGISTER every range; a range the kernel refuses (EINVAL: not
 * anonymous memory after all, EBUSY: another userfaultfd) gets len 0.
 * Registering again what is registered already is harmless. Returns the
 * last refusal (0: none).
 */
int live_register_ranges(int uffd, struct live_range *r, size_t n);
/* Write-protect (or lift) every range with a non-zero len. 0 or the first error. */
int live_protect_ranges(int uffd, const struct live_range *r, size_t n, bool on);
/* Unregister every range (which also lifts its protection and wakes its waiters). */
void live_unregister_ranges(int uffd, const struct live_range *r, size_t n);
/*
 * Write-protect what is present but not protected in the ranges: pages
 * written since an earlier protection (whose fault lifted it) or populated
 * since. -ENOTTY or -EINVAL when the kernel has no PAGEMAP_SCAN.
 */
int live_reprotect_written(int uffd, int pagemap_fd, const struct live_range *r, size_t n,
			   size_t page_size);
/* Whether the kernel has PAGEMAP_SCAN (asked on the target's pagemap). */
bool live_can_scan(int pagemap_fd);
/* UFFDIO_WRITEPROTECT, retried while an unmap/remove/remap event waits for the handler. */
int live_protect_retry(int uffd, uint64_t addr, uint64_t len, bool on);

#endif
