/* SPDX-License-Identifier: MIT */
/*
 * Streaming reader of what base/zblock.h writes, and of anything gzip or
 * zstd made: any number of gzip members or zstd frames one after the
 * other, or plain bytes. It also says whether the input ended on a
 * member/frame boundary: a compressed file cut short (a copy interrupted,
 * a full disk) is told from a complete one. Pure: buffers in, buffers out.
 */
#ifndef CORETRAP_BASE_ZREAD_H
#define CORETRAP_BASE_ZREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/zblock.h"

struct zread {
	enum zformat fmt;
	void *ctx;      /* z_stream or ZSTD_DStream */
	bool mid;       /* inside a member/frame: the input must go on */
	uint64_t units; /* members/frames completed */
};

/* The container the first bytes announce (gzip 1f 8b, zstd 28 b5 2f fd), else ZFORMAT_NONE. */
enum zformat zread_detect(const unsigned char *b, size_t n);
/* 0 or -ENOMEM. */
int zread_init(struct zread *r, enum zformat fmt);
void zread_fini(struct zread *r);
/*
 * Decode from in[0, in_len) into out[0, out_cap): *in_used and *out_len say
 * how much was taken and made (either may be 0 while the other is not).
 * Call again with the rest. 0, or -EBADMSG on bytes that are no valid
 * member/frame (a checksum that does not match included).
 */
int zread_step(struct zread *r, const void *in, size_t in_len, size_t *in_used, void *out,
	       size_t out_cap, size_t *out_len);
/* After the last input: did it end where a member/frame ends (and nothing is left to flush)? */
bool zread_complete(const struct zread *r);

#endif
