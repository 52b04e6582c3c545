// SPDX-License-Identifier: MIT
/*
 * cmocka tests of base/zstream.c on real files in /tmp: a file written while
 * the compressor follows it decodes to the same bytes, holes are never read
 * and whole-hole blocks share one member/frame, the uncompressed file's
 * space is given back behind the compressor, and a write error is returned.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/zread.h"
#include "base/zstream.h"

#define B ZSTREAM_BLOCK_BYTES
#define NBLK 7

static int tmp_fd(void)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR, 0600);

	assert_true(fd >= 0);
	return fd;
}

/* Block k's content: 0, 3 and 4 are holes (4 only half), the rest data. */
static void fill(unsigned char *p, unsigned k)
{
	for (size_t i = 0; i < B; i++)
		p[i] = (unsigned char)(k * 31 + (i % 251) * (i % 7));
}

struct writer {
	int fd;
	uint64_t done; /* bytes final, read by ready_below */
	pthread_mutex_t lock;
};

static uint64_t ready(void *arg)
{
	struct writer *w = arg;
	uint64_t d;

	pthread_mutex_lock(&w->lock);
	d = w->done;
	pthread_mutex_unlock(&w->lock);
	return d;
}

static void write_file(struct writer *w, unsigned char *expect, bool follow)
{
	unsigned char *blk = malloc(B);

	assert_int_equal(ftruncate(w->fd, (off_t)NBLK * B + 12345), 0);
	memset(expect, 0, (size_t)NBLK * B + 12345);
	for (unsigned k = 0; k < NBLK; k++) {
		if (k != 0 && k != 3) {
			fill(blk, k);
			size_t len = k == 4 ? B / 2 : B;

			assert_int_equal(pwrite(w->fd, blk, len, (off_t)k * B), (ssize_t)len);
			memcpy(expect + (size_t)k * B, blk, len);
		}
		if (follow) {
			pthread_mutex_lock(&w->lock);
			w->done = (uint64_t)(k + 1) * B;
			pthread_mutex_unlock(&w->lock);
			usleep(3000);
		}
	}
	memcpy(expect + (size_t)NBLK * B, "tail", 4);
	assert_int_equal(pwrite(w->fd, "tail", 4, (off_t)NBLK * B), 4);
	free(blk);
}

static unsigned char *read_back(int fd, enum zformat fmt, size_t *len, bool *complete)
{
	struct stat st;
	unsigned char *in, *out = malloc((size_t)NBLK * B + 2 * B);
	size_t pos = 0, made_total = 0, used, made;
	struct zread r;

	assert_int_equal(fstat(fd, &st), 0);
	in = malloc((size_t)st.st_size);
	assert_int_equal(pread(fd, in, (size_t)st.st_size, 0), st.st_size);
	assert_int_equal(zread_init(&r, fmt), 0);
	while (pos < (size_t)st.st_size || made) {
		assert_int_equal(zread_step(&r, in + pos, (size_t)st.st_size - pos, &used,
					    out + made_total, (size_t)NBLK * B + 2 * B - made_total, &made), 0);
		pos += used;
		made_total += made;
		if (!used && !made)
			break;
	}
	*complete = zread_complete(&r);
	zread_fini(&r);
	free(in);
	*len = made_total;
	return out;
}

static void follow(enum zformat fmt, bool punch)
{
	struct writer w = { .fd = tmp_fd(), .lock = PTHREAD_MUTEX_INITIALIZER };
	int out = tmp_fd();
	size_t size = (size_t)NBLK * B + 12345, len;
	unsigned char *expect = malloc(size), *got;
	struct zstream z;
	struct zstream_cfg cfg = { .in_fd = w.fd, .out_fd = out, .fmt = fmt, .punch = punch,
				   .workers = 2, .ready_below = ready, .ready_arg = &w };
	struct stat st;
	bool complete;

	assert_int_equal(zstream_start(&z, &cfg), 0);
	write_file(&w, expect, true);
	assert_int_equal(zstream_finish(&z, size), 0);
	assert_true(zstream_out_bytes(&z) > 0);
	zstream_abort(&z);
	got = read_back(out, fmt, &len, &complete);
	assert_true(complete);
	assert_int_equal(len, size);
	assert_memory_equal(got, expect, size);
	/* punched: the uncompressed file keeps its size and gives back its blocks */
	assert_int_equal(fstat(w.fd, &st), 0);
	assert_int_equal(st.st_size, size);
	if (punch)
		assert_true((uint64_t)st.st_blocks * 512 < B);
	else
		assert_true((uint64_t)st.st_blocks * 512 >= 4 * (uint64_t)B);
	free(expect);
	free(got);
	close(w.fd);
	close(out);
}

