// SPDX-License-Identifier: MIT
#include "core/memory.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/pagemap.h"
#include "base/proc.h"
#include "base/proc_parse.h"
#include "base/proc_read.h"
#include "base/vdso.h"

/* Page states: enum page_src (core_snapshot.h); page i's slot is cm->base + cm->off[i]. */
#define PAGE_DST(cm, i) ((cm)->base + (cm)->off[i])

#define MAX_IOV 1024

int core_mem_init(struct core_mem *cm, pid_t pid, int out_fd, volatile int *interrupted)
{
	size_t pages;

	memset(cm, 0, sizeof(*cm));
	cm->pid = pid;
	cm->out_fd = out_fd;
	cm->mem_fd = -1;
	cm->interrupted = interrupted;
	cm->page_size = (size_t)getpagesize();
	pages = CORE_CHUNK_BYTES / cm->page_size;
	cm->pagemap_fd = pagemap_open(pid);
	if (cm->pagemap_fd < 0)
		return cm->pagemap_fd == -ENOENT ? -ESRCH : cm->pagemap_fd;
	cm->stat_fd = proc_open(pid, 0, "stat", O_RDONLY);
	if (cm->stat_fd < 0) {
		int err = cm->stat_fd;

		core_mem_fini(cm);
		return err;
	}
	cm->buf = aligned_alloc(cm->page_size, CORE_CHUNK_BYTES);
	cm->pm = calloc(pages, sizeof(*cm->pm));
	cm->state = calloc(pages, 1);
	cm->off = calloc(pages, sizeof(*cm->off));
	if (!cm->buf || !cm->pm || !cm->state || !cm->off) {
		core_mem_fini(cm);
		return -ENOMEM;
	}
	return 0;
}

void core_mem_fini(struct core_mem *cm)
{
	if (cm->pagemap_fd >= 0)
		close(cm->pagemap_fd);
	if (cm->mem_fd >= 0)
		close(cm->mem_fd);
	if (cm->stat_fd > 0)
		close(cm->stat_fd);
	free(cm->buf);
	free(cm->pm);
	free(cm->state);
	free(cm->off);
	snapshot_fini(&cm->snap);
	cm->off = NULL;
	cm->pagemap_fd = cm->mem_fd = cm->stat_fd = -1;
	cm->buf = NULL;
	cm->pm = NULL;
	cm->state = NULL;
}

int core_mem_target_alive(struct core_mem *cm)
{
	char stat[PROC_PAGE_FILE_MAX];
	int err = proc_pread(cm->stat_fd, stat, sizeof(stat), NULL);

	if (err)
		return err;
	/* exiting counts as gone: its maps and pages may already be half torn down */
	return proc_stat_gone(stat) ? -ESRCH : 0;
}

static int mem_fd(struct core_mem *cm)
{
	if (cm->mem_fd < 0) {
		cm->mem_fd = proc_open(cm->pid, 0, "mem", O_RDONLY);
		if (cm->mem_fd < 0)
			return cm->mem_fd;
	}
	return cm->mem_fd;
}

/* Read one page via /proc/PID/mem (only ever called for a resident page). */
static bool read_page_slow(struct core_mem *cm, uint64_t addr, unsigned char *dst)
{
	int fd = mem_fd(cm);

	return fd >= 0 && pread(fd, dst, cm->page_size, (off_t)addr) == (ssize_t)cm->page_size;
}

/* Fill every PG_MEM page of the window; unreadable pages become holes. */
static int read_resident(struct core_mem *cm, uint64_t addr, size_t npages)
{
	size_t ps = cm->page_size, p = 0;
	struct iovec local[MAX_IOV], remote[MAX_IOV];

	while (p < npages) {
		size_t q = p, cnt = 0, expected = 0;
		ssize_t n;

		while (q < npages && cnt < MAX_IOV) {
			size_t r;

			if (cm->state[q] != PG_MEM) {
				q++;
				continue;
			}
			for (r = q; r < npages && cm->state[r] == PG_MEM; r++)
				;
			local[cnt].iov_base = PAGE_DST(cm, q);
			local[cnt].iov_len = (r - q) * ps;
			remote[cnt].iov_base = (void *)(uintptr_t)(addr + q * ps);
			remote[cnt].iov_len = (r - q) * ps;
			expected += (r - q) * ps;
			cnt++;
			q = r;
		}
		if (cnt == 0)
			break;
		n = cm->no_vm_readv ? -1 : process_vm_readv(cm->pid, local, cnt, remote, cnt, 0);
		if (n < 0) {
			if (errno == ESRCH)
				return -ESRCH;
			if (errno == ENOSYS || errno == EPERM)
				cm->no_vm_readv = true;
			n = 0;
		}
		/* Mark what was copied; n counts bytes over the PG_MEM pages in order. */
		size_t done = (size_t)n / ps, i = p;

		for (; i < q && done; i++) {
			if (cm->state[i] == PG_MEM) {
				cm->state[i] = PG_READY;
				done--;
			}
		}
		if ((size_t)n == expected) {
			p = q;
			continue;
		}
		/* Short copy: the next resident page failed; try it alone, else leave a hole. */
		while (i < q && cm->state[i] != PG_MEM)
			i++;
		if (i < q) {
			cm->state[i] = read_page_slow(cm, addr + i * ps, PAGE_DST(cm, i)) ? PG_READY
											       : PG_FAILED;
			i++;
		}
		p = i;
	}
	return 0;
}

