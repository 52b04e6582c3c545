// SPDX-License-Identifier: GPL-2.0
/*
 * Memory (-m, -ml): RSS = file + anon + shmem pages, read from the mm at
 * every rss_stat update of a target.
 */
#include "watch.bpf.h"

static __always_inline __u64 counter_pages(struct mm_struct *mm, int member)
{
	__s64 v = BPF_CORE_READ(mm, rss_stat[member].count);

	return v > 0 ? (__u64)v : 0;
}

static __always_inline int handle_rss(struct mm_struct *mm, int member)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct target_cfg *cfg;
	struct target_state *st;
	__u64 pages, now;
	__u32 tgid;

	if (member == MM_SWAPENTS)
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (BPF_CORE_READ(cur, mm) == mm) {
		if (!maybe_watched(tgid))
			return 0;
	} else if (bpf_core_field_exists(mm->owner)) {
		/* Another task changed this mm (reclaim, exit, remote fault). */
		struct task_struct *owner = BPF_CORE_READ(mm, owner);

		if (!owner)
			return 0;
		tgid = BPF_CORE_READ(owner, tgid);
	} else {
		return 0;
	}
	st = watched_state(tgid, &cfg);
	if (!st)
		return 0;
	now = bpf_ktime_get_ns();
	pages = counter_pages(mm, MM_FILEPAGES) + counter_pages(mm, MM_ANONPAGES) +
		counter_pages(mm, MM_SHMEMPAGES);
	st->rss_pages = pages;
	st->last_update_ns = now;
	if (cfg->mem_above_pages)
		report(st, tgid, TRIG_MEM, pages >= cfg->mem_above_pages, pages, now);
	return 0;
}

SEC("tp_btf/rss_stat")
int BPF_PROG(tp_rss, struct mm_struct *mm, int member)
{
	return handle_rss(mm, member);
}

SEC("raw_tp/rss_stat")
int BPF_PROG(raw_rss, struct mm_struct *mm, int member)
{
	return handle_rss(mm, member);
}
