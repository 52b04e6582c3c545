/* SPDX-License-Identifier: MIT */
/*
 * A watchdog thread for a live dump's writers: it sleeps 1 ms at a time and
 * tells the pace (core/write_pace.h) how late each sleep ended. A sleep
 * that ends many ms late means nothing ran: on a VM, the host stopped it.
 * The thread asks for SCHED_FIFO where it may, so a busy guest scheduler
 * does not pass for a stopped VM.
 */
#ifndef CORETRAP_CORE_FREEZE_WATCH_H
#define CORETRAP_CORE_FREEZE_WATCH_H

#include "core/write_pace.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct freeze_watch {
	pthread_t tid;
	bool running;
	atomic_bool stop;
	pthread_mutex_t *lock; /* held around every write_pace call */
	struct write_pace *pace;
};

/*
 * Whether this machine is one whose host can stop it for lack of CPU time
 * (core/pace_host.h): a VM, or our cgroup or one above it with a CPU quota.
 */
bool freeze_watch_likely(void);

/* Start watching for `pace`, which `lock` guards. 0 or a negative errno (then nothing runs). */
int freeze_watch_start(struct freeze_watch *w, struct write_pace *pace, pthread_mutex_t *lock);

/* Stop and join the thread; nothing when it never started. */
void freeze_watch_stop(struct freeze_watch *w);

#endif
