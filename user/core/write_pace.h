/* SPDX-License-Identifier: MIT */
/*
 * How fast a live dump may write, decided from how the machine behaves
 * while it writes. Pure: the caller brings the clock (freeze_watch.c, the
 * snapshot ring's writers).
 *
 * Why: on a VM whose host caps its CPU time, and counts the disk's
 * emulation against that cap, a dump written at full speed while the
 * target keeps faulting makes the host stop the whole VM for the rest of
 * each of its accounting periods: every 100 ms, 10-25 ms with no CPU at
 * all, target included (bench/RESULTS.md, 2026-12-08). The target waits
 * for us anyway only while we stop it; a live dump promises it keeps
 * running. So the writers slow down while such freezes are seen, and speed
 * up again while they are not. On a machine that never freezes the pace
 * climbs past anything a disk takes within a few hundred ms and ends
 * unlimited.
 *
 * The control is additive increase, multiplicative decrease, as TCP's,
 * with a ceiling learnt from the freezes:
 *  - a freeze (a 1 ms sleep that woke WRITE_PACE_FREEZE_NS late or later)
 *    cuts the rate to WRITE_PACE_CUT of what was written in the last
 *    period (once per period: the rest is the same freeze), and sets the
 *    ceiling to WRITE_PACE_CEILING of that;
 *  - each period without one, in which the writers wrote at least half
 *    what the rate allowed, raises it by WRITE_PACE_RAISE of itself (at
 *    least WRITE_PACE_STEP), up to the ceiling; with no ceiling, past
 *    WRITE_PACE_UNLIMITED the writers go unpaced;
 *  - each WRITE_PACE_CALM_PERIODS such periods without one raise the
 *    ceiling by WRITE_PACE_RAISE, never above where it started: as the
 *    dump goes on, fewer pages are protected, the target faults less,
 *    and the host has room for more writes.
 * Probing upwards is what a freeze punishes: one 15-25 ms freeze is as bad
 * as many. So a machine likely to freeze (a VM, or a cgroup CPU quota:
 * freeze_watch_likely) starts at WRITE_PACE_SLOW_START, because the first
 * second of a live dump is when the target faults most (all of it is still
 * protected), and climbs to a ceiling of WRITE_PACE_START, what kept a
 * 4 GiB dump's VM from stopping here; any other starts unlimited and
 * learns its ceiling from its first freeze, if it ever has one.
 */
#ifndef CORETRAP_CORE_WRITE_PACE_H
#define CORETRAP_CORE_WRITE_PACE_H

#include <stdbool.h>
#include <stdint.h>

#define WRITE_PACE_PERIOD_NS (100ull * 1000 * 1000) /* a CFS bandwidth period's default */
#define WRITE_PACE_FREEZE_NS (6ull * 1000 * 1000)   /* above this VM's own noise (< 5 ms) */
#define WRITE_PACE_CUT 0.6
#define WRITE_PACE_CEILING 0.85
#define WRITE_PACE_RAISE 0.05
#define WRITE_PACE_CALM_PERIODS 10
#define WRITE_PACE_STEP (32.0 * 1e6)        /* bytes per second */
#define WRITE_PACE_MIN (128.0 * 1e6)        /* never slower: the dump must end */
#define WRITE_PACE_UNLIMITED (8.0 * 1e9)    /* faster than any disk here: stop pacing */
#define WRITE_PACE_START (1.0 * 1e9)        /* a cautious pace's ceiling */
#define WRITE_PACE_SLOW_START (300.0 * 1e6) /* and where it starts: 10-20 ms freezes in 1 GB/s starts */

struct write_pace {
	double rate;            /* bytes per second the writers may take; 0 = unlimited */
	double ceiling;         /* no raise above it; 0 = none */
	double top;             /* the ceiling never rises above it; 0 = none */
	unsigned calm_periods;  /* in a row, since the last freeze */
	uint64_t next_ns;       /* when the next write may start */
	uint64_t period_ns;     /* start of the current period */
	uint64_t period_bytes;  /* written since then */
	uint64_t last_bytes;    /* written in the last whole period, scaled to one period */
	uint64_t hold_until_ns; /* no raise before this: a cut needs a period to show */
	bool period_froze;      /* a freeze was seen in the current period */
	/* for the DEBUG line */
	unsigned freezes;       /* ticks that came a freeze late */
	uint64_t worst_freeze_ns;
	double slowest;         /* lowest rate set, bytes per second; 0 = never paced */
};

/* `cautious`: start at WRITE_PACE_SLOW_START, never above WRITE_PACE_START; else unlimited. */
void write_pace_init(struct write_pace *p, bool cautious, uint64_t now);

/* A watchdog's tick: its sleep ended `late_ns` after it was due. */
void write_pace_observe(struct write_pace *p, uint64_t now, uint64_t late_ns);

/*
 * A writer wants to write `bytes` now: how many ns it must wait first. The
 * bytes are booked at the current rate, so writers in parallel share it;
 * up to one period's worth of bytes unwritten lately may go at once.
 */
uint64_t write_pace_reserve(struct write_pace *p, uint64_t now, uint64_t bytes);

#endif