static int open_backing_file(const struct core_mem *cm, const struct mapping *m)
{
	char name[64];
	int fd;

	/* map_files reaches even deleted files and shmem; the path is the fallback. */
	snprintf(name, sizeof(name), "map_files/%llx-%llx", (unsigned long long)m->start,
		 (unsigned long long)m->end);
	fd = proc_open(cm->pid, 0, name, O_RDONLY);
	if (fd < 0 && m->path[0] == '/')
		fd = open(m->path, O_RDONLY | O_CLOEXEC);
	return fd;
}

/* Fill every PG_FILE page from the backing file at the mapping's offset. */
static void read_from_file(struct core_mem *cm, const struct mapping *m, uint64_t addr,
			   size_t npages)
{
	size_t ps = cm->page_size;
	int fd = -1;

	for (size_t p = 0; p < npages;) {
		size_t r;
		ssize_t n;
		off_t off;

		if (cm->state[p] != PG_FILE) {
			p++;
			continue;
		}
		for (r = p; r < npages && cm->state[r] == PG_FILE; r++)
			;
		if (fd < 0)
			fd = open_backing_file(cm, m);
		off = (off_t)(m->offset + (addr + p * ps - m->start));
		n = fd >= 0 ? pread(fd, PAGE_DST(cm, p), (r - p) * ps, off) : -1;
		if (n < 0)
			n = 0;
		for (size_t i = p; i < r; i++) {
			size_t from = (i - p) * ps;

			if ((size_t)n >= from + ps) {
				cm->state[i] = PG_READY;
			} else if ((size_t)n > from) {
				/* the page holding EOF: the rest of it reads as zero */
				memset(PAGE_DST(cm, i) + ((size_t)n - from), 0, ps - ((size_t)n - from));
				cm->state[i] = PG_READY;
			} else {
				cm->state[i] = PG_FAILED; /* past EOF: SIGBUS area, nothing to copy */
			}
		}
		p = r;
	}
	if (fd >= 0)
		close(fd);
}

/*
 * A vdso page the target never touched is not mapped yet. Every process
 * gets the same vdso image from the kernel, so copy it from our own vdso
 * instead of faulting it into the target.
 */
static void read_from_own_vdso(struct core_mem *cm, const struct mapping *m, uint64_t addr,
			       size_t npages)
{
	uint64_t own_size;
	const unsigned char *own = vdso_own(&own_size);
	size_t ps = cm->page_size;

	/* a different image (other ABI, other kernel in a container...): leave holes */
	if (own_size != m->end - m->start)
		own = NULL;

	for (size_t p = 0; p < npages; p++) {
		uint64_t off = addr + p * ps - m->start;

		if (cm->state[p] != PG_FILE)
			continue;
		cm->state[p] = PG_FAILED;
		if (own && off + ps <= m->end - m->start) {
			memcpy(PAGE_DST(cm, p), own + off, ps);
			cm->state[p] = PG_READY;
		}
	}
}

/*
 * Give every page that will be read a slot: packed one after the other in
 * the snapshot ring (so absent pages cost no memory), or at its own
 * position in the streaming buffer. Returns the number of slots.
 */
static size_t assign_slots(struct core_mem *cm, unsigned char *base, size_t npages, bool packed)
{
	size_t ps = cm->page_size, k = 0;

	cm->base = base;
	for (size_t i = 0; i < npages; i++) {
		bool slotted = cm->state[i] != PG_HOLE;

		cm->off[i] = packed ? k * ps : i * ps;
		if (slotted)
			k++;
	}
	return k;
}

static size_t count_slots(const unsigned char *state, size_t npages)
{
	size_t k = 0;

	for (size_t i = 0; i < npages; i++)
		k += state[i] != PG_HOLE;
	return k;
}

/*
 * Reserve the snapshot ring (faulted in now, before the stop) and start its
 * writer. Never less than a few windows, so that even a small target's
 * copy overlaps its write; a failure only means streaming while stopped.
 */
int core_mem_reserve(struct core_mem *cm, uint64_t bytes, unsigned writers, bool disk_bound,
		     bool paced)
{
	int err;

	if (bytes < 4 * (uint64_t)CORE_CHUNK_BYTES)
		bytes = 4 * (uint64_t)CORE_CHUNK_BYTES;
	err = snapshot_start(&cm->snap, cm->out_fd, cm->page_size, cm->interrupted, bytes, writers,
			     disk_bound, paced);
	return err == -EINTR ? err : 0;
}

