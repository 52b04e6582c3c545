// SPDX-License-Identifier: MIT
/* -pc/-pcl of one target: session, conditions, the no-data check (counter_watch.h). */
#include "trigger/counter_watch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

uint64_t counter_nodata_grace_ns(int interval_ms)
{
	return 2 * (uint64_t)interval_ms * NS_PER_MS + NS_PER_S;
}

struct read_ctx {
	struct counter_watch *w;
	uint64_t now_ns;
};

static void on_event(void *ctx, const struct nettrace_event *ev)
{
	struct read_ctx *rc = ctx;
	struct counter_watch *w = rc->w;
	struct counter_sample s;
	enum counter_sample_kind kind = counter_sample_from_event(ev, w->session.plan.session_id, &s);

	if (kind == COUNTER_SAMPLE_ERROR) {
		if (!w->warning[0])
			snprintf(w->warning, sizeof(w->warning), "%s", s.message);
		return;
	}
	if (kind == COUNTER_SAMPLE_NONE)
		return;
	for (int i = 0; i < w->count; i++) {
		double v;

		if (!counter_match(&w->specs[i], &s, &v))
			continue;
		bool cond = w->cfg[i]->below ? v < w->cfg[i]->threshold : v >= w->cfg[i]->threshold;

		w->samples++;
		w->seen[i] = true;
		w->value[i] = v;
		if (cond)
			w->fired_value[i] = v; /* the latest value that holds: what the trigger line says */
		trig_observe(&w->trig[i], cond, rc->now_ns, w->sustain_ns);
	}
}

int counter_watch_start(struct counter_watch *w, const struct config *cfg, pid_t pid, uint64_t now_ns)
{
	memset(w, 0, sizeof(*w));
	w->session.fd = -1;
	w->count = cfg->counter_count;
	for (int i = 0; i < w->count; i++) {
		/* options_parse checked every spec already */
		if (counter_spec_parse(cfg->counters[i].spec, &w->specs[i], NULL, 0))
			return -EINVAL;
		w->cfg[i] = &cfg->counters[i];
	}
	w->sustain_ns = (uint64_t)(cfg->sustain_ms > 0 ? cfg->sustain_ms : 0) * NS_PER_MS;
	w->nodata_deadline_ns = now_ns + counter_nodata_grace_ns(cfg->poll_ms);
	/*
	 * The context is bound per read (counter_watch_read); events cannot
	 * arrive before the first read.
	 */
	return counter_session_start(&w->session, pid, w->specs, (size_t)w->count, cfg->poll_ms, on_event,
				     NULL);
}

int counter_watch_fd(const struct counter_watch *w)
{
	return w->session.fd;
}

int counter_watch_read(struct counter_watch *w, uint64_t now_ns)
{
	struct read_ctx rc = { w, now_ns };

	w->session.parser.ctx = &rc;
	int err = counter_session_read(&w->session);

	w->session.parser.ctx = NULL;
	return err;
}

int counter_watch_missing(const struct counter_watch *w, uint64_t now_ns)
{
	if (now_ns < w->nodata_deadline_ns)
		return -1;
	for (int i = 0; i < w->count; i++)
		if (!w->seen[i])
			return i;
	return -1;
}

bool counter_watch_due(const struct counter_watch *w, int i, uint64_t now_ns)
{
	return trig_due(&w->trig[i], now_ns, w->sustain_ns);
}

uint64_t counter_watch_next_deadline(const struct counter_watch *w)
{
	uint64_t next = UINT64_MAX;
	bool all_seen = true;

	for (int i = 0; i < w->count; i++) {
		uint64_t d = trig_next_deadline(&w->trig[i], w->sustain_ns);

		if (d < next)
			next = d;
		all_seen &= w->seen[i];
	}
	if (!all_seen && w->nodata_deadline_ns < next)
		next = w->nodata_deadline_ns;
	return next;
}

void counter_watch_fired(struct counter_watch *w, int i, uint64_t now_ns, uint64_t interval_ns)
{
	trig_fired(&w->trig[i], now_ns, interval_ns);
}

int counter_watch_line(const struct counter_watch *w, int i, pid_t pid, char *out, size_t len)
{
	return snprintf(out, len, "Trigger: %s:%s value:%g threshold:%s%g on process ID: %d",
			w->specs[i].provider, w->cfg[i]->spec + strlen(w->specs[i].provider) + 1,
			w->fired_value[i], w->cfg[i]->below ? "<" : ">=", w->cfg[i]->threshold, (int)pid);
}

int counter_watch_stop(struct counter_watch *w)
{
	return counter_session_stop(&w->session);
}
