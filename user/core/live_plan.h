/* SPDX-License-Identifier: MIT */
/*
 * What a live dump does with each segment, and the bookkeeping of the
 * write-protected ranges shared by the reader and the fault handler. Pure:
 * unit-tested (tests/unit/core/test_live_plan.c).
 */
#ifndef CORETRAP_CORE_LIVE_PLAN_H
#define CORETRAP_CORE_LIVE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/proc_maps.h"

enum live_route {
	LIVE_SKIP = 0,  /* no data in the core */
	LIVE_PROTECT,   /* private anonymous (hugetlb too): write-protected in the pause, copied after it */
	LIVE_IN_PAUSE,  /* writable but not protectable (file-backed private, shared...): copied in the pause */
	LIVE_AFTER,     /* not writable (text, read-only data, ELF headers): copied after the pause */
};

/*
 * The route of a mapping whose segment holds filesz bytes of the core.
 * Only private anonymous memory is write-protected: userfaultfd refuses
 * private file mappings (a library's .data). Private anonymous hugetlb
 * memory of 2 MiB pages (smaps KernelPageSize known) is protected too
 * when the handshake enabled UFFD_FEATURE_WP_HUGETLBFS_SHMEM (wp_hugetlb). Shared memory (shmem,
 * memfd, tmpfs, shared hugetlb) never is, although the kernel could
 * protect it: a write into it by another process that maps it (a child
 * forked during the dump included) or through a file descriptor
 * (write() into a memfd, by the target itself too) takes no fault in the
 * target, so the copy after the pause could hold it. It is copied in the
 * pause. Read-only mappings change only if the target makes them
 * writable first, so they are read after the pause.
 */
enum live_route live_route(const struct mapping *m, uint64_t filesz, bool wp_hugetlb);

/*
 * A write-protected range of the dump: page addr goes to file_off +
 * (addr - vaddr). page: the mapping's page size when it is bigger than
 * the base page (hugetlb), else 0; protection is lifted and fault copies
 * are taken by whole pages of that size.
 */
struct live_range {
	uint64_t vaddr, len, file_off;
	uint64_t page;
};

/* Index of the range holding addr in r[n] (sorted, disjoint), or -1. */
long live_range_find(const struct live_range *r, size_t n, uint64_t addr);

/*
 * The target unmapped, discarded or moved [start, end) while the reader
 * had copied every protected page below `done`: whether that may have
 * taken a page of the pause that nobody has copied yet.
 */
bool live_range_at_risk(const struct live_range *r, size_t n, uint64_t done, uint64_t start,
			uint64_t end);

/*
 * End (exclusive index) of the run of ranges from i that touch one
 * another: one ioctl covers it. A range of len 0 (dropped) ends a run,
 * and so does one of another page size: the kernel refuses an ioctl that
 * covers hugetlb memory unless the whole of it is aligned to huge pages.
 */
size_t live_run_end(const struct live_range *r, size_t n, size_t i);

#endif
