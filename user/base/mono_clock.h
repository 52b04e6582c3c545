/* SPDX-License-Identifier: MIT */
/* The monotonic clock in nanoseconds: stop times, deadlines, fault-in pace. */
#ifndef CORETRAP_MONO_CLOCK_H
#define CORETRAP_MONO_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
