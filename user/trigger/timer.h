/* SPDX-License-Identifier: MIT */
/* No trigger: dump now, then every -s seconds until -n dumps are written. */
#ifndef CORETRAP_TRIGGER_TIMER_H
#define CORETRAP_TRIGGER_TIMER_H

#include "base/config.h"

/* The process exit code (0 ok, 1 runtime failure); errors are already printed. */
int timer_run(const struct config *cfg);

#endif
