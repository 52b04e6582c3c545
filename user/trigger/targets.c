// SPDX-License-Identifier: MIT
#include "trigger/targets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"

struct target *target_set_add(struct target_set *set, pid_t pid)
{
	struct target *t;

	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 8;
		struct target **items = realloc(set->items, cap * sizeof(*items));

		if (!items)
			return NULL;
		set->items = items;
		set->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->pid = pid;
	set->items[set->count++] = t;
	return t;
}

struct target *target_set_find(const struct target_set *set, pid_t pid)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i]->pid == pid)
			return set->items[i];
	return NULL;
}

void target_set_remove(struct target_set *set, pid_t pid)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->items[i]->pid == pid) {
			free(set->items[i]);
			set->items[i] = set->items[--set->count];
			return;
		}
	}
}

void target_set_free(struct target_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->items[i]);
	free(set->items);
	memset(set, 0, sizeof(*set));
}

int target_read_counts(pid_t pid, long page_size, uint64_t *rss_pages, uint32_t *threads,
		       uint32_t *fds)
{
	int err = proc_counts(pid, page_size, rss_pages, threads);

	return err ? err : proc_fd_count(pid, fds);
}

struct scan {
	bool by_pgid;
	pid_t pgid;
	const char *name;
	void (*found)(pid_t, void *);
	void *ctx;
};

static void scan_one(pid_t pid, void *ctx)
{
	struct scan *s = ctx;
	char pname[CONFIG_NAME_MAX];

	if (s->by_pgid ? getpgid(pid) == s->pgid
		       : proc_name(pid, pname, sizeof(pname)) == 0 && strcmp(pname, s->name) == 0)
		s->found(pid, s->ctx);
}

int targets_scan(bool by_pgid, pid_t pgid, const char *name, void (*found)(pid_t, void *),
		 void *ctx)
{
	struct scan s = { by_pgid, pgid, name, found, ctx };

	return proc_each_pid(scan_one, &s);
}
