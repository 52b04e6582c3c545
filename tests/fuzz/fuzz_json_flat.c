/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/base/json_flat.c: the daemon reads the event lines
 * of the runs it supervises, so any bytes must give a field or nothing,
 * never a crash; a string found is NUL-terminated within its buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_flat.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = { "event", "path", "message", "pid", "index", "a", "" };
	char line[4096], out[64];
	long long v;

	if (size >= sizeof(line))
		size = sizeof(line) - 1;
	memcpy(line, data, size);
	line[size] = 0;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		memset(out, 'x', sizeof(out));
		if (json_flat_string(line, keys[k], out, sizeof(out)) && !memchr(out, 0, sizeof(out)))
			abort();
		json_flat_int(line, keys[k], &v);
	}
	return 0;
}

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const char *const seeds[] = {
		"{\"time\":\"2026-12-03T08:41:06.310+00:00\",\"event\":\"dump\",\"pid\":17728,\"path\":\"/a\\\"b\",\"index\":0}",
		"{\"event\":\"trigger\",\"name\":\"x\\u00e9\\n\",\"value\":-5,\"message\":\"Trigger: \\\\ \"}",
	};
	size_t len = strlen(seeds[index % 2]);

	if (len > cap)
		return 0;
	memcpy(buf, seeds[index % 2], len);
	return len;
}
