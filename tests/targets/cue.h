/* SPDX-License-Identifier: MIT */
/*
 * Shared by the burst targets that the tests drive with lines on stdin:
 * announce readiness, and stamp events with the clock the tests compare
 * with coretrap's event times (CLOCK_MONOTONIC, like bpf_ktime_get_ns);
 * and make a target big, for dumps that take a while.
 */
#ifndef CORETRAP_TARGET_CUE_H
#define CORETRAP_TARGET_CUE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Line-buffered stdout (a test reads each line as it comes), then "ready PID". */
static inline void cue_ready(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
}

/*
 * Grow the process by mb MiB of touched anonymous memory (non-zero in every
 * page, so every page is really there) so that a dump of it takes a while.
 * 0, or -1 when it cannot be had.
 */
static inline int cue_grow_mb(long mb)
{
	size_t bytes = (size_t)mb << 20;
	char *mem = malloc(bytes);

	if (!mem)
		return -1;
	for (size_t i = 0; i < bytes; i += 4096)
		mem[i] = (char)(i >> 12 | 1);
	return 0;
}

#endif
