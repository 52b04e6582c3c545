/* SPDX-License-Identifier: MIT */
/*
 * Pure decisions of the signal trigger (-sig / -crash): which signals are
 * watched, what a waitpid() status of a seized thread means, and whether a
 * signal that reached delivery gets a dump. No system calls here, so every
 * rule is unit-tested (tests/unit/test_sigset_logic.c).
 */
#ifndef CORETRAP_SIGSET_LOGIC_H
#define CORETRAP_SIGSET_LOGIC_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Signals 1..64 as a bit mask: bit (sig - 1). */
typedef uint64_t sigmask64_t;

static inline sigmask64_t sigmask64_bit(int sig)
{
	return (sig >= 1 && sig <= 64) ? (sigmask64_t)1 << (sig - 1) : 0;
}

/* The -crash set: every signal whose default action dumps core. */
sigmask64_t sigset_crash_mask(void);

/*
 * The watched set from -sig and -crash. Returns 0, or -EINVAL with
 * *bad_sig set to the first signal that can never be intercepted at
 * delivery (SIGKILL: the kernel never reports it to a tracer) or that
 * is out of range.
 */
int sigset_from_config(const struct config *cfg, sigmask64_t *out, int *bad_sig);

/* "SIGSEGV", "SIGRTMIN+3", "signal 99": never NULL. */
const char *sigset_name(int sig, char *buf, unsigned len);

/* Does the default action of sig terminate the process (with or without core)? */
bool sigset_default_kills(int sig);

/* A stopping signal: the one group-stops report (SIGSTOP/TSTP/TTIN/TTOU). */
bool sigset_is_stop_signal(int sig);

/* What a waitpid(__WALL) status of a seized thread is. */
enum stop_kind {
	STOP_EXITED,          /* WIFEXITED */
	STOP_KILLED,          /* WIFSIGNALED */
	STOP_SIGNAL,          /* signal-delivery-stop: sig is pending for delivery */
	STOP_GROUP,           /* group-stop (PTRACE_EVENT_STOP + stopping signal): PTRACE_LISTEN */
	STOP_EVENT,           /* PTRACE_EVENT_STOP with SIGTRAP: interrupt or new-thread stop */
	STOP_CLONE,           /* PTRACE_EVENT_CLONE: a new thread, tid in the event message */
	STOP_OTHER_EVENT,     /* any other PTRACE_EVENT_*: resume without a signal */
	STOP_UNKNOWN,
};
struct stop_desc {
	enum stop_kind kind;
	int sig;              /* signal of the stop, exit code for STOP_EXITED */
	bool core_dumped;     /* STOP_KILLED: WCOREDUMP */
};
struct stop_desc sigset_classify(int status);

/*
 * Signal dispositions from the text of /proc/PID/status (SigIgn, SigCgt).
 * Returns 0, or -EINVAL when either line is missing or malformed.
 */
int sigset_parse_dispositions(const char *status_text, sigmask64_t *ignored, sigmask64_t *caught);

/* Will delivering sig kill the process, given its dispositions? */
bool sigset_delivery_kills(int sig, sigmask64_t ignored, sigmask64_t caught);

/* Whether a listed signal at delivery gets a dump now. */
enum sig_decision {
	SIG_PASS_UNLISTED,    /* not in the set: deliver at once */
	SIG_DUMP,             /* dump, then deliver */
	SIG_PASS_COOLDOWN,    /* listed but within -s of the previous dump */
	SIG_PASS_LIMIT,       /* listed but -n dumps are already written */
};
struct sig_budget {
	int max_dumps;        /* -n */
	int interval_s;       /* -s */
	int dumps_done;
	bool have_last;       /* a dump was written at last_dump_ns */
	uint64_t last_dump_ns;
};
enum sig_decision sigset_decide(sigmask64_t set, int sig, const struct sig_budget *b, uint64_t now_ns);

/*
 * Who generated a signal, as the BPF signal_generate program saw it
 * (bpf/signal_events.h), and a FIFO of those records waiting for the
 * signal-delivery-stop they belong to.
 */
struct signal_origin {
	int sig;
	int code;             /* si_code, or SIGINFO_CODE_NONE when the kernel passed no siginfo */
	int result;           /* TRACE_SIGNAL_*: 0 delivered (queued), 1 ignored, 2 already pending ... */
	bool group;           /* process-directed (kill) rather than thread-directed (tgkill, fault) */
	int target_tid;       /* task the signal was sent to */
	int sender_tgid;      /* current task at generation */
	int sender_tid;
	char sender_comm[16];
	uint64_t ts_ns;
};
#define SIGINFO_CODE_NONE 0x7fffffff

#define ORIGIN_QUEUE_LEN 256
struct origin_queue {
	struct signal_origin v[ORIGIN_QUEUE_LEN];
	unsigned head, len;
	uint64_t overwritten; /* oldest records dropped because the queue was full */
};
void origin_queue_push(struct origin_queue *q, const struct signal_origin *o);
/*
 * Take the oldest queued record that a delivery of sig to thread tid of
 * process tgid can belong to: same signal, actually queued (result 0), and
 * sent to that thread or to the whole process. false when none.
 */
bool origin_queue_take(struct origin_queue *q, int sig, int tgid, int tid, struct signal_origin *out);

/* " (sent by pid 123 kill)", " (raised by thread 5 itself: SEGV_MAPERR)", ... into buf. */
const char *signal_origin_describe(const struct signal_origin *o, int target_tgid, char *buf, unsigned len);

/*
 * The origin as the delivered siginfo tells it (no BPF needed):
 * " (fault at 0x10 in thread 5, si_code 1)" for a synchronous fault,
 * " (sent by pid 42)" for kill/tgkill/sigqueue, " (generated by the kernel)".
 */
const char *siginfo_describe(int signo, int code, int sender_pid, const void *addr, int tid, char *buf,
			     unsigned len);

/* "delivered", "ignored", "already pending", ...: TRACE_SIGNAL_* result names. */
const char *signal_result_name(int result);

#endif /* CORETRAP_SIGSET_LOGIC_H */
