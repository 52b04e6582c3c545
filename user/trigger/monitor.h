/* SPDX-License-Identifier: MIT */
/*
 * The BPF trigger run mode: -c -cl -m -ml -tc -fc, -w, -pgid. Loads the
 * watch skeleton, follows the targets and dumps on each threshold crossing.
 */
#ifndef CORETRAP_TRIGGER_MONITOR_H
#define CORETRAP_TRIGGER_MONITOR_H

#include "base/config.h"

/* The process exit code (0 ok, 1 runtime failure); errors are already printed. */
int monitor_run(const struct config *cfg);

#endif
