// SPDX-License-Identifier: MIT
/*
 * Test target: for each line on stdin ("go [N] [HOLD_MS] [spin]") opens N
 * descriptors on /dev/null, holds them HOLD_MS, closes them. "spin" holds
 * them in a busy loop without a syscall, so the thread never blocks while
 * they are open. Prints "ready PID", "start T", "done T".
 * Usage: fdburst [N=50] [HOLD_MS=200]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

int main(int argc, char **argv)
{
	long n0 = argc > 1 ? atol(argv[1]) : 50, hold0 = argc > 2 ? atol(argv[2]) : 200;
	char line[128];

	cue_ready();
	while (fgets(line, sizeof(line), stdin)) {
		long n = n0, hold = hold0;
		char mode[16] = "";
		long long until;
		int fds[1024];

		sscanf(line, "go %ld %ld %15s", &n, &hold, mode);
		if (n > 1024)
			n = 1024;
		printf("start %lld\n", mono_ns());
		for (long i = 0; i < n; i++)
			fds[i] = open("/dev/null", O_RDONLY);
		until = mono_ns() + hold * 1000000LL;
		if (strcmp(mode, "spin") == 0)
			while (mono_ns() < until) /* vDSO clock: no syscall */
				;
		else
			usleep((useconds_t)hold * 1000);
		for (long i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		printf("done %lld\n", mono_ns());
	}
	return 0;
}
