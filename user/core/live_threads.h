/* SPDX-License-Identifier: MIT */
/*
 * Between the thread stopper (base/threads_stop.h) and the live dump: the
 * threads the userfaultfd can be created in, and the stops that creating
 * it changed, written back so that each thread is resumed from the stop
 * it is really in. The only place that knows both sides.
 */
#ifndef CORETRAP_CORE_LIVE_THREADS_H
#define CORETRAP_CORE_LIVE_THREADS_H

#include <stddef.h>

#include "core/live_uffd.h"
#include "base/threads_stop.h"

/* The live, stopped threads of ts that we stopped ourselves (malloc'd; *n of them). */
struct live_thread *live_threads_of(const struct thread_set *ts, size_t *n);
/* Record in ts the stops injection changed; frees v. */
void live_threads_note(struct thread_set *ts, struct live_thread *v, size_t n);

#endif
