// SPDX-License-Identifier: MIT
/*
 * Test target: for each line on stdin ("go [N] [HOLD_MS]") opens N
 * descriptors on /dev/null, holds them HOLD_MS, closes them. Prints
 * "ready PID", "start T", "done T".
 * Usage: fdburst [N=50] [HOLD_MS=200]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n0 = argc > 1 ? atol(argv[1]) : 50, hold0 = argc > 2 ? atol(argv[2]) : 200;
	char line[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin)) {
		long n = n0, hold = hold0;
		int fds[1024];

		sscanf(line, "go %ld %ld", &n, &hold);
		if (n > 1024)
			n = 1024;
		printf("start %lld\n", mono_ns());
		for (long i = 0; i < n; i++)
			fds[i] = open("/dev/null", O_RDONLY);
		usleep((useconds_t)hold * 1000);
		for (long i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		printf("done %lld\n", mono_ns());
	}
	return 0;
}
