/* SPDX-License-Identifier: MIT */
/*
 * Shared by the burst targets that the tests drive with lines on stdin:
 * announce readiness, and stamp events with the clock the tests compare
 * with coretrap's event times (CLOCK_MONOTONIC, like bpf_ktime_get_ns).
 */
#ifndef CORETRAP_TARGET_CUE_H
#define CORETRAP_TARGET_CUE_H

#include <stdio.h>
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

#endif
