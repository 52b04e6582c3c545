// SPDX-License-Identifier: MIT
/* cmocka tests of base/zread.c: several members/frames read as one stream; a cut or a damaged byte is told. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/zblock.h"
#include "base/zread.h"

#define BLK 65536

/* Three blocks (text, zeros, pseudo-random) compressed one by one into *out. */
static size_t make_stream(enum zformat fmt, unsigned char *plain, unsigned char **out, size_t ends[3])
{
	struct zblock z;
	size_t cap = 3 * zblock_bound(fmt, BLK), len = 0, n;

	for (size_t i = 0; i < BLK; i++)
		plain[i] = "coretrap "[i % 9];
	memset(plain + BLK, 0, BLK);
	srand(3);
	for (size_t i = 2 * BLK; i < 3 * BLK; i++)
		plain[i] = (unsigned char)rand();
	*out = malloc(cap);
	assert_int_equal(zblock_init(&z, fmt, 0), 0);
	for (int b = 0; b < 3; b++) {
		assert_int_equal(zblock_compress(&z, plain + b * BLK, BLK, *out + len, cap - len, &n), 0);
		len += n;
		ends[b] = len;
	}
	zblock_fini(&z);
	return len;
}

/* Decode in[0, len) fed `step` bytes at a time; returns bytes made, *complete, or -EBADMSG. */
static long decode(enum zformat fmt, const unsigned char *in, size_t len, size_t step, unsigned char *out,
		   size_t cap, bool *complete, uint64_t *units)
{
	struct zread r;
	size_t pos = 0, made_total = 0;

	assert_int_equal(zread_init(&r, fmt), 0);
	while (pos < len) {
		size_t chunk = len - pos < step ? len - pos : step, off = 0;

		while (off < chunk) {
			size_t used, made;

			if (zread_step(&r, in + pos + off, chunk - off, &used, out + made_total, cap - made_total,
				       &made)) {
				zread_fini(&r);
				return -EBADMSG;
			}
			off += used;
			made_total += made;
			if (!used && !made)
				break;
		}
		pos += chunk;
	}
	for (;;) {
		size_t used, made;

		assert_int_equal(zread_step(&r, in, 0, &used, out + made_total, cap - made_total, &made), 0);
		if (!made)
			break;
		made_total += made;
	}
	*complete = zread_complete(&r);
	*units = r.units;
	zread_fini(&r);
	return (long)made_total;
}

/* Every cut is tried within 64 bytes of a block's end and of the stream's start and end. */
static bool near_end(size_t cut, const size_t ends[3], size_t len)
{
	for (int b = 0; b < 3; b++)
		if (cut + 64 >= ends[b] && cut <= ends[b] + 64)
			return true;
	return cut < 64 || cut + 64 >= len;
}

static void whole_and_cut(enum zformat fmt)
{
	unsigned char plain[3 * BLK], back[3 * BLK + 16], *z;
	size_t ends[3], len = make_stream(fmt, plain, &z, ends);
	bool complete;
	uint64_t units;

	assert_int_equal(zread_detect(z, len), fmt);
	for (size_t step = 1; step <= len; step = step * 7 + 1) {
		assert_int_equal(decode(fmt, z, len, step, back, sizeof(back), &complete, &units), 3 * BLK);
		assert_true(complete);
		assert_int_equal(units, 3);
		assert_memory_equal(back, plain, sizeof(plain));
	}
	/* every cut inside a member/frame is seen (a cut at a block's end is a shorter whole) */
	for (size_t cut = 1; cut < len; cut += near_end(cut, ends, len) ? 1 : 61) {
		long n = decode(fmt, z, cut, 4096, back, sizeof(back), &complete, &units);

		assert_true(n >= 0 && n <= 3 * BLK);
		if (cut == ends[0] || cut == ends[1])
			assert_true(complete && n == (cut == ends[0] ? BLK : 2 * BLK));
		else if (complete)
			fail_msg("%s cut at %zu of %zu read as complete", zformat_name(fmt), cut, len);
	}
	assert_int_equal(decode(fmt, z, len - 1, 4096, back, sizeof(back), &complete, &units) >= 0, 1);
	assert_false(complete);
	/* a damaged byte in the random block: the CRC / checksum catches it */
	z[len - 20] ^= 0x40;
	assert_int_equal(decode(fmt, z, len, 4096, back, sizeof(back), &complete, &units), -EBADMSG);
	free(z);
}

static void test_gzip_stream(void **state)
{
	(void)state;
	whole_and_cut(ZFORMAT_GZIP);
}

static void test_zstd_stream(void **state)
{
	(void)state;
	whole_and_cut(ZFORMAT_ZSTD);
}

static void test_plain_and_detect(void **state)
{
	(void)state;
	static const unsigned char elf[] = { 0x7f, 'E', 'L', 'F', 2, 1, 1, 0 };
	unsigned char out[8];
	bool complete;
	uint64_t units;

	assert_int_equal(zread_detect(elf, sizeof(elf)), ZFORMAT_NONE);
	assert_int_equal(zread_detect((const unsigned char *)"\x1f", 1), ZFORMAT_NONE);
	assert_int_equal(decode(ZFORMAT_NONE, elf, sizeof(elf), 3, out, sizeof(out), &complete, &units), 8);
	assert_true(complete);
	assert_memory_equal(out, elf, 8);
	/* gzip magic followed by garbage */
	assert_int_equal(decode(ZFORMAT_GZIP, (const unsigned char *)"\x1f\x8b\x00\x00garbage!", 12, 12, out,
				sizeof(out), &complete, &units), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_stream),
		cmocka_unit_test(test_zstd_stream),
		cmocka_unit_test(test_plain_and_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
