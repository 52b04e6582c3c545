// SPDX-License-Identifier: MIT
/* Wait, then SIGKILL, then reap; see child_end.h. */
#include "base/child_end.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "base/mono_clock.h"

/* Short enough that a child ending promptly costs the caller little. */
#define POLL_MS 10

static pid_t reap(pid_t child, int *status, int flags)
{
	pid_t r;

	while ((r = waitpid(child, status, flags)) < 0 && errno == EINTR)
		;
	return r;
}

bool child_end(pid_t child, pid_t kill_target, uint64_t grace_ms, int *status)
{
	uint64_t deadline = now_ms() + grace_ms;
	const struct timespec pause = { 0, POLL_MS * 1000000L };
	int ignored;
	pid_t r;

	if (!status)
		status = &ignored;
	while ((r = reap(child, status, WNOHANG)) == 0) {
		if (now_ms() >= deadline) {
			kill(kill_target, SIGKILL);
			reap(child, status, 0);
			return false;
		}
		nanosleep(&pause, NULL);
	}
	return true; /* ended, or not ours to wait for (ECHILD): nothing left to do either way */
}
