// SPDX-License-Identifier: MIT
/*
 * Test target: for each line on stdin ("go [N] [HOLD_MS]") starts N threads
 * that sleep HOLD_MS and exit, then joins them. Prints "ready PID",
 * "start T", "done T".
 * Usage: threadburst [N=20] [HOLD_MS=200]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

static long hold_ms;

static void *sleeper(void *arg)
{
	(void)arg;
	usleep((useconds_t)hold_ms * 1000);
	return NULL;
}

int main(int argc, char **argv)
{
	long n0 = argc > 1 ? atol(argv[1]) : 20;
	char line[128];

	hold_ms = argc > 2 ? atol(argv[2]) : 200;
	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		long n = n0;
		pthread_t tids[512];

		sscanf(line, "go %ld %ld", &n, &hold_ms);
		if (n > 512)
			n = 512;
		printf("start %lld\n", mono_ns());
		for (long i = 0; i < n; i++)
			if (pthread_create(&tids[i], NULL, sleeper, NULL))
				n = i;
		for (long i = 0; i < n; i++)
			pthread_join(tids[i], NULL);
		printf("done %lld\n", mono_ns());
	}
	return 0;
}
