/* SPDX-License-Identifier: MIT */
/*
 * What -pc/-pcl counters mean on the wire. Pure: the spec a user wrote
 * ("Provider:Counter", "Meter:Instrument:p95"), the EventPipe providers that
 * make the runtime publish them, and the counter values inside the decoded
 * events (dotnet/nettrace.h). Two publishers:
 *   - EventCounters (an EventSource enabled with EventCounterIntervalSec=S):
 *     event "EventCounters" of that provider, payload {Payload: {Name, Mean
 *     (polling and EventCounter) or Increment (incrementing counters), ...}};
 *   - System.Diagnostics.Metrics instruments, through the runtime's
 *     "System.Diagnostics.Metrics" EventSource (keyword 0x2, filter
 *     SessionId=..;Metrics=Meter\Instrument,..;RefreshInterval=S;...):
 *     GaugeValuePublished (lastValue), CounterRateValuePublished (rate),
 *     UpDownCounterRateValuePublished (value), HistogramValuePublished
 *     (quantiles "0.5=..;0.95=..;0.99=.."). Values come as strings.
 */
#ifndef CORETRAP_DOTNET_COUNTERS_H
#define CORETRAP_DOTNET_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "dotnet/ipc.h"
#include "dotnet/nettrace.h"

#define COUNTERS_METRICS_PROVIDER "System.Diagnostics.Metrics"
#define COUNTERS_MAX 5                /* -pc/-pcl triggers (CONFIG_MAX_COUNTERS) */
#define COUNTERS_NAME_MAX 128
#define COUNTERS_FILTER_MAX 2048

struct counter_spec {
	char provider[COUNTERS_NAME_MAX]; /* EventSource or Meter name */
	char name[COUNTERS_NAME_MAX];     /* counter or instrument */
	int percentile;                   /* 0 = none, else 50, 95 or 99 (histograms) */
};

/*
 * "Provider:Counter", "Provider:Counter:p95" or ProcDump's
 * "Provider:Counter[p95]". Percentiles the runtime publishes: 50, 95, 99.
 * 0 or -EINVAL (err says why, for the usage message).
 */
int counter_spec_parse(const char *text, struct counter_spec *out, char *err, size_t err_len);

/* The providers and filter strings of one session for specs[0..n). */
struct counter_plan {
	struct ipc_provider providers[COUNTERS_MAX + 1];
	size_t count;
	char names[COUNTERS_MAX][COUNTERS_NAME_MAX];
	char filters[COUNTERS_MAX + 1][COUNTERS_FILTER_MAX];
	char session_id[64];              /* our SessionId for the Metrics source */
};

/*
 * One EventSource provider per distinct provider name (case-insensitive),
 * with EventCounterIntervalSec, plus the Metrics source with every
 * Provider\Counter. interval_ms is -pf; session_id tells our Metrics events
 * from another session's. 0 or -EINVAL / -ENAMETOOLONG.
 */
int counter_plan_build(const struct counter_spec *specs, size_t n, int interval_ms,
		       const char *session_id, struct counter_plan *plan);

enum counter_sample_kind {
	COUNTER_SAMPLE_NONE = 0, /* not a counter event (or another session's) */
	COUNTER_SAMPLE_VALUE,    /* value holds */
	COUNTER_SAMPLE_HISTOGRAM,/* quantiles hold */
	COUNTER_SAMPLE_ERROR,    /* the Metrics source reports a problem: message */
};

struct counter_sample {
	enum counter_sample_kind kind;
	char provider[COUNTERS_NAME_MAX];
	char name[COUNTERS_NAME_MAX];
	double value;
	bool has_q[3];                    /* p50, p95, p99 */
	double q[3];
	char message[256];
};

/*
 * Read one event. Returns the kind (sample filled in). A Metrics event of
 * another session, a value the instrument has not produced yet (empty
 * string), or any other event is COUNTER_SAMPLE_NONE.
 */
enum counter_sample_kind counter_sample_from_event(const struct nettrace_event *ev,
						   const char *session_id, struct counter_sample *s);

/* Does sample s carry spec's counter? Its value (the percentile of a histogram) in *value. */
bool counter_match(const struct counter_spec *spec, const struct counter_sample *s, double *value);

/* "0.5=1.5;0.95=2;0.99=3" -> q[] and has_q[]; unknown quantiles are skipped. 0 or -EINVAL. */
int counter_parse_quantiles(const char *text, double q[3], bool has_q[3]);

#endif /* CORETRAP_DOTNET_COUNTERS_H */
