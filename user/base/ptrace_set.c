// SPDX-License-Identifier: MIT
/* The ptrace engine's thread set; see ptrace_set.h. */
#include "base/ptrace_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void ptrace_set_init(struct ptrace_set *s, pid_t tgid)
{
	memset(s, 0, sizeof(*s));
	s->tgid = tgid;
}

int ptrace_set_borrow(struct ptrace_set *s, pid_t tgid, pid_t caller_tid)
{
	struct pt_thread *t;

	ptrace_set_init(s, tgid);
	s->borrowed = true;
	if (caller_tid <= 0)
		return 0;
	t = ptrace_set_add(s, caller_tid);
	if (!t)
		return -ENOMEM;
	t->state = PT_CALLER;
	return 0;
}

struct pt_thread *ptrace_set_find(struct ptrace_set *s, pid_t tid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].tid == tid)
			return &s->v[i];
	return NULL;
}

struct pt_thread *ptrace_set_add(struct ptrace_set *s, pid_t tid)
{
	struct pt_thread *t = ptrace_set_find(s, tid);

	if (t)
		return t;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct pt_thread *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		s->v = v;
		s->cap = cap;
	}
	t = &s->v[s->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->state = PT_RUNNING;
	return t;
}

void ptrace_set_forget(struct ptrace_set *s, struct pt_thread *t)
{
	size_t i = (size_t)(t - s->v);

	if (i >= s->n)
		return;
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
}

void ptrace_set_free(struct ptrace_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

size_t ptrace_set_stopped(const struct ptrace_set *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += pt_thread_stopped(&s->v[i]);
	return n;
}
