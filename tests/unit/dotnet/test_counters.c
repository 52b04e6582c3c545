/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of user/dotnet/counters.c: specs, the session's providers
 * and filters, and counter values read from the captured stream
 * (fixtures/counters.nettrace, Metrics SessionId "abc").
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../fuzz/nettrace_build.h"
#include "dotnet/counters.h"

#define FIXTURE "tests/unit/dotnet/fixtures/counters.nettrace"

static void test_spec_parse(void **state)
{
	struct counter_spec s;
	char err[128];

	(void)state;
	assert_int_equal(counter_spec_parse("System.Runtime:cpu-usage", &s, err, sizeof(err)), 0);
	assert_string_equal(s.provider, "System.Runtime");
	assert_string_equal(s.name, "cpu-usage");
	assert_int_equal(s.percentile, 0);
	assert_int_equal(counter_spec_parse("Coretrap.Meter:latency-ms:p95", &s, err, sizeof(err)), 0);
	assert_string_equal(s.name, "latency-ms");
	assert_int_equal(s.percentile, 95);
	assert_int_equal(counter_spec_parse("M:h[p99]", &s, err, sizeof(err)), 0); /* ProcDump's form */
	assert_string_equal(s.name, "h");
	assert_int_equal(s.percentile, 99);
	assert_int_equal(counter_spec_parse("M:h:P50", &s, err, sizeof(err)), 0);
	assert_int_equal(s.percentile, 50);

	assert_int_equal(counter_spec_parse("M:h:p42", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "p50, p95 or p99"));
	assert_int_equal(counter_spec_parse("M:h:", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(counter_spec_parse("nocolon", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "Provider:Counter"));
	assert_int_equal(counter_spec_parse(":c", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(counter_spec_parse("P:", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(counter_spec_parse("P::p95", &s, err, sizeof(err)), -EINVAL);
	/* names that would inject filter settings */
	assert_int_equal(counter_spec_parse("P;RefreshInterval=0:c", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(counter_spec_parse("P:c,Other", &s, err, sizeof(err)), -EINVAL);
	assert_int_equal(counter_spec_parse("P:a\\b", &s, err, sizeof(err)), -EINVAL);
}

static void test_plan(void **state)
{
	struct counter_spec specs[3];
	struct counter_plan *plan = malloc(sizeof(*plan));

	(void)state;
	assert_int_equal(counter_spec_parse("Coretrap.Counters:level", &specs[0], NULL, 0), 0);
	assert_int_equal(counter_spec_parse("coretrap.counters:work-ms", &specs[1], NULL, 0), 0);
	assert_int_equal(counter_spec_parse("Coretrap.Meter:latency-ms:p95", &specs[2], NULL, 0), 0);
	assert_int_equal(counter_plan_build(specs, 3, 250, "sid-1", plan), 0);
	/* one EventSource per provider, case-insensitive, then the Metrics source */
	assert_int_equal(plan->count, 3);
	assert_string_equal(plan->providers[0].name, "Coretrap.Counters");
	assert_string_equal(plan->providers[0].filter, "EventCounterIntervalSec=0.25");
	assert_int_equal(plan->providers[0].level, 4);
	assert_string_equal(plan->providers[1].name, "Coretrap.Meter");
	assert_string_equal(plan->providers[2].name, "System.Diagnostics.Metrics");
	assert_int_equal(plan->providers[2].keywords, 0x2);
	assert_string_equal(plan->providers[2].filter,
			    "SessionId=sid-1;Metrics=Coretrap.Counters\\level,coretrap.counters\\work-ms,"
			    "Coretrap.Meter\\latency-ms;RefreshInterval=0.25;MaxTimeSeries=1000;"
			    "MaxHistograms=20;ClientId=sid-1");
	assert_int_equal(counter_plan_build(specs, 1, 1000, "s", plan), 0);
	assert_string_equal(plan->providers[0].filter, "EventCounterIntervalSec=1");
	assert_int_equal(counter_plan_build(specs, 0, 1000, "s", plan), -EINVAL);
	assert_int_equal(counter_plan_build(specs, 1, 0, "s", plan), -EINVAL);
	assert_int_equal(counter_plan_build(specs, 1, 1000, "a;b", plan), -EINVAL);
	free(plan);
}

static void test_quantiles(void **state)
{
	double q[3];
	bool has[3];

	(void)state;
	assert_int_equal(counter_parse_quantiles("0.5=1.5;0.95=20;0.99=33.25", q, has), 0);
	assert_true(has[0] && has[1] && has[2]);
	assert_true(q[0] == 1.5 && q[1] == 20 && q[2] == 33.25);
	assert_int_equal(counter_parse_quantiles("0.95=7", q, has), 0);
	assert_true(!has[0] && has[1] && !has[2]);
	assert_int_equal(counter_parse_quantiles("", q, has), 0);
	assert_false(has[0] || has[1] || has[2]);
	assert_int_equal(counter_parse_quantiles("0.5", q, has), -EINVAL);
	assert_int_equal(counter_parse_quantiles("0.5=x", q, has), -EINVAL);
	assert_int_equal(counter_parse_quantiles("0.5=1;0.95=inf", q, has), -EINVAL);
}

static void test_match(void **state)
{
	struct counter_spec spec;
	struct counter_sample s = { .kind = COUNTER_SAMPLE_VALUE, .provider = "System.Runtime",
				    .name = "cpu-usage", .value = 42 };
	double v = 0;

	(void)state;
	counter_spec_parse("system.runtime:CPU-USAGE", &spec, NULL, 0);
	assert_true(counter_match(&spec, &s, &v));
	assert_true(v == 42);
	counter_spec_parse("System.Runtime:cpu-usage:p95", &spec, NULL, 0);
	assert_false(counter_match(&spec, &s, &v)); /* a percentile of a plain value */
	s.kind = COUNTER_SAMPLE_HISTOGRAM;
	s.has_q[0] = s.has_q[1] = true;
	s.q[0] = 1;
	s.q[1] = 9;
	assert_true(counter_match(&spec, &s, &v));
	assert_true(v == 9);
	counter_spec_parse("System.Runtime:cpu-usage", &spec, NULL, 0);
	assert_true(counter_match(&spec, &s, &v)); /* histogram without percentile: p50 */
	assert_true(v == 1);
	counter_spec_parse("System.Runtime:cpu-usage:p99", &spec, NULL, 0);
	assert_false(counter_match(&spec, &s, &v)); /* not published */
	counter_spec_parse("System.Runtime:cpu", &spec, NULL, 0);
	assert_false(counter_match(&spec, &s, &v));
}

struct tally {
	const char *session;
	int values, histograms, level, queue, requests, inflight, cpu;
	double queue_value, p95;
};

static void on_event(void *ctx, const struct nettrace_event *ev)
{
	struct tally *t = ctx;
	struct counter_sample s;

	switch (counter_sample_from_event(ev, t->session, &s)) {
	case COUNTER_SAMPLE_VALUE:
		t->values++;
		t->level += !strcmp(s.provider, "Coretrap.Counters") && !strcmp(s.name, "level");
		t->cpu += !strcmp(s.provider, "System.Runtime") && !strcmp(s.name, "cpu-usage");
		if (!strcmp(s.provider, "Coretrap.Meter") && !strcmp(s.name, "queue")) {
			t->queue++;
			t->queue_value = s.value;
		}
		t->requests += !strcmp(s.name, "requests") && s.value > 0;
		t->inflight += !strcmp(s.name, "inflight");
		break;
	case COUNTER_SAMPLE_HISTOGRAM:
		t->histograms++;
		assert_true(s.has_q[1]);
		t->p95 = s.q[1];
		break;
	default:
		break;
	}
}

static size_t read_fixture(uint8_t **out)
{
	FILE *f = fopen(FIXTURE, "rb");
	size_t n;

	assert_non_null(f);
	*out = malloc(1 << 20);
	n = fread(*out, 1, 1 << 20, f);
	fclose(f);
	return n;
}

static void test_samples_from_capture(void **state)
{
	uint8_t *buf;
	size_t n = read_fixture(&buf), used;
	struct nettrace_parser p;
	struct tally t = { .session = "abc" };

	(void)state;
	nettrace_init(&p, on_event, &t);
	assert_int_equal(nettrace_feed(&p, buf, n, &used), 0);
	assert_int_equal(t.level, 4);
	assert_int_equal(t.cpu, 4);
	assert_int_equal(t.queue, 4);
	assert_true(t.queue_value == 5);
	assert_int_equal(t.requests, 4);
	assert_int_equal(t.inflight, 4);
	assert_int_equal(t.histograms, 4);
	assert_true(t.p95 == 1);
	nettrace_free(&p);

	/* another session's Metrics events are not ours; EventCounters have no session */
	struct tally other = { .session = "someone-else" };

	nettrace_init(&p, on_event, &other);
	assert_int_equal(nettrace_feed(&p, buf, n, &used), 0);
	assert_int_equal(other.queue + other.requests + other.inflight + other.histograms, 0);
	assert_int_equal(other.level, 4);
	nettrace_free(&p);
	free(buf);
}

static void test_sample_from_built_stream(void **state)
{
	uint8_t buf[4096];
	size_t n = ntb_counter_stream(buf, sizeof(buf), "Coretrap.Counters", "level", 75), used;
	struct nettrace_parser p;
	struct tally t = { .session = "x" };

	(void)state;
	nettrace_init(&p, on_event, &t);
	assert_int_equal(nettrace_feed(&p, buf, n, &used), 0);
	assert_int_equal(t.level, 1);
	nettrace_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_quantiles),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_samples_from_capture),
		cmocka_unit_test(test_sample_from_built_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
