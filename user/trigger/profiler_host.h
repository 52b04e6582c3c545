/* SPDX-License-Identifier: MIT */
/*
 * .NET exception and GC triggers through coretrap's CLR profiler: drop the
 * embedded .so where the target can read it (inside its mount namespace),
 * attach it with IPC AttachProfiler, serve its dump requests over the status
 * channel, and always get it unloaded again.
 */
#ifndef CORETRAP_PROFILER_HOST_H
#define CORETRAP_PROFILER_HOST_H

#include "base/config.h"

/* The process exit code (0 ok, 1 failure); errors are already printed. */
int profiler_run(const struct config *cfg);

#endif
