/* SPDX-License-Identifier: MIT */
/*
 * The trigger kinds of the monitor as data: one row per kind (-c/-cl, -m/-ml,
 * -tc, -fc and the timer) says whether the config asks for it, how its
 * condition follows from a target's kernel counters, what a kernel crossing
 * reports, which thresholds the kernel watches, and its name and console
 * line. The monitor only loops over the table. Pure: no I/O, no clocks.
 */
#ifndef CORETRAP_TRIGGER_KINDS_H
#define CORETRAP_TRIGGER_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"
#include "trigger/rules.h"

/* Trigger kinds seen by user space: the BPF ones (TRIG_*, events.h) plus the timer. */
#define K_TIMER TRIG_COUNT
#define K_COUNT (TRIG_COUNT + 1)

/* The CPU window never gets shorter than this, whatever -pf says (see kinds_init). */
#define KINDS_MIN_WINDOW_MS 10

/* What the rows need of a run, fixed once (kinds_init). */
struct trigger_params {
	const struct config *cfg;
	uint64_t window_ns;         /* CPU window and period of the "below" checks */
	long page_size;
	bool wanted[K_COUNT];       /* the config asks for this kind */
	bool cpu_above, cpu_below;  /* -c, -cl */
	bool below;                 /* -cl or -ml: only periodic counter reads can see them */
};

/* What a target is judged on. */
struct trigger_input {
	const struct target_state *st; /* the kernel's counters */
	int mem_dumps;                 /* memory dumps so far: position in the -m/-ml list */
	uint64_t now_ns;
	bool window_full;              /* a whole window of history: "below" may hold */
};

/* A kind's condition, and the value and threshold to log when it fires. */
struct trigger_verdict {
	bool cond;
	long long value, threshold;
};

struct trigger_kind {
	const char *token;  /* "cpu": the JSON trigger and the default dump name's part */
	const char *label;  /* console line: "Trigger: <label>:<value><unit> on process ID: <pid>" */
	const char *unit;
	bool (*wanted)(const struct config *cfg);
	/* The condition from the counters. */
	void (*judge)(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v);
	/* A kernel crossing (EVENT_CROSS, above) reported `value` in kernel units; NULL for the timer. */
	void (*crossed)(const struct trigger_params *p, int mem_dumps, uint64_t value, struct trigger_verdict *v);
	/* Its fields of the kernel's thresholds (target_cfg); NULL when the kernel has none. */
	void (*arm)(const struct trigger_params *p, int mem_dumps, struct target_cfg *c);
};

extern const struct trigger_kind trigger_kinds[K_COUNT];

/*
 * The run's parameters from the config: window_ns is -pf, but never below
 * KINDS_MIN_WINDOW_MS (fewer than 10 CPU samples of at least 1 ms each,
 * rules.h, would not make a percentage). The timer is wanted when no other
 * kind is.
 */
void kinds_init(struct trigger_params *p, const struct config *cfg, long page_size);

/* Every kind's verdict on a target; a kind the config does not want never holds. */
void kinds_judge(const struct trigger_params *p, const struct trigger_input *in,
		 struct trigger_verdict out[K_COUNT]);
/* The kernel reported kind k crossing its threshold with `value`: what to log. */
void kinds_crossed(const struct trigger_params *p, int k, int mem_dumps, uint64_t value,
		   struct trigger_verdict *v);
/* The kernel's thresholds of a target after mem_dumps memory dumps (flags and fd_tid left 0). */
void kinds_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c);
/* "Trigger: CPU usage:85% on process ID: 1234". Returns snprintf's length. */
int kinds_line(int k, long long value, pid_t pid, char *out, size_t len);

#endif
