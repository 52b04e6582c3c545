/* SPDX-License-Identifier: MIT */
/*
 * The snapshot ring: memory copied out of the stopped target is written to
 * the core file by a writer thread, concurrently with the copy, so the stop
 * lasts about as long as the copy and the whole dump about as long as the
 * write. The ring is faulted in (transparent huge pages, or 4 KiB pages when
 * huge ones come slowly: snapshot_switch_to_small_pages) before the stop;
 * when the copy catches up with the writer it waits for written space.
 */
#ifndef CORETRAP_CORE_SNAPSHOT_H
#define CORETRAP_CORE_SNAPSHOT_H

#include "core/freeze_watch.h"
#include "core/write_pace.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Page states within one window. MEM and FILE pages get a slot in the
 * destination buffer; after reading they are READY (data in the slot) or
 * FAILED (slot unused, written as a hole). HOLE pages have no slot.
 */
enum page_src { PG_HOLE = 0, PG_MEM, PG_FILE, PG_READY, PG_FAILED };

/*
 * Writer threads. Buffered writes are a CPU copy: one writer beside the
 * reader fills the two cores. Direct writes wait on the disk, which here
 * takes two 8 MiB writes in flight 1.5-1.8x as fast as one.
 */
#define SNAPSHOT_MAX_WRITERS 2

/* A window copied into the ring, waiting for the writer. */
struct snap_window {
	uint64_t file_off;
	size_t npages;
	unsigned char *state;   /* per page, enum page_src; owned by the window */
	unsigned char *data;    /* its slotted pages, packed, in the ring */
	size_t bytes;           /* slotted pages * page size */
	bool written;           /* by a writer; its ring space is freed once all older ones are */
};

struct snapshot {
	int out_fd;
	size_t page_size;
	volatile int *interrupted;
	unsigned char *map, *ring;
	size_t map_len, ring_len;
	/*
	 * FIFO of windows: [nclaimed, nwins) wait for a writer, [nwritten,
	 * nclaimed) are being written (or written out of order: the ring
	 * space is freed oldest first).
	 */
	struct snap_window *wins;
	size_t nwins, capwins, nwritten, nclaimed;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t writers[SNAPSHOT_MAX_WRITERS];
	unsigned nwriters;
	bool inited, running, copy_done, abort;
	int err;                 /* first write error, seen by both threads */
	uint64_t data_bytes;     /* non-hole bytes written by the writer */
	uint64_t fault_ns;       /* time taken to fault the ring in, before the stop */
	size_t wanted_len;       /* ring asked for; ring_len is less when the fault-in stopped early */
	bool small_pages;        /* huge pages came too slowly: the rest of the ring is 4 KiB pages */
	/* a live dump's writers keep to a pace that its watchdog sets (core/write_pace.h) */
	bool paced;
	pthread_mutex_t pace_lock;
	struct write_pace pace;
	struct freeze_watch watch;
};

/*
 * Write the READY, non-zero pages of a window to fd at file_off; the rest
 * stays a hole. Slots are packed (k-th slotted page at base + k * ps) or at
 * their own position (page i at base + i * ps).
 */
int core_write_window(int fd, const unsigned char *state, const unsigned char *base, size_t npages,
		      size_t ps, bool packed, uint64_t file_off, uint64_t *data_bytes);

#define SNAPSHOT_SMALL_RING (64ull << 20)

/*
 * Whether a dump expected to copy `estimate` bytes is written with direct
 * I/O (where the filesystem takes it): whenever it is bigger than the small
 * ring, or would not fit under the kernel's dirty-page background
 * threshold (`dirty_headroom` left under it). Direct writes leave no dirty
 * pages, evict no other file's cache and cost a third of the CPU; on this
 * VM they also won on wall time from 64 MiB up (1 GiB: 0.29-0.33 s against
 * 0.69-2.8 s buffered, where every page-cache page is a fresh host fault).
 * Small dumps stay buffered: the page cache takes them at memory speed.
 * Pure.
 */
bool snapshot_prefer_direct(uint64_t estimate, uint64_t dirty_headroom);

/*
 * How much ring to fault in (before the stop) for a dump expected to copy
 * `estimate` bytes. The target stays stopped until the copy ends, and the
 * copy ends when everything past the ring's size has been written: the
 * stop is about max(copy time, (estimate - ring) / write speed).
 * Buffered: a whole snapshot (with slack for growth before the stop), so
 * the stop is the copy alone whatever speed the page cache takes the
 * writes at. Direct, under the dirty threshold (`dirty_headroom`; a dump
 * that is at most a tenth of available memory): three quarters. The copy
 * ran at about 9 GB/s here and the disk at 2.4-3.7 GB/s, so the writers
 * free the last quarter by the time the copy needs it: a 1 GiB dump was
 * stopped 0.13 s with 3/4 or a whole ring, 0.23-0.26 s with half. Every
 * ring page is faulted in between trigger and stop, so no more than that.
 * Direct, bigger: half, so a big dump does not double its memory; the
 * disk's speed then bounds the stop. At least SNAPSHOT_SMALL_RING, never
 * more than half of `mem_available`. Pure.
 */
