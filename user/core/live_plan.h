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
	LIVE_PROTECT,   /* private anonymous (hugetlb too), lone shared: write-protected in the pause, copied after it */
	LIVE_IN_PAUSE,  /* writable but not protectable (file-backed private, shared...): copied in the pause */
	LIVE_AFTER,     /* not writable (text, read-only data, ELF headers): copied after the pause */
};

/* What the kernel and the target allow a mapping (live_route's `can`). */
#define LIVE_CAN_WP_HUGETLB 0x1u /* the handshake enabled UFFD_FEATURE_WP_HUGETLBFS_SHMEM */
#define LIVE_CAN_WP_SHARED 0x2u  /* this shared memory is the target's alone (that feature too) */

/*
 * The route of a mapping whose segment holds filesz bytes of the core.
 * Private anonymous memory is write-protected: userfaultfd refuses
 * private file mappings (a library's .data). Private anonymous hugetlb
 * memory of 2 MiB pages (smaps KernelPageSize known) is protected too
 * when the handshake enabled hugetlb write-protect.
 *
 * Shared memory is protected only when nobody can write it without a
 * fault in the target: memory no other process can open by a name
 * (mapping_is_unnamed_shared: not a /dev/shm file, not SysV) that no
 * other process maps and on which no process holds a file descriptor
 * (write() into a memfd takes no fault), which the caller checked
 * (LIVE_CAN_WP_SHARED). Other shared memory is copied in the pause.
 * Read-only mappings change only if the target makes them writable
 * first, so they are read after the pause.
 */
enum live_route live_route(const struct mapping *m, uint64_t filesz, unsigned can);

/*
 * A write-protected range of the dump: page addr goes to file_off +
 * (addr - vaddr). page: the mapping's page size when it is bigger than
 * the base page (hugetlb), else 0; protection is lifted and fault copies
 * are taken by whole pages of that size.
 */
struct live_range {
	uint64_t vaddr, len, file_off;
	uint64_t page;
	/*
	 * Shared memory (shmem, memfd, shared hugetlb): its pages are copied
	 * from the object itself (fd, at file_pos + (addr - vaddr)), which
	 * reads an unmapped page without mapping it into the target or
	 * allocating it. The fd is the caller's.
	 */
	bool shared;
	int fd;
	uint64_t file_pos;
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
