/* SPDX-License-Identifier: MIT */
/*
 * The signal trigger (-sig S1[,S2...] and -crash): hold the target at the
 * delivery of a watched signal, dump it with the receiving thread first and
 * the real siginfo, then deliver the signal exactly as it would have been.
 */
#ifndef CORETRAP_SIGTRAP_H
#define CORETRAP_SIGTRAP_H

#include "base/config.h"

/*
 * Monitor cfg's target (one process: options_parse() refuses -w and -pgid
 * here) until it exits, -n dumps are written, or SIGINT / SIGTERM. Returns
 * the process exit code: 0, or 1 after a runtime failure (its one-line
 * error is printed). main() reaches it through cli/run.h's mode dispatch.
 */
int sigtrap_run(const struct config *cfg);

#endif
