// SPDX-License-Identifier: MIT
/* The fault handler's write queue; see live_pages.h. */
#include "core/live_pages.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"

static void *writer_main(void *arg)
{
	struct live_pages *q = arg;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		size_t at;
		int err;

		while (!q->n && !q->stop)
			pthread_cond_wait(&q->cond, &q->lock);
		if (!q->n)
			break; /* stopped and drained */
		at = q->head;
		pthread_mutex_unlock(&q->lock);
		/* the slot stays the writer's until n drops: the handler fills only free ones */
		err = core_output_pwrite(q->fd, q->slots + at * q->page_size, q->page_size, q->off[at]);
		pthread_mutex_lock(&q->lock);
		if (err && !q->err)
			q->err = err;
		q->head = (q->head + 1) % LIVE_PAGES_QUEUED;
		q->n--;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

int live_pages_start(struct live_pages *q, int fd, size_t page_size)
{
	int err;

	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->page_size = page_size;
	/* page-aligned: the core may be open with O_DIRECT */
	q->slots = aligned_alloc(page_size, LIVE_PAGES_QUEUED * page_size);
	if (!q->slots)
		return -ENOMEM;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	err = pthread_create(&q->thread, NULL, writer_main, q);
	if (err) {
		pthread_cond_destroy(&q->cond);
		pthread_mutex_destroy(&q->lock);
		free(q->slots);
		q->slots = NULL;
		return -err;
	}
	q->running = true;
	return 0;
}

unsigned char *live_pages_slot(struct live_pages *q)
{
	size_t at;

	pthread_mutex_lock(&q->lock);
	while (q->n == LIVE_PAGES_QUEUED)
		pthread_cond_wait(&q->cond, &q->lock);
	at = (q->head + q->n) % LIVE_PAGES_QUEUED;
	pthread_mutex_unlock(&q->lock);
	return q->slots + at * q->page_size;
}

void live_pages_push(struct live_pages *q, uint64_t off)
{
	pthread_mutex_lock(&q->lock);
	q->off[(q->head + q->n) % LIVE_PAGES_QUEUED] = off;
	q->n++;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

int live_pages_stop(struct live_pages *q)
{
	int err;

	if (!q->running)
		return 0;
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	pthread_join(q->thread, NULL);
	q->running = false;
	err = q->err;
	pthread_cond_destroy(&q->cond);
	pthread_mutex_destroy(&q->lock);
	free(q->slots);
	q->slots = NULL;
	return err;
}
