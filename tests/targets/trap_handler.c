// SPDX-License-Identifier: MIT
/*
 * Test target: a process that handles SIGTRAP, as a runtime does at its own
 * breakpoints. On "start" (stdin) a worker thread raises SIGTRAP at itself
 * in a loop and a handler counts the hits; raise() returns only once the
 * handler ran, so every SIGTRAP a tracer swallows shows up as raised !=
 * handled. On "stop" the worker stops and "raised=N handled=M" is printed.
 * The main thread also handles SIGUSR1 (the signal a -sig test watches): it
 * is unblocked only in ppoll, and each run prints "usr1=N". Prints "ready
 * PID" first, "started" once the worker raised its first SIGTRAP, and exits
 * at the end of stdin. An optional argument MB makes the process that big
 * (touched anonymous memory) so that each dump of it takes a while.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cue.h"

static atomic_long handled;
static atomic_int raising;
static volatile sig_atomic_t usr1;

static void on_trap(int sig)
{
	(void)sig;
	atomic_fetch_add(&handled, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

static void *trapper(void *arg)
{
	long *raised = arg;

	while (atomic_load(&raising)) {
		if (raise(SIGTRAP) == 0 && ++*raised == 1)
			printf("started\n");
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction trap = { .sa_handler = on_trap }, usr = { .sa_handler = on_usr1 };
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	sigset_t block, open_mask;
	pthread_t worker;
	long raised = 0;
	char buf[256];
	bool running = false;

	if (argc > 1 && cue_grow_mb(atol(argv[1])) < 0)
		return 1;
	sigaction(SIGTRAP, &trap, NULL);
	sigaction(SIGUSR1, &usr, NULL);
	/* The worker inherits this mask: SIGUSR1 can only ever reach main, in ppoll. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &open_mask);
	cue_ready();
	for (;;) {
		int r = ppoll(&pfd, 1, NULL, &open_mask);
		ssize_t n;

		if (r < 0) {
			printf("usr1=%d\n", (int)usr1);
			continue;
		}
		n = read(0, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		buf[n] = '\0';
		if (!strncmp(buf, "start", 5) && !running) {
			atomic_store(&raising, 1);
			running = pthread_create(&worker, NULL, trapper, &raised) == 0;
		} else if (!strncmp(buf, "stop", 4) && running) {
			atomic_store(&raising, 0);
			pthread_join(worker, NULL);
			running = false;
			printf("raised=%ld handled=%ld\n", raised, (long)atomic_load(&handled));
		}
	}
	if (running) {
		atomic_store(&raising, 0);
		pthread_join(worker, NULL);
	}
	return 0;
}
