/* SPDX-License-Identifier: MIT */
/* Handler-free stop signals; see sigctl.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/sigctl.h"
#include "base/quiet_thread.h"

volatile int sigctl_interrupted;
static int sfd = -1, hupfd = -1;

static void stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	if (hupfd < 0)
		sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
}

/*
 * Polls the signalfd without reading it: a process-directed signal stays
 * pending, so main's own sigctl_wait()/epoll still sees it.
 */
static void *watcher(void *arg)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };

	(void)arg;
	while (poll(&p, 1, -1) < 0 && errno == EINTR)
		;
	if (p.revents & POLLIN)
		sigctl_interrupted = 1;
	return NULL;
}

int sigctl_init(void)
{
	sigset_t set;
	pthread_t tid;
	pthread_attr_t attr;
	int r;

	stop_set(&set);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return -errno;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = quiet_thread_create(&tid, &attr, watcher, NULL);
	pthread_attr_destroy(&attr);
	return -r;
}

int sigctl_fd(void)
{
	return sfd;
}

int sigctl_read(void)
{
	struct signalfd_siginfo si;
	ssize_t n = read(sfd, &si, sizeof(si));

	if (n == (ssize_t)sizeof(si)) {
		sigctl_interrupted = 1;
		return (int)si.ssi_signo;
	}
	return n < 0 && errno != EAGAIN ? -errno : 0;
}

bool sigctl_pending(void)
{
	sigset_t pending, stop;

	stop_set(&stop);
	if (!sigctl_interrupted && sigpending(&pending) == 0)
		for (int s = 1; s < NSIG; s++)
			if (sigismember(&stop, s) && sigismember(&pending, s))
				sigctl_interrupted = 1;
	return sigctl_interrupted;
}

int sigctl_wait(int timeout_ms)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	int r;

	if (sigctl_pending())
		return 1;
	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r > 0)
		sigctl_interrupted = 1;
	return r > 0 ? 1 : (r < 0 ? -errno : 0);
}

int sigctl_hup_reloads(void)
{
	sigset_t hup, stop;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	hupfd = signalfd(-1, &hup, SFD_CLOEXEC | SFD_NONBLOCK);
	if (hupfd < 0)
		return -errno;
	/* SIGHUP stays blocked; the stop signalfd (and its watcher) no longer sees it */
	stop_set(&stop);
	return signalfd(sfd, &stop, SFD_CLOEXEC | SFD_NONBLOCK) < 0 ? -errno : 0;
}

int sigctl_reload_fd(void)
{
	return hupfd;
}

int sigctl_read_reload(void)
{
	struct signalfd_siginfo si;
	ssize_t n = read(hupfd, &si, sizeof(si));

	if (n == (ssize_t)sizeof(si))
		return 1;
	return n < 0 && errno != EAGAIN ? -errno : 0;
}
