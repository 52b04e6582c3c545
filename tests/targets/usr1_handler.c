// SPDX-License-Identifier: MIT
/*
 * Test target: counts SIGUSR1 and SIGUSR2 handler runs. Prints "ready PID",
 * then "usr1=N usr2=M" each time a handler ran, and "final usr1=N usr2=M"
 * when stdin closes. The signals are only unblocked inside ppoll, so every
 * handler run is followed by exactly one report line. An optional argument
 * MB makes the process that big (touched anonymous memory) so a dump of it
 * takes a while.
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cue.h"

static volatile sig_atomic_t usr1, usr2;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		usr1++;
	else
		usr2++;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, open_mask;
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char buf[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && cue_grow_mb(atol(argv[1])) < 0)
		return 1;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, &open_mask);
	printf("ready %d\n", getpid());
	for (;;) {
		int r = ppoll(&pfd, 1, NULL, &open_mask);

		if (r < 0) {
			printf("usr1=%d usr2=%d\n", (int)usr1, (int)usr2);
			continue;
		}
		if (read(0, buf, sizeof(buf)) <= 0)
			break;
	}
	printf("final usr1=%d usr2=%d\n", (int)usr1, (int)usr2);
	return 0;
}
