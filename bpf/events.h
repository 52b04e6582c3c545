/* SPDX-License-Identifier: MIT */
/*
 * The only ABI between the watch BPF programs (bpf/watch*.bpf.c) and user
 * space (user/trigger): fixed-width fields, constants, no includes. Both
 * sides include it after their own definitions of __u32/__u64.
 *
 * Ownership: user space writes `target_cfg` (thresholds, one entry per
 * watched tgid); the kernel writes `target_state` (counters). User space
 * alone creates and deletes the entries of both maps: state before cfg when
 * a target is added, cfg before state when it is dropped. The kernel never
 * creates a state entry, so an event in flight during a drop cannot bring
 * one back. Neither side writes the other's map after the entry exists, so
 * there is no read-modify-write race between them.
 */
#ifndef CORETRAP_EVENTS_H
#define CORETRAP_EVENTS_H

#define MAX_TARGETS 1024
/*
 * target_filter: an array indexed by tgid & (FILTER_SLOTS - 1) holding the
 * tgid watched in that slot, 0 for none, FILTER_SHARED when two watched
 * tgids share it. Array lookups are inlined by the verifier, so the hot
 * programs (every context switch, every syscall) reject unwatched tasks
 * without a hash lookup.
 */
#define FILTER_SLOTS 4096
#define FILTER_SHARED 0xffffffffu
#define CPU_BUCKETS 16          /* ring of buckets per -pf window */
#define TASK_COMM_LEN_EV 16

/* Trigger kinds: bit index in target_state.above and event.trigger. */
#define TRIG_CPU 0
#define TRIG_MEM 1
#define TRIG_THREADS 2
#define TRIG_FDS 3
#define TRIG_COUNT 4

/* event.type */
#define EVENT_NONE 0
#define EVENT_CROSS 1   /* a trigger's "at/above" condition changed (event.above) */
#define EVENT_EXEC 2    /* a process exec'd with a comm matching watch_comm (-w), or any (daemon) */
#define EVENT_FORK 3    /* a followed target (-pgid) forked a new process: tgid = child */
#define EVENT_EXIT 4    /* the last thread of a target exited */
#define EVENT_FD_ARM 5  /* -fc switch flavour: a target's fd table reached its threshold (value =
			 * its size), or its main thread exited (value = 0) */

/* target_cfg.flags */
#define TCFG_FOLLOW_FORK 1u  /* report new child processes (process groups) */

/* Thresholds for one tgid; 0 disables a trigger. "At/above" semantics (>=). */
struct target_cfg {
	__u64 cpu_window_ns;     /* -pf as ns: the sliding window length */
	__u64 cpu_above_ns;      /* CPU ns within the window that means "-c reached" */
	__u64 mem_above_pages;   /* RSS pages (file + anon + shmem) that mean "-m reached" */
	__u32 threads_above;     /* -tc */
	__u32 fds_above;         /* -fc */
	__u32 flags;             /* TCFG_* */
	__u32 fd_tid;            /* -fc tick: the thread to read the fd table through (the leader,
				  * or a live thread when the leader has exited before the others) */
};

struct cpu_bucket {
	__u64 epoch;             /* ts_ns / bucket width: which slice of time this bucket holds */
	__u64 ns;                /* CPU time of every thread of the target during that slice */
};

/* Counters the kernel keeps for one tgid. */
struct target_state {
	struct cpu_bucket cpu[CPU_BUCKETS];
	__u64 cpu_total_ns;      /* since the target was added */
	__u64 rss_pages;         /* last seen file + anon + shmem pages (0 = not seen yet) */
	__u64 last_update_ns;
	__u32 threads;           /* live threads (signal->live), 0 = not seen yet */
	__u32 fds;               /* open fds at the last recount (bpf/watch_fds.bpf.c), 0 = not seen yet */
	__u32 above;             /* bit per TRIG_*: last reported condition */
	__u32 fd_armed;          /* EVENT_FD_ARM sent: its table can hold a crossing */
};

struct event {
	__u32 type;              /* EVENT_* */
	__u32 tgid;
	__u32 tid;               /* thread that caused it */
	__u32 trigger;           /* TRIG_* for EVENT_CROSS */
	__u64 ts_ns;             /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 value;             /* CPU ns in window, RSS pages, threads, fds; parent tgid for FORK */
	__u32 above;             /* EVENT_CROSS: 1 = now at/above, 0 = dropped below */
	__u32 pad;
	char comm[TASK_COMM_LEN_EV];
};

/*
 * Health counters, a global of the BPF object (.bss), read by the loader at
 * exit. Every event the kernel could not deliver is counted here.
 */
struct health {
	__u64 events_sent;
	__u64 ringbuf_drops;     /* bpf_ringbuf_reserve failed: user space too slow */
	__u64 fd_scan_truncated; /* fd table larger than the in-kernel scan covers */
};

#endif /* CORETRAP_EVENTS_H */
