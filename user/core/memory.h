/* SPDX-License-Identifier: MIT */
/*
 * Copy target memory into the core, a few MiB at a time, without making any
 * page of the target resident: /proc/PID/pagemap says which pages are there;
 * only those are read with process_vm_readv (fallback /proc/PID/mem).
 * Absent pages of file mappings come from the file itself (page cache, not
 * the target's RSS); absent anonymous and swapped-out pages become holes, as
 * do all-zero pages.
 */
#ifndef CORETRAP_CORE_MEMORY_H
#define CORETRAP_CORE_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/snapshot.h"
#include "base/proc_maps.h"

#define CORE_CHUNK_BYTES (8u << 20)

struct core_mem {
	pid_t pid;
	int out_fd;
	int pagemap_fd;
	int mem_fd;          /* /proc/PID/mem, opened on first need */
	int stat_fd;         /* /proc/PID/stat, to notice the target exiting */
	bool no_vm_readv;
	size_t page_size;
	unsigned char *buf;
	uint64_t *pm;
	unsigned char *state;
	size_t *off;             /* per page: byte offset of its slot from base */
	unsigned char *base;     /* destination of the current window */
	struct snapshot snap;    /* ring + writer thread; streaming when it has none */
	volatile int *interrupted;
	uint64_t data_bytes;     /* non-hole bytes written */
	uint64_t skipped_swapped; /* pages left out because they were swapped out */
	/*
	 * Core offset of the window being copied: the reader writes nothing
	 * below it any more (it goes through the segments in file order).
	 * Read by a compressor following the core (core_mem_final_below).
	 */
	uint64_t cursor;
};

int core_mem_init(struct core_mem *cm, pid_t pid, int out_fd, volatile int *interrupted);
void core_mem_fini(struct core_mem *cm);

/* 0 while the target exists and is neither a zombie nor exiting, else -ESRCH. */
int core_mem_target_alive(struct core_mem *cm);

/* Copy [addr, addr + len) of mapping m to file offset file_off. 0, -ESRCH, -EINTR, -ENOSPC... */
int core_mem_dump_range(struct core_mem *cm, const struct mapping *m, uint64_t addr, uint64_t len,
			uint64_t file_off);

/*
 * A range copied while the target runs (core/live.c). Only present pages
 * whose pagemap entry has every bit of `require` are read; the other
 * present pages (absent at the pause, or copied already by someone else)
 * get a place in the window as PG_FAILED, not read. Once a window is
 * copied, after_copy may take back pages that were copied too late
 * (PG_READY -> PG_FAILED: left out of the write) and fill places with
 * copies taken elsewhere (-> PG_READY) before the window is written; its
 * error ends the dump.
 */
struct core_mem_guard {
	uint64_t require;
	int (*after_copy)(void *arg, uint64_t addr, size_t npages, unsigned char *state);
	void *arg;
};
int core_mem_dump_range_guarded(struct core_mem *cm, const struct mapping *m, uint64_t addr,
				uint64_t len, uint64_t file_off, const struct core_mem_guard *guard);

/*
 * Reserve (and fault in, before the stop) about `bytes` of snapshot ring
 * and start its `writers` writer threads: core_mem_dump_range then only copies, and
 * the writer writes concurrently, while the target is stopped and after.
 * Without a ring (mapping failed) windows are written by the caller's
 * thread as they are read. 0 or -EINTR.
 */
int core_mem_reserve(struct core_mem *cm, uint64_t bytes, unsigned writers, bool disk_bound,
		     bool paced);
/* The copy is over: wait for the writer. 0, -EINTR, -ENOSPC... */
int core_mem_finish(struct core_mem *cm);

/*
 * Bytes of the core, from 0, that no thread will write again: below the
 * reader's cursor and below every window still queued. Any thread.
 */
uint64_t core_mem_final_below(struct core_mem *cm);
/* Where the reader starts again (a live dump's copy after the pause) or UINT64_MAX (done). */
void core_mem_set_cursor(struct core_mem *cm, uint64_t file_off);

/* Does the mapping's first page start with ELF magic (memory if resident, else file)? */
bool core_mem_has_elf_magic(struct core_mem *cm, const struct mapping *m);

#endif
