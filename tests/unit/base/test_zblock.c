// SPDX-License-Identifier: MIT
/* cmocka tests of base/zblock.c: each block is a complete gzip member / zstd frame, and blocks concatenate. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "base/zblock.h"

#define LEN (1u << 20)

static unsigned char *sample(unsigned seed)
{
	unsigned char *b = malloc(LEN);

	assert_non_null(b);
	/* a quarter zeros, a quarter text, a quarter random, a quarter a repeated struct */
	memset(b, 0, LEN / 4);
	for (size_t i = LEN / 4; i < LEN / 2; i++)
		b[i] = "the quick brown fox "[i % 20];
	srand(seed);
	for (size_t i = LEN / 2; i < LEN / 4 * 3; i++)
		b[i] = (unsigned char)rand();
	for (size_t i = LEN / 4 * 3; i < LEN; i++)
		b[i] = (unsigned char)(i % 64 < 8 ? i / 64 : 0);
	return b;
}

/* gunzip of a whole buffer that may hold several members, as gzip -d reads them. */
static size_t gunzip_all(const unsigned char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t done = 0, pos = 0;

	while (pos < len) {
		z_stream zs = { 0 };

		assert_int_equal(inflateInit2(&zs, 31), Z_OK);
		zs.next_in = (Bytef *)in + pos;
		zs.avail_in = (uInt)(len - pos);
		zs.next_out = out + done;
		zs.avail_out = (uInt)(cap - done);
		assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
		pos = len - zs.avail_in;
		done = cap - zs.avail_out;
		inflateEnd(&zs);
	}
	return done;
}

static void roundtrip(enum zformat fmt)
{
	unsigned char *a = sample(1), *b = sample(2), *out, *back;
	size_t cap = zblock_bound(fmt, LEN), n1, n2, got;
	struct zblock z;

	out = malloc(2 * cap);
	back = malloc(2 * LEN);
	assert_int_equal(zblock_init(&z, fmt, 0), 0);
	assert_int_equal(zblock_compress(&z, a, LEN, out, cap, &n1), 0);
	assert_int_equal(zblock_compress(&z, b, LEN, out + n1, cap, &n2), 0);
	assert_true(n1 < LEN && n2 < LEN);
	if (fmt == ZFORMAT_GZIP) {
		got = gunzip_all(out, n1 + n2, back, 2 * LEN);
	} else {
		/* two frames, each with its content size */
		assert_int_equal(ZSTD_getFrameContentSize(out, n1), LEN);
		assert_int_equal(ZSTD_getFrameContentSize(out + n1, n2), LEN);
		got = ZSTD_decompress(back, 2 * LEN, out, n1 + n2);
	}
	assert_int_equal(got, 2 * LEN);
	assert_memory_equal(back, a, LEN);
	assert_memory_equal(back + LEN, b, LEN);
	zblock_fini(&z);
	free(a);
	free(b);
	free(out);
	free(back);
}

static void test_gzip_members_concatenate(void **state)
{
	(void)state;
	roundtrip(ZFORMAT_GZIP);
}

static void test_zstd_frames_concatenate(void **state)
{
	(void)state;
	roundtrip(ZFORMAT_ZSTD);
}

/* Zeros (holes) cost almost nothing, and random bytes fit the bound. */
static void test_bounds_and_zeros(void **state)
{
	(void)state;
	static const enum zformat fmts[] = { ZFORMAT_GZIP, ZFORMAT_ZSTD };
	unsigned char *zero = calloc(1, LEN), *rnd = malloc(LEN), *out;

	srand(7);
	for (size_t i = 0; i < LEN; i++)
		rnd[i] = (unsigned char)rand();
	for (size_t f = 0; f < 2; f++) {
		struct zblock z;
		size_t cap = zblock_bound(fmts[f], LEN), n;

		out = malloc(cap);
		assert_int_equal(zblock_init(&z, fmts[f], 0), 0);
		assert_int_equal(zblock_compress(&z, zero, LEN, out, cap, &n), 0);
		assert_true(n < LEN / 100);
		zblock_fini(&z);
		/* at the top level, deflate reaches its limit on zeros (258 bytes per 2-bit match) */
		assert_int_equal(zblock_init(&z, fmts[f], fmts[f] == ZFORMAT_GZIP ? 9 : 19), 0);
		assert_int_equal(zblock_compress(&z, zero, LEN, out, cap, &n), 0);
		assert_true(n < LEN / 900);
		assert_int_equal(zblock_compress(&z, rnd, LEN, out, cap, &n), 0);
		assert_true(n <= cap);
		/* too small an output buffer is said, not overrun */
		assert_int_equal(zblock_compress(&z, rnd, LEN, out, LEN / 2, &n), -ENOBUFS);
		zblock_fini(&z);
		free(out);
	}
	free(zero);
	free(rnd);
}

static void test_names_and_levels(void **state)
{
	(void)state;
	struct zblock z;

	assert_string_equal(zformat_suffix(ZFORMAT_GZIP), ".gz");
	assert_string_equal(zformat_suffix(ZFORMAT_ZSTD), ".zst");
	assert_string_equal(zformat_suffix(ZFORMAT_NONE), "");
	assert_int_equal(zformat_level(ZFORMAT_GZIP, 0), ZBLOCK_GZIP_LEVEL);
	assert_int_equal(zformat_level(ZFORMAT_GZIP, 6), 6);
	assert_int_equal(zformat_level(ZFORMAT_GZIP, 12), ZBLOCK_GZIP_LEVEL);
	assert_int_equal(zformat_level(ZFORMAT_ZSTD, 3), 3);
	assert_int_equal(zformat_level(ZFORMAT_ZSTD, 0), ZBLOCK_ZSTD_LEVEL);
	assert_int_equal(zblock_init(&z, ZFORMAT_NONE, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_members_concatenate),
		cmocka_unit_test(test_zstd_frames_concatenate),
		cmocka_unit_test(test_bounds_and_zeros),
		cmocka_unit_test(test_names_and_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
