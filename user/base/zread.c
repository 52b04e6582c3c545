// SPDX-License-Identifier: MIT
#include "base/zread.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

enum zformat zread_detect(const unsigned char *b, size_t n)
{
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return ZFORMAT_GZIP;
	if (n >= 4 && b[0] == 0x28 && b[1] == 0xb5 && b[2] == 0x2f && b[3] == 0xfd)
		return ZFORMAT_ZSTD;
	return ZFORMAT_NONE;
}

int zread_init(struct zread *r, enum zformat fmt)
{
	memset(r, 0, sizeof(*r));
	r->fmt = fmt;
	if (fmt == ZFORMAT_GZIP) {
		z_stream *zs = calloc(1, sizeof(*zs));

		if (!zs)
			return -ENOMEM;
		if (inflateInit2(zs, 15 + 16) != Z_OK) {
			free(zs);
			return -ENOMEM;
		}
		r->ctx = zs;
	} else if (fmt == ZFORMAT_ZSTD) {
		r->ctx = ZSTD_createDStream();
		if (!r->ctx || ZSTD_isError(ZSTD_initDStream(r->ctx))) {
			ZSTD_freeDStream(r->ctx);
			r->ctx = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

void zread_fini(struct zread *r)
{
	if (r->fmt == ZFORMAT_GZIP && r->ctx) {
		inflateEnd(r->ctx);
		free(r->ctx);
	} else if (r->fmt == ZFORMAT_ZSTD && r->ctx) {
		ZSTD_freeDStream(r->ctx);
	}
	r->ctx = NULL;
}

static int gzip_step(struct zread *r, const void *in, size_t in_len, size_t *in_used, void *out,
		     size_t out_cap, size_t *out_len)
{
	z_stream *zs = r->ctx;
	int ret;

	zs->next_in = (Bytef *)in;
	zs->avail_in = in_len > UINT_MAX ? UINT_MAX : (uInt)in_len;
	zs->next_out = out;
	zs->avail_out = out_cap > UINT_MAX ? UINT_MAX : (uInt)out_cap;
	uInt in0 = zs->avail_in, out0 = zs->avail_out;

	ret = inflate(zs, Z_NO_FLUSH);
	*in_used = in0 - zs->avail_in;
	*out_len = out0 - zs->avail_out;
	if (ret == Z_STREAM_END) {
		/* one member done; the next one (if any) starts afresh */
		r->units++;
		r->mid = false;
		return inflateReset(zs) == Z_OK ? 0 : -EBADMSG;
	}
	if (ret == Z_OK || (ret == Z_BUF_ERROR && !*in_used && !*out_len)) {
		if (*in_used || *out_len)
			r->mid = true;
		return 0;
	}
	return -EBADMSG;
}

static int zstd_step(struct zread *r, const void *in, size_t in_len, size_t *in_used, void *out,
		     size_t out_cap, size_t *out_len)
{
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_cap, 0 };
	size_t ret = ZSTD_decompressStream(r->ctx, &ob, &ib);

	*in_used = ib.pos;
	*out_len = ob.pos;
	if (ZSTD_isError(ret))
		return -EBADMSG;
	if (ret == 0) {
		/* a frame is decoded and flushed */
		if (r->mid || ib.pos)
			r->units++;
		r->mid = false;
	} else if (ib.pos || ob.pos) {
		r->mid = true;
	}
	return 0;
}

int zread_step(struct zread *r, const void *in, size_t in_len, size_t *in_used, void *out,
	       size_t out_cap, size_t *out_len)
{
	*in_used = *out_len = 0;
	if (r->fmt == ZFORMAT_GZIP)
		return gzip_step(r, in, in_len, in_used, out, out_cap, out_len);
	if (r->fmt == ZFORMAT_ZSTD)
		return zstd_step(r, in, in_len, in_used, out, out_cap, out_len);
	*in_used = *out_len = in_len < out_cap ? in_len : out_cap;
	memcpy(out, in, *out_len);
	return 0;
}

bool zread_complete(const struct zread *r)
{
	return !r->mid;
}
