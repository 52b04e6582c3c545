/* SPDX-License-Identifier: MIT */
/* -pc/-pcl counters: specs, session providers, values in events (counters.h). */
#include "dotnet/counters.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const int percentiles[3] = { 50, 95, 99 };

static int fail(char *err, size_t len, const char *msg, const char *text)
{
	if (len)
		snprintf(err, len, msg, text);
	return -EINVAL;
}

/* "p95" or "P95" -> 95; 0 when it is not a percentile the runtime publishes. */
static int parse_percentile(const char *s, size_t n)
{
	if (n < 2 || (s[0] != 'p' && s[0] != 'P'))
		return 0;
	for (int i = 0; i < 3; i++) {
		char want[8];

		snprintf(want, sizeof(want), "%d", percentiles[i]);
		if (n - 1 == strlen(want) && !strncmp(s + 1, want, n - 1))
			return percentiles[i];
	}
	return 0;
}

int counter_spec_parse(const char *text, struct counter_spec *out, char *err, size_t err_len)
{
	const char *colon = strchr(text, ':');
	const char *name, *end, *pct = NULL;
	size_t plen, nlen, pctlen = 0;

	memset(out, 0, sizeof(*out));
	if (!colon || colon == text || !colon[1])
		return fail(err, err_len, "expects Provider:Counter, got '%s'", text);
	name = colon + 1;
	end = name + strlen(name);
	if ((pct = strchr(name, ':'))) {
		end = pct;
		pct++;
		pctlen = strlen(pct);
	} else if (end > name && end[-1] == ']' && (pct = strchr(name, '['))) {
		end = pct;
		pct++;
		pctlen = strlen(pct) - 1;
	}
	plen = (size_t)(colon - text);
	nlen = (size_t)(end - name);
	if (!nlen)
		return fail(err, err_len, "expects Provider:Counter, got '%s'", text);
	if (plen >= COUNTERS_NAME_MAX || nlen >= COUNTERS_NAME_MAX)
		return fail(err, err_len, "counter name too long: '%s'", text);
	if (pct && !(out->percentile = parse_percentile(pct, pctlen)))
		return fail(err, err_len, "percentile must be p50, p95 or p99 in '%s'", text);
	memcpy(out->provider, text, plen);
	memcpy(out->name, name, nlen);
	/* the filter syntax uses these: a name holding them could inject settings */
	if (strpbrk(out->provider, ";=,\\") || strpbrk(out->name, ";=,\\"))
		return fail(err, err_len, "a counter name cannot hold ';', '=', ',' or '\\': '%s'", text);
	return 0;
}

/* Seconds for the runtime's interval arguments: -pf 250 -> "0.25". */
static void interval_text(int interval_ms, char *out, size_t len)
{
	snprintf(out, len, "%g", interval_ms / 1000.0);
}

int counter_plan_build(const struct counter_spec *specs, size_t n, int interval_ms,
		       const char *session_id, struct counter_plan *plan)
{
	char secs[32], metrics[COUNTERS_FILTER_MAX] = "";
	size_t mlen = 0;
	int w;

	memset(plan, 0, sizeof(*plan));
	if (n == 0 || n > COUNTERS_MAX || interval_ms <= 0 || !session_id ||
	    strlen(session_id) >= sizeof(plan->session_id) || strpbrk(session_id, ";="))
		return -EINVAL;
	strcpy(plan->session_id, session_id);
	interval_text(interval_ms, secs, sizeof(secs));
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t k = 0; k < plan->count; k++)
			dup |= !strcasecmp(plan->names[k], specs[i].provider);
		if (!dup) {
			size_t k = plan->count++;

			strcpy(plan->names[k], specs[i].provider);
			snprintf(plan->filters[k], sizeof(plan->filters[k]), "EventCounterIntervalSec=%s", secs);
			plan->providers[k] = (struct ipc_provider){
				.keywords = 0, .level = 4, /* counters come whatever the keywords */
				.name = plan->names[k], .filter = plan->filters[k],
			};
		}
		w = snprintf(metrics + mlen, sizeof(metrics) - mlen, "%s%s\\%s", i ? "," : "",
			     specs[i].provider, specs[i].name);
		if (w < 0 || (size_t)w >= sizeof(metrics) - mlen)
			return -ENAMETOOLONG;
		mlen += (size_t)w;
	}
	/* The Metrics source shares one aggregation with other sessions when these agree. */
	size_t k = plan->count++;

	w = snprintf(plan->filters[k], sizeof(plan->filters[k]),
		     "SessionId=%s;Metrics=%s;RefreshInterval=%s;MaxTimeSeries=1000;MaxHistograms=20;ClientId=%s",
		     session_id, metrics, secs, session_id);
	if (w < 0 || (size_t)w >= sizeof(plan->filters[k]))
		return -ENAMETOOLONG;
	plan->providers[k] = (struct ipc_provider){
		.keywords = 0x2, /* TimeSeriesValues */
		.level = 4,
		.name = COUNTERS_METRICS_PROVIDER,
		.filter = plan->filters[k],
	};
	return 0;
}

