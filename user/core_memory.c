// SPDX-License-Identifier: MIT
#include "core_memory.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pagemap.h"

/*
 * Page states within one window. MEM and FILE pages get a slot in the
 * destination buffer (cm->base + cm->off[i]); after reading they are READY
 * (data in the slot) or FAILED (slot unused, written as a hole).
 */
enum page_src { PG_HOLE = 0, PG_MEM, PG_FILE, PG_READY, PG_FAILED };

#define PAGE_DST(cm, i) ((cm)->base + (cm)->off[i])

#define MAX_IOV 1024

int core_mem_init(struct core_mem *cm, pid_t pid, int out_fd, volatile int *interrupted)
{
	char path[64];
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
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	cm->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
	cm->buf = aligned_alloc(cm->page_size, CORE_CHUNK_BYTES);
	cm->pm = calloc(pages, sizeof(*cm->pm));
	cm->state = calloc(pages, 1);
	cm->off = calloc(pages, sizeof(*cm->off));
	if (cm->stat_fd < 0 || !cm->buf || !cm->pm || !cm->state || !cm->off) {
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
	for (size_t w = 0; w < cm->nwins; w++)
		free(cm->wins[w].state);
	free(cm->wins);
	if (cm->arena_map)
		munmap(cm->arena_map, cm->arena_map_len);
	cm->arena_map = cm->arena = NULL;
	cm->wins = NULL;
	cm->nwins = cm->capwins = 0;
	cm->off = NULL;
	cm->pagemap_fd = cm->mem_fd = cm->stat_fd = -1;
	cm->buf = NULL;
	cm->pm = NULL;
	cm->state = NULL;
}

int core_mem_target_alive(struct core_mem *cm)
{
	char buf[512], *paren;
	ssize_t n = pread(cm->stat_fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -ESRCH;
	buf[n] = '\0';
	paren = strrchr(buf, ')');
	if (!paren || paren[1] == '\0' || paren[2] == 'Z' || paren[2] == 'X')
		return -ESRCH;
	return 0;
}

static int mem_fd(struct core_mem *cm)
{
	char path[64];

	if (cm->mem_fd < 0) {
		snprintf(path, sizeof(path), "/proc/%d/mem", cm->pid);
		cm->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (cm->mem_fd < 0)
			return errno == ENOENT ? -ESRCH : -errno;
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
	char path[128];
	int fd;

	/* map_files reaches even deleted files and shmem; the path is the fallback. */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", cm->pid,
		 (unsigned long long)m->start, (unsigned long long)m->end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
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
static uint64_t own_vdso_size(void)
{
	static uint64_t size = UINT64_MAX;
	char line[512];
	FILE *f;

	if (size != UINT64_MAX)
		return size;
	size = 0;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &a, &b) == 2)
			size = b - a;
	}
	fclose(f);
	return size;
}

static void read_from_own_vdso(struct core_mem *cm, const struct mapping *m, uint64_t addr,
			       size_t npages)
{
	const unsigned char *own = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	size_t ps = cm->page_size;

	/* a different image (other ABI, other kernel in a container...): leave holes */
	if (own_vdso_size() != m->end - m->start)
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

static bool page_is_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t acc = 0;

	if (w[0] | w[len / 8 - 1])
		return false;
	for (size_t i = 0; i < len / 8; i++)
		acc |= w[i];
	return acc == 0;
}

static int write_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Write the non-zero ready pages of the window; everything else stays a hole. */
static int write_window(struct core_mem *cm, size_t npages, uint64_t file_off)
{
	size_t ps = cm->page_size;

	for (size_t p = 0; p < npages;) {
		size_t r;
		int err;

		if (cm->state[p] != PG_READY || page_is_zero(PAGE_DST(cm, p), ps)) {
			p++;
			continue;
		}
		/* READY pages in a row have consecutive slots: one write per run */
		for (r = p + 1; r < npages && cm->state[r] == PG_READY &&
				!page_is_zero(PAGE_DST(cm, r), ps);
		     r++)
			;
		err = write_all(cm->out_fd, PAGE_DST(cm, p), (r - p) * ps, file_off + p * ps);
		if (err)
			return err;
		cm->data_bytes += (r - p) * ps;
		p = r;
	}
	return 0;
}

/*
 * Give every page that will be read a slot: packed one after the other in
 * the snapshot arena (so absent pages cost no memory), or at its own
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

/* Keep a window read into the arena; it is written by core_mem_flush. */
static int defer_window(struct core_mem *cm, uint64_t file_off, size_t npages, size_t slots)
{
	struct snap_window *w;

	if (cm->nwins == cm->capwins) {
		size_t cap = cm->capwins ? cm->capwins * 2 : 256;
		struct snap_window *v = realloc(cm->wins, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cm->wins = v;
		cm->capwins = cap;
	}
	w = &cm->wins[cm->nwins];
	w->state = malloc(npages);
	if (!w->state)
		return -ENOMEM;
	memcpy(w->state, cm->state, npages);
	w->data = cm->base;
	w->npages = npages;
	w->file_off = file_off;
	cm->nwins++;
	cm->arena_used += slots * cm->page_size;
	return 0;
}

int core_mem_reserve(struct core_mem *cm, uint64_t bytes)
{
	const size_t huge = 2u << 20;
	size_t len = (size_t)((bytes + huge - 1) / huge * huge);
	unsigned char *p;

	if (len == 0)
		return 0;
	p = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* 2 MiB aligned so transparent huge pages back it: few faults, fast copies */
	cm->arena_map = p;
	cm->arena_map_len = len + huge;
	cm->arena = (unsigned char *)(((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1));
	cm->arena_len = len;
	madvise(cm->arena, len, MADV_HUGEPAGE);
	/* Fault it all in now, before the target is stopped; in steps, so Ctrl-C is not held up. */
	for (size_t at = 0; at < len; at += huge * 128) {
		size_t n = len - at < huge * 128 ? len - at : huge * 128;

		if (cm->interrupted && *cm->interrupted)
			return -EINTR;
		if (madvise(cm->arena + at, n, MADV_POPULATE_WRITE) < 0)
			for (size_t i = 0; i < n; i += cm->page_size)
				cm->arena[at + i] = 0;
	}
	return 0;
}

static void release_arena(struct core_mem *cm, size_t upto)
{
	const size_t step = 64u << 20;

	upto = upto / step * step;
	if (upto > cm->arena_released) {
		madvise(cm->arena + cm->arena_released, upto - cm->arena_released, MADV_DONTNEED);
		cm->arena_released = upto;
	}
}

int core_mem_flush(struct core_mem *cm)
{
	int err = 0;

	for (size_t w = 0; w < cm->nwins && !err; w++) {
		struct snap_window *win = &cm->wins[w];
		size_t ps = cm->page_size, k = 0;

		if (cm->interrupted && *cm->interrupted) {
			err = -EINTR;
			break;
		}
		/* rebuild the packed slot offsets from the states */
		memcpy(cm->state, win->state, win->npages);
		cm->base = win->data;
		for (size_t i = 0; i < win->npages; i++) {
			cm->off[i] = k * ps;
			k += cm->state[i] != PG_HOLE;
		}
		err = write_window(cm, win->npages, win->file_off);
		/*
		 * Give written arena memory back as we go: the kernel's dirty
		 * page limits scale with free memory, so holding the whole arena
		 * until the end would throttle our own writes.
		 */
		release_arena(cm, (size_t)(win->data - cm->arena) + k * ps);
	}
	return err;
}

int core_mem_dump_range(struct core_mem *cm, const struct mapping *m, uint64_t addr, uint64_t len,
			uint64_t file_off)
{
	size_t ps = cm->page_size;
	bool vdso = !strcmp(m->path, "[vdso]");
	bool file_backed = mapping_is_file(m) || mapping_is_anon_shared(m) || vdso;

	for (uint64_t done = 0; done < len;) {
		size_t win = len - done > CORE_CHUNK_BYTES ? CORE_CHUNK_BYTES : (size_t)(len - done);
		size_t npages = win / ps;
		uint64_t a = addr + done;
		int err;

		if (cm->interrupted && *cm->interrupted)
			return -EINTR;
		err = core_mem_target_alive(cm);
		if (err)
			return err;
		err = pagemap_read(cm->pagemap_fd, a, npages, cm->pm);
		if (err)
			return err == -ENOENT ? -ESRCH : err;
		for (size_t i = 0; i < npages; i++) {
			uint64_t e = cm->pm[i];

			if (e & PM_PRESENT) {
				cm->state[i] = PG_MEM;
			} else if (e & PM_SWAPPED) {
				/* Reading it would swap it back in: left out, as documented. */
				cm->state[i] = PG_HOLE;
				cm->skipped_swapped++;
			} else {
				cm->state[i] = file_backed ? PG_FILE : PG_HOLE;
			}
		}
		/* Into the arena while it has room (written after the target runs again), else stream. */
		size_t slots = count_slots(cm->state, npages);
		bool defer = cm->arena && cm->arena_used + slots * ps <= cm->arena_len;

		assign_slots(cm, defer ? cm->arena + cm->arena_used : cm->buf, npages, defer);
		err = read_resident(cm, a, npages);
		if (err)
			return err;
		if (vdso)
			read_from_own_vdso(cm, m, a, npages);
		else
			read_from_file(cm, m, a, npages);
		err = defer ? defer_window(cm, file_off + done, npages, slots)
			    : write_window(cm, npages, file_off + done);
		if (err)
			return err;
		done += win;
	}
	return 0;
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
