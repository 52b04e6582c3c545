// SPDX-License-Identifier: MIT
/*
 * Target for the core writer tests. Sets up, prints one "info {json}" line
 * with the addresses the test checks, then "ready", then waits forever:
 *  - threads blocked in worker_alpha (read), worker_beta (pause),
 *    worker_gamma (nanosleep); main in main_wait (sigsuspend)
 *  - global `marker` set at run time (so only a core, not the ELF, has it)
 *  - an anonymous region of --anon-mb MiB, the first --touch-mb MiB filled
 *    with a pattern, the next --zero-mb MiB written with zeros, the rest untouched
 *  - a MADV_DONTDUMP region filled with 0xDD
 *  - a private read-only mapping of --file PATH (untouched)
 *  - --spawn: keep creating short-lived threads (stop/resume races)
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

volatile uint64_t marker;
static int pipe_fds[2];

__attribute__((noinline)) void *worker_alpha(void *arg)
{
	char c;

	(void)arg;
	for (;;)
		if (read(pipe_fds[0], &c, 1) <= 0)
			pause();
	return NULL;
}

__attribute__((noinline)) void *worker_beta(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

__attribute__((noinline)) void *worker_gamma(void *arg)
{
	struct timespec d = { 1, 0 };

	(void)arg;
	for (;;)
		nanosleep(&d, NULL);
	return NULL;
}

static void *short_lived(void *arg)
{
	return arg;
}

__attribute__((noinline)) void *spawner(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;

		if (pthread_create(&t, NULL, short_lived, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

__attribute__((noinline)) void main_wait(void)
{
	sigset_t none;

	sigemptyset(&none);
	for (;;)
		sigsuspend(&none);
}

int main(int argc, char **argv)
{
	size_t anon_mb = 64, touch_mb = 8, zero_mb = 8, dd_size = 1 << 20;
	const char *file = argv[0];
	int spawn = 0;
	pthread_t t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--anon-mb") && i + 1 < argc)
			anon_mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--touch-mb") && i + 1 < argc)
			touch_mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--zero-mb") && i + 1 < argc)
			zero_mb = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--spawn"))
			spawn = 1;
	}
	if (touch_mb + zero_mb > anon_mb)
		return 2;

	marker = 0xC0DEDBADC0FFEEull;
	if (pipe(pipe_fds) < 0)
		return 1;

	unsigned char *anon = mmap(NULL, anon_mb << 20, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	unsigned char *dd = mmap(NULL, dd_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED || dd == MAP_FAILED)
		return 1;
	/* no THP: the untouched part must stay untouched */
	madvise(anon, anon_mb << 20, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < (touch_mb << 20); i += 8) {
		uint64_t v = 0x5A5A000000000000ull | i;

		memcpy(anon + i, &v, 8);
	}
	/* written, so resident, but all zero: must become holes in the core */
	for (size_t i = 0; i < (zero_mb << 20); i += 4096)
		((volatile unsigned char *)anon)[(touch_mb << 20) + i] = 0;
	memset(dd, 0xDD, dd_size);
	if (madvise(dd, dd_size, MADV_DONTDUMP) < 0)
		return 1;

	int fd = open(file, O_RDONLY);
	struct stat st;
	unsigned char *fmap = NULL;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0)
		fmap = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fmap == MAP_FAILED)
		fmap = NULL;

	pthread_create(&t, NULL, worker_alpha, NULL);
	pthread_create(&t, NULL, worker_beta, NULL);
	pthread_create(&t, NULL, worker_gamma, NULL);
	if (spawn)
		pthread_create(&t, NULL, spawner, NULL);

	printf("info {\"anon\":%lu,\"anon_mb\":%zu,\"touch_mb\":%zu,\"zero_mb\":%zu,"
	       "\"dontdump\":%lu,\"file_map\":%lu,\"file\":\"%s\",\"file_size\":%lld}\n",
	       (unsigned long)anon, anon_mb, touch_mb, zero_mb, (unsigned long)dd,
	       (unsigned long)fmap, file, (long long)(fmap ? st.st_size : 0));
	printf("ready\n");
	fflush(stdout);
	main_wait();
	return 0;
}
