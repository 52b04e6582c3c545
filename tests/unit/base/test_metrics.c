/* SPDX-License-Identifier: MIT */
/* The metric registry and its Prometheus text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/metrics.h"

static char text[1 << 16];

static int reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static const char *render(void)
{
	size_t need = metrics_render(text, sizeof(text));

	assert_true(need < sizeof(text));
	assert_int_equal(strlen(text), need);
	return text;
}

static void test_escape_label(void **state)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain", "plain" },
		{ "", "" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "l1\nl2", "l1\\nl2" },
		{ "tab\tcr\r", "tab\tcr\r" }, /* the format escapes only \ " and line feed */
		{ "caf\xc3\xa9", "caf\xc3\xa9" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(metrics_escape_label(out, sizeof(out), cases[i].in), strlen(cases[i].want));
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(metrics_escape_label(out, 3, "\"\""), 4); /* cut but counted */
	assert_string_equal(out, "\\\"");
}

/* Every family once, HELP before TYPE before its samples, in the enum's order. */
static void test_families_in_order_with_help_and_type(void **state)
{
	static const char *names[] = {
		"coretrap_triggers_total", "coretrap_throttled_total", "coretrap_dumps_total",
		"coretrap_dump_bytes_total", "coretrap_dump_duration_seconds", "coretrap_dump_stall_seconds",
		"coretrap_uploads_total", "coretrap_spool_bytes", "coretrap_bpf_ringbuf_drops_total",
		"coretrap_watched_processes",
	};
	const char *t = render(), *prev = t;
	char want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *help, *type;

		snprintf(want, sizeof(want), "# HELP %s ", names[i]);
		help = strstr(t, want);
		assert_non_null(help);
		assert_null(strstr(help + 1, want)); /* one family per metric */
		snprintf(want, sizeof(want), "# TYPE %s ", names[i]);
		type = strstr(t, want);
		assert_non_null(type);
		assert_true(help >= prev && type > help);
		prev = type;
	}
	/* unlabelled families show a zero sample; labelled ones none until used */
	assert_non_null(strstr(t, "\ncoretrap_dump_bytes_total 0\n"));
	assert_non_null(strstr(t, "\ncoretrap_dump_stall_seconds_sum 0.000000000\n"));
	assert_non_null(strstr(t, "\ncoretrap_dump_stall_seconds_count 0\n"));
	assert_null(strstr(t, "\ncoretrap_triggers_total{"));
	assert_int_equal(t[strlen(t) - 1], '\n');
}

static void test_counters_and_labels(void **state)
{
	const char *t;

	(void)state;
	metrics_trigger("web", "cpu");
	metrics_trigger("web", "cpu");
	metrics_trigger("api", "thread");
	metrics_throttled("web");
	metrics_dump("web", "ok", 4096, 1500000000ull, 2000000ull);
	metrics_dump("web", "ok", 1024, 500000000ull, 1000000ull);
	metrics_dump("api", "failed", 999, 7, 7); /* a failure adds no bytes or time */
	metrics_upload("ok");
	metrics_spool_bytes(123);
	metrics_spool_bytes(77); /* a gauge takes the last value */
	metrics_bpf_drops(5);
	metrics_watched(3);
	t = render();
	assert_non_null(strstr(t, "\ncoretrap_triggers_total{rule=\"api\",trigger=\"thread\"} 1\n"
				  "coretrap_triggers_total{rule=\"web\",trigger=\"cpu\"} 2\n"));
	assert_non_null(strstr(t, "\ncoretrap_throttled_total{rule=\"web\"} 1\n"));
	assert_non_null(strstr(t, "\ncoretrap_dumps_total{rule=\"api\",result=\"failed\"} 1\n"
				  "coretrap_dumps_total{rule=\"web\",result=\"ok\"} 2\n"));
	assert_non_null(strstr(t, "\ncoretrap_dump_bytes_total 5120\n"));
	assert_non_null(strstr(t, "\ncoretrap_dump_duration_seconds_sum 2.000000000\n"
				  "coretrap_dump_duration_seconds_count 2\n"));
	assert_non_null(strstr(t, "\ncoretrap_dump_stall_seconds_sum 0.003000000\n"));
	assert_non_null(strstr(t, "\ncoretrap_uploads_total{result=\"ok\"} 1\n"));
	assert_non_null(strstr(t, "\ncoretrap_spool_bytes 77\n"));
	assert_non_null(strstr(t, "\ncoretrap_bpf_ringbuf_drops_total 5\n"));
	assert_non_null(strstr(t, "\ncoretrap_watched_processes 3\n"));
}

/* Label values are escaped in samples; series sort by label value, not by first use. */
static void test_escaping_and_sort_in_samples(void **state)
{
	const char *t;

	(void)state;
	metrics_trigger("z\"q", "a\nb");
	metrics_trigger("a\\b", "x");
	t = render();
	assert_non_null(strstr(t, "\ncoretrap_triggers_total{rule=\"a\\\\b\",trigger=\"x\"} 1\n"
				  "coretrap_triggers_total{rule=\"z\\\"q\",trigger=\"a\\nb\"} 1\n"));
}

/* More label sets than a family holds end in one "_overflow" series, counted, not lost. */
static void test_overflow_series(void **state)
{
	char rule[32];
	const char *t;

	(void)state;
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(rule, sizeof(rule), "r%04d", i);
		metrics_throttled(rule);
	}
	t = render();
	assert_non_null(strstr(t, "\ncoretrap_throttled_total{rule=\"_overflow\"} 11\n"));
	assert_non_null(strstr(t, "\ncoretrap_throttled_total{rule=\"r0000\"} 1\n"));
	assert_null(strstr(t, "rule=\"r0256\""));
}

/* The size a truncated render reports is the size of the whole text. */
static void test_render_counts_when_cut(void **state)
{
	char small[16];
	size_t full;

	(void)state;
	metrics_trigger("web", "cpu");
	full = metrics_render(NULL, 0);
	assert_int_equal(metrics_render(small, sizeof(small)), full);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(strlen(render()), full);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_escape_label, reset),
		cmocka_unit_test_setup(test_families_in_order_with_help_and_type, reset),
		cmocka_unit_test_setup(test_counters_and_labels, reset),
		cmocka_unit_test_setup(test_escaping_and_sort_in_samples, reset),
		cmocka_unit_test_setup(test_overflow_series, reset),
		cmocka_unit_test_setup(test_render_counts_when_cut, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
