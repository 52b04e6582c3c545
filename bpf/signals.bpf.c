// SPDX-License-Identifier: GPL-2.0
/*
 * Signal trigger companion: reports every signal generated for the watched
 * process (sender, result) so the user side can say who sent the signal it
 * holds at delivery, and can report what ptrace never sees (SIGKILL, a
 * standard signal merged into one already pending).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "signal_events.h"

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 target_tgid = 0;
const volatile __u64 sig_mask = 0; /* bit (sig - 1) */

struct signal_stats stats = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} signal_ring SEC(".maps");

SEC("tp_btf/signal_generate")
int BPF_PROG(on_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	struct signal_event *e;
	__u64 id;

	if (BPF_CORE_READ(task, tgid) != (int)target_tgid)
		return 0;
	if (sig < 1 || sig > 64 || !(sig_mask & (1ULL << (sig - 1))))
		return 0;
	__sync_fetch_and_add(&stats.seen, 1);
	e = bpf_ringbuf_reserve(&signal_ring, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&stats.dropped, 1);
		return 0;
	}
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->sig = sig;
	/* SEND_SIG_NOINFO (0) and SEND_SIG_PRIV (1) are not pointers. */
	e->code = (unsigned long)info > 1 ? BPF_CORE_READ(info, si_code) : SIGNAL_CODE_NONE;
	e->result = result;
	e->group = group != 0;
	e->target_tid = BPF_CORE_READ(task, pid);
	e->sender_tgid = id >> 32;
	e->sender_tid = (__u32)id;
	e->pad = 0;
	bpf_get_current_comm(e->sender_comm, sizeof(e->sender_comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
