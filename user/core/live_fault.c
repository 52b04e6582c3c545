// SPDX-License-Identifier: MIT
/* The live dump's fault handler thread; see live_fault.h. */
#include "core/live_fault.h"

#include <errno.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/live_uffd.h"
#include "base/pagemap.h"
#include "base/quiet_thread.h"

#define MSGS_PER_READ 64

static void set_err(struct live_fault *f, int err)
{
	int zero = 0;

	atomic_compare_exchange_strong(&f->err, &zero, err);
}

static void lose(struct live_fault *f, const char *what, uint64_t start, uint64_t end)
{
	if (atomic_load(&f->lost))
		return;
	snprintf(f->why, sizeof(f->why), "the target %s %#llx-%#llx before it was copied", what,
		 (unsigned long long)start, (unsigned long long)end);
	atomic_store(&f->lost, true);
}

static bool page_is_zero(const unsigned char *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;

	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* A retried fault whose page is copied already: only its protection is left to lift. */
#define RETRY_COPIED 1ull

/*
 * The page size protection goes by at addr (under the lock): a hugetlb
 * range's huge page, else the base page. The kernel refuses to lift part
 * of a huge page's protection.
 */
static uint64_t unit_at(const struct live_fault *f, uint64_t addr, long *r)
{
	*r = live_range_find(f->ranges, f->nranges, addr);
	return *r >= 0 && f->ranges[*r].page ? f->ranges[*r].page : f->page_size;
}

static void queue_retry(struct live_fault *f, uint64_t entry, uint64_t len)
{
	if (f->nretry == f->capretry) {
		size_t cap = f->capretry ? f->capretry * 2 : 64;
		uint64_t *v = realloc(f->retry, cap * sizeof(*v));

		if (!v) {
			/* cannot keep it: at least wake the writer (it faults again if still protected) */
			live_uffd_wake(f->uffd, entry & ~RETRY_COPIED, len);
			return;
		}
		f->retry = v;
		f->capretry = cap;
	}
	f->retry[f->nretry++] = entry;
}

/*
 * Lift the protection of one page of len bytes, waking its writers.
 * -EAGAIN (an unmap/remove/remap event waits to be read first): again
 * after the next read.
 */
static void unprotect(struct live_fault *f, uint64_t addr, uint64_t len, bool copied)
{
	int err = live_uffd_protect(f->uffd, addr, len, false);

	if (err == -EAGAIN)
		queue_retry(f, addr | (copied ? RETRY_COPIED : 0), len);
	else if (err)
		/* unmapped meanwhile (-ENOENT) or the mm is gone: wake whoever still waits */
		live_uffd_wake(f->uffd, addr, len);
}

/*
 * The page at addr as it is: private memory from the target, shared
 * memory from its object (reads neither map nor allocate a page).
 */
static bool read_page(const struct live_fault *f, const struct live_range *r, uint64_t addr,
		      unsigned char *data)
{
	struct iovec l = { data, f->page_size }, rm = { (void *)(uintptr_t)addr, f->page_size };
	ssize_t n;

	errno = 0;
	if (!r->shared)
		return process_vm_readv(f->pid, &l, 1, &rm, 1, 0) == (ssize_t)f->page_size;
	n = pread(r->fd, data, f->page_size, (off_t)(r->file_pos + (addr - r->vaddr)));
	if (n < 0)
		return false;
	memset(data + n, 0, f->page_size - (size_t)n); /* past the object's end reads as zero */
	return true;
}

/*
 * Copy the base page at addr. Under the lock: if the page
 * still carries its protection, nobody has let the target write it since
 * the pause, so its content now is its content then. False when the
 * range is no longer there (the caller stops).
 */
static bool copy_page(struct live_fault *f, uint64_t addr)
{
	bool kept = false, found;
	uint64_t e = 0;
	unsigned slot = live_pages_slot(&f->pages); /* room first: never wait for it under the lock */
	unsigned char *data = live_pages_data(&f->pages, slot);
	long r;

	pthread_mutex_lock(f->lock);
	r = live_range_find(f->ranges, f->nranges, addr);
	found = r >= 0;
	/* shared memory not mapped here yet carries a marker, not a present page */
	if (found && pagemap_read(f->pagemap_fd, addr, 1, &e) == 0 && (e & PM_UFFD_WP) &&
	    (f->ranges[r].shared || (e & PM_PRESENT))) {
		if (read_page(f, &f->ranges[r], addr, data)) {
			atomic_fetch_add(&f->copied_pages, 1);
			/* kept under the lock: the reader takes its window's copies under it (live.c) */
			kept = !page_is_zero(data, f->page_size);
			if (kept)
				live_pages_keep(&f->pages, slot, addr,
						f->ranges[r].file_off + (addr - f->ranges[r].vaddr));
		} else {
			set_err(f, errno ? -errno : -EIO); /* present and protected, yet unreadable */
		}
	}
	pthread_mutex_unlock(f->lock);
	if (!kept)
		live_pages_drop(&f->pages, slot); /* a zero page stays a hole */
	return found;
}

/*
 * A write fault at addr: copy its page (every base page of a huge one:
 * the huge page stays protected until the last is copied, so they are all
 * of the pause), then lift the protection, which wakes the writer, and
 * write the copy to the core.
 */
static void serve(struct live_fault *f, uint64_t addr)
{
	uint64_t unit, start;
	long r;

	pthread_mutex_lock(f->lock);
	unit = unit_at(f, addr, &r);
	start = addr & ~(unit - 1);
	if (f->mode == LIVE_FAULT_TRACK) {
		/* before the pause: lifted under the lock, so that the switch to copying finds it done */
		unprotect(f, start, unit, false);
		pthread_mutex_unlock(f->lock);
		return;
	}
	pthread_mutex_unlock(f->lock);
	for (uint64_t a = start; a < start + unit && copy_page(f, a); a += f->page_size)
		;
	/* the copy is taken: lifting the protection no longer needs the lock */
	unprotect(f, start, unit, true);
}

static void retry_pending(struct live_fault *f)
{
	size_t n = f->nretry;

	f->nretry = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t entry = f->retry[i], addr = entry & ~RETRY_COPIED, unit;
		long r;

		/* a fault met while tracking and retried after the pause must be copied first */
		if (entry & RETRY_COPIED) {
			pthread_mutex_lock(f->lock);
			unit = unit_at(f, addr, &r);
			pthread_mutex_unlock(f->lock);
			unprotect(f, addr, unit, true);
		} else {
			serve(f, addr);
		}
	}
}