static void test_gzip_follows_the_writer(void **state)
{
	(void)state;
	follow(ZFORMAT_GZIP, true);
}

static void test_zstd_follows_the_writer(void **state)
{
	(void)state;
	follow(ZFORMAT_ZSTD, false);
}

/* A file written whole first (the .NET case): no ready_below, all at finish. */
static void test_complete_file(void **state)
{
	(void)state;
	struct writer w = { .fd = tmp_fd(), .lock = PTHREAD_MUTEX_INITIALIZER };
	int out = tmp_fd();
	size_t size = (size_t)NBLK * B + 12345, len;
	unsigned char *expect = malloc(size), *got;
	struct zstream z;
	struct zstream_cfg cfg = { .in_fd = w.fd, .out_fd = out, .fmt = ZFORMAT_ZSTD, .workers = 3 };
	bool complete;

	write_file(&w, expect, false);
	assert_int_equal(zstream_start(&z, &cfg), 0);
	assert_int_equal(zstream_finish(&z, size), 0);
	zstream_abort(&z);
	got = read_back(out, ZFORMAT_ZSTD, &len, &complete);
	assert_true(complete);
	assert_int_equal(len, size);
	assert_memory_equal(got, expect, size);
	free(expect);
	free(got);
	close(w.fd);
	close(out);
}

/* A file that is all hole: every block is the one shared member, a few KiB each. */
static void test_holes_cost_nothing(void **state)
{
	(void)state;
	int in = tmp_fd(), out = tmp_fd();
	struct zstream z;
	struct zstream_cfg cfg = { .in_fd = in, .out_fd = out, .fmt = ZFORMAT_GZIP };

	assert_int_equal(ftruncate(in, 64 * (off_t)B), 0);
	assert_int_equal(zstream_start(&z, &cfg), 0);
	assert_int_equal(zstream_finish(&z, 64 * (uint64_t)B), 0);
	assert_true(zstream_out_bytes(&z) <= 64 * 8200);
	zstream_abort(&z);
	close(in);
	close(out);
}

/* The output cannot be written (here: a read-only descriptor): the error comes back, nothing hangs. */
static void test_write_error_is_returned(void **state)
{
	(void)state;
	int in = tmp_fd(), out = open("/dev/null", O_RDONLY);
	struct zstream z;
	struct zstream_cfg cfg = { .in_fd = in, .out_fd = out, .fmt = ZFORMAT_ZSTD };

	assert_int_equal(ftruncate(in, 5 * (off_t)B), 0);
	assert_int_equal(pwrite(in, "x", 1, 3 * (off_t)B), 1);
	assert_int_equal(zstream_start(&z, &cfg), 0);
	assert_int_equal(zstream_finish(&z, 5 * (uint64_t)B), -EBADF);
	zstream_abort(&z);
	close(in);
	close(out);
}

/* Ctrl-C while compressing: the workers stop at the next block and finish says -EINTR. */
static void test_interrupted_stops(void **state)
{
	(void)state;
	static volatile int stop = 1;
	int in = tmp_fd(), out = tmp_fd();
	struct zstream z;
	struct zstream_cfg cfg = { .in_fd = in, .out_fd = out, .fmt = ZFORMAT_GZIP, .interrupted = &stop };

	assert_int_equal(ftruncate(in, 8 * (off_t)B), 0);
	assert_int_equal(zstream_start(&z, &cfg), 0);
	assert_int_equal(zstream_finish(&z, 8 * (uint64_t)B), -EINTR);
	assert_int_equal(zstream_out_bytes(&z), 0);
	zstream_abort(&z);
	close(in);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gzip_follows_the_writer),
		cmocka_unit_test(test_zstd_follows_the_writer),
		cmocka_unit_test(test_complete_file),
		cmocka_unit_test(test_holes_cost_nothing),
		cmocka_unit_test(test_write_error_is_returned),
		cmocka_unit_test(test_interrupted_stops),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
