// SPDX-License-Identifier: MIT
#include "base/zstream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/quiet_thread.h"

/* How often a worker looks again at how far the writer has got. */
#define ZSTREAM_POLL_NS (2 * 1000 * 1000)

struct zstream_worker {
	struct zstream *z;
	struct zblock zb;
	unsigned char *in, *out;
	size_t out_cap;
};

static void set_err(struct zstream *z, int err)
{
	if (!z->err)
		z->err = err;
	pthread_cond_broadcast(&z->cond);
}

/* Fill buf with [start, start + len) of fd: data read, holes zeroed. Sets *all_hole. */
static int read_block(int fd, uint64_t start, size_t len, unsigned char *buf, bool *all_hole)
{
	uint64_t pos = start, end = start + len;

	*all_hole = true;
	while (pos < end) {
		off_t data = lseek(fd, (off_t)pos, SEEK_DATA), hole;

		if (data < 0 && errno != ENXIO)
			return -errno;
		if (data < 0 || (uint64_t)data >= end) {
			memset(buf + (pos - start), 0, end - pos);
			return 0;
		}
		memset(buf + (pos - start), 0, (uint64_t)data - pos);
		pos = (uint64_t)data;
		hole = lseek(fd, (off_t)pos, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		uint64_t stop = (uint64_t)hole < end ? (uint64_t)hole : end;

		while (pos < stop) {
			ssize_t n = pread(fd, buf + (pos - start), stop - pos, (off_t)pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return -errno;
			if (n == 0) /* the file ends early: the rest reads as zeros */
				memset(buf + (pos - start), 0, stop - pos), n = (ssize_t)(stop - pos);
			pos += (uint64_t)n;
		}
		*all_hole = false;
	}
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/*
 * The block of zeros, compressed once for every whole-hole block, at the
 * top level for gzip: deflate at level 1 makes 8 MiB of zeros 36 KiB, at
 * level 9 8 KiB (its limit) in 47 ms, paid once per dump; zstd makes them
 * 277 bytes at any level.
 */
static int zero_member(struct zstream_worker *w, const unsigned char **out, size_t *len)
{
	struct zstream *z = w->z;
	int err = 0;

	pthread_mutex_lock(&z->zero_lock);
	if (!z->zero_out) {
		struct zblock best;
		size_t n = 0;

		memset(w->in, 0, ZSTREAM_BLOCK_BYTES);
		err = zblock_init(&best, z->cfg.fmt, z->cfg.fmt == ZFORMAT_GZIP ? 9 : z->cfg.level);
		if (!err)
			err = zblock_compress(&best, w->in, ZSTREAM_BLOCK_BYTES, w->out, w->out_cap, &n);
		zblock_fini(&best);
		if (!err && !(z->zero_out = malloc(n)))
			err = -ENOMEM;
		if (!err) {
			memcpy(z->zero_out, w->out, n);
			z->zero_len = n;
		}
	}
	pthread_mutex_unlock(&z->zero_lock);
	*out = z->zero_out;
	*len = z->zero_len;
	return err;
}

static void timed_wait(struct zstream *z)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += ZSTREAM_POLL_NS;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&z->cond, &z->lock, &ts);
}

/* The next block to compress, once the writer has finished it: its number, or -1 when there is none. */
static int64_t take_block(struct zstream *z, uint64_t *start, size_t *len)
{
	for (;;) {
		uint64_t s = z->next_block * ZSTREAM_BLOCK_BYTES;

		if (z->cfg.interrupted && *z->cfg.interrupted && !z->err)
			set_err(z, -EINTR);
		if (z->err || z->abort)
			return -1;
		if (z->final) {
			if (s >= z->size)
				return -1;
			*len = z->size - s < ZSTREAM_BLOCK_BYTES ? (size_t)(z->size - s) : ZSTREAM_BLOCK_BYTES;
		} else if (z->cfg.ready_below && z->cfg.ready_below(z->cfg.ready_arg) >= s + ZSTREAM_BLOCK_BYTES) {
			*len = ZSTREAM_BLOCK_BYTES;
		} else {
			timed_wait(z);
			continue;
		}
		*start = s;
		return (int64_t)z->next_block++;
	}
}

static int one_block(struct zstream_worker *w, uint64_t k, uint64_t start, size_t len)
{
	struct zstream *z = w->z;
	const unsigned char *out = w->out;
	size_t out_len = 0;
	bool hole;
	int err = read_block(z->read_fd, start, len, w->in, &hole);

	if (!err && hole && len == ZSTREAM_BLOCK_BYTES)
		err = zero_member(w, &out, &out_len);
	else if (!err)
		err = zblock_compress(&w->zb, w->in, len, w->out, w->out_cap, &out_len);

	pthread_mutex_lock(&z->lock);
	while (!err && !z->err && !z->abort && z->next_write != k)
		pthread_cond_wait(&z->cond, &z->lock);
	if (err || z->err || z->abort) {
		pthread_mutex_unlock(&z->lock);
		return err;
	}
	uint64_t off = z->out_off;

	pthread_mutex_unlock(&z->lock);
	/* our turn: nobody else writes until next_write moves on */
	err = write_all(z->cfg.out_fd, out, out_len, off);
	if (!err && z->cfg.punch)
		fallocate(z->cfg.in_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)start, (off_t)len);
	pthread_mutex_lock(&z->lock);
	if (!err) {
		z->out_off = off + out_len;
		z->next_write++;
		pthread_cond_broadcast(&z->cond);
	}
	pthread_mutex_unlock(&z->lock);
	return err;
}

