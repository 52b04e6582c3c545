/* SPDX-License-Identifier: MIT */
/*
 * The per-thread /proc files the ptrace engine needs: the thread list of
 * /proc/TGID/task, a thread's state letter (zombie or not) and its
 * TracerPid. Thin: they go through the shared /proc module (base/proc_read.h
 * error policy, base/proc_parse.h parsers, unit-tested and fuzzed there).
 */
#ifndef CORETRAP_PROC_TASK_H
#define CORETRAP_PROC_TASK_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Call fn for each thread id in /proc/TGID/task, stopping at the first
 * non-zero return, which is returned. -ESRCH when the process is gone.
 */
int proc_task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg);

/* tid is a thread of tgid: /proc/TGID/task/TID exists (another process's tid does not). */
bool proc_task_exists(pid_t tgid, pid_t tid);

/* The thread is a zombie or dead (its /proc entry gone counts as dead). */
bool proc_task_is_zombie(pid_t tgid, pid_t tid);

/* TracerPid of a thread (0: untraced), or -1 when its /proc entry is gone. */
pid_t proc_task_tracer(pid_t tgid, pid_t tid);

/*
 * A thread of tgid that has not exited: tgid itself, unless it is a zombie
 * leader (pthread_exit in main) whose other threads run; 0 when none is
 * left (the process is dead).
 */
pid_t proc_task_live_thread(pid_t tgid);

#endif
