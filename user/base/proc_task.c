// SPDX-License-Identifier: MIT
/*
 * Per-thread /proc readers for the ptrace engine; see proc_task.h. They sit
 * on the shared /proc module (base/proc_read.h's error policy, base/proc.h's
 * typed readers, base/proc_parse.h's parsers) and only add the thread walk.
 */
#include "base/proc_task.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/proc_parse.h"
#include "base/proc_read.h"

pid_t proc_task_tracer(pid_t tgid, pid_t tid)
{
	pid_t tracer;

	return proc_tracer_pid(tgid, tid, &tracer) ? -1 : tracer;
}

bool proc_task_is_zombie(pid_t tgid, pid_t tid)
{
	char state;

	if (proc_state(tgid, tid, &state))
		return true; /* gone counts as dead */
	return proc_state_dead(state);
}

bool proc_task_exists(pid_t tgid, pid_t tid)
{
	int fd = proc_open(tgid, tid, ".", O_PATH | O_DIRECTORY);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int proc_task_foreach(pid_t tgid, int (*fn)(pid_t tid, void *arg), void *arg)
{
	struct dirent *de;
	int ret = 0, fd = proc_open(tgid, 0, "task", O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0)
		return fd;
	d = fdopendir(fd);
	if (!d) {
		ret = -errno;
		close(fd);
		return ret;
	}
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