void live_fault_copy(struct live_fault *f, const struct live_range *ranges, size_t n)
{
	pthread_mutex_lock(f->lock);
	f->ranges = ranges;
	f->nranges = n;
	f->mode = LIVE_FAULT_COPY;
	/* a fork heard of after the plan looked (it never is while all threads are stopped) */
	for (size_t i = 0; i < n && atomic_load(&f->forked); i++)
		if (ranges[i].shared)
			lose(f, "forked (the child shares its memory)", ranges[i].vaddr,
			     ranges[i].vaddr + ranges[i].len);
	pthread_mutex_unlock(f->lock);
}

/* Whether [start, end) holds pages of the pause that nobody has copied yet. */
static bool at_risk(struct live_fault *f, uint64_t start, uint64_t end)
{
	bool risk;

	pthread_mutex_lock(f->lock);
	/* before the pause nothing is of the pause yet */
	risk = f->mode == LIVE_FAULT_COPY &&
	       live_range_at_risk(f->ranges, f->nranges, atomic_load(f->reader_done), start, end);
	pthread_mutex_unlock(f->lock);
	return risk;
}

/*
 * The target forked: the child's userfaultfd came with the event (the
 * fork waited for us to read it, so the child has not run yet); closing it
 * (ours is the only reference) lifts the child's protection, and wakes a
 * write the child may have begun since. The child now shares the
 * target's shared memory.
 */
