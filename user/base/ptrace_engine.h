/* SPDX-License-Identifier: MIT */
/*
 * The ptrace engine: take hold of every thread of a process with
 * PTRACE_SEIZE, stop them, let them go, and never lose what the target was
 * doing meanwhile (a signal, a job-control stop). The core writer stops a
 * process for a dump with it; the signal trap (-sig/-crash) keeps a process
 * seized with it and holds one thread at a signal's delivery.
 *
 * SEIZE, not ATTACH: no SIGSTOP is ever queued to the target, and every
 * event-0 stop is a real signal-delivery-stop. Threads created meanwhile
 * are attached by the kernel (PTRACE_O_TRACECLONE); the thread set and what
 * each thread owes the target are in ptrace_set.h.
 *
 * Everything here runs on the one thread that seized the target (ptrace
 * requests are per tracer thread).
 */
#ifndef CORETRAP_PTRACE_ENGINE_H
#define CORETRAP_PTRACE_ENGINE_H

#include "base/ptrace_set.h"
#include "base/wait_status.h"

/*
 * Own set: PTRACE_SEIZE every thread of s->tgid, stopping none, re-listing
 * /proc/TGID/task until a pass finds no new thread. 0, -ESRCH when the
 * process is gone, -EPERM when another tracer has it (or it is not
 * allowed); on failure every thread seized is let go again.
 */
int ptrace_seize_all(struct ptrace_set *s);

/*
 * Stop every thread: own set: seize those not yet seized; every running
 * thread is interrupted and its stop waited for, threads created meanwhile
 * included, until all are HELD (or CALLER) or GONE. 0, -ESRCH when no live
 * thread is left (a zombie leader alone does not count), -EPERM, -EINTR
 * when *interrupted became non-zero, -ETIMEDOUT when a thread did not stop
 * within STOP_TIMEOUT_NS. On failure the set is released (ptrace_release).
 */
int ptrace_stop_all(struct ptrace_set *s, volatile int *interrupted);

/*
 * Apply one waitpid(__WALL) report of tid (the caller's own wait loop): an
 * exit drops the thread from the set; a stop makes it HELD, with its
 * signal kept for the resume; a clone event adds the new thread. A report
 * of a tid the set does not know adds it when it is a thread of s->tgid (a
 * new thread's first stop can come before its creator's clone event);
 * anything else (a process made by clone without CLONE_THREAD) is detached
 * at once with its signal. *out: the thread, HELD, or NULL when the set
 * no longer has it. Returns the decoded report.
 */
struct stop_desc ptrace_note_status(struct ptrace_set *s, pid_t tid, int status, struct pt_thread **out);

/*
 * Let one HELD thread run again, still seized: saved registers written back,
 * then PTRACE_LISTEN out of a group-stop, else PTRACE_CONT with its pending
 * signal. 0, or a negative errno (-ESRCH: it is exiting, now GONE).
 */
int ptrace_resume(struct ptrace_set *s, struct pt_thread *t);

/*
 * Keep a HELD thread's general registers (NT_PRSTATUS regset) so that
 * whatever is done to it before its resume (an injected system call) is
 * undone exactly. 0, -EINVAL when it is not HELD, or the GETREGSET errno.
 */
int ptrace_save_regs(struct pt_thread *t);

/*
 * Let every thread go and empty the set. Borrowed set: resume what it
 * holds. Own set: bring each running thread to a stop, detach every thread
 * with what it owes (a group-stopped one stays stopped: the kernel puts it
 * back), and wait for the exits of threads that died while held, so none is
 * left a traced zombie and nothing of ours stays on the target.
 */
void ptrace_release(struct ptrace_set *s);

#endif
