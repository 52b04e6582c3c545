/* SPDX-License-Identifier: MIT */
/*
 * One dump action, shared by every trigger: pick the file name, choose the
 * writer (native core, or the .NET runtime's own dump), write, log the result.
 */
#ifndef CORETRAP_DUMP_H
#define CORETRAP_DUMP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/config.h"

struct trigger_info {
	const char *kind;          /* name token: cpu commit thread filedesc signal time exception ... */
	pid_t tid;                 /* thread to list first (0 = the main thread) */
	const siginfo_t *siginfo;  /* NT_SIGINFO content, NULL = none */
	bool already_seized;       /* see struct dump_request */
	volatile int *interrupted; /* abandon the dump when this becomes non-zero */
	const char *rule;          /* metrics label (daemon rule name); NULL = METRICS_RULE_CMDLINE */
};

/*
 * Write dump number `index` (0-based, as ProcDump counts) of `pid` for the
 * reason in `why`. On success the final path is copied to path_out and
 * "Core dump N generated: PATH" is logged. Returns 0 or a negative errno
 * (the one-line error is already printed).
 *
 * Every call is counted (base/metrics.h): one coretrap_triggers_total and
 * one coretrap_dumps_total with its result, and for a written dump its
 * bytes, duration and stall.
 *
 * A dump into the daemon's spool (dump/spool.h) first passes its caps:
 * -EDQUOT when one refuses (a "dump_skipped" event says which); a dump
 * written there is then queued for upload.
 */
int dump_process(const struct config *cfg, pid_t pid, const struct trigger_info *why,
		 unsigned index, char *path_out, size_t path_len);

/* -z's level from CORETRAP_Z_LEVEL, 0 (the format's default) without it. */
int compress_level(void);

#endif
