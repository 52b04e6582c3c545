/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/profstatus.c. Both ends decode bytes written by the
 * other side (coretrap reads what runs inside the target), so every input
 * must decode to a frame, "need more", or -EBADMSG; a decoded frame must
 * re-encode to the same bytes; text stays NUL-terminated; settings decode to
 * 0 or -EBADMSG with bounded counts.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotnet/profstatus.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profmsg m;
	uint8_t again[PROFSTATUS_FRAME_MAX];
	size_t off = 0;

	while (off < size) {
		ssize_t n = profstatus_decode(data + off, size - off, &m);
		if (n == 0 || n == -EBADMSG)
			break;
		if (n < PROFSTATUS_HEADER_BYTES || (size_t)n > size - off)
			abort();
		if (strnlen(m.text, sizeof(m.text)) == sizeof(m.text))
			abort();
		/* text with an embedded NUL re-encodes shorter: only compare NUL-free frames */
		ssize_t e = profstatus_encode(&m, again, sizeof(again));
		if (e < 0 || e > n)
			abort();
		if (e == n && memcmp(again, data + off, (size_t)n))
			abort();
		off += (size_t)n;
	}

	struct prof_settings s;
	int r = profstatus_decode_settings((const char *)data, size, &s);
	if (r != 0 && r != -EBADMSG)
		abort();
	if (r == 0 && (s.filter_count > CONFIG_MAX_FILTERS || s.gcm_count > CONFIG_MAX_THRESHOLDS ||
		       !s.status_path[0]))
		abort();
	return 0;
}

/* Valid frames and settings for the standalone driver to mutate. */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	struct profmsg m = { .type = (uint8_t)(1 + index % 7), .seq = index, .trigger = PROF_TRIGGER_EXCEPTION,
			     .filter = 1, .tid = 77, .value = 1234, .result = -5, .flags = 3, .reason = 2 };
	strcpy(m.text, "System.InvalidOperationException: marker alpha");
	if (index % 8 == 7) {
		struct prof_settings s = { .exceptions = true, .filter_count = 2, .gcm_count = 1,
					   .gcm_mb = { 64 }, .gc_generation = 2 };
		strcpy(s.status_path, "/tmp/coretrap-1-0/status.sock");
		strcpy(s.filters[0], "*alpha");
		strcpy(s.filters[1], "beta");
		strcpy(s.exclude, "gamma");
		ssize_t n = profstatus_encode_settings(&s, (char *)buf, cap);
		return n < 0 ? 0 : (size_t)n;
	}
	ssize_t n = profstatus_encode(&m, buf, cap);
	return n < 0 ? 0 : (size_t)n;
}
