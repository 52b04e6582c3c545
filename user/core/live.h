/* SPDX-License-Identifier: MIT */
/*
 * Live dumps: the target is paused only while its registers, notes and
 * maps are read and its private anonymous memory is write-protected
 * through a userfaultfd (core/live_uffd.h); what cannot be protected and
 * may change (private file mappings such as a library's .data, shared
 * memory) is copied in the pause. Then the target runs. The reader copies
 * the protected memory with process_vm_readv, window by window, lifting
 * the protection of each window once copied; the fault handler
 * (core/live_fault.h) copies a page the target writes first, straight to
 * its place in the core. The result is the same core as a stopped dump's,
 * as of the pause.
 *
 * The protection is set twice, so that the pause does not last as long as
 * protecting the whole memory (about 20-35 ms per GiB of 4 KiB pages
 * here): once before the pause, while the target runs and each first write
 * just lifts it again, then in the pause only over what was written
 * meanwhile, found with PAGEMAP_SCAN (about 1.5 ms per GiB).
 *
 * Called by the core writer (core/coredump.c) at four points:
 *   core_live_possible  before the stop: whether to try at all;
 *   core_live_prepare   before the stop: create the userfaultfd (in a stop
 *                       of a few syscalls) and protect a first time;
 *   core_live_begin     in the pause, once the headers are written and the
 *                       file has its size;
 *   core_live_finish    after the resume: the rest of the memory, then the
 *                       protection is lifted everywhere;
 * and core_live_fini on every path.
 */
#ifndef CORETRAP_CORE_LIVE_H
#define CORETRAP_CORE_LIVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/elfcore.h"
#include "core/live_fault.h"
#include "core/live_plan.h"
#include "core/memory.h"
#include "base/proc_holders.h"
#include "base/proc_maps.h"

#define CORE_LIVE_WHY_LEN 192
/*
 * The snapshot ring of a live dump: four windows, enough to keep the
 * writers busy while the reader copies. With the fault handler's pool
 * (core/live_pages.h) the dump holds under 100 MiB whatever its size.
 */
#define CORE_LIVE_RING_BYTES (4ull * CORE_CHUNK_BYTES)

struct core_live {
	pid_t pid;
	struct core_mem *cm;
	const struct maps *maps;
	const struct elfcore_segment *segs;
	enum live_route *route;      /* per segment */
	struct live_range *ranges;   /* the protected ones, sorted */
	size_t nranges;
	struct live_range *early;    /* protected before the pause (unregistered at the end too) */
	size_t nearly;
	struct maps before;          /* smaps read before the pause */
	struct shared_object *shared; /* shared memory that may be protected, if the target's alone */
	size_t nshared;
	bool scan;                   /* PAGEMAP_SCAN: the pause re-protects only what was written */
	int uffd;
	int fault_fd;                /* the core without O_DIRECT, for the fault handler */
	int scratch_fd;              /* where the pool parks copies (core/live_spill.h), until it owns it */
	uint64_t spare_bytes;        /* set before core_live_begin: free space the core leaves, 0 unknown */
	uint64_t features;
	bool lock_inited;
	pthread_mutex_t lock;        /* see live_fault.h */
	_Atomic uint64_t reader_done;
	struct live_fault fault;
	uint64_t *pm;                /* the reader's second look at a window's pagemap */
	/* results */
	uint64_t protected_bytes;    /* virtual size write-protected */
	unsigned copied_in_pause;    /* writable segments that could not be protected */
	char why[CORE_LIVE_WHY_LEN]; /* why not live, or why the point in time was lost */
};

/*
 * Before the stop: whether a live dump of pid can work (kernel support,
 * the target's seccomp and privileges) and is wanted (held_signal: the
 * signal a thread is held in for the dump, 0 for none; a crash signal
 * keeps the whole process stopped); if not, why.
 */
bool core_live_possible(pid_t pid, int held_signal, char *why, size_t why_len);

/* What core_live_prepare needs to know of the dump. */
struct core_live_target {
	pid_t tgid;
	pid_t mm_pid;              /* a live thread to reach the mm through (see coredump.c) */
	bool already_seized;       /* as in struct dump_request */
	pid_t keep_stopped;
	volatile int *interrupted;
	struct core_mem *cm;       /* the dump's memory copier (its pagemap fd is of this mm) */
	unsigned long filter;      /* coredump_filter */
	unsigned *reinjected;      /* signals handed back while creating the userfaultfd */
	const char *dir;           /* the core's directory: a direct core's scratch file goes there */
};

/*
 * Before the stop. 0: the userfaultfd is ours and what can be protected
 * is. Else a negative errno with lv->why: not live (core_live_begin then
 * says -EOPNOTSUPP).
 */
int core_live_prepare(struct core_live *lv, const struct core_live_target *t);

/*
 * In the pause: the target's mappings from /proc/PID/maps, with what the
 * smaps read before the pause says of them (base/proc_maps.h
 * maps_merge_smaps), so that the pause does not walk the page tables.
 * -ESTALE when the mappings changed since (then read smaps), -ENOENT
 * without an earlier read.
 */
int core_live_read_maps(struct core_live *lv, pid_t pid, struct maps *out);

/*
 * In the pause. segs[i] is the segment of maps->v[i] with its place in
 * the file. 0: the target may resume, then core_live_finish. -EOPNOTSUPP:
 * nothing is protected, copy everything while stopped (lv->why says why).
 * Another negative errno: the dump fails.
 */
int core_live_begin(struct core_live *lv, const struct maps *maps, const struct elfcore_segment *segs);

/*
 * After the resume: copy the rest and lift every protection. 0, -EAGAIN
 * when the target unmapped, discarded or moved memory not copied yet (the
 * core would not be of one point in time: lv->why), -ESRCH when it exited
 * or exec'd, -EINTR, -ENOSPC...
 */
int core_live_finish(struct core_live *lv);

/* Pages the fault handler copied before the target wrote them. */
uint64_t core_live_fault_pages(struct core_live *lv);
/*
 * Once finished: of those, how many the pool could not hold until their
 * window and parked in the scratch file (parked) or wrote to their place
 * in the core (placed).
 */
void core_live_spill_counts(const struct core_live *lv, uint64_t *parked, uint64_t *placed);

/* Lift what is still protected, stop the handler, free everything. Idempotent. */
void core_live_fini(struct core_live *lv);

#endif
