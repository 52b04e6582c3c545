/* SPDX-License-Identifier: MIT */
/*
 * Helper threads that never take a signal. A process-directed signal goes
 * to any thread that does not block it: SIGCHLD from a ptrace stop (which
 * -sig waits for on a signalfd in the main thread) would otherwise land in
 * a helper, where its default action drops it, and be noticed only at the
 * next timeout. Every helper thread is started through this.
 */
#ifndef CORETRAP_QUIET_THREAD_H
#define CORETRAP_QUIET_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread; its return value. */
int quiet_thread_create(pthread_t *tid, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

#endif
