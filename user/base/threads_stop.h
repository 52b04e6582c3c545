/* SPDX-License-Identifier: MIT */
/*
 * Stop every thread of a process with PTRACE_SEIZE + PTRACE_INTERRUPT (threads
 * created meanwhile included) and undo it exactly. Nothing else here: no
 * registers, no memory.
 */
#ifndef CORETRAP_THREADS_STOP_H
#define CORETRAP_THREADS_STOP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct stopped_thread {
	pid_t tid;
	bool seized_by_us;   /* we PTRACE_SEIZEd it (or it was auto-attached to us) */
	bool stopped_by_us;  /* we consumed its stop report: we must resume it */
	bool gone;           /* exited while we held it */
	int resume_sig;      /* signal-delivery-stop we consumed: re-injected on resume */
	bool group_stop;     /* its stop was a job-control group-stop: resumed with PTRACE_LISTEN */
};

struct thread_set {
	pid_t pid;
	bool already_seized; /* caller owns the ptrace attachment */
	pid_t keep_stopped;  /* already_seized: the caller's thread, never touched */
	struct stopped_thread *v;
	size_t n, cap;
	unsigned reinjected;  /* signal-delivery-stops of other threads we re-injected */
	int last_reinjected_sig;
	pid_t last_reinjected_tid;
};

/*
 * Seize (unless already_seized) and stop every thread of pid, re-listing
 * /proc/PID/task until a pass finds no new thread. keep_stopped (used with
 * already_seized) is a thread the caller holds in a ptrace-stop already.
 * On failure everything done so far is undone. Returns 0, -ESRCH when the
 * process is gone, -EPERM when traced by someone else, -EINTR when
 * *interrupted was set.
 */
int threads_stop(pid_t pid, bool already_seized, pid_t keep_stopped, volatile int *interrupted,
		 struct thread_set *out);

/* Resume what threads_stop stopped and detach what it seized; frees the set. */
void threads_resume(struct thread_set *ts);

/* Threads that are still alive and stopped, in set order. */
size_t threads_alive(const struct thread_set *ts);

#endif /* CORETRAP_THREADS_STOP_H */