static void *worker(void *arg)
{
	struct zstream_worker *w = arg;
	struct zstream *z = w->z;
	struct timespec cpu;
	uint64_t start;
	size_t len;
	int64_t k;

	pthread_mutex_lock(&z->lock);
	while ((k = take_block(z, &start, &len)) >= 0) {
		pthread_mutex_unlock(&z->lock);
		int err = one_block(w, (uint64_t)k, start, len);

		pthread_mutex_lock(&z->lock);
		if (err)
			set_err(z, err);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	z->cpu_ns += (uint64_t)cpu.tv_sec * 1000000000ull + (uint64_t)cpu.tv_nsec;
	pthread_mutex_unlock(&z->lock);
	return NULL;
}

static unsigned worker_count(unsigned asked)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (asked)
		n = asked;
	if (n < 1)
		n = 1;
	return n > ZSTREAM_MAX_WORKERS ? ZSTREAM_MAX_WORKERS : (unsigned)n;
}

/* A descriptor of our own: reads through the page cache even when the writer's fd is O_DIRECT. */
static int reopen_for_reading(int fd)
{
	char path[64];
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = open(path, O_RDONLY | O_CLOEXEC);
	return nfd >= 0 ? nfd : dup(fd);
}

int zstream_start(struct zstream *z, const struct zstream_cfg *cfg)
{
	unsigned n = worker_count(cfg->workers);
	int err = 0;

	memset(z, 0, sizeof(*z));
	z->cfg = *cfg;
	z->read_fd = reopen_for_reading(cfg->in_fd);
	if (z->read_fd < 0)
		return -errno;
	z->w = calloc(n, sizeof(*z->w));
	if (!z->w) {
		close(z->read_fd);
		return -ENOMEM;
	}
	pthread_mutex_init(&z->lock, NULL);
	pthread_cond_init(&z->cond, NULL);
	pthread_mutex_init(&z->zero_lock, NULL);
	z->started = true;
	for (unsigned i = 0; i < n && !err; i++) {
		struct zstream_worker *w = &z->w[i];

		w->z = z;
		w->out_cap = zblock_bound(cfg->fmt, ZSTREAM_BLOCK_BYTES);
		w->in = malloc(ZSTREAM_BLOCK_BYTES);
		w->out = malloc(w->out_cap);
		if (!w->in || !w->out)
			err = -ENOMEM;
		if (!err)
			err = zblock_init(&w->zb, cfg->fmt, cfg->level);
		if (!err) {
			err = -quiet_thread_create(&z->threads[i], NULL, worker, w);
			if (!err)
				z->nthreads++;
		}
	}
	if (err && !z->nthreads) {
		zstream_abort(z);
		return err;
	}
	return 0; /* fewer workers than asked is slower, not wrong */
}

static void join_all(struct zstream *z)
{
	for (unsigned i = 0; i < z->nthreads; i++)
		pthread_join(z->threads[i], NULL);
	z->nthreads = 0;
}

static void free_all(struct zstream *z)
{
	if (!z->started)
		return;
	for (unsigned i = 0; z->w && i < worker_count(z->cfg.workers); i++) {
		zblock_fini(&z->w[i].zb);
		free(z->w[i].in);
		free(z->w[i].out);
	}
	free(z->w);
	free(z->zero_out);
	if (z->read_fd >= 0)
		close(z->read_fd);
	pthread_mutex_destroy(&z->lock);
	pthread_cond_destroy(&z->cond);
	pthread_mutex_destroy(&z->zero_lock);
	z->w = NULL;
	z->zero_out = NULL;
	z->read_fd = -1;
	z->started = false;
}

int zstream_finish(struct zstream *z, uint64_t size)
{
	int err;

	if (!z->started)
		return -EINVAL;
	pthread_mutex_lock(&z->lock);
	z->final = true;
	z->size = size;
	pthread_cond_broadcast(&z->cond);
	pthread_mutex_unlock(&z->lock);
	join_all(z);
	err = z->err;
	if (!err && z->next_write * ZSTREAM_BLOCK_BYTES < size)
		err = -EIO; /* no worker was left to do it */
	return err;
}

void zstream_abort(struct zstream *z)
{
	if (!z->started)
		return;
	pthread_mutex_lock(&z->lock);
	z->abort = true;
	pthread_cond_broadcast(&z->cond);
	pthread_mutex_unlock(&z->lock);
	join_all(z);
	free_all(z);
}

uint64_t zstream_out_bytes(struct zstream *z)
{
	uint64_t n;

	pthread_mutex_lock(&z->lock);
	n = z->out_off;
	pthread_mutex_unlock(&z->lock);
	return n;
}
