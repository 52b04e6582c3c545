// SPDX-License-Identifier: MIT
/* Pure rules of the signal trigger; see sigset_logic.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
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
