/* SPDX-License-Identifier: MIT */
/*
 * The pages the fault handler copied, on their way into the core. A fault
 * only ever comes from a window the reader has not copied yet (the reader
 * lifts a window's protection once it has it), so a copy can wait for the
 * reader and go out inside its window's write: one large write instead of
 * a scattered 4 KiB one (which on ext4 also waits behind the ring's direct
 * writes and splits them). The pool is bounded: when it runs low, a thread
 * of its own moves the oldest copies out, so the handler never waits for a
 * write and memory stays fixed: into the scratch file of core/live_spill.h
 * when the caller gave one (they still go out inside their window's
 * write), else straight to their place in the core.
 */
#ifndef CORETRAP_CORE_LIVE_PAGES_H
#define CORETRAP_CORE_LIVE_PAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/live_spill.h"

/*
 * 64 MiB of 4 KiB pages, touched only as far as they are used. A target
 * writing 16 pages per ms at random over 4 GiB has about 20000 copies
 * waiting for the reader at the peak of a 5 s dump (a quarter of what it
 * writes): they fit.
 */
#define LIVE_PAGES_POOL 16384

struct live_page {
	uint64_t addr;          /* in the target */
	uint64_t off;           /* in the core */
	unsigned next;          /* in the free list or the waiting FIFO */
};

struct live_pages {
	int fd;
	size_t page_size;
	unsigned npool;         /* LIVE_PAGES_POOL, fewer in tests */
	unsigned char *slots;   /* npool pages */
	struct live_page *page; /* npool of them */
	unsigned free_head;     /* free slots, a stack */
	unsigned nfree;
	unsigned wait_head, wait_tail; /* copies waiting for the reader, oldest first */
	unsigned nwaiting;
	unsigned nwriting;      /* taken by the writer */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, stop;
	int err;                /* first write or read-back error */
	struct live_spill spill; /* where the writer parks copies, if anywhere */
	struct live_spill_copy *detached; /* the reader's: parked copies it reads back unlocked */
	unsigned char *readback;          /* one page of the reader's for them */
	uint64_t taken_upto;    /* the reader has taken every window below (it goes up) */
	uint64_t written;       /* copies the writer had to write to their place itself */
	uint64_t parked;        /* copies the writer parked in the scratch file */
};

/* Start the writer thread, with a pool of npool pages (0: LIVE_PAGES_POOL). 0 or a negative errno. */
int live_pages_start(struct live_pages *q, int fd, size_t page_size, unsigned npool);
/*
 * From now on park copies the pool cannot hold in scratch_fd (owned from
 * here on), up to budget pages; see core/live_spill.h. 0 or -ENOMEM.
 */
int live_pages_allow_scratch(struct live_pages *q, int scratch_fd, uint64_t budget);
/* A free slot to copy a page into (its index), once there is one. */
unsigned live_pages_slot(struct live_pages *q);
/* The slot's memory. */
unsigned char *live_pages_data(struct live_pages *q, unsigned slot);
/* The slot holds the page at addr of the target, whose place in the core is off: keep it. */
void live_pages_keep(struct live_pages *q, unsigned slot, uint64_t addr, uint64_t off);
/* Give a slot back unused. */
void live_pages_drop(struct live_pages *q, unsigned slot);
/*
 * The reader has copied [start, end) and no copy of it can come any more
 * (its protection is gone): each kept or parked copy in it is handed to fn
 * (with its target address, place in the core and data), then freed.
 * Windows are taken in address order.
 */
void live_pages_take(struct live_pages *q, uint64_t start, uint64_t end,
		     void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data),
		     void *arg);
/*
 * The same for the copies of [start, end) already parked, while copies may
 * still come: so that reading them back does not happen under the lock the
 * fault handler needs (live.c). live_pages_take still follows.
 */
void live_pages_take_parked(struct live_pages *q, uint64_t start, uint64_t end,
			    void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data),
			    void *arg);
/* Write what is still kept, stop the writer, free. The first write error, or 0. */
int live_pages_stop(struct live_pages *q);

#endif
