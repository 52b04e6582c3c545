/* SPDX-License-Identifier: MIT */
/* The .NET branch of dump_process() (dump/dispatch.c), in its own file. */
#ifndef CORETRAP_DUMP_DISPATCH_DOTNET_H
#define CORETRAP_DUMP_DISPATCH_DOTNET_H

#include <stddef.h>
#include <sys/types.h>

#include "base/config.h"

struct trigger_info;
/*
 * dump_process()'s .NET branch: write the runtime's dump of pid at path with
 * cfg's -dt type and log "Core dump N generated: PATH (.NET 10.0.x, entry X,
 * heap dump)" or the one-line failure. Returns 0 or -errno.
 */
int dotnet_dump_and_log(const struct config *cfg, pid_t pid, const struct trigger_info *why,
			unsigned index, const char *name, const char *path, char *path_out,
			size_t path_len);

#endif
