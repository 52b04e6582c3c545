/* SPDX-License-Identifier: MIT */
/*
 * A main() for fuzz targets without libFuzzer: `fuzz_X N [seed]` feeds N
 * inputs to LLVMFuzzerTestOneInput, built with ASan+UBSan so any memory
 * error aborts. Half the inputs are random bytes of random length; the other
 * half are valid messages from the target's optional fuzz_seed_input()
 * hook, then mutated (bit flips, byte overwrites, truncation, insertion,
 * interesting values) so the decoders' deep paths are reached too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional: write valid seed number `index` into buf, return its length (0 = none). */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap) __attribute__((weak));

#define MAX_INPUT 4096

static uint64_t rng_state;

static uint32_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed at start */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static size_t mutate(uint8_t *buf, size_t len, size_t cap)
{
	static const uint8_t interesting[] = { 0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE };
	unsigned rounds = 1 + rnd() % 4;

	for (unsigned r = 0; r < rounds; r++) {
		switch (rnd() % 6) {
		case 0: /* flip a bit */
			if (len)
				buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1: /* overwrite with an interesting value */
			if (len)
				buf[rnd() % len] = interesting[rnd() % sizeof(interesting)];
			break;
		case 2: /* truncate */
			if (len)
				len = rnd() % len;
			break;
		case 3: /* insert a random byte */
			if (len < cap) {
				size_t at = len ? rnd() % (len + 1) : 0;

				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)rnd();
				len++;
			}
			break;
		case 4: /* random 32-bit word (counts, sizes) */
			if (len >= 4) {
				uint32_t v = rnd();

				memcpy(buf + rnd() % (len - 3), &v, 4);
			}
			break;
		default: /* append random tail */
			while (len < cap && rnd() % 4)
				buf[len++] = (uint8_t)rnd();
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 0) : 10000;
	unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 0) : 0x5eed;
	static uint8_t buf[MAX_INPUT];
	unsigned long mutated = 0;

	rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
	for (unsigned long i = 0; i < n; i++) {
		size_t len = 0;

		if (fuzz_seed_input && (i & 1)) {
			len = fuzz_seed_input(rnd(), buf, sizeof(buf));
			if (len) {
				len = mutate(buf, len, sizeof(buf));
				mutated++;
			}
		}
		if (!len && !(fuzz_seed_input && (i & 1))) {
			len = rnd() % (rnd() % 8 == 0 ? MAX_INPUT : 128);
			for (size_t j = 0; j < len; j++)
				buf[j] = (uint8_t)rnd();
		}
		/* each input in its own exact-size heap block so ASan sees overreads */
		uint8_t *copy = malloc(len ? len : 1);

		if (!copy)
			return 2;
		memcpy(copy, buf, len);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	printf("%s: %lu inputs (%lu mutated valid messages), seed %#lx: no crash\n", argv[0], n,
	       mutated, seed);
	return 0;
}
