/* SPDX-License-Identifier: MIT */
/*
 * Pure trigger decisions for the monitor: the CPU window sum (the same
 * arithmetic the BPF program does, redone in user space at any instant),
 * thresholds in kernel units, and the per-trigger state machine that turns
 * condition changes into "dump now" (sustain, cool-down, latched spikes).
 * No I/O, no clocks: every function takes the time it should use.
 */
#ifndef CORETRAP_TRIGGER_LOGIC_H
#define CORETRAP_TRIGGER_LOGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "events.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

/* CPU ns of the buckets still inside the window ending at now_ns. */
uint64_t cpu_window_sum(const struct cpu_bucket *b, size_t n, uint64_t window_ns, uint64_t now_ns);
/* Percent of one core that sum_ns within window_ns represents (rounded down). */
unsigned cpu_pct(uint64_t sum_ns, uint64_t window_ns);
/* CPU ns within a window_ms window that equals pct percent of one core. */
uint64_t cpu_threshold_ns(int pct, int window_ms);

/*
 * Sampling flavour of -c/-cl: the period of the per-CPU cpu-clock samples
 * for a window. Aims at CPU_SAMPLES_PER_WINDOW samples per window (one
 * sample = period / window of one core: 1% at 100 samples), bounded to
 * [CPU_SAMPLE_MIN_NS, CPU_SAMPLE_MAX_NS]: at most 1000 interrupts per second
 * per CPU, at least 100 (a crossing is seen at most one period late).
 */
#define CPU_SAMPLES_PER_WINDOW 100
#define CPU_SAMPLE_MIN_NS (1 * NS_PER_MS)
#define CPU_SAMPLE_MAX_NS (10 * NS_PER_MS)
uint64_t cpu_sample_period_ns(uint64_t window_ns);

/* MB <-> pages, for a given page size. */
uint64_t mb_to_pages(long mb, long page_size);
long pages_to_mb(uint64_t pages, long page_size);

/*
 * One trigger of one target. The condition is fed in from BPF events and
 * from map reads; trig_due() says when a dump should be written.
 */
struct trig_state {
	bool cond;                  /* condition currently holds */
	bool latched;               /* it held at some instant outside cool-down (sustain 0) */
	uint64_t since_ns;          /* when cond became true */
	uint64_t cooldown_until_ns; /* no dump before this (ProcDump -s) */
};

/*
 * The condition was observed as `cond` at ts_ns. With sustain 0 a rising edge
 * outside cool-down is latched, so a spike that is already over by the time
 * it is handled still dumps.
 */
void trig_observe(struct trig_state *t, bool cond, uint64_t ts_ns, uint64_t sustain_ns);
/* True when a dump should be written now. */
bool trig_due(const struct trig_state *t, uint64_t now_ns, uint64_t sustain_ns);
/* Earliest time trig_due() may become true without new input; UINT64_MAX if never. */
uint64_t trig_next_deadline(const struct trig_state *t, uint64_t sustain_ns);
/* A dump was written at now_ns: start the cool-down; the condition must hold again. */
void trig_fired(struct trig_state *t, uint64_t now_ns, uint64_t interval_ns);

/* -cl A -c B: the CPU condition (above B, or below A, or outside [A,B]). -1 = not given. */
bool cpu_condition(uint64_t sum_ns, uint64_t above_ns, bool has_above, uint64_t below_ns,
		   bool has_below);

/*
 * Memory list: index of the threshold armed after `dumps` memory dumps, or
 * -1 when the list is exhausted.
 */
int mem_list_index(int count, int dumps);

#endif
