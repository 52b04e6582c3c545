// SPDX-License-Identifier: MIT
/* Seizing one thread of a process; see task_seize.h. */
#include "base/task_seize.h"
#include "base/proc_task.h"

#include <errno.h>
#include <sys/ptrace.h>
#include <unistd.h>

int task_seize(pid_t tgid, pid_t tid)
{
	int err;
	pid_t tracer;

	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)PTRACE_O_TRACECLONE) == 0)
		return TASK_SEIZED;
	err = errno;
	if (err == ESRCH)
		return TASK_GONE;
	if (err != EPERM)
		return -err;
	/*
	 * EPERM has four causes: a thread created by one we had already
	 * seized (TRACECLONE attached it to us), a thread that exited between
	 * readdir and the seize (its /proc entry is gone too), a zombie, or a
	 * real refusal (another tracer, or not allowed).
	 */
	tracer = proc_task_tracer(tgid, tid);
	if (tracer == getpid())
		return TASK_OURS;
	if (tracer < 0 || proc_task_is_zombie(tgid, tid))
		return TASK_GONE; /* a zombie (a leader that exited before its threads) cannot be traced */
	return -EPERM;
}
