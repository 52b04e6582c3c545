/* SPDX-License-Identifier: MIT */
/*
 * Where the fault handler's copies wait when its pool (core/live_pages.h)
 * runs low: a scratch file beside the core, written in order, and an
 * index from a page's address to its place there. When the reader comes
 * to the page's window it reads the copy back (from the page cache, as a
 * rule: it was written moments ago) and puts it into its window's one
 * large write. Written to its place in the core instead, each copy would
 * be a 4 KiB write at a random offset, and would split the window's write
 * around it: on a disk of a few hundred MB/s a 4 GiB live dump made 6900
 * to 62000 writes of 68-610 KiB on average, against 1100-4300 of 1-3.7 MiB
 * this way, and took up to 1.5x as long as a stopped one (0.49x this way).
 *
 * Bounded twice: by a budget in pages (half the free space the core leaves
 * on its filesystem, see core/live.c) and by LIVE_SPILL_MAX entries, so
 * that the index stays small whatever the dump's size. Past either, or
 * when the scratch file fails, the caller writes the copy to its place as
 * before. The pool's lock covers the index; live_spill_write (only ever
 * called by the pool's writer, the only thread to place copies) and
 * live_spill_hand_over (the reader) touch the file alone and run without it.
 */
#ifndef CORETRAP_CORE_LIVE_SPILL_H
#define CORETRAP_CORE_LIVE_SPILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 262144 copies: 1 GiB of scratch file, 8 MiB of index */
#define LIVE_SPILL_MAX (1u << 18)

struct live_spill_entry {
	uint64_t addr; /* in the target */
	uint64_t off;  /* in the core */
	uint64_t at;   /* in the scratch file */
	unsigned next; /* in its bucket, or the free list */
};

/* A parked copy, taken out of the index to be read back without the lock. */
struct live_spill_copy {
	uint64_t addr, off, at;
};

struct live_spill {
	int fd;                /* the scratch file, -1: none */
	size_t page_size;
	uint64_t budget;       /* pages the scratch file may take */
	uint64_t used;         /* pages placed in it so far (its size) */
	struct live_spill_entry *e;
	unsigned n, cap;       /* entries made, allocated */
	unsigned free_head;    /* entries handed back, for reuse */
	unsigned *bucket;      /* by address / LIVE_SPILL_BUCKET_BYTES, hashed */
	unsigned nbucket;
	unsigned char *buf;    /* one page, for reading copies back */
	bool broken;           /* a write failed: no more copies go there */
};

/* Nothing parked, no file: every live_spill_place says no. */
void live_spill_init(struct live_spill *s, size_t page_size);
/*
 * From now on park copies in fd (owned from here on, closed by
 * live_spill_fini), up to budget pages. 0, or -ENOMEM (then fd is closed
 * and nothing is parked).
 */
int live_spill_enable(struct live_spill *s, int fd, uint64_t budget);
/* A place in the scratch file for one more copy, or false: write it to its own place. */
bool live_spill_place(struct live_spill *s, uint64_t *at);
/* Write a copy to its place in the scratch file. 0 or a negative errno (then broken). */
int live_spill_write(struct live_spill *s, const unsigned char *data, uint64_t at);
/* The copy of the page at addr (place off in the core) is at `at`: index it. */
void live_spill_add(struct live_spill *s, uint64_t addr, uint64_t off, uint64_t at);
/*
 * Hand every parked copy of [start, end) to fn, read back, and forget it.
 * 0, or the first read error (the copies it concerns are lost: the dump
 * must fail).
 */
int live_spill_take(struct live_spill *s, uint64_t start, uint64_t end,
		    void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data), void *arg);
/*
 * Take up to max parked copies of [start, end) out of the index into out[]:
 * their number. Hand them over with live_spill_hand_over, which needs no lock.
 */
size_t live_spill_detach(struct live_spill *s, uint64_t start, uint64_t end, struct live_spill_copy *out,
			 size_t max);
/*
 * Read each of the n detached copies back into buf (a page) and hand it
 * to fn. 0, or the first read error (those copies are lost: the dump must
 * fail).
 */
int live_spill_hand_over(const struct live_spill *s, const struct live_spill_copy *c, size_t n,
			 unsigned char *buf,
			 void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data), void *arg);
/* How many copies are parked now. */
unsigned live_spill_parked(const struct live_spill *s);
/* Write every copy still parked to its place in the core (fd). 0 or the first error. */
int live_spill_flush(struct live_spill *s, int fd);
/* Free the index, close the file. */
void live_spill_fini(struct live_spill *s);

#endif
