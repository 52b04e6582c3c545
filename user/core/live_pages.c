// SPDX-License-Identifier: MIT
/* The fault handler's page pool; see live_pages.h. */
#include "core/live_pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "base/quiet_thread.h"

#define NONE ((unsigned)-1)
/*
 * The writer writes kept copies itself, oldest first, while fewer slots
 * than this are free: early enough that the handler seldom waits.
 */
#define LOW_WATER (LIVE_PAGES_POOL / 4)

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

static void *writer_main(void *arg)
{
	struct live_pages *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		unsigned s;
		int err;

		while (!q->stop && !(q->nwaiting && q->nfree < LOW_WATER))
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->nwaiting)
			break; /* stopped, nothing left */
		/* running low (or stopping): the oldest kept copy goes out now */
		s = pop_waiting(q);
		q->nwriting++;
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

int live_pages_start(struct live_pages *q, int fd, size_t page_size)
{
	int err;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->page_size = page_size;
	q->free_head = q->wait_head = q->wait_tail = NONE;
	/* page-aligned: the core may be open with O_DIRECT */
	q->slots = aligned_alloc(page_size, LIVE_PAGES_POOL * page_size);
	q->page = calloc(LIVE_PAGES_POOL, sizeof(*q->page));
	if (!q->slots || !q->page) {
		free(q->slots);
		free(q->page);
		q->slots = NULL;
		q->page = NULL;
		return -ENOMEM;
	}
	for (unsigned s = LIVE_PAGES_POOL; s-- > 0;)
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
	if (q->nfree < LOW_WATER)
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
	if (q->nfree < LOW_WATER)
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

	pthread_mutex_lock(&q->lock);
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
	err = q->err;
	free_pool(q);
	return err;
}
