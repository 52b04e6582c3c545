/* SPDX-License-Identifier: MIT */
/*
 * -restrack: one leak-tracking session for the whole run. It loads the
 * restrack skeleton once, attaches the allocator probes to each tracked
 * process (restrack_attach.h), and on each trigger writes
 * "<dump path>.restrack": the outstanding blocks of that process grouped by
 * stack (restrack_report.h), named from its own ELF objects
 * (restrack_sym.h). Closing the session detaches everything.
 *
 * Environment (tuning, not switches): CORETRAP_RESTRACK_ENTRIES, the most
 * outstanding blocks recorded at once (default 1048576; the map grows as
 * used), and CORETRAP_RESTRACK_STACKS, the distinct stacks kept (default 16384).
 */
#ifndef CORETRAP_TRIGGER_RESTRACK_H
#define CORETRAP_TRIGGER_RESTRACK_H

#include <stddef.h>
#include <sys/types.h>

#include "base/config.h"

struct restrack;

/* Load the BPF object. 0 or a negative errno (the error is printed). */
int restrack_open(const struct config *cfg, struct restrack **out);
/* Follow pid from now on (again: nothing). 0 or a negative errno; the one-line reason is printed. */
int restrack_track(struct restrack *rt, pid_t pid);
/* Detach from pid and drop its blocks. */
void restrack_untrack(struct restrack *rt, pid_t pid);
/*
 * Write "<dump_path>.restrack" for pid (text, or JSON with -json) without
 * a half-written file ever under that name, and log it. 0 or a negative
 * errno (printed).
 */
int restrack_report(struct restrack *rt, pid_t pid, const char *trigger, const char *dump_path, unsigned index);
/* Detach everything, print the counters (debug line, or a "restrack" health event with -json). */
void restrack_close(struct restrack *rt);

#endif
