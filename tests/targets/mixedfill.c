// SPDX-License-Identifier: MIT
/*
 * Bench target for compressed dumps (bench/bench_compress.py): mixedfill MB
 * allocates MB MiB and fills it the way a real heap looks to a compressor,
 * in 64 KiB runs: half the runs are zero pages (touched, then zeroed: they
 * are resident), a quarter text (log-like lines with changing numbers), a
 * quarter random bytes. Prints "ready", then waits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define RUN (64u << 10)

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void text_run(char *p)
{
	static const char *const words[] = { "GET", "POST", "/api/orders", "/health", "user", "session",
					     "200", "404", "timeout", "retry", "cache", "miss" };
	size_t off = 0;

	while (off + 128 < RUN) {
		int n = snprintf(p + off, 128, "2026-12-03T10:%02u:%02u.%03u INFO %s %s id=%u took %u ms\n",
				 (unsigned)(next() % 60), (unsigned)(next() % 60), (unsigned)(next() % 1000),
				 words[next() % 12], words[next() % 12], (unsigned)(next() % 100000),
				 (unsigned)(next() % 500));
		off += (size_t)n;
	}
	memset(p + off, ' ', RUN - off);
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
	size_t len = mb << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (size_t r = 0; r < len / RUN; r++) {
		char *q = p + r * RUN;

		switch (r % 4) {
		case 0:
		case 2:
			memset(q, 0xa5, RUN); /* resident, then zero */
			memset(q, 0, RUN);
			break;
		case 1:
			text_run(q);
			break;
		default:
			for (size_t i = 0; i < RUN / 8; i++)
				((uint64_t *)q)[i] = next();
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
