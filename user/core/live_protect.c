// SPDX-License-Identifier: MIT
/* Write protection of a live dump's ranges; see live_protect.h. */
#include "core/live_protect.h"

#include <errno.h>
#include <time.h>

#include "core/live_uffd.h"
#include "base/pagemap.h"

/* How long an ioctl is retried while an event waits for the handler. */
#define EAGAIN_RETRY_NS (5ull * 1000 * 1000 * 1000)
#define EAGAIN_SLEEP_NS (100 * 1000)
/*
 * Written runs closer than this are protected with one ioctl: covering
 * pages that are protected already costs less than another ioctl.
 */
#define COALESCE_PAGES 64

int live_protect_retry(int uffd, uint64_t addr, uint64_t len, bool on)
{
	for (uint64_t waited = 0;; waited += EAGAIN_SLEEP_NS) {
		struct timespec d = { 0, EAGAIN_SLEEP_NS };
		int err = live_uffd_protect(uffd, addr, len, on);

		if (err != -EAGAIN || waited > EAGAIN_RETRY_NS)
			return err;
		nanosleep(&d, NULL);
	}
}

/*
 * The run of touching ranges at or after *i (ranges of len 0 are skipped
 * and end a run): [*i, *end) covering [*addr, *addr + *len). False when
 * none is left.
 */
static bool next_run(const struct live_range *r, size_t n, size_t *i, size_t *end, uint64_t *addr,
		     uint64_t *len)
{
	while (*i < n && !r[*i].len)
		++*i;
	if (*i == n)
		return false;
	*end = live_run_end(r, n, *i);
	*addr = r[*i].vaddr;
	*len = r[*end - 1].vaddr + r[*end - 1].len - *addr;
	return true;
}

int live_register_ranges(int uffd, struct live_range *r, size_t n)
{
	uint64_t a, len;
	size_t end;
	int last = 0;

	for (size_t i = 0; next_run(r, n, &i, &end, &a, &len); i = end) {
		if (live_uffd_register(uffd, a, len) == 0)
			continue;
		/* refused as a whole: find which ones */
		for (size_t k = i; k < end; k++) {
			int err = live_uffd_register(uffd, r[k].vaddr, r[k].len);

			if (err) {
				last = err;
				r[k].len = 0;
			}
		}
	}
	return last;
}

int live_protect_ranges(int uffd, const struct live_range *r, size_t n, bool on)
{
	uint64_t a, len;
	size_t end;

	for (size_t i = 0; next_run(r, n, &i, &end, &a, &len); i = end) {
		int err = live_protect_retry(uffd, a, len, on);

		if (err)
			return err;
	}
	return 0;
}

void live_unregister_ranges(int uffd, const struct live_range *r, size_t n)
{
	uint64_t a, len;
	size_t end;

	for (size_t i = 0; next_run(r, n, &i, &end, &a, &len); i = end)
		/* refused for a run partly unmapped meanwhile: range by range */
		if (live_uffd_unregister(uffd, a, len) != 0)
			for (size_t k = i; k < end; k++)
				live_uffd_unregister(uffd, r[k].vaddr, r[k].len);
}

struct coalesce {
	int uffd;
	uint64_t gap;
	uint64_t page; /* the run's page size (live_range.page) */
	uint64_t start, end; /* the pending span, start == end: none */
	int err;
};

static int flush(struct coalesce *c)
{
	/*
	 * A huge page is protected whole or not at all (EINVAL): PAGEMAP_SCAN
	 * may end a run inside one when its output fills.
	 */
	if (c->page && c->start < c->end) {
		c->start &= ~(c->page - 1);
		c->end = (c->end + c->page - 1) & ~(c->page - 1);
	}
	if (c->start < c->end)
		c->err = live_protect_retry(c->uffd, c->start, c->end - c->start, true);
	c->start = c->end = 0;
	return c->err;
}

static int take_run(const struct page_run *run, void *arg)
{
	struct coalesce *c = arg;

	if (c->start < c->end && run->start <= c->end + c->gap) {
		c->end = run->end;
		return 0;
	}
	if (flush(c))
		return c->err;
	c->start = run->start;
	c->end = run->end;
	return 0;
}

int live_reprotect_written(int uffd, int pagemap_fd, const struct live_range *r, size_t n,
			   size_t page_size)
{
	struct coalesce c = { uffd, COALESCE_PAGES * (uint64_t)page_size, 0, 0, 0, 0 };
	uint64_t a, len;
	size_t end;

	for (size_t i = 0; next_run(r, n, &i, &end, &a, &len); i = end) {
		/* a span never crosses a run: the gap between runs is not registered */
		int err;

		c.page = r[i].page; /* one page size a run (live_run_end) */
		err = pagemap_scan_unprotected(pagemap_fd, a, a + len, take_run, &c);

		if (!err)
			err = flush(&c);
		if (err)
			return err;
	}
	return 0;
}

static int ignore_run(const struct page_run *run, void *arg)
{
	(void)run;
	(void)arg;
	return 0;
}

bool live_can_scan(int pagemap_fd)
{
	/* the first page, never mapped: only whether the ioctl exists is asked */
	return pagemap_scan_unprotected(pagemap_fd, 0, 4096, ignore_run, NULL) == 0;
}
