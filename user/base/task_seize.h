/* SPDX-License-Identifier: MIT */
/*
 * The two steps that the core writer (threads_stop.c) and the signal
 * trigger (sigtrap_threads.c) share when they take hold of a process's
 * threads: walk /proc/TGID/task, and PTRACE_SEIZE one thread, telling a
 * thread that exited or that we already hold apart from a real refusal.
 */
#ifndef CORETRAP_TASK_SEIZE_H
#define CORETRAP_TASK_SEIZE_H

#include <stdbool.h>
#include <sys/types.h>

enum task_seize_result {
	TASK_GONE = 0,   /* exited meanwhile: not part of the process any more */
	TASK_SEIZED,     /* seized now, with PTRACE_O_TRACECLONE */
	TASK_OURS,       /* already ours: auto-attached through TRACECLONE */
};

/* TASK_* (>= 0), or a negative errno (-EPERM: another tracer, or not allowed). */
int task_seize(pid_t tgid, pid_t tid);

/* The thread is a zombie or dead (its /proc entry gone counts as dead). */
bool task_is_zombie(pid_t tgid, pid_t tid);

/*
 * A thread of tgid that has not exited: tgid itself, unless it is a zombie
 * leader (pthread_exit in main) whose other threads run; 0 when none is
 * left (the process is dead).
 */
pid_t task_live_thread(pid_t tgid);

/* TracerPid of a thread, or -1 when its /proc entry is gone. */
pid_t task_tracer(pid_t tgid, pid_t tid);

/*
 * Call fn for each thread id in /proc/TGID/task, stopping at the first
 * non-zero return, which is returned. -ESRCH when the process is gone.
 */
int task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg);

#endif
