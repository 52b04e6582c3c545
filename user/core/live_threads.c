// SPDX-License-Identifier: MIT
/* Threads for syscall injection, taken from and handed back to threads_stop; see live_threads.h. */
#include "core/live_threads.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The live, stopped threads of ts that we stopped ourselves (malloc'd; *n of them). */
static struct live_thread *live_threads_of(const struct thread_set *ts, size_t *n)
{
	struct live_thread *v = calloc(ts->n ? ts->n : 1, sizeof(*v));

	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < ts->n; i++) {
		const struct stopped_thread *t = &ts->v[i];

		/*
		 * Only a thread we interrupted ourselves and hold in no other
		 * stop: not the caller's (already_seized), not one in a
		 * group-stop or a signal-delivery-stop. ptrace_inject checks
		 * the kind of stop again.
		 */
		if (t->gone || !t->stopped_by_us || t->group_stop || t->resume_sig ||
		    t->tid == ts->keep_stopped)
			continue;
		v[(*n)++] = (struct live_thread){ .tid = t->tid };
	}
	return v;
}

/* Record in ts the stops injection changed; frees v. */
static void live_threads_note(struct thread_set *ts, struct live_thread *v, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!v[k].changed)
			continue;
		for (size_t i = 0; i < ts->n; i++) {
			struct stopped_thread *t = &ts->v[i];

			if (t->tid != v[k].tid)
				continue;
			if (v[k].stop == INJECT_STOP_SIGNAL)
				t->resume_sig = v[k].sig;
			else if (v[k].stop == INJECT_STOP_GROUP)
				t->group_stop = true;
		}
	}
	free(v);
}

int live_threads_create_uffd(pid_t tgid, bool already_seized, pid_t keep_stopped,
			     volatile int *interrupted, int *fd, unsigned *reinjected, char *why,
			     size_t why_len)
{
	struct thread_set ts;
	struct live_thread *v;
	size_t n;
	int err = threads_stop(tgid, already_seized, keep_stopped, interrupted, &ts);

	*fd = -1;
	if (err) {
		snprintf(why, why_len, "cannot stop the target to create its userfaultfd: %s",
			 strerror(-err));
		return err;
	}
	v = live_threads_of(&ts, &n);
	if (v) {
		err = live_uffd_create(tgid, v, n, fd, why, why_len);
		live_threads_note(&ts, v, n);
	} else {
		err = -ENOMEM;
		snprintf(why, why_len, "out of memory");
	}
	threads_resume(&ts);
	*reinjected += ts.reinjected;
	return err;
}
