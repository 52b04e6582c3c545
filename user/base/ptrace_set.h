/* SPDX-License-Identifier: MIT */
/*
 * The thread set of the ptrace engine (ptrace_engine.h): which threads of a
 * process are under our ptrace, and what each one owes the target when it is
 * let go. Bookkeeping only, no system calls.
 *
 * A thread is RUNNING (seized, not in a stop we reaped), HELD (in a
 * ptrace-stop whose report we reaped: its registers can be read and written,
 * and it must be resumed), CALLER (in a borrowed set, the thread its caller
 * holds in a stop: never touched) or GONE (exited, or a zombie).
 *
 * What a HELD thread carries back when it is let go:
 *  - pending_sig: the signal of a signal-delivery-stop we consumed, SIGTRAP
 *    included: under PTRACE_SEIZE every event-0 stop is a real signal (a
 *    raise(SIGTRAP), a runtime's breakpoint), handed back on resume/detach;
 *  - group_stop: it was held out of a job-control group-stop: it goes back
 *    into it (PTRACE_LISTEN, or a detach, after which the kernel re-stops it);
 *  - saved registers (ptrace_save_regs): written back before it runs again,
 *    so code run inside a held thread leaves no trace.
 * Stops the engine caused itself (PTRACE_INTERRUPT's PTRACE_EVENT_STOP, an
 * auto-attached thread's first stop, a clone event) carry nothing.
 */
#ifndef CORETRAP_PTRACE_SET_H
#define CORETRAP_PTRACE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/procfs.h>
#include <sys/types.h>

enum pt_state {
	PT_RUNNING,
	PT_HELD,
	PT_CALLER,
	PT_GONE,
};

struct pt_thread {
	pid_t tid;
	enum pt_state state;
	bool ours;           /* own set: seized by it or auto-attached to it: it detaches it */
	bool foreign;        /* a clone() that made a process, not a thread: let go at its first stop */
	bool interrupt_sent; /* PTRACE_INTERRUPT sent since it last ran: do not send another */
	bool reaped;         /* PT_GONE: its exit status was waited for (or is not ours to wait for) */
	bool group_stop;     /* HELD out of a group-stop */
	int pending_sig;     /* HELD at a signal-delivery-stop of this signal */
	bool regs_saved;     /* regs holds its general registers as they were when it stopped */
	size_t regs_len;
	elf_gregset_t regs;
};

struct ptrace_set {
	pid_t tgid;
	/*
	 * The caller seized every thread (with PTRACE_O_TRACECLONE) and keeps
	 * them: the set never seizes or detaches, it interrupts, and resumes
	 * what it held.
	 */
	bool borrowed;
	struct pt_thread *v;
	size_t n, cap;
	/* Signal-delivery-stops handed back when a thread was let go: the count and the last one. */
	unsigned reinjected;
	int last_reinjected_sig;
	pid_t last_reinjected_tid;
};

/* An own set: it will seize the threads of tgid itself. */
void ptrace_set_init(struct ptrace_set *s, pid_t tgid);
/*
 * A borrowed set (see .borrowed); caller_tid (0: none) is the thread the
 * caller holds in a ptrace-stop. 0 or -ENOMEM.
 */
int ptrace_set_borrow(struct ptrace_set *s, pid_t tgid, pid_t caller_tid);

/*
 * Pointers into the set stay valid until the next call that adds a thread
 * (ptrace_set_add, and the engine's seize, stop and note calls) or forgets one.
 */
struct pt_thread *ptrace_set_find(struct ptrace_set *s, pid_t tid);
/* Adds tid (RUNNING, owing nothing) unless present; NULL when out of memory. */
struct pt_thread *ptrace_set_add(struct ptrace_set *s, pid_t tid);
/* Drops a thread from the set, keeping the order of the others. */
void ptrace_set_forget(struct ptrace_set *s, struct pt_thread *t);
void ptrace_set_free(struct ptrace_set *s);

static inline bool pt_thread_stopped(const struct pt_thread *t)
{
	return t->state == PT_HELD || t->state == PT_CALLER;
}

/* Threads in a stop (HELD or CALLER): those a core lists. */
size_t ptrace_set_stopped(const struct ptrace_set *s);

#endif
