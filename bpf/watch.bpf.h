/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the watch BPF object share (bpf/watch.bpf.c lists
 * them): the maps, the per-target lookups, the event and crossing helpers.
 *
 * The maps and globals are defined once, in bpf/watch.bpf.c (which sets
 * WATCH_BPF_DEFINE before including this file), and are extern in every
 * other part: bpftool's static linker resolves each extern to that one
 * definition, so the skeleton holds a single copy of each map.
 */
#ifndef CORETRAP_WATCH_BPF_H
#define CORETRAP_WATCH_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "events.h"

#ifdef WATCH_BPF_DEFINE
#define WATCH_SHARED
#else
#define WATCH_SHARED extern
#endif

#define PF_EXITING 0x00000004 /* include/linux/sched.h: a macro, not in BTF */

WATCH_SHARED struct health health;

WATCH_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct target_cfg);
} target_cfg SEC(".maps");

WATCH_SHARED struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_TARGETS);
	__type(key, __u32);
	__type(value, struct target_state);
} target_state SEC(".maps");

WATCH_SHARED struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FILTER_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} target_filter SEC(".maps");

WATCH_SHARED struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Cheap first test: false means "certainly not watched". */
static __always_inline bool maybe_watched(__u32 tgid)
{
	__u32 slot = tgid & (FILTER_SLOTS - 1);
	__u32 *v = bpf_map_lookup_elem(&target_filter, &slot);

	return v && (*v == tgid || *v == FILTER_SHARED);
}

/* The full test: the thresholds of a watched tgid, or NULL. */
static __always_inline struct target_cfg *cfg_of(__u32 tgid)
{
	if (!maybe_watched(tgid))
		return NULL;
	return bpf_map_lookup_elem(&target_cfg, &tgid);
}

/*
 * The counters of a tgid, or NULL. Programs only look the entry up, never
 * create it: user space creates it before the target's cfg and deletes it
 * after the cfg (user/trigger/monitor_targets.c), and every discovered
 * process (-w, -pgid) reaches the map through user space too. So an event
 * that found the cfg just before a target was dropped finds no state and
 * does nothing, instead of re-creating counters for a target nobody
 * watches any more.
 */
static __always_inline struct target_state *state_of(__u32 tgid)
{
	return bpf_map_lookup_elem(&target_state, &tgid);
}

/* The state of a watched tgid, with its thresholds in *cfg; NULL if it is not watched. */
static __always_inline struct target_state *watched_state(__u32 tgid, struct target_cfg **cfg)
{
	*cfg = cfg_of(tgid);
	return *cfg ? state_of(tgid) : NULL;
}

static __always_inline struct event *event_new(__u32 type, __u32 tgid, __u64 now)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		__sync_fetch_and_add(&health.ringbuf_drops, 1);
		return NULL;
	}
	e->type = type;
	e->tgid = tgid;
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->trigger = 0;
	e->ts_ns = now;
	e->value = 0;
	e->above = 0;
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

static __always_inline void event_send(struct event *e)
{
	bpf_ringbuf_submit(e, 0);
	__sync_fetch_and_add(&health.events_sent, 1);
}

/*
 * Report a condition change. The "above" bit only flips once the event is
 * in the ring buffer, so a dropped event is retried at the next update.
 * Two CPUs may both report the same flip: user space treats events as
 * idempotent state, so a duplicate is harmless.
 */
static __always_inline void report(struct target_state *st, __u32 tgid, __u32 trig, bool above,
				   __u64 value, __u64 now)
{
	__u32 bit = 1u << trig;
	struct event *e;

	if (!!(st->above & bit) == above)
		return;
	e = event_new(EVENT_CROSS, tgid, now);
	if (!e)
		return;
	e->trigger = trig;
	e->value = value;
	e->above = above;
	event_send(e);
	if (above)
		st->above |= bit;
	else
		st->above &= ~bit;
}

#endif /* CORETRAP_WATCH_BPF_H */
