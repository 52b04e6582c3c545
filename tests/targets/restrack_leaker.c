// SPDX-License-Identifier: MIT
/*
 * Leak-tracking target: restrack_leaker [CHURN]. Prints "ready PID", then
 * on each line of stdin:
 *   go    in a new thread (one the tracker never saw start): leak 1000 blocks
 *         of 4 KiB from leak_blocks(), 100 of 8 KiB through realloc from
 *         grow_blocks(), 50 of 2 KiB from calloc in zeroed_blocks(), 20 of
 *         1 KiB aligned in aligned_blocks(), 10 anonymous mmaps of 64 KiB in
 *         map_blocks(); meanwhile churn() allocates and frees CHURN
 *         (default 1000000) pairs of blocks (32..543 and 48 bytes); then "done"
 *   grow  64 MiB more resident memory (an -m trigger), then "grown"
 * CHURN counts pairs: 2 * CHURN blocks come and go.
 * SIGUSR1 is caught and ignored (a -sig trigger's signal is not fatal).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cue.h"

static void *volatile keep[2048];
static size_t nkeep;

static void hold(void *p)
{
	if (!p)
		abort();
	keep[nkeep++ % 2048] = p;
}

__attribute__((noinline)) static void leak_blocks(int n)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc(4096);

		if (!p)
			abort();
		p[0] = (char)i;
		hold(p);
	}
}

__attribute__((noinline)) static void grow_blocks(int n)
{
	for (int i = 0; i < n; i++) {
		char *p = malloc(64), *q;

		if (!p)
			abort();
		q = realloc(p, 8192);
		hold(q);
	}
}

__attribute__((noinline)) static void zeroed_blocks(int n)
{
	for (int i = 0; i < n; i++)
		hold(calloc(1, 2048));
}

__attribute__((noinline)) static void aligned_blocks(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = NULL;

		if (i % 2 == 0) {
			if (posix_memalign(&p, 64, 1024))
				abort();
		} else {
			p = aligned_alloc(256, 1024);
		}
		hold(p);
	}
}

__attribute__((noinline)) static void map_blocks(int n)
{
	for (int i = 0; i < n; i++) {
		void *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			abort();
		hold(p);
	}
}

/* Blocks that come and go: none of them is outstanding at the end. */
__attribute__((noinline)) static void churn(long pairs)
{
	for (long i = 0; i < pairs; i++) {
		char *p = malloc(32 + (size_t)(i % 512)), *q = malloc(48);

		if (!p || !q)
			abort();
		p[0] = q[0] = 1;
		free(p);
		free(q);
	}
}

static long churn_pairs = 1000000;

static void *work(void *arg)
{
	(void)arg;
	churn(churn_pairs / 2);
	leak_blocks(1000);
	grow_blocks(100);
	zeroed_blocks(50);
	aligned_blocks(20);
	map_blocks(10);
	churn(churn_pairs / 2);
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	char line[64];

	if (argc > 1)
		churn_pairs = strtol(argv[1], NULL, 0);
	signal(SIGUSR1, on_usr1);
	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		if (strncmp(line, "go", 2) == 0) {
			pthread_attr_t attr;
			pthread_t t;

			/*
			 * A small stack: glibc keeps a joined thread's stack mapped
			 * (its stack cache), and at the default 8 MiB that anonymous
			 * mmap, honestly outstanding, would outweigh the 4 MB leak the
			 * tests look for at the top of the report.
			 */
			pthread_attr_init(&attr);
			pthread_attr_setstacksize(&attr, 128 << 10);
			if (pthread_create(&t, &attr, work, NULL) || pthread_join(t, NULL))
				return 1;
			printf("done\n");
		} else if (strncmp(line, "grow", 4) == 0) {
			if (cue_grow_mb(64))
				return 1;
			printf("grown\n");
		}
	}
	return 0;
}
