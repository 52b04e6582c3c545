/* SPDX-License-Identifier: MIT */
/*
 * The daemon's uploader: one thread that hands each dump of the spool to
 * the upload hook (upload_plan.h has the contract), one at a time, oldest
 * first, and tries a failed one again after a growing backoff. A dump
 * leaves the spool's queue only when the hook stored it (then it is marked
 * uploaded, or removed with delete-after) or its attempts ran out (it stays
 * in the spool, not uploaded, and is queued again at the next start). At
 * start every dump of the spool not marked uploaded is queued: nothing
 * written while the storage was down, or before a restart, is lost.
 */
#ifndef CORETRAP_DUMP_UPLOAD_H
#define CORETRAP_DUMP_UPLOAD_H

#include "dump/upload_plan.h"

/*
 * Start the thread (cfg->exec set) with the spool's pending dumps queued,
 * or change its settings when it runs (a reload). cfg->exec "" stops it.
 * 0 or -errno.
 */
int upload_configure(const struct upload_config *cfg, const struct upload_env *env);

/* Queue a dump just written (nothing when no upload is configured). */
void upload_enqueue(const char *path);

/*
 * Stop: a hook in progress is ended (SIGTERM to its process group, SIGKILL
 * after 2 s) and its dump stays queued for the next start. Joins the thread.
 */
void upload_stop(void);

#endif
