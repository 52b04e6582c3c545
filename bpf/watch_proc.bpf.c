// SPDX-License-Identifier: GPL-2.0
/*
 * Process life cycle: thread count (-tc) at every fork and exit of a
 * target's threads, new processes of a followed group (-pgid), execs of
 * the awaited name (-w), and the exit of a target's last thread.
 */
#include "watch.bpf.h"

/* Set by the loader before load. */
const volatile bool watch_exec = false;        /* -w: report execs of watch_comm */
const volatile char watch_comm[TASK_COMM_LEN_EV] = {};

/* Record a target's exact live thread count and report a crossing. */
static __always_inline void threads_changed(struct target_cfg *cfg, __u32 tgid, __u32 live, __u64 now)
{
	struct target_state *st = state_of(tgid);

	if (!st)
		return;
	st->threads = live;
	st->last_update_ns = now;
	if (cfg->threads_above)
		report(st, tgid, TRIG_THREADS, live >= cfg->threads_above, live, now);
}

static __always_inline int handle_fork(struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	struct target_cfg *cfg = cfg_of(ptgid);
	__u64 now;

	if (!cfg)
		return 0;
	now = bpf_ktime_get_ns();
	if (ctgid == ptgid) {
		/* signal->live already counts the new thread here. */
		threads_changed(cfg, ptgid, BPF_CORE_READ(child, signal, live.counter), now);
	} else if (cfg->flags & TCFG_FOLLOW_FORK) {
		struct event *e = event_new(EVENT_FORK, ctgid, now);

		if (e) {
			e->value = ptgid;
			event_send(e);
		}
	}
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(tp_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(raw_fork, struct task_struct *parent, struct task_struct *child)
{
	return handle_fork(parent, child);
}

static __always_inline int handle_exit(struct task_struct *task)
{
	__u32 tgid = BPF_CORE_READ(task, tgid);
	struct target_cfg *cfg = cfg_of(tgid);
	__u32 live;
	__u64 now;

	if (!cfg)
		return 0;
	now = bpf_ktime_get_ns();
	/* do_exit() decrements signal->live before this tracepoint fires. */
	live = BPF_CORE_READ(task, signal, live.counter);
	if (live == 0) {
		struct event *e = event_new(EVENT_EXIT, tgid, now);

		if (e) {
			e->value = BPF_CORE_READ(task, exit_code);
			event_send(e);
		}
		return 0;
	}
	threads_changed(cfg, tgid, live, now);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tp_exit, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(raw_exit, struct task_struct *task)
{
	return handle_exit(task);
}

static __always_inline int handle_exec(void)
{
	char comm[TASK_COMM_LEN_EV];
	struct event *e;

	if (!watch_exec)
		return 0;
	/* An empty watch_comm (the daemon): every exec, its rules match by name, exe and cgroup. */
	if (!watch_comm[0])
		goto send;
	bpf_get_current_comm(comm, sizeof(comm));
	/*
	 * A constant bound (the comm's size), unrolled: the verifier sees every
	 * index inside both arrays, and no loop to walk.
	 */
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN_EV; i++) {
		if (comm[i] != watch_comm[i])
			return 0;
		if (!comm[i])
			break;
	}
send:
	e = event_new(EVENT_EXEC, bpf_get_current_pid_tgid() >> 32, bpf_ktime_get_ns());
	if (e)
		event_send(e);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tp_exec)
{
	return handle_exec();
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(raw_exec)
{
	return handle_exec();
}
