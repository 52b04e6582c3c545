// SPDX-License-Identifier: MIT
/*
 * Test target: for each line on stdin ("go [MB] [HOLD_MS]") maps MB
 * megabytes, touches every page (RSS rises), holds HOLD_MS, then unmaps
 * (RSS falls back). Prints "ready PID", "start T" (before touching), "peak T" (all touched), "done T".
 * Usage: rssspike [MB=200] [HOLD_MS=30]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 200, hold = argc > 2 ? atol(argv[2]) : 30;
	char line[128];

	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		long m = mb, h = hold;
		size_t len;
		char *p;

		sscanf(line, "go %ld %ld", &m, &h);
		len = (size_t)m << 20;
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		printf("start %lld\n", mono_ns());
		memset(p, 1, len);
		printf("peak %lld\n", mono_ns());
		usleep((useconds_t)h * 1000);
		munmap(p, len);
		printf("done %lld\n", mono_ns());
	}
	return 0;
}
