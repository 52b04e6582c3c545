/* SPDX-License-Identifier: MIT */
/*
 * Run one system call inside another process, in a thread we hold in a
 * ptrace interrupt stop (PTRACE_EVENT_STOP after PTRACE_INTERRUPT, or the
 * first stop of a new thread), and leave the thread exactly as it was: in
 * the same kind of stop, with the same registers, orig_rax included, and
 * no text changed (the `syscall` instruction is borrowed from the vdso).
 *
 * The thread goes back into an interrupt stop rather than just getting its
 * registers back at the syscall exit: a thread interrupted inside a
 * blocking call (read, nanosleep...) holds -ERESTARTSYS & co. in rax, and
 * only the kernel's signal-return path turns that into a restart, with the
 * exact semantics (SA_RESTART, restart_syscall for nanosleep's remaining
 * time). Back in the stop, that path runs when the thread is resumed, as
 * if nothing had happened.
 */
#ifndef CORETRAP_BASE_PTRACE_INJECT_H
#define CORETRAP_BASE_PTRACE_INJECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Where the thread is when ptrace_inject_syscall returns 0. */
enum inject_stop {
	INJECT_STOP_EVENT = 0, /* an interrupt stop, as before: resume it as before */
	INJECT_STOP_SIGNAL,    /* a signal got in: its signal-delivery-stop; resume with the signal */
	INJECT_STOP_GROUP,     /* a job-control stop began: a group-stop; resume with PTRACE_LISTEN */
};

struct inject_result {
	bool ran;              /* the call ran; ret holds its raw return value */
	long ret;              /* -4095..-1 is -errno */
	enum inject_stop stop;
	int sig;               /* INJECT_STOP_SIGNAL, INJECT_STOP_GROUP: the signal */
};

/*
 * Run nr(args) in thread tid of process tgid. The thread must be seized by
 * this thread of ours and sit in an interrupt stop. Returns 0 with *res
 * filled in (res->ran false when a signal or a job-control stop came first:
 * the registers are back and the thread is in that stop), or a negative
 * errno with the thread as it was: -EINVAL not in an interrupt stop (a
 * signal-delivery-stop, a group-stop, a clone event...), -EPERM the thread
 * runs under seccomp (a filter could kill it for the call), -ENOEXEC not a
 * native 64-bit thread or no vdso to borrow a `syscall` from, -ESRCH it
 * died (then it is gone whatever ran).
 */
int ptrace_inject_syscall(pid_t tgid, pid_t tid, long nr, const unsigned long args[6],
			  struct inject_result *res);

/*
 * Pure parts (unit-tested).
 * Offset of the first copy of insn in buf, or -1.
 */
long inject_find_insn(const unsigned char *buf, size_t len, const unsigned char *insn,
		      size_t insn_len);
/* The stop described by PTRACE_GETSIGINFO is an interrupt stop (PTRACE_EVENT_STOP, SIGTRAP). */
bool inject_is_interrupt_stop(const siginfo_t *si);

#endif
