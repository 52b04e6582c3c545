/* SPDX-License-Identifier: MIT */
/*
 * The files coretrap's CLR profiler needs in the target's world: the
 * embedded .so and the status channel's listening socket, reached through
 * /proc/PID/root so they land in the target's mount namespace.
 */
#ifndef CORETRAP_DOTNET_PROFILER_DROP_H
#define CORETRAP_DOTNET_PROFILER_DROP_H

#include <stdbool.h>
#include <sys/types.h>

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
