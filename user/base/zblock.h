/* SPDX-License-Identifier: MIT */
/*
 * One block of a compressed dump as an independent unit of its container:
 * a gzip member (zlib, RFC 1952) or a zstd frame (with its content size and
 * checksum). Concatenated, the blocks are one file gunzip / zstd -d read as a
 * whole, and each block can be compressed by any thread. Pure: buffers in,
 * buffers out.
 */
#ifndef CORETRAP_BASE_ZBLOCK_H
#define CORETRAP_BASE_ZBLOCK_H

#include <stdbool.h>
#include <stddef.h>

enum zformat {
	ZFORMAT_NONE = 0,
	ZFORMAT_GZIP,
	ZFORMAT_ZSTD,
};

/* Levels when none is asked for: the fast end of each (bench/RESULTS.md, bench_compress). */
#define ZBLOCK_GZIP_LEVEL 1
#define ZBLOCK_ZSTD_LEVEL 1

struct zblock {
	enum zformat fmt;
	int level;
	void *ctx; /* z_stream or ZSTD_CCtx */
};

/* ".gz", ".zst", "" for ZFORMAT_NONE. */
const char *zformat_suffix(enum zformat fmt);
/* "gzip", "zstd", "none". */
const char *zformat_name(enum zformat fmt);
/* The default level of fmt, or `level` when it is in fmt's range (gzip 1..9, zstd 1..19). */
int zformat_level(enum zformat fmt, int level);

/* 0 or -ENOMEM / -EINVAL. */
int zblock_init(struct zblock *z, enum zformat fmt, int level);
void zblock_fini(struct zblock *z);
/* The most a block of len bytes can take compressed. */
size_t zblock_bound(enum zformat fmt, size_t len);
/*
 * Compress in[0, len) into one complete member/frame in out (cap bytes, at
 * least zblock_bound). 0 with *out_len, or -EINVAL / -ENOBUFS.
 */
int zblock_compress(struct zblock *z, const void *in, size_t len, void *out, size_t cap,
		    size_t *out_len);

#endif
