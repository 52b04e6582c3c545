// SPDX-License-Identifier: MIT
/*
 * Test target whose main thread exits first (pthread_exit) and leaves one
 * worker: for each line on stdin ("open N") the worker opens N descriptors
 * on /dev/null and keeps them; "close" closes them. Prints "ready PID",
 * then "ok" after each command.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cue.h"

static void *worker(void *arg)
{
	static int fds[1024];
	char line[64];
	int n = 0;

	(void)arg;
	while (fgets(line, sizeof(line), stdin)) {
		int k = 0;

		if (sscanf(line, "open %d", &k) == 1) {
			for (int i = 0; i < k && n < 1024; i++)
				fds[n++] = open("/dev/null", O_RDONLY);
		} else if (strncmp(line, "close", 5) == 0) {
			while (n > 0)
				close(fds[--n]);
		}
		printf("ok\n");
	}
	return NULL;
}

/*
 * With --on-cue the main thread first waits for one line on stdin, so that
 * a tracer can seize the process while its leader is alive; only then it
 * starts the worker and exits.
 */
int main(int argc, char **argv)
{
	char line[64];
	pthread_t t;

	cue_ready();
	if (argc > 1 && !strcmp(argv[1], "--on-cue") && !fgets(line, sizeof(line), stdin))
		return 1;
	if (pthread_create(&t, NULL, worker, NULL))
		return 1;
	pthread_exit(NULL); /* the process lives on in the worker */
}
