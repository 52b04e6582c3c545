// SPDX-License-Identifier: MIT
/* Walking and seizing a process's threads; see task_seize.h. */
#include "base/task_seize.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <unistd.h>

pid_t task_tracer(pid_t tgid, pid_t tid)
{
	char path[64], line[256];
	pid_t tracer = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

bool task_is_zombie(pid_t tgid, pid_t tid)
{
	char path[64], buf[512], *rp;
	bool z = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return true; /* gone counts as dead */
	if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) && rp[1] == ' ')
		z = rp[2] == 'Z' || rp[2] == 'X';
	fclose(f);
	return z;
}

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
	tracer = task_tracer(tgid, tid);
	if (tracer == getpid())
		return TASK_OURS;
	if (tracer < 0 || task_is_zombie(tgid, tid))
		return TASK_GONE; /* a zombie (a leader that exited before its threads) cannot be traced */
	return -EPERM;
}

int task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? -ESRCH : -errno;
	while (!ret && (de = readdir(d))) {
		pid_t tid = (pid_t)strtol(de->d_name, NULL, 10);

		if (tid > 0)
			ret = fn(tid, arg);
	}
	closedir(d);
	return ret;
}

/* task_foreach callback: stop at the first thread that is not a zombie. */
static int first_live(pid_t tid, void *arg)
{
	pid_t *ids = arg; /* [0] tgid in, [1] live tid out */

	if (task_is_zombie(ids[0], tid))
		return 0;
	ids[1] = tid;
	return 1;
}

pid_t task_live_thread(pid_t tgid)
{
	pid_t ids[2] = { tgid, 0 };

	if (!task_is_zombie(tgid, tgid))
		return tgid;
	return task_foreach(tgid, first_live, ids) == 1 ? ids[1] : 0;
}
