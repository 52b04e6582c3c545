// SPDX-License-Identifier: MIT
/*
 * One system call injected into a stopped thread; see ptrace_inject.h.
 * The steps: PTRACE_SYSCALL to the call's entry stop, PTRACE_SYSCALL to
 * its exit stop (the result), then PTRACE_INTERRUPT + PTRACE_CONT back to
 * an interrupt stop, where the saved registers are put back.
 */
#include "base/ptrace_inject.h"

#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "base/arch/inject_arch.h"
#include "base/proc.h"
#include "base/vdso.h"
#include "base/wait_status.h"

/* Stops that are not the one we asked for before the call runs: a few at most. */
#define MAX_STRAY_STOPS 8

long inject_find_insn(const unsigned char *buf, size_t len, const unsigned char *insn,
		      size_t insn_len)
{
	if (!insn_len || len < insn_len)
		return -1;
	for (size_t i = 0; i + insn_len <= len; i++)
		if (!memcmp(buf + i, insn, insn_len))
			return (long)i;
	return -1;
}

bool inject_is_interrupt_stop(const siginfo_t *si)
{
	/* ptrace_do_notify() reports event stops as si_code = signal | event << 8 */
	return si->si_signo == SIGTRAP && si->si_code == (SIGTRAP | (PTRACE_EVENT_STOP << 8));
}

static int get_regs(pid_t tid, inject_regs_t *regs)
{
	struct iovec iov = { regs, sizeof(*regs) };

	return ptrace(PTRACE_GETREGSET, tid, (void *)(long)NT_PRSTATUS, &iov) < 0 ? -errno : 0;
}

static int set_regs(pid_t tid, const inject_regs_t *regs)
{
	struct iovec iov = { (void *)regs, sizeof(*regs) };

	return ptrace(PTRACE_SETREGSET, tid, (void *)(long)NT_PRSTATUS, &iov) < 0 ? -errno : 0;
}

/* The thread's next stop. -ESRCH when it died instead. */
static int wait_stop(pid_t tid, struct stop_desc *d)
{
	int status;
	pid_t w;

	do
		w = waitpid(tid, &status, __WALL);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return errno == ECHILD ? -ESRCH : -errno;
	*d = wait_status_classify(status);
	return d->kind == STOP_EXITED || d->kind == STOP_KILLED ? -ESRCH : 0;
}

/* A syscall stop reports SIGTRAP, or SIGTRAP | 0x80 under PTRACE_O_TRACESYSGOOD. */
static bool is_trap(const struct stop_desc *d)
{
	return d->kind == STOP_SIGNAL && (d->sig == SIGTRAP || d->sig == (SIGTRAP | 0x80));
}

/*
 * Where to find a `syscall` instruction in the target: its vdso, which is
 * also ours. Looked up through the thread itself: a leader that exited
 * before its threads has no memory to show.
 */
static int syscall_insn_address(pid_t tid, uint64_t *pc)
{
	uint64_t start, size, own_size;
	const unsigned char *own = vdso_own(&own_size);
	long off;
	int err = vdso_find(tid, &start, &size);

	if (err)
		return err == -ENOENT ? -ENOEXEC : err;
	if (!own || own_size != size)
		return -ENOEXEC;
	off = inject_find_insn(own, own_size, inject_arch_syscall_insn, inject_arch_syscall_insn_len);
	if (off < 0)
		return -ENOEXEC;
	*pc = start + (uint64_t)off;
	return 0;
}

/*
 * The thread stopped somewhere other than where we were going: put its
 * registers back and say which stop it is in (the caller resumes it from
 * there). 0, or -EIO for a stop we cannot hand back.
 */
static int hand_back(pid_t tid, const inject_regs_t *saved, const struct stop_desc *d,
		     struct inject_result *res)
{
	int err = set_regs(tid, saved);

	if (err)
		return err;
	switch (d->kind) {
	case STOP_EVENT:
		res->stop = INJECT_STOP_EVENT;
		return 0;
	case STOP_SIGNAL:
		res->stop = INJECT_STOP_SIGNAL;
		res->sig = d->sig;
		return 0;
	case STOP_GROUP:
		res->stop = INJECT_STOP_GROUP;
		res->sig = d->sig;
		return 0;
	default:
		return -EIO;
	}
}

/* Run the thread to the entry of the injected call. 1 there, 0 when handed back instead. */
static int run_to_entry(pid_t tid, uint64_t pc, long nr, const inject_regs_t *saved,
			struct inject_result *res)
{
	for (int i = 0; i < MAX_STRAY_STOPS; i++) {
		struct stop_desc d;
		inject_regs_t now;
		int err;

		if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
			return -errno;
		err = wait_stop(tid, &d);
		if (err)
			return err;
		if (d.kind == STOP_EVENT)
			continue; /* an interrupt that was still pending: go on */
		if (is_trap(&d)) {
			err = get_regs(tid, &now);
			if (err)
				return err;
			/*
			 * Entry stop: the instruction ran and the kernel took
			 * the number. Else a real SIGTRAP came first.
			 */
			if (inject_arch_pc(&now) == pc + inject_arch_syscall_insn_len &&
			    inject_arch_syscall_nr(&now) == nr)
				return 1;
		}
		err = hand_back(tid, saved, &d, res);
		return err ? err : 0;
	}
	return -EIO;
}

int ptrace_inject_syscall(pid_t tgid, pid_t tid, long nr, const unsigned long args[6],
			  struct inject_result *res)
{
	inject_regs_t saved, regs;
	struct stop_desc d;
	siginfo_t si;
	uint64_t pc;
	int err;

	memset(res, 0, sizeof(*res));
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0)
		return errno == ESRCH ? -ESRCH : -EINVAL;
	if (!inject_is_interrupt_stop(&si))
		return -EINVAL;
	/* A filter may answer with SECCOMP_RET_KILL: never risk the target for our call. */
	err = proc_thread_seccomp(tgid, tid);
	if (err != 0)
		return err > 0 ? -EPERM : err;
	err = get_regs(tid, &saved);
	if (err)
		return err;
	if (!inject_arch_native(&saved))
		return -ENOEXEC;
	err = syscall_insn_address(tid, &pc);
	if (err)
		return err;

	regs = saved;
	inject_arch_setup(&regs, pc, nr, args);
	err = set_regs(tid, &regs);
	if (err)
		return err;
	err = run_to_entry(tid, pc, nr, &saved, res);
	if (err <= 0)
		return err; /* handed back (0) or gone */

	/* From the entry stop the next stop is the exit stop: nothing else can come between. */
	if (ptrace(PTRACE_SYSCALL, tid, 0, 0) < 0)
		return -errno;
	err = wait_stop(tid, &d);
	if (err)
		return err;
	err = get_regs(tid, &regs);
	if (err)
		return err;
	if (!is_trap(&d)) {
		hand_back(tid, &saved, &d, res);
		return -EIO;
	}
	res->ran = true;
	res->ret = inject_arch_result(&regs);

	/*
	 * Back to an interrupt stop: the pending interrupt makes the thread
	 * stop again on its way out of the kernel, where it stopped before.
	 */
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return -errno;
	err = wait_stop(tid, &d);
	if (err)
		return err;
	return hand_back(tid, &saved, &d, res);
}
