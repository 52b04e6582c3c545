/* SPDX-License-Identifier: MIT */
/*
 * The metric registry and its Prometheus text renderer. Series live in fixed
 * static arrays: a series, once published (count stored with release), is
 * never moved or freed, so updates need no lock.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metrics.h"

struct family {
	const char *name;
	const char *type; /* counter, gauge, summary */
	const char *help;
	const char *label[2]; /* NULL: no such label */
};

static const struct family families[M__COUNT] = {
	[M_TRIGGERS] = { "coretrap_triggers_total", "counter",
			 "Trigger conditions that fired (each asks for one dump).", { "rule", "trigger" } },
	[M_THROTTLED] = { "coretrap_throttled_total", "counter",
			  "Triggers not acted on because a rule limit (window, cool-down) held them back.",
			  { "rule", NULL } },
	[M_DUMPS] = { "coretrap_dumps_total", "counter", "Dumps by outcome.", { "rule", "result" } },
	[M_DUMP_BYTES] = { "coretrap_dump_bytes_total", "counter",
			   "Bytes of dump files written (apparent size).", { NULL, NULL } },
	[M_DUMP_DURATION] = { "coretrap_dump_duration_seconds", "summary",
			      "Wall time of each successful dump, from the stop to the final link.",
			      { NULL, NULL } },
	[M_DUMP_STALL] = { "coretrap_dump_stall_seconds", "summary",
			   "Time each dumped process was kept stopped.", { NULL, NULL } },
	[M_UPLOADS] = { "coretrap_uploads_total", "counter", "Dump uploads by outcome.", { "result", NULL } },
	[M_SPOOL_BYTES] = { "coretrap_spool_bytes", "gauge", "Bytes the spool directory holds.",
			    { NULL, NULL } },
	[M_BPF_DROPS] = { "coretrap_bpf_ringbuf_drops_total", "counter",
			  "BPF events lost because the ring buffer was full.", { NULL, NULL } },
	[M_WATCHED] = { "coretrap_watched_processes", "gauge", "Processes watched right now.",
			{ NULL, NULL } },
};

struct series {
	char a[METRICS_LABEL_MAX], b[METRICS_LABEL_MAX];
	_Atomic uint64_t value; /* counters, gauges; summary: the count */
	_Atomic uint64_t sum_ns; /* summary only */
};

static struct {
	pthread_mutex_t lock; /* only to add a series */
	_Atomic size_t count[M__COUNT];
	struct series s[M__COUNT][METRICS_MAX_SERIES];
} R = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool same(const struct series *s, const char *a, const char *b)
{
	return !strncmp(s->a, a, METRICS_LABEL_MAX - 1) && !strncmp(s->b, b, METRICS_LABEL_MAX - 1);
}

static struct series *find(enum metric_id id, const char *a, const char *b)
{
	size_t n = atomic_load_explicit(&R.count[id], memory_order_acquire);
	struct series *hit = NULL;

	a = families[id].label[0] ? (a ? a : "") : "";
	b = families[id].label[1] ? (b ? b : "") : "";
	for (size_t i = 0; i < n; i++)
		if (same(&R.s[id][i], a, b))
			return &R.s[id][i];
	pthread_mutex_lock(&R.lock);
	n = atomic_load_explicit(&R.count[id], memory_order_relaxed);
	for (size_t i = 0; i < n && !hit; i++)
		if (same(&R.s[id][i], a, b))
			hit = &R.s[id][i];
	if (!hit && n == METRICS_MAX_SERIES - 1) {
		/* the last slot is the overflow series: a label explosion costs no memory */
		a = families[id].label[0] ? "_overflow" : "";
		b = families[id].label[1] ? "_overflow" : "";
		for (size_t i = 0; i < n && !hit; i++)
			if (same(&R.s[id][i], a, b))
				hit = &R.s[id][i];
	}
	if (!hit && n < METRICS_MAX_SERIES) {
		hit = &R.s[id][n];
		snprintf(hit->a, sizeof(hit->a), "%s", a);
		snprintf(hit->b, sizeof(hit->b), "%s", b);
		atomic_store_explicit(&R.count[id], n + 1, memory_order_release);
	}
	if (!hit)
		hit = &R.s[id][METRICS_MAX_SERIES - 1];
	pthread_mutex_unlock(&R.lock);
	return hit;
}

void metrics_add(enum metric_id id, const char *a, const char *b, uint64_t by)
{
	atomic_fetch_add_explicit(&find(id, a, b)->value, by, memory_order_relaxed);
}

void metrics_set(enum metric_id id, const char *a, const char *b, uint64_t value)
{
	atomic_store_explicit(&find(id, a, b)->value, value, memory_order_relaxed);
}

void metrics_observe_ns(enum metric_id id, const char *a, const char *b, uint64_t ns)
{
	struct series *s = find(id, a, b);

	atomic_fetch_add_explicit(&s->sum_ns, ns, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->value, 1, memory_order_relaxed);
}

void metrics_trigger(const char *rule, const char *trigger)
{
	metrics_add(M_TRIGGERS, rule, trigger, 1);
}

void metrics_throttled(const char *rule)
{
	metrics_add(M_THROTTLED, rule, NULL, 1);
}

