/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what a scraping client controls: the request head the
 * -metrics endpoint judges (metrics_http_status, which must read only the
 * bytes it is given, no NUL needed) and the -metrics address text. Also the
 * journal datagram encoder, whose values come from target names and paths.
 * Seeds: real request heads and addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/journal.h"
#include "base/metrics_http.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact = malloc(size ? size : 1), text[256], err[192], out[512];
	int st;
	struct sockaddr_in sa;
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	/* an allocation of exactly size bytes: ASan sees any read past the end */
	memcpy(exact, data, size);
	st = metrics_http_status(exact, size);
	if (st != 200 && st != 400 && st != 404 && st != 405)
		abort();
	free(exact);

	memcpy(text, data, n);
	text[n] = '\0';
	if (metrics_http_parse_addr(text, (n & 1) != 0, &sa, err, sizeof(err)) == 0) {
		if (!sa.sin_port)
			abort();
	} else if (!err[0]) {
		abort();
	}

	const struct journal_field f[] = { { "MESSAGE", text }, { "COREDUMP_EXE", text + n / 2 } };
	size_t len = journal_format(out, sizeof(out), f, 2);

	if (len > sizeof(out) || (len && memcmp(out, "MESSAGE", 7)))
		abort();
	return 0;
}

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const char *seeds[] = {
		"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9464\r\nAccept: */*\r\n\r\n",
		"HEAD /metrics?x=1 HTTP/1.0\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
		"127.0.0.1:9464",
		"localhost:1",
		"9464",
	};
	const char *s = seeds[index % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t n = strlen(s) < cap ? strlen(s) : cap;

	memcpy(buf, s, n);
	return n;
}
