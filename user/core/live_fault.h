/* SPDX-License-Identifier: MIT */
/*
 * The fault handler of a live dump: a thread that reads the userfaultfd.
 * For each write fault on a protected page it copies the page (still as it
 * was at the pause) and lifts the protection of that page (which lets the
 * writer go on); the copy goes into the core with the reader's window, or
 * straight to its place when the pool runs low (core/live_pages.h).
 * It also hears of the target unmapping, discarding or moving protected
 * memory: when that may take a page nobody has copied yet, the dump has
 * lost its point in time, and says so (live_fault_lost).
 *
 * Only two paths lift a protection: this handler, and the reader once it
 * has copied a window; `lock` orders them, so a page is copied by whoever
 * finds it still protected, and never after someone let the target write it.
 *
 * A fork is heard of before the child runs (UFFD_FEATURE_EVENT_FORK): the
 * child's userfaultfd is closed at once, which leaves it unprotected, and
 * from then on the child can write the target's shared memory unseen.
 * While tracking that is noted (forked: no shared memory is protected in
 * the pause); once copying, it loses the point in time if shared memory
 * is not copied yet.
 *
 * Before the pause the handler only tracks (LIVE_FAULT_TRACK): the
 * protection is set while the target runs, each first write just lifts it
 * again, and the pause re-protects only what was written meanwhile.
 */
#ifndef CORETRAP_CORE_LIVE_FAULT_H
#define CORETRAP_CORE_LIVE_FAULT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/live_pages.h"
#include "core/live_plan.h"

enum live_fault_mode {
	LIVE_FAULT_TRACK = 0, /* before the pause: lift the protection, copy nothing */
	LIVE_FAULT_COPY,      /* from the pause on: copy, then lift */
};

struct live_fault {
	/* set by the caller before live_fault_start */
	int uffd;
	int out_fd;
	int pagemap_fd;             /* the target's, opened before the pause */
	pid_t pid;
	size_t page_size;
	pthread_mutex_t *lock;      /* shared with the reader */
	/* under lock: set with live_fault_copy */
	enum live_fault_mode mode;
	const struct live_range *ranges;
	size_t nranges;
	_Atomic uint64_t *reader_done; /* every protected page below it is copied */
	unsigned pool_pages;        /* the copy pool's size, 0: LIVE_PAGES_POOL (a test hook's) */

	/* the handler's own */
	pthread_t thread;
	int stop_fd;                /* eventfd: stop once the protection is gone */
	bool running;
	struct live_pages pages;     /* copies on their way into the core */
	uint64_t *retry;            /* faults whose unprotect met -EAGAIN (an event waiting) */
	size_t nretry, capretry;

	/* results */
	_Atomic uint64_t copied_pages; /* pages copied before a write */
	_Atomic int err;            /* first failure to copy or write a page: the dump fails */
	_Atomic bool lost;          /* a page of the pause may be gone: see why */
	_Atomic bool forked;        /* the target forked while tracking: a child shares its shared memory */
	char why[160];
};

/* Start the handler thread (in the mode and with the ranges set). 0 or a negative errno. */
int live_fault_start(struct live_fault *f);
/*
 * In the pause: from now on copy pages of ranges[] at their first write.
 * Call it before re-protecting what was written while tracking: every
 * protection lifted before is then seen by that scan, none after.
 */
void live_fault_copy(struct live_fault *f, const struct live_range *ranges, size_t n);
/* Stop it (after the protection has been lifted from every range) and free it. */
void live_fault_stop(struct live_fault *f);
/* Record an error that fails the dump (the first one counts). */
void live_fault_fail(struct live_fault *f, int err);
/* The first error or -EAGAIN when the point in time is lost; 0 while all is well. */
int live_fault_status(struct live_fault *f);

#endif
