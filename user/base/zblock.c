// SPDX-License-Identifier: MIT
#include "base/zblock.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

const char *zformat_suffix(enum zformat fmt)
{
	return fmt == ZFORMAT_GZIP ? ".gz" : fmt == ZFORMAT_ZSTD ? ".zst" : "";
}

const char *zformat_name(enum zformat fmt)
{
	return fmt == ZFORMAT_GZIP ? "gzip" : fmt == ZFORMAT_ZSTD ? "zstd" : "none";
}

int zformat_level(enum zformat fmt, int level)
{
	if (fmt == ZFORMAT_GZIP)
		return level >= 1 && level <= 9 ? level : ZBLOCK_GZIP_LEVEL;
	if (fmt == ZFORMAT_ZSTD)
		return level >= 1 && level <= 19 ? level : ZBLOCK_ZSTD_LEVEL;
	return 0;
}

int zblock_init(struct zblock *z, enum zformat fmt, int level)
{
	memset(z, 0, sizeof(*z));
	z->fmt = fmt;
	z->level = zformat_level(fmt, level);
	if (fmt == ZFORMAT_GZIP) {
		z_stream *zs = calloc(1, sizeof(*zs));

		if (!zs)
			return -ENOMEM;
		/* windowBits 15 + 16: the gzip wrapper (header, CRC-32, ISIZE) around each member */
		if (deflateInit2(zs, z->level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
			free(zs);
			return -ENOMEM;
		}
		z->ctx = zs;
		return 0;
	}
	if (fmt == ZFORMAT_ZSTD) {
		ZSTD_CCtx *c = ZSTD_createCCtx();

		if (!c)
			return -ENOMEM;
		/* the frame says its size (zstd -l, coretrap -info) and checks itself (a damaged copy) */
		if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, z->level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1))) {
			ZSTD_freeCCtx(c);
			return -EINVAL;
		}
		z->ctx = c;
		return 0;
	}
	return -EINVAL;
}

void zblock_fini(struct zblock *z)
{
	if (!z->ctx)
		return;
	if (z->fmt == ZFORMAT_GZIP) {
		deflateEnd(z->ctx);
		free(z->ctx);
	} else if (z->fmt == ZFORMAT_ZSTD) {
		ZSTD_freeCCtx(z->ctx);
	}
	z->ctx = NULL;
}

size_t zblock_bound(enum zformat fmt, size_t len)
{
	if (fmt == ZFORMAT_ZSTD)
		return ZSTD_compressBound(len);
	/* deflateBound without a stream, plus the gzip header and trailer (18 bytes) */
	return len + (len >> 12) + (len >> 14) + (len >> 25) + 13 + 6 + 18;
}

static int gzip_member(z_stream *zs, const void *in, size_t len, void *out, size_t cap, size_t *out_len)
{
	int r;

	if (len > UINT_MAX || cap > UINT_MAX || deflateReset(zs) != Z_OK)
		return -EINVAL;
	zs->next_in = (Bytef *)in;
	zs->avail_in = (uInt)len;
	zs->next_out = out;
	zs->avail_out = (uInt)cap;
	r = deflate(zs, Z_FINISH);
	if (r != Z_STREAM_END)
		return r == Z_OK || r == Z_BUF_ERROR ? -ENOBUFS : -EINVAL;
	*out_len = cap - zs->avail_out;
	return 0;
}

int zblock_compress(struct zblock *z, const void *in, size_t len, void *out, size_t cap,
		    size_t *out_len)
{
	if (!z->ctx)
		return -EINVAL;
	if (z->fmt == ZFORMAT_GZIP)
		return gzip_member(z->ctx, in, len, out, cap, out_len);
	size_t n = ZSTD_compress2(z->ctx, out, cap, in, len);

	if (ZSTD_isError(n))
		return ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall ? -ENOBUFS : -EINVAL;
	*out_len = n;
	return 0;
}
