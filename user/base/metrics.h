/* SPDX-License-Identifier: MIT */
/*
 * Process-wide counters and gauges for -metrics (and the daemon), rendered
 * in the Prometheus text exposition format (version 0.0.4).
 *
 * The set of families is fixed (enum metric_id); a family's series are told
 * apart by up to two label values (rule, trigger, result: see the table in
 * metrics.c). Updates are lock-free atomic adds on a series once it exists;
 * the first update of a new label set takes a mutex to add the series. A
 * family holds at most METRICS_MAX_SERIES series: updates of more label sets
 * go to one series labelled "_overflow" so a rule explosion cannot grow memory.
 *
 * Recording is always on and cheap, whether an endpoint serves it or not.
 */
#ifndef CORETRAP_METRICS_H
#define CORETRAP_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum metric_id {
	M_TRIGGERS,          /* counter {rule,trigger} */
	M_THROTTLED,         /* counter {rule} */
	M_DUMPS,             /* counter {rule,result} */
	M_DUMP_BYTES,        /* counter */
	M_DUMP_DURATION,     /* summary (sum and count), seconds */
	M_DUMP_STALL,        /* summary (sum and count), seconds */
	M_UPLOADS,           /* counter {result} */
	M_SPOOL_BYTES,       /* gauge */
	M_BPF_DROPS,         /* counter, set from the BPF program's own count */
	M_WATCHED,           /* gauge */
	M__COUNT
};

#define METRICS_MAX_SERIES 256
#define METRICS_LABEL_MAX 64 /* longer label values are cut */

/* The rule label of the one-shot command line (it has no rules). */
#define METRICS_RULE_CMDLINE "cmdline"

/* Add `by` to the series of `id` with label values a, b (NULL for a family with fewer labels). */
void metrics_add(enum metric_id id, const char *a, const char *b, uint64_t by);
/* Set a gauge (or a counter kept by someone else, like M_BPF_DROPS). */
void metrics_set(enum metric_id id, const char *a, const char *b, uint64_t value);
/* One observation of a summary family, in nanoseconds (rendered in seconds). */
void metrics_observe_ns(enum metric_id id, const char *a, const char *b, uint64_t ns);

/* ---- what the daemon calls per rule (thin wrappers over the above) ---- */
void metrics_trigger(const char *rule, const char *trigger);
void metrics_throttled(const char *rule);
/* result: "ok", "failed", "interrupted", "skipped" (a cap refused it). */
void metrics_dump(const char *rule, const char *result, uint64_t bytes, uint64_t wall_ns, uint64_t stall_ns);
/* result: "ok" or "failed" */
void metrics_upload(const char *result);
void metrics_spool_bytes(uint64_t bytes);
void metrics_bpf_drops(uint64_t total);
void metrics_watched(uint64_t count);

/*
 * Render every family into out (Prometheus text format). Returns the length
 * the whole text needs, like snprintf; out is NUL-terminated when len > 0.
 */
size_t metrics_render(char *out, size_t len);

/*
 * Pure helper (unit-tested): a label value escaped as the format requires
 * (backslash, double quote and line feed as \\ \" \n). Returns the length
 * needed, like snprintf.
 */
size_t metrics_escape_label(char *out, size_t len, const char *in);

/* For tests: forget every series. */
void metrics_reset(void);

#endif
