// SPDX-License-Identifier: MIT
/*
 * Test target: burns one core for MS milliseconds each time a line arrives
 * on stdin ("go [MS]"). Prints "ready PID", then "start T" / "done T" around
 * each burst (T = CLOCK_MONOTONIC ns). Exits at end of input.
 * Usage: cpuburst [MS=150]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 150;
	char line[128];
	volatile unsigned long sink = 0;

	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		long n = ms;
		long long start, end;

		sscanf(line, "go %ld", &n);
		start = mono_ns();
		end = start + n * 1000000LL;
		printf("start %lld\n", start);
		while (mono_ns() < end)
			for (int i = 0; i < 1000; i++)
				sink += (unsigned long)i;
		printf("done %lld\n", mono_ns());
	}
	return 0;
}
