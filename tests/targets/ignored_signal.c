// SPDX-License-Identifier: MIT
/*
 * Test target: ignores SIGUSR1 (SIG_IGN). Prints "ready PID"; when stdin
 * closes prints "alive" and exits 0, proving the signal did nothing.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	char buf[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR1, SIG_IGN);
	printf("ready %d\n", getpid());
	while (read(0, buf, sizeof(buf)) > 0) {
	}
	printf("alive\n");
	return 0;
}
