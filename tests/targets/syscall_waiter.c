// SPDX-License-Identifier: MIT
/*
 * Target for syscall injection (tests/integration/test_ptrace_inject.py):
 * threads that sit in interrupted-and-restarted system calls, each saying
 * on stdout how its call ended, so a test can tell a correct restart from a
 * call that returned early or with a stray -ERESTART* value:
 *   reader   read() on a pipe     "read N ERRNO TEXT"  (main writes on "write TEXT")
 *   sleeper  nanosleep(3 s)       "slept RC ERRNO MS"
 *   pauser   pause()              "pause RC ERRNO"
 *   spinner  a loop in user mode  (main prints "spins N" on "spins")
 * SIGUSR1 has an SA_RESTART handler that prints "usr1 TID".
 * Prints "info {tids}" and "ready", then reads commands on stdin.
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cue.h"

static int pipe_fds[2];
static volatile unsigned long spins;
static volatile pid_t tids[4];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(1, line, (size_t)n) < 0)
		_exit(3);
}

static void on_usr1(int sig)
{
	(void)sig;
	say("usr1 %d\n", (int)gettid());
}

static void *reader(void *arg)
{
	char buf[128];

	(void)arg;
	tids[0] = gettid();
	for (;;) {
		ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
		int e = n < 0 ? errno : 0;

		buf[n > 0 ? n : 0] = '\0';
		say("read %zd %d %s\n", n, e, buf);
	}
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	tids[1] = gettid();
	for (;;) {
		struct timespec d = { 3, 0 };
		long long t0 = mono_ns();
		int rc = nanosleep(&d, NULL);
		int e = rc ? errno : 0;

		say("slept %d %d %lld\n", rc, e, (mono_ns() - t0) / 1000000);
	}
	return NULL;
}

static void *pauser(void *arg)
{
	(void)arg;
	tids[2] = gettid();
	for (;;) {
		int rc = pause();

		say("pause %d %d\n", rc, errno);
	}
	return NULL;
}

static void *spinner(void *arg)
{
	(void)arg;
	tids[3] = gettid();
	for (;;)
		spins++;
	return NULL;
}

int main(void)
{
	void *(*fns[4])(void *) = { reader, sleeper, pauser, spinner };
	struct sigaction sa;
	char line[256];
	pthread_t t;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(pipe_fds) < 0)
		return 1;
	for (int i = 0; i < 4; i++)
		pthread_create(&t, NULL, fns[i], NULL);
	for (int i = 0; i < 4; i++)
		while (!tids[i])
			usleep(1000);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("info {\"reader\":%d,\"sleeper\":%d,\"pauser\":%d,\"spinner\":%d}\n", (int)tids[0],
	       (int)tids[1], (int)tids[2], (int)tids[3]);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "write ", 6)) {
			if (write(pipe_fds[1], line + 6, strlen(line + 6)) < 0)
				return 1;
		} else if (!strcmp(line, "spins")) {
			say("spins %lu\n", spins);
		}
	}
	return 0;
}
