// SPDX-License-Identifier: MIT
/* Who else holds a piece of shared memory; see proc_holders.h. */
#include "base/proc_holders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/proc_maps.h"
#include "base/proc_read.h"

#define PROC_PID_INIT_INO 0xEFFFFFFCul /* the initial PID namespace's inode (include/linux/proc_ns.h) */

struct walk {
	pid_t tgid;
	struct shared_object *objs;
	size_t n;
	bool any_fd;
	char comm[64]; /* the target's */
};

/* A process's comm, without its newline; "" when unreadable. */
static void read_comm(pid_t pid, char *out, size_t cap)
{
	size_t len = 0;

	if (proc_read(pid, 0, "comm", out, cap, &len) != 0)
		len = 0;
	while (len && out[len - 1] == '\n')
		len--;
	out[len] = '\0';
}

/*
 * A process whose maps and fds we may not read (an LSM, a sandbox's own
 * init refusing root): it may hold whatever a file descriptor reaches.
 * Memory reached only by inheriting a mapping is held only by forks of
 * the program that created it, none of which has exec'd since (exec drops
 * the mapping): they bear its name unless they renamed themselves, so a
 * process of another name counts as not holding it (README limits).
 */
static void unreadable(struct walk *w, pid_t pid)
{
	char comm[64];

	read_comm(pid, comm, sizeof(comm));
	for (size_t i = 0; i < w->n; i++)
		if (w->objs[i].by_fd || !comm[0] || !strcmp(comm, w->comm))
			w->objs[i].elsewhere = true;
}

static void look_at_maps(struct walk *w, pid_t pid)
{
	char *buf = NULL;
	size_t len = 0;
	int err = proc_read_alloc(pid, 0, "maps", &buf, &len);

	if (err) {
		if (err != -ESRCH)
			unreadable(w, pid);
		return;
	}
	for (size_t i = 0; i < w->n; i++)
		if (!w->objs[i].elsewhere && maps_text_has_object(buf, len, w->objs[i].inode, w->objs[i].path))
			w->objs[i].elsewhere = true;
	free(buf);
}

static void look_at_fds(struct walk *w, pid_t pid)
{
	char dir[64], link[4096];
	DIR *d;
	struct dirent *de;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT && errno != ESRCH)
			unreadable(w, pid);
		return;
	}
	while ((de = readdir(d))) {
		ssize_t k;
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		k = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (k < 0 && (errno == EACCES || errno == EPERM)) {
			unreadable(w, pid); /* the directory lists, its links are refused */
			break;
		}
		if (k <= 0)
			continue; /* closed meanwhile */
		link[k] = '\0';
		for (size_t i = 0; i < w->n; i++) {
			struct shared_object *o = &w->objs[i];

			if (!o->by_fd || o->elsewhere || strcmp(link, o->path))
				continue;
			/* the same name may be another memfd: the inode tells; unreadable counts as it */
			if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || st.st_ino == o->inode)
				o->elsewhere = true;
		}
	}
	closedir(d);
}

static void look_at(pid_t pid, void *ctx)
{
	struct walk *w = ctx;

	if (pid != w->tgid)
		look_at_maps(w, pid);
	if (w->any_fd)
		look_at_fds(w, pid);
}

int proc_mark_other_holders(pid_t tgid, struct shared_object *objs, size_t n)
{
	struct walk w = { .tgid = tgid, .objs = objs, .n = n };
	struct stat st;

	if (stat("/proc/self/ns/pid", &st) != 0)
		return -errno;
	if (st.st_ino != PROC_PID_INIT_INO)
		return -EXDEV;
	for (size_t i = 0; i < n; i++) {
		objs[i].elsewhere = false;
		w.any_fd |= objs[i].by_fd;
	}
	if (n == 0)
		return 0;
	read_comm(tgid, w.comm, sizeof(w.comm));
	if (!w.comm[0])
		return -ESRCH;
	/* proc_each_pid skips ourselves: coretrap maps none of it and holds no fd on it */
	return proc_each_pid(look_at, &w);
}
