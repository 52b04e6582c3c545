// SPDX-License-Identifier: MIT
/*
 * Test target: segfaults in crash_here() on cue. stdin "crash" faults in the
 * main thread, "crash-thread" in a worker; the fault address is 0x10.
 * Prints "ready PID" first.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

__attribute__((noinline)) void crash_here(void)
{
	volatile int *p = (volatile int *)0x10;

	*p = 42;
}

static void *worker(void *arg)
{
	(void)arg;
	crash_here();
	return NULL;
}

int main(void)
{
	char line[64];
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", getpid());
	while (fgets(line, sizeof(line), stdin)) {
		if (!strcmp(line, "crash\n"))
			crash_here();
		if (!strcmp(line, "crash-thread\n")) {
			pthread_create(&t, NULL, worker, NULL);
			pthread_join(t, NULL);
		}
	}
	return 0;
}