int core_mem_finish(struct core_mem *cm)
{
	int err = snapshot_finish(&cm->snap);

	cm->data_bytes += cm->snap.data_bytes;
	return err;
}

int core_mem_dump_range(struct core_mem *cm, const struct mapping *m, uint64_t addr, uint64_t len,
			uint64_t file_off)
{
	return core_mem_dump_range_guarded(cm, m, addr, len, file_off, NULL);
}

int core_mem_dump_range_guarded(struct core_mem *cm, const struct mapping *m, uint64_t addr,
				uint64_t len, uint64_t file_off, const struct core_mem_guard *guard)
{
	size_t ps = cm->page_size;
	bool vdso = !strcmp(m->path, "[vdso]");
	bool file_backed = mapping_is_file(m) || mapping_is_anon_shared(m) || vdso;
	bool shared_file = file_backed && (m->perms & MAP_PERM_SHARED);

	for (uint64_t done = 0; done < len;) {
		size_t win = len - done > CORE_CHUNK_BYTES ? CORE_CHUNK_BYTES : (size_t)(len - done);
		size_t npages = win / ps;
		uint64_t a = addr + done;
		int err;

		if (cm->interrupted && *cm->interrupted)
			return -EINTR;
		core_mem_set_cursor(cm, file_off + done);
		err = core_mem_target_alive(cm);
		if (err)
			return err;
		err = pagemap_read(cm->pagemap_fd, a, npages, cm->pm);
		if (err)
			return err == -ENOENT ? -ESRCH : err;
		for (size_t i = 0; i < npages; i++) {
			uint64_t e = cm->pm[i];

			if ((e & PM_PRESENT) && guard && (e & guard->require) != guard->require) {
				/* not read: absent at the pause, or copied already (after_copy may fill it) */
				cm->state[i] = PG_FAILED;
			} else if (e & PM_PRESENT) {
				cm->state[i] = PG_MEM;
			} else if (shared_file && (e & PM_SWAPPED) && (e & PM_UFFD_WP)) {
				/*
				 * A live dump's write-protect marker where shared memory is
				 * not mapped (shmem is swapped out of its file, never out of
				 * a mapping): the page is in the object, if anywhere.
				 */
				cm->state[i] = PG_FILE;
			} else if (e & PM_SWAPPED) {
				/* Reading it would swap it back in: left out, as documented. */
				cm->state[i] = PG_HOLE;
				cm->skipped_swapped++;
			} else {
				cm->state[i] = file_backed ? PG_FILE : PG_HOLE;
			}
		}
		/* Into the ring for the writer thread if there is one, else read and write here. */
		size_t bytes = count_slots(cm->state, npages) * ps;
		unsigned char *slot = NULL;

		if (bytes) {
			slot = snapshot_alloc(&cm->snap, bytes, &err);
			if (err)
				return err;
		}
		assign_slots(cm, slot ? slot : cm->buf, npages, slot != NULL);
		err = read_resident(cm, a, npages);
		if (err)
			return err;
		if (vdso)
			read_from_own_vdso(cm, m, a, npages);
		else
			read_from_file(cm, m, a, npages);
		if (guard) {
			err = guard->after_copy(guard->arg, a, npages, cm->state);
			if (err)
				return err;
		}
		err = slot ? snapshot_queue(&cm->snap, cm->state, npages, slot, bytes, file_off + done)
			   : core_write_window(cm->out_fd, cm->state, cm->buf, npages, ps, false,
					       file_off + done, &cm->data_bytes);
		if (err)
			return err;
		done += win;
	}
	return 0;
}

void core_mem_set_cursor(struct core_mem *cm, uint64_t file_off)
{
	__atomic_store_n(&cm->cursor, file_off, __ATOMIC_RELEASE);
}

uint64_t core_mem_final_below(struct core_mem *cm)
{
	uint64_t reader = __atomic_load_n(&cm->cursor, __ATOMIC_ACQUIRE);
	uint64_t queued = snapshot_pending_floor(&cm->snap);

	return reader < queued ? reader : queued;
}

bool core_mem_has_elf_magic(struct core_mem *cm, const struct mapping *m)
{
	uint64_t e = 0;

	if (pagemap_read(cm->pagemap_fd, m->start, 1, &e) < 0)
		return false;
	if (e & PM_PRESENT) {
		struct iovec l = { cm->buf, SELFMAG }, r = { (void *)(uintptr_t)m->start, SELFMAG };

		if (process_vm_readv(cm->pid, &l, 1, &r, 1, 0) != SELFMAG)
			return false;
	} else if (e & PM_SWAPPED) {
		return false;
	} else {
		int fd = open_backing_file(cm, m);
		ssize_t n;

		if (fd < 0)
			return false;
		n = pread(fd, cm->buf, SELFMAG, (off_t)m->offset);
		close(fd);
		if (n != SELFMAG)
			return false;
	}
	return memcmp(cm->buf, ELFMAG, SELFMAG) == 0;
}
