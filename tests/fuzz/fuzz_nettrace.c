/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/dotnet/nettrace.c and the counter reading on top of
 * it (counters.c): a hostile stream, fed whole and in two pieces, must give
 * 0 or -EBADMSG, never read outside the input, and every event handed out
 * must decode (or refuse) its fields within its payload.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotnet/counters.h"
#include "dotnet/nettrace.h"
#include "nettrace_build.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static void on_event(void *ctx, const struct nettrace_event *ev)
{
	struct counter_sample s;
	struct nettrace_value v;
	static const char *names[] = { "Name", "Mean", "Increment", "sessionId", "quantiles", "missing" };

	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int rc = nettrace_get_field(ev, names[i], &v);

		if (rc != 0 && rc != -ENOENT && rc != -EBADMSG)
			abort();
		if (rc == 0 && strnlen(v.str, sizeof(v.str)) == sizeof(v.str))
			abort();
	}
	counter_sample_from_event(ev, "s", &s);
	if (strnlen(s.name, sizeof(s.name)) == sizeof(s.name) ||
	    strnlen(s.provider, sizeof(s.provider)) == sizeof(s.provider))
		abort();
}

static void feed(const uint8_t *data, size_t size, size_t split)
{
	struct nettrace_parser p;
	size_t used = 0, used2 = 0;
	int rc;

	nettrace_init(&p, on_event, NULL);
	rc = nettrace_feed(&p, data, split, &used);
	if (rc == 0) {
		if (used > split)
			abort();
		/* what was not consumed is fed again with the rest, as the session does */
		uint8_t *rest = malloc(size - used + 1);

		if (!rest)
			abort();
		memcpy(rest, data + used, size - used);
		rc = nettrace_feed(&p, rest, size - used, &used2);
		if (rc == 0 && used2 > size - used)
			abort();
		free(rest);
	}
	if (rc != 0 && rc != -EBADMSG && rc != -ENOMEM)
		abort();
	nettrace_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nettrace_meta *m = malloc(sizeof(*m));
	double q[3];
	bool has[3];
	char text[64];

	feed(data, size, size);
	feed(data, size, size / 2);
	if (m) {
		int rc = nettrace_parse_meta(data, size, m);

		if (rc != 0 && rc != -EBADMSG)
			abort();
		free(m);
	}
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;

	memcpy(text, data, n);
	text[n] = '\0';
	counter_parse_quantiles(text, q, has);
	return 0;
}

/* Valid streams for the standalone driver to mutate. */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	switch (index % 3) {
	case 0:
		return ntb_counter_stream(buf, cap, "Coretrap.Counters", "level", 75);
	case 1:
		return ntb_counter_stream(buf, cap, "System.Runtime", "cpu-usage", 1.5);
	default: {
		struct ntb b = { buf, cap, 0 };

		ntb_header(&b);
		ntb_trace(&b, 1);
		ntb_u8(&b, 1);
		return b.len;
	}
	}
}
