/* SPDX-License-Identifier: MIT */
/*
 * Between the ptrace engine (base/ptrace_engine.h) and the live dump: the
 * threads the userfaultfd can be created in, and the stops that creating
 * it changed, written back so that each thread is resumed from the stop
 * it is really in. The only place of the live dump that knows the engine.
 */
#ifndef CORETRAP_CORE_LIVE_THREADS_H
#define CORETRAP_CORE_LIVE_THREADS_H

#include <stddef.h>

#include "core/live_uffd.h"
#include "base/ptrace_engine.h"

#include <stdbool.h>
#include <sys/types.h>

/*
 * Stop every thread of tgid for the few injected syscalls that create
 * its userfaultfd (live_uffd_create), then resume each from the stop it
 * is really in. already_seized: the caller holds every thread seized and
 * keep_stopped in its own stop (ptrace_set_borrow); interrupted: as for
 * ptrace_stop_all. *reinjected: signal-delivery-stops of other threads met
 * and handed back on the way (already_seized only). 0 or a negative errno
 * with `why` saying what refused.
 */
int live_threads_create_uffd(pid_t tgid, bool already_seized, pid_t keep_stopped,
			     volatile int *interrupted, int *fd, unsigned *reinjected, char *why,
			     size_t why_len);

#endif
