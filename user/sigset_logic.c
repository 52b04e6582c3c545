// SPDX-License-Identifier: MIT
/* Pure rules of the signal trigger; see sigset_logic.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "sigset_logic.h"

/* Default action "core" in signal(7). */
static const int crash_signals[] = {
	SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGQUIT, SIGXCPU, SIGXFSZ,
};

sigmask64_t sigset_crash_mask(void)
{
	sigmask64_t m = 0;

	for (unsigned i = 0; i < sizeof(crash_signals) / sizeof(crash_signals[0]); i++)
		m |= sigmask64_bit(crash_signals[i]);
	return m;
}

int sigset_from_config(const struct config *cfg, sigmask64_t *out, int *bad_sig)
{
	sigmask64_t m = cfg->crash ? sigset_crash_mask() : 0;

	for (int i = 0; i < cfg->signal_count && i < CONFIG_MAX_SIGNALS; i++) {
		int sig = cfg->signals[i];

		/* SIGKILL is never reported to a tracer, so it can never be held. */
		if (sig < 1 || sig > 64 || sig == SIGKILL) {
			*bad_sig = sig;
			return -EINVAL;
		}
		m |= sigmask64_bit(sig);
	}
	*out = m;
	return 0;
}

const char *sigset_name(int sig, char *buf, unsigned len)
{
	const char *abbrev = (sig > 0 && sig < SIGRTMIN) ? sigabbrev_np(sig) : NULL;

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, len, "signal %d", sig);
	return buf;
}

bool sigset_default_kills(int sig)
{
	switch (sig) {
	case SIGCHLD: case SIGCONT: case SIGURG: case SIGWINCH:     /* ignore */
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:     /* stop */
		return false;
	default:
		return sig >= 1 && sig <= 64;
	}
}

bool sigset_is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

struct stop_desc sigset_classify(int status)
{
	struct stop_desc d = { .kind = STOP_UNKNOWN };

	if (WIFEXITED(status)) {
		d.kind = STOP_EXITED;
		d.sig = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		d.kind = STOP_KILLED;
		d.sig = WTERMSIG(status);
		d.core_dumped = WCOREDUMP(status);
	} else if (WIFSTOPPED(status)) {
		int event = (unsigned)status >> 16;

		d.sig = WSTOPSIG(status);
		if (event == 0)
			d.kind = STOP_SIGNAL;
		else if (event == PTRACE_EVENT_STOP)
			d.kind = sigset_is_stop_signal(d.sig) ? STOP_GROUP : STOP_EVENT;
		else if (event == PTRACE_EVENT_CLONE)
			d.kind = STOP_CLONE;
		else
			d.kind = STOP_OTHER_EVENT;
	}
	return d;
}

enum sig_decision sigset_decide(sigmask64_t set, int sig, const struct sig_budget *b, uint64_t now_ns)
{
	if (!(set & sigmask64_bit(sig)))
		return SIG_PASS_UNLISTED;
	if (b->dumps_done >= b->max_dumps)
		return SIG_PASS_LIMIT;
	if (b->have_last && b->interval_s > 0 &&
	    now_ns - b->last_dump_ns < (uint64_t)b->interval_s * 1000000000ull)
		return SIG_PASS_COOLDOWN;
	return SIG_DUMP;
}

static int parse_hex_line(const char *text, const char *key, sigmask64_t *out)
{
	size_t klen = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, klen) != 0)
			continue;
		char *end;
		p += klen;
		while (*p == ' ' || *p == '\t')
			p++;
		errno = 0;
		unsigned long long v = strtoull(p, &end, 16);
		if (end == p || errno || (*end != '\n' && *end != '\0'))
			return -EINVAL;
		*out = v;
		return 0;
	}
	return -EINVAL;
}

int sigset_parse_dispositions(const char *status_text, sigmask64_t *ignored, sigmask64_t *caught)
{
	sigmask64_t ign, cgt;

	if (parse_hex_line(status_text, "SigIgn:", &ign) || parse_hex_line(status_text, "SigCgt:", &cgt))
		return -EINVAL;
	*ignored = ign;
	*caught = cgt;
	return 0;
}

bool sigset_delivery_kills(int sig, sigmask64_t ignored, sigmask64_t caught)
{
	if ((ignored | caught) & sigmask64_bit(sig))
		return false;
	return sigset_default_kills(sig);
}

void origin_queue_push(struct origin_queue *q, const struct signal_origin *o)
{
	if (q->len == ORIGIN_QUEUE_LEN) {
		q->head = (q->head + 1) % ORIGIN_QUEUE_LEN;
		q->len--;
		q->overwritten++;
	}
	q->v[(q->head + q->len) % ORIGIN_QUEUE_LEN] = *o;
	q->len++;
}

bool origin_queue_take(struct origin_queue *q, int sig, int tgid, int tid, struct signal_origin *out)
{
	for (unsigned i = 0; i < q->len; i++) {
		struct signal_origin *o = &q->v[(q->head + i) % ORIGIN_QUEUE_LEN];

		if (o->sig != sig || o->result != 0)
			continue;
		/* kill() names the leader but any thread may take it. */
		if (o->target_tid != tid && !(o->group && tgid > 0))
			continue;
		*out = *o;
		/* Close the gap, keeping FIFO order. */
		for (unsigned j = i; j + 1 < q->len; j++)
			q->v[(q->head + j) % ORIGIN_QUEUE_LEN] = q->v[(q->head + j + 1) % ORIGIN_QUEUE_LEN];
		q->len--;
		return true;
	}
	return false;
}

const char *signal_result_name(int result)
{
	static const char *const names[] = { "delivered", "ignored", "already pending",
					     "dropped (queue full)", "delivered without siginfo" };

	return (result >= 0 && result < (int)(sizeof(names) / sizeof(names[0]))) ? names[result] : "unknown";
}

const char *signal_origin_describe(const struct signal_origin *o, int target_tgid, char *buf, unsigned len)
{
	/* si_code <= 0 except SI_KERNEL: sent from user space (kill, tgkill, sigqueue). */
	bool from_user = o->code != SIGINFO_CODE_NONE && o->code <= 0 && o->code != SI_KERNEL;

	if (from_user && o->sender_tgid == target_tgid)
		snprintf(buf, len, " (sent by the target itself, thread %d)", o->sender_tid);
	else if (from_user)
		snprintf(buf, len, " (sent by pid %d %.16s)", o->sender_tgid, o->sender_comm);
	else if (o->code > 0 && o->code != SIGINFO_CODE_NONE && o->sender_tgid == target_tgid)
		snprintf(buf, len, " (raised by thread %d itself, si_code %d)", o->sender_tid, o->code);
	else
		snprintf(buf, len, " (generated by the kernel)");
	return buf;
}

const char *siginfo_describe(int signo, int code, int sender_pid, const void *addr, int tid, char *buf,
			     unsigned len)
{
	bool fault_sig = signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE || signo == SIGILL ||
			 signo == SIGTRAP;

	if (fault_sig && code > 0 && code != SI_KERNEL)
		snprintf(buf, len, " (fault at %p in thread %d, si_code %d)", addr, tid, code);
	else if (code <= 0 && code != SI_KERNEL)
		snprintf(buf, len, " (sent by pid %d)", sender_pid);
	else
		snprintf(buf, len, " (generated by the kernel)");
	return buf;
}
