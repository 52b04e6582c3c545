// SPDX-License-Identifier: MIT
/* Seize and detach every thread of the target; see sigtrap_threads.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "signal/sigset_logic.h"
#include "signal/sigtrap_threads.h"
#include "base/task_seize.h"
#include "base/proc_task.h"

struct tracee *tracees_find(struct tracee_set *s, pid_t tid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].tid == tid)
			return &s->v[i];
	return NULL;
}

int tracees_add(struct tracee_set *s, pid_t tid, struct tracee **out)
{
	struct tracee *t = tracees_find(s, tid);

	if (!t) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? s->cap * 2 : 16;
			struct tracee *v = realloc(s->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			s->v = v;
			s->cap = cap;
		}
		t = &s->v[s->n++];
		*t = (struct tracee){ .tid = tid };
	}
	if (out)
		*out = t;
	return 0;
}

void tracees_remove(struct tracee_set *s, pid_t tid)
{
	struct tracee *t = tracees_find(s, tid);

	if (t)
		*t = s->v[--s->n];
}

void tracees_free(struct tracee_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

struct seize_pass {
	struct tracee_set *s;
	int added;
};

/* proc_task_foreach callback: seize one thread not yet in the set. */
static int seize_one(pid_t tid, void *arg)
{
	struct seize_pass *p = arg;
	int r, err;

	if (tracees_find(p->s, tid))
		return 0;
	r = task_seize(p->s->tgid, tid);
	if (r <= 0)
		return r; /* gone (0) or refused */
	err = tracees_add(p->s, tid, NULL);
	if (err) {
		/* Cannot track it: do not keep it traced. */
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return err;
	}
	p->added++;
	return 0;
}

/* One pass over /proc/TGID/task; *added counts threads newly seized. */
static int seize_pass(struct tracee_set *s, int *added)
{
	struct seize_pass p = { s, 0 };
	int err = proc_task_foreach(s->tgid, seize_one, &p);

	*added = p.added;
	return err;
}

int tracees_seize_all(struct tracee_set *s)
{
	for (;;) {
		int added = 0, err = seize_pass(s, &added);

		if (err) {
			tracees_detach_all(s);
			return err;
		}
		if (!added)
			return s->n ? 0 : -ESRCH;
	}
}

/*
 * Wait for the stop of one running thread we have just interrupted. Polls
 * so a zombie (a leader waiting for its threads) can never hang us.
 */
static int wait_thread_stop(struct tracee_set *s, pid_t tid, int *status)
{
	const struct timespec tick = { 0, 1000000 };

	for (int i = 0; i < 5000; i++) {
		pid_t r = waitpid(tid, status, __WALL | WNOHANG);

		if (r == tid)
			return 0;
		if (r < 0)
			return -errno;
		if (i > 50 && proc_task_is_zombie(s->tgid, tid))
			return -ESRCH;
		nanosleep(&tick, NULL);
	}
	return -ETIMEDOUT;
}

static void detach_one(struct tracee_set *s, struct tracee *t)
{
	pid_t tid = t->tid;
	int status;

	if (t->stopped) {
		ptrace(PTRACE_DETACH, tid, 0, (void *)(long)t->pending_sig);
		return;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) != 0)
		return; /* gone */
	if (wait_thread_stop(s, tid, &status) != 0)
		return;

	struct stop_desc d = wait_status_classify(status);
	unsigned long msg = 0;

	switch (d.kind) {
	case STOP_EXITED:
	case STOP_KILLED:
		return;
	case STOP_SIGNAL:
		/* It reached delivery of a signal before our interrupt: hand it back. */
		ptrace(PTRACE_DETACH, tid, 0, (void *)(long)d.sig);
		return;
	case STOP_CLONE:
		/* The new thread is auto-attached: detach it too (loop sees it). */
		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg) == 0)
			tracees_add(s, (pid_t)msg, NULL);
		break;
	default:
		break;
	}
	/* Group-stop: the kernel re-establishes the stop after detach. */
	ptrace(PTRACE_DETACH, tid, 0, 0);
}

void tracees_detach_all(struct tracee_set *s)
{
	/* Index loop: detach_one may append auto-attached threads. */
	for (size_t i = 0; i < s->n; i++) {
		struct tracee t = s->v[i];

		detach_one(s, &t);
	}
	s->n = 0;
}
