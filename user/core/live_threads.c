// SPDX-License-Identifier: MIT
/* Threads for syscall injection, taken from and handed back to the ptrace engine; see live_threads.h. */
#include "core/live_threads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The live threads of s that the engine stopped itself and holds in no other stop (malloc'd; *n of them). */
static struct live_thread *live_threads_of(const struct ptrace_set *s, size_t *n)
{
	struct live_thread *v = calloc(s->n ? s->n : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		const struct pt_thread *t = &s->v[i];

		/*
		 * Only a thread held in our own interrupt stop: not the
		 * caller's (PT_CALLER, already_seized), not one in a
		 * group-stop or a signal-delivery-stop. ptrace_inject checks
		 * the kind of stop again.
		 */
		if (t->state != PT_HELD || t->group_stop || t->pending_sig)
			continue;
		v[(*n)++] = (struct live_thread){ .tid = t->tid };
	}
	return v;
}

/* Record in s the stops injection changed, so each thread is let go from the stop it is in; frees v. */
static void live_threads_note(struct ptrace_set *s, struct live_thread *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct pt_thread *t = v[k].changed ? ptrace_set_find(s, v[k].tid) : NULL;

		if (!t)
			continue;
		if (v[k].stop == INJECT_STOP_SIGNAL)
			t->pending_sig = v[k].sig;
		else if (v[k].stop == INJECT_STOP_GROUP)
			t->group_stop = true;
	}
	free(v);
}

int live_threads_create_uffd(pid_t tgid, bool already_seized, pid_t keep_stopped,
			     volatile int *interrupted, int *fd, unsigned *reinjected, char *why,
			     size_t why_len)
{
	struct ptrace_set s;
	struct live_thread *v;
	size_t n;
	int err = 0;

	*fd = -1;
	if (already_seized)
		err = ptrace_set_borrow(&s, tgid, keep_stopped);
	else
		ptrace_set_init(&s, tgid);
	if (!err)
		err = ptrace_stop_all(&s, interrupted);
	if (err) {
		snprintf(why, why_len, "cannot stop the target to create its userfaultfd: %s",
			 strerror(-err));
		ptrace_set_free(&s);
		return err;
	}
	v = live_threads_of(&s, &n);
	if (v) {
		err = live_uffd_create(tgid, v, n, fd, why, why_len);
		live_threads_note(&s, v, n);
	} else {
		err = -ENOMEM;
		snprintf(why, why_len, "out of memory");
	}
	ptrace_release(&s);
	*reinjected += s.reinjected;
	ptrace_set_free(&s);
	return err;
}
