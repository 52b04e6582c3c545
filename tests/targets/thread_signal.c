// SPDX-License-Identifier: MIT
/*
 * Test target: a worker thread waits for signals. Prints "pid PID", then
 * "ready TID" from the worker. stdin "spawn" starts one more such thread and prints
 * "spawned TID". Each SIGUSR1 handler run prints "handled TID" (the thread
 * that ran it); stdin EOF prints "final N" and exits.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static int report_pipe[2];

static void on_usr1(int sig)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	(void)sig;
	count++;
	if (write(report_pipe[1], &tid, sizeof(tid)) < 0) {
		/* the main loop reports the count anyway */
	}
}

static void *worker(void *arg)
{
	pid_t tid = (pid_t)syscall(SYS_gettid);

	printf("%s %d\n", (const char *)arg, tid);
	for (;;)
		pause();
	return NULL;
}

static void *reporter(void *arg)
{
	pid_t tid;

	(void)arg;
	while (read(report_pipe[0], &tid, sizeof(tid)) == sizeof(tid))
		printf("handled %d\n", tid);
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t block;
	pthread_t t;
	char line[64];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(report_pipe))
		return 1;
	sigaction(SIGUSR1, &sa, NULL);
	/* Only workers take SIGUSR1 sent to the process. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_create(&t, NULL, reporter, NULL);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	printf("pid %d\n", getpid());
	pthread_create(&t, NULL, worker, "ready");
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	while (fgets(line, sizeof(line), stdin))
		if (!strcmp(line, "spawn\n")) {
			pthread_sigmask(SIG_UNBLOCK, &block, NULL);
			pthread_create(&t, NULL, worker, "spawned");
			pthread_sigmask(SIG_BLOCK, &block, NULL);
		}
	printf("final %d\n", (int)count);
	return 0;
}
