/* SPDX-License-Identifier: MIT */
/*
 * .NET exception and GC triggers through coretrap's CLR profiler: drop the
 * embedded .so where the target can read it (inside its mount namespace),
 * attach it with IPC AttachProfiler, serve its dump requests over the status
 * channel, and always get it unloaded again.
 */
#ifndef CORETRAP_PROFILER_HOST_H
#define CORETRAP_PROFILER_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* Also declared in run.h: the process exit code (0 ok, 1 failure); errors are already printed. */
int profiler_run(const struct config *cfg);

/* ---- profiler_drop.c: the files the target sees ---- */

struct profiler_drop {
	pid_t pid;
	char host_dir[256];    /* /proc/PID/root/tmp/coretrap-OURPID-N */
	char target_dir[64];   /* /tmp/coretrap-OURPID-N, as the target sees it */
	char host_so[300], target_so[200];
	char host_sock[300], target_sock[100];
	int listen_fd;
};

/* Create the private dir, write the .so (0644) and listen on the channel socket. 0 or -errno. */
int profiler_drop_create(struct profiler_drop *d, pid_t pid);
/* Remove what is left of the files and close the listening socket (idempotent). */
void profiler_drop_remove(struct profiler_drop *d);
/* True while /proc/PID/maps still maps our .so. */
bool profiler_drop_mapped(const struct profiler_drop *d);
/* True when pid maps any coretrap profiler (another coretrap's, or one the runtime kept). */
bool profiler_any_mapped(pid_t pid);

#endif