void metrics_dump(const char *rule, const char *result, uint64_t bytes, uint64_t wall_ns, uint64_t stall_ns)
{
	metrics_add(M_DUMPS, rule, result, 1);
	if (strcmp(result, "ok"))
		return;
	metrics_add(M_DUMP_BYTES, NULL, NULL, bytes);
	metrics_observe_ns(M_DUMP_DURATION, NULL, NULL, wall_ns);
	metrics_observe_ns(M_DUMP_STALL, NULL, NULL, stall_ns);
}

void metrics_upload(const char *result)
{
	metrics_add(M_UPLOADS, result, NULL, 1);
}

void metrics_spool_bytes(uint64_t bytes)
{
	metrics_set(M_SPOOL_BYTES, NULL, NULL, bytes);
}

void metrics_bpf_drops(uint64_t total)
{
	metrics_set(M_BPF_DROPS, NULL, NULL, total);
}

void metrics_watched(uint64_t count)
{
	metrics_set(M_WATCHED, NULL, NULL, count);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&R.lock);
	for (int id = 0; id < M__COUNT; id++) {
		atomic_store(&R.count[id], 0);
		memset(R.s[id], 0, sizeof(R.s[id]));
	}
	pthread_mutex_unlock(&R.lock);
}

/* ---- rendering ---- */

/* Appends to a bounded buffer but keeps counting what the full text needs. */
struct sink {
	char *out;
	size_t len, used;
};

static void put(struct sink *s, const char *text, size_t n)
{
	if (s->used < s->len) {
		size_t room = s->len - s->used - 1;
		size_t k = n < room ? n : room;

		memcpy(s->out + s->used, text, k);
		s->out[s->used + k] = '\0';
	}
	s->used += n;
}

static void puts_sink(struct sink *s, const char *text)
{
	put(s, text, strlen(text));
}

static void escape_into(struct sink *s, const char *in)
{
	for (const char *p = in; *p; p++) {
		switch (*p) {
		case '\\': put(s, "\\\\", 2); break;
		case '"': put(s, "\\\"", 2); break;
		case '\n': put(s, "\\n", 2); break;
		default: put(s, p, 1);
		}
	}
}

size_t metrics_escape_label(char *out, size_t len, const char *in)
{
	struct sink s = { out, len, 0 };

	if (len)
		out[0] = '\0';
	escape_into(&s, in);
	return s.used;
}

static void labels_into(struct sink *s, const struct family *f, const struct series *x)
{
	const char *v[2] = { x->a, x->b };
	bool any = false;

	for (int i = 0; i < 2; i++) {
		if (!f->label[i])
			continue;
		puts_sink(s, any ? "," : "{");
		puts_sink(s, f->label[i]);
		puts_sink(s, "=\"");
		escape_into(s, v[i]);
		puts_sink(s, "\"");
		any = true;
	}
	if (any)
		puts_sink(s, "}");
}

static int by_labels(const void *l, const void *r)
{
	const struct series *x = *(const struct series *const *)l, *y = *(const struct series *const *)r;
	int c = strcmp(x->a, y->a);

	return c ? c : strcmp(x->b, y->b);
}

static void family_into(struct sink *s, enum metric_id id)
{
	static const struct series zero; /* an unlabelled family always shows one sample */
	const struct family *f = &families[id];
	size_t n = atomic_load_explicit(&R.count[id], memory_order_acquire);
	const struct series *order[METRICS_MAX_SERIES];
	char num[64];

	puts_sink(s, "# HELP ");
	puts_sink(s, f->name);
	puts_sink(s, " ");
	puts_sink(s, f->help); /* ours: no backslash or line feed to escape */
	puts_sink(s, "\n# TYPE ");
	puts_sink(s, f->name);
	puts_sink(s, " ");
	puts_sink(s, f->type);
	puts_sink(s, "\n");
	for (size_t i = 0; i < n; i++)
		order[i] = &R.s[id][i];
	if (!n && !f->label[0])
		order[n++] = &zero;
	/* sorted by label values: the same state always renders the same text */
	qsort(order, n, sizeof(order[0]), by_labels);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = atomic_load_explicit(&order[i]->value, memory_order_relaxed);

		if (!strcmp(f->type, "summary")) {
			uint64_t sum = atomic_load_explicit(&order[i]->sum_ns, memory_order_relaxed);

			puts_sink(s, f->name);
			puts_sink(s, "_sum");
			labels_into(s, f, order[i]);
			snprintf(num, sizeof(num), " %llu.%09llu\n", (unsigned long long)(sum / 1000000000u),
				 (unsigned long long)(sum % 1000000000u));
			puts_sink(s, num);
			puts_sink(s, f->name);
			puts_sink(s, "_count");
		} else {
			puts_sink(s, f->name);
		}
		labels_into(s, f, order[i]);
		snprintf(num, sizeof(num), " %llu\n", (unsigned long long)v);
		puts_sink(s, num);
	}
}

size_t metrics_render(char *out, size_t len)
{
	struct sink s = { out, len, 0 };

	if (len)
		out[0] = '\0';
	for (int id = 0; id < M__COUNT; id++)
		family_into(&s, (enum metric_id)id);
	return s.used;
}
