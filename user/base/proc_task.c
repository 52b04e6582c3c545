// SPDX-License-Identifier: MIT
/* Per-thread /proc readers for the ptrace engine; see proc_task.h. */
#include "base/proc_task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"

/* /proc/TGID/task/TID/FILE, NUL-terminated in buf; false when unreadable (the thread is gone). */
static bool read_task_file(pid_t tgid, pid_t tid, const char *file, char *buf, size_t len)
{
	char path[80];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/%s", (int)tgid, (int)tid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* both files are far below a page and the kernel fills them in one read */
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

pid_t proc_task_tracer_from_status(const char *status)
{
	const char *line = strstr(status, "\nTracerPid:");
	int tracer;

	if (!line || sscanf(line + strlen("\nTracerPid:"), "%d", &tracer) != 1)
		return -1;
	return tracer;
}

bool proc_task_state_is_dead(char state)
{
	return state == 0 || state == 'Z' || state == 'X' || state == 'x';
}

pid_t proc_task_tracer(pid_t tgid, pid_t tid)
{
	char buf[4096];

	return read_task_file(tgid, tid, "status", buf, sizeof(buf)) ? proc_task_tracer_from_status(buf) : -1;
}

bool proc_task_is_zombie(pid_t tgid, pid_t tid)
{
	char buf[1024];

	if (!read_task_file(tgid, tid, "stat", buf, sizeof(buf)))
		return true; /* gone counts as dead */
	return proc_task_state_is_dead(proc_state_from_stat(buf));
}

bool proc_task_exists(pid_t tgid, pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%d", (int)tgid, (int)tid);
	return access(path, F_OK) == 0;
}

int proc_task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
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

/* proc_task_foreach callback: stop at the first thread that is not a zombie. */
static int first_live(pid_t tid, void *arg)
{
	pid_t *ids = arg; /* [0] tgid in, [1] live tid out */

	if (proc_task_is_zombie(ids[0], tid))
		return 0;
	ids[1] = tid;
	return 1;
}

pid_t proc_task_live_thread(pid_t tgid)
{
	pid_t ids[2] = { tgid, 0 };

	if (!proc_task_is_zombie(tgid, tgid))
		return tgid;
	return proc_task_foreach(tgid, first_live, ids) == 1 ? ids[1] : 0;
}
