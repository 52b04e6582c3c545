/* SPDX-License-Identifier: MIT */
/*
 * The step that the core writer (threads_stop.c) and the signal trigger
 * (sigtrap_threads.c) share when they take hold of a process's threads:
 * PTRACE_SEIZE one thread, telling a thread that exited or that we already
 * hold apart from a real refusal. The /proc walk is in proc_task.h.
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

#endif
