/* SPDX-License-Identifier: MIT */
/*
 * A compressed copy of a file that is still being written: worker threads
 * follow the part of in_fd that its writer says is final (ready_below),
 * compress it in fixed blocks, each an independent gzip member or zstd
 * frame (base/zblock.h), and write the blocks in order to out_fd. Behind
 * itself it punches the compressed blocks out of in_fd (punch), so the
 * uncompressed file never takes more disk than the stretch not yet
 * compressed. Holes are found with SEEK_DATA/SEEK_HOLE and never read; a
 * block that is all hole is compressed once and its member/frame reused.
 */
#ifndef CORETRAP_BASE_ZSTREAM_H
#define CORETRAP_BASE_ZSTREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/zblock.h"

#define ZSTREAM_BLOCK_BYTES (8u << 20)
#define ZSTREAM_MAX_WORKERS 4

struct zstream_cfg {
	int in_fd;              /* read back through a descriptor of its own (no O_DIRECT) */
	int out_fd;             /* written from offset 0 */
	enum zformat fmt;
	int level;              /* 0: the format's default */
	bool punch;             /* give in_fd's disk space back behind the compressor */
	unsigned workers;       /* 0: one per online CPU, at most ZSTREAM_MAX_WORKERS */
	/* Bytes of in_fd from 0 that are final; NULL: nothing until zstream_finish. */
	uint64_t (*ready_below)(void *arg);
	void *ready_arg;
	/* Polled per block: when it becomes non-zero the workers stop and finish says -EINTR. */
	volatile int *interrupted;
};

struct zstream_worker;

struct zstream {
	struct zstream_cfg cfg;
	int read_fd;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t threads[ZSTREAM_MAX_WORKERS];
	struct zstream_worker *w;
	unsigned nthreads;
	bool final, abort, started;
	uint64_t size;          /* in_fd's size once final */
	uint64_t next_block;    /* to be taken by a worker */
	uint64_t next_write;    /* whose turn it is to be written */
	uint64_t out_off;
	int err;                /* first error */
	uint64_t cpu_ns;        /* CPU time of the workers, summed when they end */
	/* the member/frame of a block that is all hole, made once */
	pthread_mutex_t zero_lock;
	unsigned char *zero_out;
	size_t zero_len;
};

/* Start the workers. 0 or a negative errno (nothing started). */
int zstream_start(struct zstream *z, const struct zstream_cfg *cfg);
/*
 * in_fd is complete and `size` bytes long: compress the rest, wait for the
 * workers. 0 or the first error (-ENOSPC...). out_fd then holds the whole
 * compressed file.
 */
int zstream_finish(struct zstream *z, uint64_t size);
/* Stop the workers, drop what is in flight (out_fd is then incomplete). Safe after finish. */
void zstream_abort(struct zstream *z);
/* Compressed bytes written so far. */
uint64_t zstream_out_bytes(struct zstream *z);

#endif