uint64_t snapshot_ring_size(uint64_t estimate, uint64_t mem_available, uint64_t dirty_headroom,
			    bool direct);

/*
 * Whether faulting in at this pace (`bytes` in `ns`) is slow: under
 * 2 GiB/s. For huge pages it means the rest of the ring should use 4 KiB
 * pages. On this VM free memory goes back to the host (free page
 * reporting, in 2 MiB blocks), and a huge page the host has to back anew
 * costs about 2.3 s per GiB (37 ms per 16 MiB step, against 1 ms while
 * the host still backs it); 4 KiB pages cost 0.3-0.9 s per GiB. Memory
 * left idle a few seconds has gone back, so a dump triggered after a
 * quiet spell (the usual case) met slow huge pages: a 1 GiB dump took
 * 2.2-2.4 s, 0.8-0.9 s with 4 KiB pages. The line sits under small pages'
 * usual pace, so a thread preempted for a few ms in a fast step does not
 * cross it. Pure.
 */
bool snapshot_fault_pace_slow(uint64_t bytes, uint64_t ns);

/*
 * Whether the rest of the ring should be 4 KiB pages after a step of
 * `step_bytes` faulted in `step_ns`: when huge pages come slowly
 * (snapshot_fault_pace_slow), unless the dump is `disk_bound`. A direct
 * write from 4 KiB pages reaches this VM's virtio disk as requests of at
 * most 254 segments (about 1 MiB), one from huge pages as 4 MiB requests,
 * and the disk takes the latter about twice as fast (1 GiB in 8 MiB
 * writes: 263-297 MB/s against 489-541 MB/s, bench/RESULTS.md
 * 2026-12-08). A disk-bound ring is written many times over, so that
 * speed is the dump's; its fault-in is bounded (it stops at the first
 * slow pace past SNAPSHOT_SMALL_RING: 120-130 ms for 64 MiB of huge
 * pages, against 46-65 ms with the switch) and a 4 GiB stopped dump was
 * stopped 2.2-2.5 s instead of 4.6-6.7 s. Under the dirty threshold the
 * ring holds most of its dump and is what keeps the stop short
 * (snapshot_ring_size): there the bigger ring that 4 KiB pages buy within
 * the budget counts for more. Pure.
 */
bool snapshot_switch_to_small_pages(uint64_t step_bytes, uint64_t step_ns, bool disk_bound);

/*
 * The ring is faulted in between the trigger and the stop, so its fault-in
 * delays the moment the dump captures, and the dump's wall time. Whether it
 * stops after `faulted` bytes in `elapsed_ns` (never under
 * SNAPSHOT_SMALL_RING): once `budget_ns` is spent (SNAPSHOT_FAULT_BUDGET_NS),
 * or, with `disk_bound`, as soon as the pace is slow. disk_bound is for
 * dumps beyond the dirty threshold: their stop is bound by the disk
 * anyway, and a ring byte faulted at a slow pace costs about the wall time
 * it saves of the stop (a 2 GiB ring for 4 GiB took 1.86 s after a quiet
 * spell; the dump 3.8 s against 2.1-2.3 s with a quarter-second cap). Under
 * the threshold the ring keeps the stop to the copy (see
 * snapshot_ring_size), so it gets the whole budget. Pure.
 */
#define SNAPSHOT_FAULT_BUDGET_NS (500ull * 1000 * 1000)
bool snapshot_fault_should_stop(uint64_t faulted, uint64_t elapsed_ns, uint64_t budget_ns,
				bool disk_bound);

/*
 * Map and fault in `bytes` of ring (before the stop; less when
 * snapshot_fault_should_stop says so, given `disk_bound`) and start
 * `writers` writer threads (1..SNAPSHOT_MAX_WRITERS); `paced`, with a
 * watchdog that sets their pace (a live dump to a disk: write_pace.h).
 * 0 (with s->ring NULL when bytes is too small to be useful), -EINTR, or a
 * negative errno (no ring; the caller streams instead).
 */
int snapshot_start(struct snapshot *s, int out_fd, size_t page_size, volatile int *interrupted,
		   uint64_t bytes, unsigned writers, bool disk_bound, bool paced);
/* Room for `bytes` of packed pages, waiting for the writer if the ring is full. NULL with *err. */
unsigned char *snapshot_alloc(struct snapshot *s, size_t bytes, int *err);
/* Hand a filled window (its data from snapshot_alloc) to the writer; takes a copy of state. */
int snapshot_queue(struct snapshot *s, const unsigned char *state, size_t npages,
		   unsigned char *data, size_t bytes, uint64_t file_off);
/*
 * The lowest core offset a queued window still has to write (UINT64_MAX
 * when none is waiting): below it, and below the reader, the core is final.
 */
uint64_t snapshot_pending_floor(struct snapshot *s);
/* No more windows: wait until everything is written. 0 or the writer's error. */
int snapshot_finish(struct snapshot *s);
/* Stop the writer (dropping what is queued) and free everything. */
void snapshot_fini(struct snapshot *s);

#endif