int counter_parse_quantiles(const char *text, double q[3], bool has_q[3])
{
	const char *p = text;

	for (int i = 0; i < 3; i++)
		has_q[i] = false;
	while (*p) {
		char *end;
		double key = strtod(p, &end), val;

		if (end == p || *end != '=')
			return -EINVAL;
		p = end + 1;
		val = strtod(p, &end);
		if (end == p || (*end && *end != ';') || !isfinite(val))
			return -EINVAL;
		for (int i = 0; i < 3; i++)
			if (fabs(key * 100 - percentiles[i]) < 1e-6) {
				q[i] = val;
				has_q[i] = true;
			}
		p = *end ? end + 1 : end;
	}
	return 0;
}

static bool get_str(const struct nettrace_event *ev, const char *field, char *out, size_t len)
{
	struct nettrace_value v;

	size_t n;

	if (nettrace_get_field(ev, field, &v) || v.type != NT_TYPE_STRING)
		return false;
	n = strlen(v.str);
	if (n >= len)
		return false; /* cut, it could match another name */
	memcpy(out, v.str, n + 1);
	return true;
}

/* A number the Metrics source sent as text; false for "" (no value yet) or junk. */
static bool get_num_text(const struct nettrace_event *ev, const char *field, double *out)
{
	char buf[NETTRACE_VALUE_MAX], *end;

	if (!get_str(ev, field, buf, sizeof(buf)) || !buf[0])
		return false;
	*out = strtod(buf, &end);
	return !*end && isfinite(*out);
}

static enum counter_sample_kind from_event_counters(const struct nettrace_event *ev,
						    struct counter_sample *s)
{
	struct nettrace_value v;

	if (!get_str(ev, "Name", s->name, sizeof(s->name)))
		return COUNTER_SAMPLE_NONE;
	if (nettrace_get_field(ev, "Mean", &v) && nettrace_get_field(ev, "Increment", &v))
		return COUNTER_SAMPLE_NONE;
	if (v.type == NT_TYPE_STRING || !isfinite(v.num))
		return COUNTER_SAMPLE_NONE;
	snprintf(s->provider, sizeof(s->provider), "%s", ev->meta->provider);
	s->value = v.num;
	return s->kind = COUNTER_SAMPLE_VALUE;
}

static enum counter_sample_kind from_metrics(const struct nettrace_event *ev, const char *session_id,
					     struct counter_sample *s)
{
	const char *e = ev->meta->event_name;
	char sid[NETTRACE_VALUE_MAX], quantiles[NETTRACE_VALUE_MAX];
	const char *field = NULL;

	if (!get_str(ev, "sessionId", sid, sizeof(sid)) || strcmp(sid, session_id))
		return COUNTER_SAMPLE_NONE; /* not ours (or no session at all) */
	if (strstr(e, "Error") || !strcmp(e, "TimeSeriesLimitReached") || !strcmp(e, "HistogramLimitReached")) {
		if (!get_str(ev, "errorMessage", s->message, sizeof(s->message)))
			snprintf(s->message, sizeof(s->message), "%s", e);
		return s->kind = COUNTER_SAMPLE_ERROR;
	}
	if (!get_str(ev, "meterName", s->provider, sizeof(s->provider)) ||
	    !get_str(ev, "instrumentName", s->name, sizeof(s->name)))
		return COUNTER_SAMPLE_NONE;
	if (!strcmp(e, "HistogramValuePublished")) {
		if (!get_str(ev, "quantiles", quantiles, sizeof(quantiles)) ||
		    counter_parse_quantiles(quantiles, s->q, s->has_q))
			return COUNTER_SAMPLE_NONE;
		return s->kind = COUNTER_SAMPLE_HISTOGRAM;
	}
	if (!strcmp(e, "GaugeValuePublished"))
		field = "lastValue";
	else if (!strcmp(e, "CounterRateValuePublished"))
		field = "rate";
	else if (!strcmp(e, "UpDownCounterRateValuePublished"))
		field = "value";
	if (!field || !get_num_text(ev, field, &s->value))
		return COUNTER_SAMPLE_NONE;
	return s->kind = COUNTER_SAMPLE_VALUE;
}

enum counter_sample_kind counter_sample_from_event(const struct nettrace_event *ev,
						   const char *session_id, struct counter_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (!ev->meta)
		return COUNTER_SAMPLE_NONE;
	if (!strcmp(ev->meta->event_name, "EventCounters"))
		return from_event_counters(ev, s);
	if (!strcmp(ev->meta->provider, COUNTERS_METRICS_PROVIDER))
		return from_metrics(ev, session_id ? session_id : "", s);
	return COUNTER_SAMPLE_NONE;
}

bool counter_match(const struct counter_spec *spec, const struct counter_sample *s, double *value)
{
	if (strcasecmp(spec->provider, s->provider) || strcasecmp(spec->name, s->name))
		return false;
	if (s->kind == COUNTER_SAMPLE_VALUE && !spec->percentile) {
		*value = s->value;
		return true;
	}
	if (s->kind == COUNTER_SAMPLE_HISTOGRAM) {
		int i = spec->percentile == 95 ? 1 : spec->percentile == 99 ? 2 : 0; /* default p50 */

		if (!s->has_q[i])
			return false;
		*value = s->q[i];
		return true;
	}
	return false;
}
