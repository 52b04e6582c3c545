// SPDX-License-Identifier: GPL-2.0
/*
 * CPU (-c, -cl): a sliding window of CPU_BUCKETS buckets per target, fed
 * by one of two flavours the loader picks (user/trigger/bpf_load.c):
 * cpu-clock sampling (cpu_sample, the default) or sched_stat_runtime
 * (exact, at every context switch).
 */
#include "watch.bpf.h"

static __always_inline int handle_runtime(__u32 tgid, __u64 runtime)
{
	struct target_cfg *cfg;
	struct target_state *st;
	struct cpu_bucket *b;
	__u64 now, width, epoch, sum = 0;

	st = watched_state(tgid, &cfg);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	__sync_fetch_and_add(&st->cpu_total_ns, runtime);
	st->last_update_ns = now;
	if (!cfg->cpu_window_ns)
		return 0;
	width = cfg->cpu_window_ns / CPU_BUCKETS;
	if (!width)
		width = 1;
	epoch = now / width;
	b = &st->cpu[epoch & (CPU_BUCKETS - 1)];
	if (b->epoch != epoch) {
		/* Racy with another CPU of the same target: at most one tick is lost. */
		b->epoch = epoch;
		b->ns = 0;
	}
	__sync_fetch_and_add(&b->ns, runtime);
	if (!cfg->cpu_above_ns)
		return 0;
	/*
	 * A constant bound (CPU_BUCKETS), unrolled: 16 compare-and-adds with no
	 * loop for the verifier to walk, and a fixed cost on this hot path.
	 */
#pragma unroll
	for (int i = 0; i < CPU_BUCKETS; i++) {
		if (st->cpu[i].epoch + CPU_BUCKETS > epoch)
			sum += st->cpu[i].ns;
	}
	report(st, tgid, TRIG_CPU, sum >= cfg->cpu_above_ns, sum, now);
	return 0;
}

/*
 * Sampling flavour (the default, user/trigger/bpf_load.c): one software
 * cpu-clock perf event per CPU fires every sample period (an hrtimer, idle
 * CPUs included) and this program charges that whole period to the task it
 * interrupted. Unlike sched_stat_runtime it does not run at context
 * switches, so a switch-heavy system pays nothing; the price is
 * quantisation (one period per sample) and N timer interrupts per second
 * per CPU. The bucket ring and the crossing check are the exact flavour's.
 */
SEC("perf_event")
int cpu_sample(struct bpf_perf_event_data *ctx)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* The idle task (tgid 0) is common and never a target; empty filter slots hold 0. */
	if (!tgid)
		return 0;
	return handle_runtime(tgid, ctx->sample_period);
}

SEC("tp_btf/sched_stat_runtime")
int BPF_PROG(tp_runtime, struct task_struct *task, __u64 runtime)
{
	/* BTF-typed pointer: a direct load, no probe-read helper on this hot path. */
	return handle_runtime(task->tgid, runtime);
}

SEC("raw_tp/sched_stat_runtime")
int BPF_PROG(raw_runtime, struct task_struct *task, __u64 runtime)
{
	return handle_runtime(BPF_CORE_READ(task, tgid), runtime);
}
