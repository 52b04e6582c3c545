/* SPDX-License-Identifier: MIT */
/*
 * ABI between bpf/restrack.bpf.c and user/trigger/restrack*.c (the leak
 * tracker's own skeleton, -restrack). Fixed-width fields, no includes.
 */
#ifndef CORETRAP_RESTRACK_EVENTS_H
#define CORETRAP_RESTRACK_EVENTS_H

/* Frames kept per stack (bpf_get_stackid, user stack, frame pointers). */
#define RESTRACK_STACK_DEPTH 64
#define RESTRACK_MAX_TARGETS 1024
/* Allocator calls in flight at once (one per thread inside malloc & co). */
#define RESTRACK_MAX_CALLS 65536

/* What made an outstanding block. */
enum restrack_kind {
	RESTRACK_MALLOC = 1,    /* malloc, valloc, pvalloc */
	RESTRACK_CALLOC,
	RESTRACK_REALLOC,
	RESTRACK_MEMALIGN,      /* memalign, aligned_alloc */
	RESTRACK_POSIX_MEMALIGN,
	RESTRACK_MMAP,          /* anonymous mmap */
};

/* Outstanding blocks: one entry per live allocation of a tracked process. */
struct restrack_key {
	__u32 tgid;
	__u32 pad;
	__u64 addr;
};

struct restrack_alloc {
	__u64 size;
	__u64 ts_ns;          /* bpf_ktime_get_ns() at the allocation's return */
	__s32 stack_id;       /* in rt_stacks; < 0 when the stack could not be kept */
	__u32 kind;           /* enum restrack_kind */
};

/* Counters, in the skeleton's .bss; reported with every leak report. */
struct restrack_stats {
	__u64 allocs;         /* outermost allocator calls that returned a block */
	__u64 sampled;        /* of those, recorded (all of them at -sr 1) */
	__u64 freed;          /* frees / munmaps that removed a recorded block */
	__u64 map_full;       /* recorded blocks dropped: rt_allocs was full */
	__u64 stack_lost;     /* recorded without a stack: stack map full or hash collision */
	__u64 calls_lost;     /* allocator calls not followed: rt_calls was full */
};

#endif