static void forked(struct live_fault *f, const struct uffd_msg *m)
{
	bool tracking;

	close((int)m->arg.fork.ufd);
	pthread_mutex_lock(f->lock);
	tracking = f->mode == LIVE_FAULT_TRACK;
	if (tracking)
		atomic_store(&f->forked, true);
	pthread_mutex_unlock(f->lock);
	if (tracking)
		return;
	for (size_t i = 0; i < f->nranges; i++) {
		const struct live_range *r = &f->ranges[i];

		if (r->shared && r->len && at_risk(f, r->vaddr, r->vaddr + r->len)) {
			lose(f, "forked (the child shares its memory)", r->vaddr, r->vaddr + r->len);
			return;
		}
	}
}

static void event(struct live_fault *f, const struct uffd_msg *m)
{
	switch (m->event) {
	case UFFD_EVENT_FORK:
		forked(f, m);
		break;
	case UFFD_EVENT_PAGEFAULT:
		serve(f, m->arg.pagefault.address & ~((uint64_t)f->page_size - 1));
		break;
	case UFFD_EVENT_REMOVE:
		if (at_risk(f, m->arg.remove.start, m->arg.remove.end))
			lose(f, "discarded (madvise)", m->arg.remove.start, m->arg.remove.end);
		break;
	case UFFD_EVENT_UNMAP:
		if (at_risk(f, m->arg.remove.start, m->arg.remove.end))
			lose(f, "unmapped", m->arg.remove.start, m->arg.remove.end);
		break;
	case UFFD_EVENT_REMAP:
		if (at_risk(f, m->arg.remap.from, m->arg.remap.from + m->arg.remap.len))
			lose(f, "moved (mremap)", m->arg.remap.from, m->arg.remap.from + m->arg.remap.len);
		break;
	default:
		break;
	}
}

static void *handler_main(void *arg)
{
	struct live_fault *f = arg;
	struct uffd_msg msgs[MSGS_PER_READ];

	for (;;) {
		struct pollfd p[2] = { { f->uffd, POLLIN, 0 }, { f->stop_fd, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, f->nretry ? 1 : -1) < 0 && errno != EINTR)
			break;
		n = read(f->uffd, msgs, sizeof(msgs));
		if (n > 0) {
			for (size_t i = 0; i < (size_t)n / sizeof(msgs[0]); i++)
				event(f, &msgs[i]);
		}
		retry_pending(f);
		/* stop only once nothing is left to read: every waiter has been woken */
		if ((p[1].revents & POLLIN) && n <= 0 && !f->nretry)
			break;
	}
	return NULL;
}

int live_fault_start(struct live_fault *f)
{
	int err;

	f->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (f->stop_fd < 0)
		return -errno;
	err = live_pages_start(&f->pages, f->out_fd, f->page_size, f->pool_pages);
	if (!err) {
		err = -quiet_thread_create(&f->thread, NULL, handler_main, f);
		if (err)
			live_pages_stop(&f->pages);
	}
	if (err) {
		close(f->stop_fd);
		f->stop_fd = -1;
		return err;
	}
	f->running = true;
	return 0;
}

void live_fault_stop(struct live_fault *f)
{
	uint64_t one = 1;
	int err;

	if (!f->running)
		return;
	if (write(f->stop_fd, &one, sizeof(one)) != sizeof(one))
		set_err(f, -EIO);
	pthread_join(f->thread, NULL);
	f->running = false;
	err = live_pages_stop(&f->pages); /* every copy written before the core is called complete */
	if (err)
		set_err(f, err);
	close(f->stop_fd);
	f->stop_fd = -1;
	free(f->retry);
	f->retry = NULL;
	f->nretry = f->capretry = 0;
}

void live_fault_fail(struct live_fault *f, int err)
{
	set_err(f, err);
}

int live_fault_status(struct live_fault *f)
{
	int err = atomic_load(&f->err);

	if (err)
		return err;
	return atomic_load(&f->lost) ? -EAGAIN : 0;
}
