// SPDX-License-Identifier: GPL-2.0
/*
 * Leak tracker (-restrack): uprobes and uretprobes on the allocator of each
 * tracked process's own libc, attached per process by
 * user/trigger/restrack_attach.c. Outstanding blocks live in rt_allocs,
 * keyed by (tgid, address), with their size, time and user stack.
 *
 * Allocator functions call each other (realloc(NULL, n) calls malloc,
 * memalign may call malloc, malloc calls mmap for big blocks): only the
 * outermost call of a thread counts. rt_calls holds, per thread inside an
 * allocator, the nesting depth and the outermost call's arguments; the
 * entry probe of every function with a return probe increments it and the
 * return probe decrements it, so the entry and return probes must come in
 * pairs (user space attaches every return probe before any entry probe).
 * A depth left behind by a call that never returned (longjmp, a missed
 * return) is dropped when a later call comes from the same or a shallower
 * stack (a nested call always runs deeper, at a lower stack pointer).
 *
 * The stack is taken at the return, where the instruction pointer is back
 * in the caller: at the entry of malloc the caller's frame is not yet on
 * the frame-pointer chain and would be skipped.
 *
 * -sr N: the outermost allocation is recorded with probability 1/N
 * (bpf_get_prandom_u32, so no allocation pattern can beat the sampler);
 * frees always remove what was recorded, and realloc of a recorded block
 * records the new one.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "restrack_events.h"

char LICENSE[] SEC("license") = "GPL";

#define RT_MAP_ANONYMOUS 0x20
#define RT_MAP_FAILED ((__u64)-1)

const volatile __u32 sample_rate = 1;

struct restrack_stats stats = {};

struct call_state {
	__u64 size;
	__u64 old;            /* realloc: the block being resized */
	__u64 memptr;         /* posix_memalign: where the block's address goes */
	__u64 sp;             /* stack pointer at the outermost entry */
	__u32 depth;
	__u32 kind;
	__u32 sampled;        /* record the block (the -sr draw) */
	__u32 wanted;         /* a block to track at all (not a file mmap) */
};

/* Tracked processes (tgid -> 1), written by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RESTRACK_MAX_TARGETS);
	__type(key, __u32);
	__type(value, __u8);
} rt_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RESTRACK_MAX_CALLS);
	__type(key, __u64);
	__type(value, struct call_state);
} rt_calls SEC(".maps");

/* max_entries is set by user space before load (CORETRAP_RESTRACK_ENTRIES). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct restrack_key);
	__type(value, struct restrack_alloc);
} rt_allocs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, RESTRACK_STACK_DEPTH * sizeof(__u64));
} rt_stacks SEC(".maps");

static __always_inline bool tracked(__u32 tgid)
{
	return bpf_map_lookup_elem(&rt_tgids, &tgid) != NULL;
}

static __always_inline int enter(struct pt_regs *ctx, __u32 kind, __u64 size, __u64 old, __u64 memptr,
				 bool wanted)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 sp = PT_REGS_SP(ctx);
	struct call_state *st;

	if (!tracked(id >> 32))
		return 0;
	st = bpf_map_lookup_elem(&rt_calls, &id);
	if (st && st->depth > 0 && sp < st->sp) {
		st->depth++; /* called from inside another allocator function */
		return 0;
	}
	if (!st) {
		struct call_state zero = {};

		if (bpf_map_update_elem(&rt_calls, &id, &zero, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&rt_calls, &id)) {
			__sync_fetch_and_add(&stats.calls_lost, 1);
			return 0;
		}
		st = bpf_map_lookup_elem(&rt_calls, &id);
		if (!st)
			return 0;
	}
	st->depth = 1;
	st->sp = sp;
	st->kind = kind;
	st->size = size;
	st->old = old;
	st->memptr = memptr;
	st->wanted = wanted;
	st->sampled = wanted && (sample_rate <= 1 || bpf_get_prandom_u32() % sample_rate == 0);
	return 0;
}

