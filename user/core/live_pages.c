// SPDX-License-Identifier: MIT
/* The fault handler's page pool; see live_pages.h. */
#include "core/live_pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/output.h"
#include "base/quiet_thread.h"

#define NONE ((unsigned)-1)
/*
 * The writer moves kept copies out, oldest first, while fewer slots than
 * this are free: early enough that the handler seldom waits.
 */
#define LOW_WATER(q) ((q)->npool / 4)

static void push_free(struct live_pages *q, unsigned s)
{
	q->page[s].next = q->free_head;
	q->free_head = s;
	q->nfree++;
}

static void push_waiting(struct live_pages *q, unsigned s)
{
	q->page[s].next = NONE;
	if (q->wait_tail == NONE)
		q->wait_head = s;
	else
		q->page[q->wait_tail].next = s;
	q->wait_tail = s;
	q->nwaiting++;
}

static unsigned pop_waiting(struct live_pages *q)
{
	unsigned s = q->wait_head;

	q->wait_head = q->page[s].next;
	if (q->wait_head == NONE)
		q->wait_tail = NONE;
	q->nwaiting--;
	return s;
}

/*
 * Under the lock, which it lets go while it writes: park the copy in
 * slot s in the scratch file. False when it must go to its place instead
 * (no scratch file, budget spent, a write failed, or the reader took its
 * window while it was being written: then the window went without it).
 */
static bool park(struct live_pages *q, unsigned s)
{
	uint64_t at;
	int err;

	if (!live_spill_place(&q->spill, &at))
		return false;
	pthread_mutex_unlock(&q->lock);
	err = live_spill_write(&q->spill, q->slots + (size_t)s * q->page_size, at);
	pthread_mutex_lock(&q->lock);
	if (err || q->page[s].addr < q->taken_upto)
		return false;
	live_spill_add(&q->spill, q->page[s].addr, q->page[s].off, at);
	q->parked++;
	return true;
}

static void *writer_main(void *arg)
{
	struct live_pages *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		unsigned s;
		int err;

		while (!q->stop && !(q->nwaiting && q->nfree < LOW_WATER(q)))
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->nwaiting)
			break; /* stopped, nothing left */
		/* running low (or stopping): the oldest kept copy goes out now */
		s = pop_waiting(q);
		q->nwriting++;
		if (!q->stop && park(q, s)) {
			q->nwriting--;
			push_free(q, s);
			pthread_cond_broadcast(&q->cond);
			continue;
		}
		pthread_mutex_unlock(&q->lock);
		err = core_output_pwrite(q->fd, q->slots + (size_t)s * q->page_size, q->page_size,
					 q->page[s].off);
		pthread_mutex_lock(&q->lock);
		if (err && !q->err)
			q->err = err;
		q->written++;
		q->nwriting--;
		push_free(q, s);
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void free_pool(struct live_pages *q)
{
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	free(q->page);
	q->slots = NULL;
	q->page = NULL;
}

int live_pages_start(struct live_pages *q, int fd, size_t page_size, unsigned npool)
{
	int err;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->page_size = page_size;
	q->npool = npool && npool < LIVE_PAGES_POOL ? npool : LIVE_PAGES_POOL;
	q->free_head = q->wait_head = q->wait_tail = NONE;
	live_spill_init(&q->spill, page_size);
	/* page-aligned: the core may be open with O_DIRECT */
	q->slots = aligned_alloc(page_size, q->npool * page_size);
	q->page = calloc(q->npool, sizeof(*q->page));
	if (!q->slots || !q->page) {
		free(q->slots);
		free(q->page);
		q->slots = NULL;
		q->page = NULL;
		return -ENOMEM;
	}
	for (unsigned s = q->npool; s-- > 0;)
		push_free(q, s);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	/* quiet: a SIGCHLD that -sig waits for must never land here */
	err = quiet_thread_create(&q->thread, NULL, writer_main, q);
	if (err) {
		free_pool(q);
		return -err;
	}
	q->running = true;
	return 0;
}

/* What live_pages_take_parked reads back at a time. */
#define DETACH_BATCH 256

