// SPDX-License-Identifier: MIT
/*
 * Test target: does nothing. Prints "ready PID" and sleeps until stdin is
 * closed (or for SECONDS when given), then exits 0.
 * Usage: idle [SECONDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	if (argc > 1) {
		sleep((unsigned)atoi(argv[1]));
		return 0;
	}
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
