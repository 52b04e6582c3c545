/* SPDX-License-Identifier: MIT */
/*
 * The fault handler's pages on their way into the core: a bounded queue
 * written by a thread of its own, so that serving the next fault never
 * waits for a write (a 4 KiB write can wait milliseconds behind the ring's
 * 8 MiB direct writes on the same file). One producer (the handler), one
 * writer. Bounded, so a fault storm costs a fixed amount of memory: the
 * handler waits for room instead.
 */
#ifndef CORETRAP_CORE_LIVE_PAGES_H
#define CORETRAP_CORE_LIVE_PAGES_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LIVE_PAGES_QUEUED 4096 /* 16 MiB of 4 KiB pages */

struct live_pages {
	int fd;
	size_t page_size;
	unsigned char *slots;   /* LIVE_PAGES_QUEUED pages */
	uint64_t off[LIVE_PAGES_QUEUED];
	size_t head, n;         /* the queued ones: slots head .. head + n - 1, modulo */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running, stop;
	int err;                /* first write error */
};

/* Start the writer thread. 0 or a negative errno. */
int live_pages_start(struct live_pages *q, int fd, size_t page_size);
/* The slot to copy the next page into, once there is room. */
unsigned char *live_pages_slot(struct live_pages *q);
/* Queue what live_pages_slot gave for a write at file offset off (else the slot is reused). */
void live_pages_push(struct live_pages *q, uint64_t off);
/* Write what is queued, stop the writer, free. The first write error, or 0. */
int live_pages_stop(struct live_pages *q);

#endif
