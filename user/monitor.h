/* SPDX-License-Identifier: MIT */
/*
 * The trigger monitor: loads the BPF programs, keeps the watched processes
 * in BPF maps, and runs one epoll loop over the ring buffer, a signalfd
 * (SIGINT/SIGTERM) and a timerfd (deadlines and "below" checks). Returns 0
 * when monitoring ended normally (dumps done, target gone, Ctrl-C), or a
 * negative errno after printing one line.
 */
#ifndef CORETRAP_MONITOR_H
#define CORETRAP_MONITOR_H

#include "config.h"

int monitor_run(const struct config *cfg);

#endif
