/* SPDX-License-Identifier: MIT */
/*
 * ABI between bpf/signals.bpf.c and user/sigtrap_bpf.c (the signal trigger's
 * own skeleton; bpf/events.h belongs to the threshold programs). Fixed-width
 * fields, no includes.
 */
#ifndef CORETRAP_SIGNAL_EVENTS_H
#define CORETRAP_SIGNAL_EVENTS_H

#define SIGNAL_COMM_LEN 16
/* si_code value meaning "the kernel passed SEND_SIG_NOINFO/SEND_SIG_PRIV". */
#define SIGNAL_CODE_NONE 0x7fffffff

/* One signal generated for a task of the watched process (signal_generate). */
struct signal_event {
	__u64 ts_ns;          /* bpf_ktime_get_ns() */
	__u32 sig;
	__s32 code;           /* si_code or SIGNAL_CODE_NONE */
	__s32 result;         /* TRACE_SIGNAL_*: 0 queued, 1 ignored, 2 already pending, 3/4 overflow */
	__u32 group;          /* 1 = process-directed */
	__u32 target_tid;     /* task->pid the signal was sent to */
	__u32 sender_tgid;    /* current at generation */
	__u32 sender_tid;
	__u32 pad;
	char sender_comm[SIGNAL_COMM_LEN];
};

/* Health counters, read from the skeleton's .bss at exit. */
struct signal_stats {
	__u64 seen;           /* events for the target that matched the mask */
	__u64 dropped;        /* ring buffer full */
};

#endif
