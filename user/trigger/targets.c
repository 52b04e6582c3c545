// SPDX-License-Identifier: MIT
#include "trigger/targets.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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

static int read_small_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	return 0;
}

int target_read_counts(pid_t pid, long page_size, uint64_t *rss_pages, uint32_t *threads,
		       uint32_t *fds)
{
	char path[64], buf[4096];
	struct dirent *de;
	uint32_t n = 0;
	DIR *dir;
	int err;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	err = read_small_file(path, buf, sizeof(buf));
	if (err)
		return err;
	err = parse_status_counts(buf, page_size, rss_pages, threads);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	*fds = n;
	return 0;
}

int targets_scan(bool by_pgid, pid_t pgid, const char *name, void (*found)(pid_t, void *),
		 void *ctx)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	pid_t self = getpid();

	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char *end, pname[CONFIG_NAME_MAX];
		long pid = strtol(de->d_name, &end, 10);

		if (*end || pid <= 0 || pid == self)
			continue;
		if (by_pgid) {
			if (getpgid((pid_t)pid) == pgid)
				found((pid_t)pid, ctx);
		} else if (proc_name((pid_t)pid, pname, sizeof(pname)) == 0 && strcmp(pname, name) == 0) {
			found((pid_t)pid, ctx);
		}
	}
	closedir(dir);
	return 0;
}