static __always_inline void record(struct pt_regs *ctx, __u32 tgid, __u64 addr, __u64 size, __u32 kind)
{
	struct restrack_key key = { .tgid = tgid, .addr = addr };
	struct restrack_alloc val = { .size = size, .ts_ns = bpf_ktime_get_ns(), .kind = kind };

	__sync_fetch_and_add(&stats.sampled, 1);
	val.stack_id = bpf_get_stackid(ctx, &rt_stacks, BPF_F_USER_STACK);
	if (val.stack_id < 0)
		__sync_fetch_and_add(&stats.stack_lost, 1);
	if (bpf_map_update_elem(&rt_allocs, &key, &val, BPF_ANY))
		__sync_fetch_and_add(&stats.map_full, 1);
}

static __always_inline bool forget(__u32 tgid, __u64 addr)
{
	struct restrack_key key = { .tgid = tgid, .addr = addr };

	if (bpf_map_delete_elem(&rt_allocs, &key))
		return false;
	__sync_fetch_and_add(&stats.freed, 1);
	return true;
}

static __always_inline int leave(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 ret = PT_REGS_RC(ctx), addr = ret;
	__u32 tgid = id >> 32;
	struct call_state *st, c;

	st = bpf_map_lookup_elem(&rt_calls, &id);
	if (!st || st->depth == 0)
		return 0;
	if (st->depth > 1) {
		st->depth--;
		return 0;
	}
	c = *st;
	bpf_map_delete_elem(&rt_calls, &id);

	switch (c.kind) {
	case RESTRACK_REALLOC:
		/* realloc(p, 0) frees p and may return NULL; a failed realloc keeps p. */
		if (c.old && (ret || c.size == 0) && forget(tgid, c.old))
			c.sampled = 1; /* a recorded block stays recorded after its move */
		break;
	case RESTRACK_POSIX_MEMALIGN:
		addr = 0;
		if ((int)ret == 0 && c.memptr)
			bpf_probe_read_user(&addr, sizeof(addr), (void *)c.memptr);
		break;
	case RESTRACK_MMAP:
		if (ret == RT_MAP_FAILED)
			addr = 0;
		break;
	}
	if (!addr || !c.wanted)
		return 0;
	__sync_fetch_and_add(&stats.allocs, 1);
	if (c.sampled)
		record(ctx, tgid, addr, c.size, c.kind);
	return 0;
}

/* A free-like call: nested ones (free inside realloc) are the outer call's business. */
static __always_inline int release(__u64 addr)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct call_state *st;

	if (!addr || !tracked(id >> 32))
		return 0;
	st = bpf_map_lookup_elem(&rt_calls, &id);
	if (st && st->depth > 0)
		return 0;
	forget(id >> 32, addr);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(rt_malloc, __u64 size)
{
	return enter(ctx, RESTRACK_MALLOC, size, 0, 0, true);
}

SEC("uprobe")
int BPF_KPROBE(rt_calloc, __u64 n, __u64 size)
{
	return enter(ctx, RESTRACK_CALLOC, n * size, 0, 0, true);
}

SEC("uprobe")
int BPF_KPROBE(rt_realloc, __u64 old, __u64 size)
{
	return enter(ctx, RESTRACK_REALLOC, size, old, 0, true);
}

/* memalign(align, size), aligned_alloc(align, size) */
SEC("uprobe")
int BPF_KPROBE(rt_memalign, __u64 align, __u64 size)
{
	return enter(ctx, RESTRACK_MEMALIGN, size, 0, 0, true);
}

SEC("uprobe")
int BPF_KPROBE(rt_posix_memalign, __u64 memptr, __u64 align, __u64 size)
{
	return enter(ctx, RESTRACK_POSIX_MEMALIGN, size, 0, memptr, true);
}

/* Every mmap is followed (it pairs with its return probe); only anonymous ones are recorded. */
SEC("uprobe")
int BPF_KPROBE(rt_mmap, __u64 addr, __u64 len, __u64 prot, __u64 flags)
{
	return enter(ctx, RESTRACK_MMAP, len, 0, 0, flags & RT_MAP_ANONYMOUS);
}

SEC("uretprobe")
int BPF_KRETPROBE(rt_alloc_ret)
{
	return leave(ctx);
}

SEC("uprobe")
int BPF_KPROBE(rt_free, __u64 addr)
{
	return release(addr);
}

/* Only a munmap of a whole recorded mapping's start removes it (see README, Limits). */
SEC("uprobe")
int BPF_KPROBE(rt_munmap, __u64 addr)
{
	return release(addr);
}
