// SPDX-License-Identifier: MIT
/* Copies parked in a scratch file until their window is written; see live_spill.h. */
#include "core/live_spill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output.h"

#define NONE ((unsigned)-1)
/* a bucket covers 2 MiB of the target: a reader's window (8 MiB) looks in five */
#define BUCKET_SHIFT 21
#define NBUCKET (1u << 16)

static unsigned bucket_of(const struct live_spill *s, uint64_t addr)
{
	uint64_t k = (addr >> BUCKET_SHIFT) * 0x9e3779b97f4a7c15ull;

	return (unsigned)(k >> 40) & (s->nbucket - 1);
}

void live_spill_init(struct live_spill *s, size_t page_size)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->page_size = page_size;
	s->free_head = NONE;
}

int live_spill_enable(struct live_spill *s, int fd, uint64_t budget)
{
	s->bucket = malloc(NBUCKET * sizeof(*s->bucket));
	s->buf = malloc(s->page_size);
	if (!s->bucket || !s->buf) {
		free(s->bucket);
		free(s->buf);
		s->bucket = NULL;
		s->buf = NULL;
		close(fd);
		return -ENOMEM;
	}
	s->nbucket = NBUCKET;
	for (unsigned b = 0; b < NBUCKET; b++)
		s->bucket[b] = NONE;
	s->fd = fd;
	s->budget = budget < LIVE_SPILL_MAX ? budget : LIVE_SPILL_MAX;
	return 0;
}

bool live_spill_place(struct live_spill *s, uint64_t *at)
{
	if (s->fd < 0 || s->broken || s->used >= s->budget)
		return false;
	/* an entry for it now, so that live_spill_add cannot fail */
	if (s->free_head == NONE && s->n == s->cap) {
		unsigned cap = s->cap ? s->cap * 2 : 4096;
		struct live_spill_entry *e = realloc(s->e, cap * sizeof(*e));

		if (!e)
			return false;
		s->e = e;
		s->cap = cap;
	}
	*at = s->used * s->page_size;
	s->used++;
	return true;
}

int live_spill_write(struct live_spill *s, const unsigned char *data, uint64_t at)
{
	int err = core_output_pwrite(s->fd, data, s->page_size, at);

	if (err)
		s->broken = true;
	return err;
}

void live_spill_add(struct live_spill *s, uint64_t addr, uint64_t off, uint64_t at)
{
	unsigned i, b = bucket_of(s, addr);

	if (s->free_head != NONE) {
		i = s->free_head;
		s->free_head = s->e[i].next;
	} else {
		i = s->n++; /* below cap: live_spill_place made room */
	}
	s->e[i] = (struct live_spill_entry){ addr, off, at, s->bucket[b] };
	s->bucket[b] = i;
}

static int read_copy(const struct live_spill *s, uint64_t at, unsigned char *buf)
{
	ssize_t n = pread(s->fd, buf, s->page_size, (off_t)at);

	if (n == (ssize_t)s->page_size)
		return 0;
	return n < 0 ? -errno : -EIO;
}

/* Move up to max copies of bucket b that lie in [start, end) to out[]: their number. */
static size_t detach_bucket(struct live_spill *s, unsigned b, uint64_t start, uint64_t end,
			    struct live_spill_copy *out, size_t max)
{
	unsigned *link = &s->bucket[b];
	size_t n = 0;

	while (*link != NONE && n < max) {
		unsigned i = *link;
		struct live_spill_entry *e = &s->e[i];

		if (e->addr < start || e->addr >= end) {
			link = &e->next;
			continue;
		}
		out[n++] = (struct live_spill_copy){ e->addr, e->off, e->at };
		*link = e->next;
		e->next = s->free_head;
		s->free_head = i;
	}
	return n;
}

size_t live_spill_detach(struct live_spill *s, uint64_t start, uint64_t end, struct live_spill_copy *out,
			 size_t max)
{
	uint64_t first = start >> BUCKET_SHIFT, last;
	size_t n = 0;

	if (!s->nbucket || end <= start)
		return 0;
	last = (end - 1) >> BUCKET_SHIFT;
	/* a range wider than the table: every bucket once */
	if (last - first >= s->nbucket) {
		for (unsigned b = 0; b < s->nbucket && n < max; b++)
			n += detach_bucket(s, b, start, end, out + n, max - n);
		return n;
	}
	for (uint64_t k = first; k <= last && n < max; k++)
		n += detach_bucket(s, bucket_of(s, k << BUCKET_SHIFT), start, end, out + n, max - n);
	return n;
}

int live_spill_take(struct live_spill *s, uint64_t start, uint64_t end,
		    void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data), void *arg)
{
	struct live_spill_copy c[64];
	size_t n;
	int err = 0;

	while ((n = live_spill_detach(s, start, end, c, 64)) > 0) {
		int e = live_spill_hand_over(s, c, n, s->buf, fn, arg);

		err = err ? err : e;
	}
	return err;
}

int live_spill_hand_over(const struct live_spill *s, const struct live_spill_copy *c, size_t n,
			 unsigned char *buf,
			 void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data), void *arg)
{
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		int e = read_copy(s, c[i].at, buf);

		if (!e)
			fn(arg, c[i].addr, c[i].off, buf);
		else if (!err)
			err = e;
	}
	return err;
}

unsigned live_spill_parked(const struct live_spill *s)
{
	unsigned nfree = 0;

	for (unsigned i = s->free_head; i != NONE; i = s->e[i].next)
		nfree++;
	return s->n - nfree;
}

struct flush {
	int fd;
	size_t page_size;
	int err;
};

static void write_back(void *arg, uint64_t addr, uint64_t off, const unsigned char *data)
{
	struct flush *f = arg;
	int err = core_output_pwrite(f->fd, data, f->page_size, off);

	(void)addr;
	if (err && !f->err)
		f->err = err;
}

int live_spill_flush(struct live_spill *s, int fd)
{
	struct flush f = { fd, s->page_size, 0 };
	int err = live_spill_take(s, 0, UINT64_MAX, write_back, &f);

	return f.err ? f.err : err;
}

void live_spill_fini(struct live_spill *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->e);
	free(s->bucket);
	free(s->buf);
	live_spill_init(s, s->page_size);
}
