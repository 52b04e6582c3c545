// SPDX-License-Identifier: MIT
#include "core/freeze_watch.h"
#include "core/pace_host.h"
#include "base/mono_clock.h"
#include "base/proc_read.h"
#include "base/quiet_thread.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_NS (1000ull * 1000)

/* A small sysfs file, NUL-terminated, into buf. false when unreadable. */
static bool read_sysfs(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return false;
	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return len > 0;
}

/* Our cgroup or one above it has a quota in `file` under the hierarchy at `root`. */
static bool cgroup_capped(const char *proc_cgroup, bool v1, const char *root, const char *file)
{
	char path[PATH_MAX], cg[PATH_MAX / 2], text[64];

	if (pace_host_cgroup_path(proc_cgroup, v1, cg, sizeof(cg)) < 0)
		return false;
	for (;;) {
		char *slash;

		snprintf(path, sizeof(path), "%s%s/%s", root, cg, file);
		if (read_sysfs(path, text, sizeof(text)) && pace_host_quota_capped(text))
			return true;
		slash = strrchr(cg, '/');
		if (!slash)
			return false;
		*slash = '\0';
	}
}

bool freeze_watch_likely(void)
{
	char *text = NULL;
	bool likely;

	if (proc_read_alloc(PROC_SYSTEM, 0, "cpuinfo", &text, NULL) == 0 && pace_host_cpuinfo_virtual(text)) {
		free(text);
		return true;
	}
	free(text);
	text = NULL;
	if (proc_read_alloc(getpid(), 0, "cgroup", &text, NULL) < 0) {
		free(text);
		return false;
	}
	likely = cgroup_capped(text, false, "/sys/fs/cgroup", "cpu.max") ||
		 cgroup_capped(text, true, "/sys/fs/cgroup/cpu", "cpu.cfs_quota_us");
	free(text);
	return likely;
}

static void *watch_main(void *arg)
{
	struct freeze_watch *w = arg;
	struct sched_param sp = { .sched_priority = 1 };
	uint64_t due = now_ns() + TICK_NS;

	/* best effort: without it a freeze must outlast the guest's own scheduling delays */
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	while (!atomic_load(&w->stop)) {
		struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
		uint64_t now;

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = now_ns();
		pthread_mutex_lock(w->lock);
		write_pace_observe(w->pace, now, now > due ? now - due : 0);
		pthread_mutex_unlock(w->lock);
		due = now + TICK_NS;
	}
	return NULL;
}

int freeze_watch_start(struct freeze_watch *w, struct write_pace *pace, pthread_mutex_t *lock)
{
	int err;

	w->running = false;
	w->pace = pace;
	w->lock = lock;
	atomic_init(&w->stop, false);
	err = quiet_thread_create(&w->tid, NULL, watch_main, w);
	if (err)
		return -err;
	w->running = true;
	return 0;
}

void freeze_watch_stop(struct freeze_watch *w)
{
	if (!w->running)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->tid, NULL);
	w->running = false;
}
