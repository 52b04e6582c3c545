// SPDX-License-Identifier: MIT
/*
 * Bench target for live dumps (bench/bench_live.py): a service that keeps
 * writing its memory and notices every stall.
 *
 *   heartbeat MIB [RATE]
 *
 * MIB MiB of private anonymous memory (madvise(MADV_HUGEPAGE): THP where
 * the system allows it), every page written before "ready". A writer
 * thread then writes RATE pages per millisecond (default 16) in a
 * scrambled order (page j * K mod P, K a large odd stride), one word per
 * page, paced against the monotonic clock; writes missed while the process
 * was held up for more than 2 ms are dropped, not made up (RATE 0: no
 * writer thread at all). A heartbeat thread sleeps 1 ms
 * at a time and records the longest gap between two of its wake-ups: a
 * stall of the process (a stop, a write fault being served, a pause) shows
 * there, whoever causes it.
 *
 * Commands on stdin, one line each, answered with one line:
 *   reset   forget the longest gap and the write count: "ok"
 *   stats   "stats MAXGAP_US PAGES_WRITTEN ELAPSED_US" since the last reset
 *   exit    exit(0)
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

#define PAGE 4096ul
#define STRIDE 2654435761ul /* odd and large: consecutive writes land far apart */
#define BEAT_NS 1000000L    /* the heartbeat's 1 ms */

static unsigned char *mem;
static size_t npages;
static long rate = 16;
static _Atomic long long max_gap_ns, since_ns;
static _Atomic unsigned long long written;

static void *writer(void *arg)
{
	unsigned long long i = 0;
	long long start = mono_ns();

	(void)arg;
	for (;;) {
		/* RATE pages per elapsed millisecond, then sleep a little. */
		unsigned long long due = (unsigned long long)((mono_ns() - start) / 1000000) * (unsigned long long)rate;

		/*
		 * More than 2 ms behind: the process was held up. Those writes
		 * are lost, not made up later, so a stall shows in the write
		 * count as a service's lost work would.
		 */
		if (due > i + 2 * (unsigned long long)rate)
			i = due - (unsigned long long)rate;
		while (i < due) {
			size_t page = (size_t)((i * STRIDE) % npages);

			((volatile uint64_t *)(mem + page * PAGE))[i % (PAGE / 8)] = i;
			i++;
			atomic_fetch_add(&written, 1);
		}
		struct timespec ts = { 0, 200000 };

		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void *heartbeat(void *arg)
{
	struct timespec next;
	long long last = mono_ns();

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		next.tv_nsec += BEAT_NS;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		long long now = mono_ns(), gap = now - last;

		last = now;
		if (gap > atomic_load(&max_gap_ns))
			atomic_store(&max_gap_ns, gap);
		/* Fell behind (a stall): start the schedule again from now. */
		if (gap > 2 * BEAT_NS)
			clock_gettime(CLOCK_MONOTONIC, &next);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	char line[64];
	pthread_t w, h;

	if (argc < 2 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: heartbeat MIB [PAGES_PER_MS]\n");
		return 2;
	}
	if (argc > 2)
		rate = atol(argv[2]);
	npages = ((size_t)atol(argv[1]) << 20) / PAGE;
	mem = mmap(NULL, npages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	madvise(mem, npages * PAGE, MADV_HUGEPAGE);
	for (size_t p = 0; p < npages; p++)
		memset(mem + p * PAGE, (int)(p % 251) + 1, PAGE);
	atomic_store(&since_ns, mono_ns());
	/* RATE 0: a heartbeat alone, to watch the VM beside a dumped target */
	if ((rate && pthread_create(&w, NULL, writer, NULL)) || pthread_create(&h, NULL, heartbeat, NULL))
		return 1;
	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "reset", 5)) {
			atomic_store(&max_gap_ns, 0);
			atomic_store(&written, 0);
			atomic_store(&since_ns, mono_ns());
			printf("ok\n");
		} else if (!strncmp(line, "stats", 5)) {
			printf("stats %lld %llu %lld\n", atomic_load(&max_gap_ns) / 1000, atomic_load(&written),
			       (mono_ns() - atomic_load(&since_ns)) / 1000);
		} else if (!strncmp(line, "exit", 4)) {
			return 0;
		}
	}
	return 0;
}
