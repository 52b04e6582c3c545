/* SPDX-License-Identifier: MIT */
/*
 * The BPF trigger run mode: -c -cl -m -ml -tc -fc, -w, -pgid. Loads the
 * watch skeleton, follows the targets and dumps on each threshold crossing.
 */
#ifndef CORETRAP_TRIGGER_MONITOR_H
#define CORETRAP_TRIGGER_MONITOR_H

#include <stddef.h>

#include "base/config.h"
#include "trigger/monitor_rule.h"

/* The process exit code (0 ok, 1 runtime failure); errors are already printed. */
int monitor_run(const struct config *cfg);

/*
 * The daemon: watch every process that one of the rules matches (now and
 * at each exec) with one BPF program set, until SIGTERM/SIGINT (0) or
 * SIGHUP (MONITOR_RELOAD: every target is let go, load the rules again).
 * 1 when the monitor cannot run; errors are already printed.
 */
#define MONITOR_RELOAD 3
int monitor_run_rules(struct monitor_rule *rules, size_t n);

#endif