int live_pages_allow_scratch(struct live_pages *q, int scratch_fd, uint64_t budget)
{
	int err;

	q->detached = malloc(DETACH_BATCH * sizeof(*q->detached));
	q->readback = malloc(q->page_size);
	if (!q->detached || !q->readback) {
		close(scratch_fd);
		return -ENOMEM; /* the copies go to their place, as without a scratch file */
	}
	pthread_mutex_lock(&q->lock);
	err = live_spill_enable(&q->spill, scratch_fd, budget);
	pthread_mutex_unlock(&q->lock);
	return err;
}

unsigned live_pages_slot(struct live_pages *q)
{
	unsigned s;

	pthread_mutex_lock(&q->lock);
	while (!q->nfree) {
		pthread_cond_broadcast(&q->cond); /* the writer makes room */
		pthread_cond_wait(&q->cond, &q->lock);
	}
	s = q->free_head;
	q->free_head = q->page[s].next;
	q->nfree--;
	if (q->nfree < LOW_WATER(q))
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return s;
}

unsigned char *live_pages_data(struct live_pages *q, unsigned slot)
{
	return q->slots + (size_t)slot * q->page_size;
}

void live_pages_keep(struct live_pages *q, unsigned slot, uint64_t addr, uint64_t off)
{
	pthread_mutex_lock(&q->lock);
	q->page[slot].addr = addr;
	q->page[slot].off = off;
	push_waiting(q, slot);
	if (q->nfree < LOW_WATER(q))
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void live_pages_drop(struct live_pages *q, unsigned slot)
{
	pthread_mutex_lock(&q->lock);
	push_free(q, slot);
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void live_pages_take(struct live_pages *q, uint64_t start, uint64_t end,
		     void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data),
		     void *arg)
{
	unsigned prev = NONE, s;
	bool freed = false;
	int err;

	pthread_mutex_lock(&q->lock);
	err = live_spill_take(&q->spill, start, end, fn, arg);
	if (err && !q->err)
		q->err = err;
	/* a copy being parked now was not found: park() sees this and writes it to its place */
	if (end > q->taken_upto)
		q->taken_upto = end;
	for (s = q->wait_head; s != NONE;) {
		unsigned next = q->page[s].next;

		if (q->page[s].addr < start || q->page[s].addr >= end) {
			prev = s;
			s = next;
			continue;
		}
		fn(arg, q->page[s].addr, q->page[s].off, q->slots + (size_t)s * q->page_size);
		/* unlink from the FIFO */
		if (prev == NONE)
			q->wait_head = next;
		else
			q->page[prev].next = next;
		if (q->wait_tail == s)
			q->wait_tail = prev;
		q->nwaiting--;
		push_free(q, s);
		freed = true;
		s = next;
	}
	if (freed)
		pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

void live_pages_take_parked(struct live_pages *q, uint64_t start, uint64_t end,
			    void (*fn)(void *arg, uint64_t addr, uint64_t off, const unsigned char *data),
			    void *arg)
{
	size_t n;
	int err = 0;

	if (!q->detached)
		return;
	do {
		int e;

		pthread_mutex_lock(&q->lock);
		n = live_spill_detach(&q->spill, start, end, q->detached, DETACH_BATCH);
		pthread_mutex_unlock(&q->lock);
		/* not under the lock: a copy the page cache let go is read from the disk */
		e = live_spill_hand_over(&q->spill, q->detached, n, q->readback, fn, arg);
		err = err ? err : e;
	} while (n == DETACH_BATCH);
	if (err) {
		pthread_mutex_lock(&q->lock);
		if (!q->err)
			q->err = err;
		pthread_mutex_unlock(&q->lock);
	}
}

int live_pages_stop(struct live_pages *q)
{
	int err;

	if (!q->running)
		return 0;
	pthread_mutex_lock(&q->lock);
	q->stop = true; /* the writer writes what is still kept, then ends */
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->running = false;
	/* parked in a window the reader never took (it failed, or the range went): to their place */
	err = live_spill_flush(&q->spill, q->fd);
	if (err && !q->err)
		q->err = err;
	live_spill_fini(&q->spill);
	free(q->detached);
	free(q->readback);
	q->detached = NULL;
	q->readback = NULL;
	err = q->err;
	free_pool(q);
	return err;
}
