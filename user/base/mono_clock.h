/* SPDX-License-Identifier: MIT */
/*
 * The monotonic clock: stop times, deadlines, fault-in pace. The one place
 * coretrap reads CLOCK_MONOTONIC (timerfds aside).
 */
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

/* The same clock in milliseconds, for poll() timeouts and deadlines. */
static inline uint64_t now_ms(void)
{
	return now_ns() / 1000000ull;
}

#endif
