// SPDX-License-Identifier: MIT
/*
 * writefloor DIR MiB buffered|direct [WRITERS]: the least any dump of MiB
 * MiB must do on DIR's filesystem, measured for bench/bench_dump.py. It
 * writes MiB MiB of non-zero bytes, already resident in its own memory,
 * into a new file in 8 MiB positioned writes: buffered, as coretrap does
 * where direct I/O is not possible, or with O_DIRECT from WRITERS threads
 * (default 2), as coretrap does where it is. A dump must also read those
 * bytes out of the target, so it cannot beat this figure. The buffers are
 * huge pages where the system gives them: a direct write from 4 KiB pages
 * reaches this VM's virtio disk as requests of about 1 MiB (254 segments),
 * from huge pages as 4 MiB ones, which it takes about twice as fast.
 * Prints {"wall": s, "cpu": s} (cpu: user + system of this process).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (8u << 20)
#define HUGE (2u << 20)
#define MAX_WRITERS 8

struct job {
	int fd;
	size_t chunks;
	atomic_size_t next;
	atomic_int err;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* Each writer takes the next 8 MiB of the file from its own resident buffer. */
static void *writer(void *arg)
{
	struct job *j = arg;
	void *map = mmap(NULL, CHUNK + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *buf;

	if (map == MAP_FAILED) {
		atomic_store(&j->err, ENOMEM);
		return NULL;
	}
	buf = (unsigned char *)(((uintptr_t)map + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	madvise(buf, CHUNK, MADV_HUGEPAGE);
	memset(buf, 0x5a, CHUNK);
	for (size_t i; (i = atomic_fetch_add(&j->next, 1)) < j->chunks;) {
		if (pwrite(j->fd, buf, CHUNK, (off_t)i * CHUNK) != (ssize_t)CHUNK) {
			atomic_store(&j->err, errno ? errno : EIO);
			break;
		}
	}
	munmap(map, CHUNK + HUGE);
	return NULL;
}

int main(int argc, char **argv)
{
	struct job j = { .next = 0, .err = 0 };
	pthread_t th[MAX_WRITERS];
	int direct, writers;
	double t0, c0, wall;
	char path[4096];

	if (argc < 4 || (strcmp(argv[3], "buffered") && strcmp(argv[3], "direct"))) {
		fprintf(stderr, "usage: writefloor DIR MiB buffered|direct [WRITERS]\n");
		return 2;
	}
	direct = !strcmp(argv[3], "direct");
	writers = direct ? (argc > 4 ? atoi(argv[4]) : 2) : 1;
	if (writers < 1 || writers > MAX_WRITERS) {
		fprintf(stderr, "writefloor: 1 to %d writers\n", MAX_WRITERS);
		return 2;
	}
	j.chunks = strtoull(argv[2], NULL, 0) / 8;
	t0 = now();
	c0 = cpu_seconds();
	/* the buffers are filled inside the measured time, as coretrap's ring is */
	/*
	 * A named file, unlinked after the clock stops, as a dump stays on
	 * disk: closing an unlinked (O_TMPFILE) file frees its blocks inside
	 * close(), which made this "floor" slower than a real dump.
	 */
	snprintf(path, sizeof(path), "%s/writefloor.%d", argv[1], (int)getpid());
	j.fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | (direct ? O_DIRECT : 0), 0600);
	if (j.fd < 0) {
		fprintf(stderr, "writefloor: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (ftruncate(j.fd, (off_t)j.chunks * CHUNK) < 0) {
		perror("writefloor: ftruncate");
		unlink(path);
		return 1;
	}
	for (int i = 0; i < writers; i++)
		pthread_create(&th[i], NULL, writer, &j);
	for (int i = 0; i < writers; i++)
		pthread_join(th[i], NULL);
	close(j.fd);
	wall = now() - t0;
	unlink(path);
	if (atomic_load(&j.err)) {
		fprintf(stderr, "writefloor: write: %s\n", strerror(atomic_load(&j.err)));
		return 1;
	}
	printf("{\"wall\": %.4f, \"cpu\": %.4f}\n", wall, cpu_seconds() - c0);
	return 0;
}
