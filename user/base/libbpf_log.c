// SPDX-License-Identifier: MIT
/* libbpf's print callback; see libbpf_log.h. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "base/libbpf_log.h"
#include "base/log.h"

#define LIBBPF_PREFIX "libbpf: "
/* Held warnings beyond this (a verifier log can be megabytes) are counted, not kept. */
#define HELD_MAX_BYTES (64 * 1024)

static struct {
	bool holding;
	char *held;         /* NUL-separated lines, prefix included */
	size_t used, cap;
	size_t dropped;     /* lines not kept */
} H;

static void hold_line(const char *line, size_t n)
{
	if (H.used + n + 1 > HELD_MAX_BYTES) {
		H.dropped++;
		return;
	}
	if (H.used + n + 1 > H.cap) {
		size_t cap = H.cap ? H.cap * 2 : 4096;
		char *p;

		while (cap < H.used + n + 1)
			cap *= 2;
		p = realloc(H.held, cap);
		if (!p) {
			H.dropped++;
			return;
		}
		H.held = p;
		H.cap = cap;
	}
	memcpy(H.held + H.used, line, n);
	H.held[H.used + n] = '\0';
	H.used += n + 1;
}

static void emit(bool warn, const char *line, size_t n)
{
	/* libbpf prefixes its own first line; continuation lines get it too, so each names its source. */
	bool bare = strncmp(line, LIBBPF_PREFIX, strlen(LIBBPF_PREFIX)) != 0;
	char buf[1024];

	if (warn && H.holding) {
		snprintf(buf, sizeof(buf), "%s%.*s", bare ? LIBBPF_PREFIX : "", (int)n, line);
		hold_line(buf, strlen(buf));
		warn = false; /* meanwhile, a debug line */
	}
	if (warn)
		log_warn("%s%.*s", bare ? LIBBPF_PREFIX : "", (int)n, line);
	else
		log_debug("%s%.*s", bare ? LIBBPF_PREFIX : "", (int)n, line);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	bool warn = level == LIBBPF_WARN;
	char *text = NULL;

	if (!warn && !log_debug_enabled())
		return 0;
	if (vasprintf(&text, fmt, ap) < 0)
		return 0;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");

		if (n)
			emit(warn, p, n);
		p += n;
		if (*p == '\n')
			p++;
	}
	free(text);
	return 0;
}

void libbpf_log_route(void)
{
	libbpf_set_print(libbpf_print);
}

void libbpf_log_hold(void)
{
	H.holding = true;
	H.used = 0;
	H.dropped = 0;
}

void libbpf_log_release(bool failed)
{
	if (failed) {
		for (size_t off = 0; off < H.used; off += strlen(H.held + off) + 1)
			log_warn("%s", H.held + off);
		if (H.dropped)
			log_warn(LIBBPF_PREFIX "(%zu more lines not shown)", H.dropped);
	}
	free(H.held);
	memset(&H, 0, sizeof(H));
}
