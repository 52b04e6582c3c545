/* SPDX-License-Identifier: MIT */
/*
 * The set of target threads the signal trigger holds with PTRACE_SEIZE, and
 * the two operations that must never be half done: seize every thread
 * (without stopping any), and detach every thread (handing back any signal
 * a thread was stopped on, so none is lost).
 */
#ifndef CORETRAP_SIGTRAP_THREADS_H
#define CORETRAP_SIGTRAP_THREADS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tracee {
	pid_t tid;
	bool stopped;      /* in a ptrace-stop we have reaped and not yet resumed */
	int pending_sig;   /* signal to hand back when it is resumed or detached */
};

struct tracee_set {
	pid_t tgid;
	struct tracee *v;
	size_t n, cap;
};

struct tracee *tracees_find(struct tracee_set *s, pid_t tid);
/* Adds tid (running, nothing pending) unless present. 0 or -ENOMEM. */
int tracees_add(struct tracee_set *s, pid_t tid, struct tracee **out);
void tracees_remove(struct tracee_set *s, pid_t tid);

/*
 * PTRACE_SEIZE every thread of s->tgid with PTRACE_O_TRACECLONE, rescanning
 * /proc/TGID/task until a pass finds no new thread. Nothing is stopped.
 * On failure every thread already seized is detached again and a negative
 * errno is returned (-EPERM: another tracer, or not allowed).
 */
int tracees_seize_all(struct tracee_set *s);

/*
 * Detach every thread: a thread we hold stopped is detached with its pending
 * signal; a running one is PTRACE_INTERRUPTed first and detached with
 * whatever signal its stop carried. A group-stopped process stays stopped
 * (that is job control, not us). Empties the set.
 */
void tracees_detach_all(struct tracee_set *s);

void tracees_free(struct tracee_set *s);

#endif
