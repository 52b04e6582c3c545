// SPDX-License-Identifier: MIT
/* Signal-free helper threads; see quiet_thread.h. */
#include "base/quiet_thread.h"

#include <signal.h>

int quiet_thread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	/* A new thread inherits its creator's mask: block all around the create. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(tid, attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}
