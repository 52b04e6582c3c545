/* SPDX-License-Identifier: MIT */
/*
 * The .NET branch of dump_process(): the runtime writes its own dump
 * (user/dotnet_dump.c), and the log line says what kind of process it was:
 * "Core dump 0 generated: PATH (.NET 10.0.12, entry MarkerApp, heap dump)".
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dotnet/dotnet.h"
#include "dump/dispatch_dotnet.h"
#include "dump/dispatch.h"
#include "base/log.h"

int dotnet_dump_and_log(const struct config *cfg, pid_t pid, const struct trigger_info *why,
			unsigned index, const char *name, const char *path, char *path_out,
			size_t path_len)
{
	struct dotnet_dump_result res;
	char desc[256], msg[PATH_MAX + 512];
	int r = dotnet_write_dump(pid, path, cfg->dotnet_dump_type, cfg->overwrite, 0, &res);

	if (r == 0) {
		struct log_event ev = { .event = "dump", .pid = pid, .name = name, .trigger = why->kind,
					.path = path, .index = (int)index, .message = msg,
					.has = LOG_HAS_INDEX };

		dotnet_describe(&res, cfg->dotnet_dump_type, desc, sizeof(desc));
		snprintf(msg, sizeof(msg), "Core dump %u generated: %s (%s)", index, path, desc);
		log_event(&ev);
		if (res.detail[0])
			log_warn("%s", res.detail); /* e.g. the pagemap variable not restored */
		log_debug(".NET dump %s: %llu bytes (%llu allocated), GenerateCoreDump%s, pagemap %s, %s, %.1f ms",
			  path, (unsigned long long)res.apparent_bytes,
			  (unsigned long long)res.allocated_bytes,
			  res.command_id == 1 ? "" : res.command_id == 2 ? "2" : "3",
			  res.pagemap_trick ? "on" : "off", res.copied ? "copied" : "renamed",
			  res.wall_ns / 1e6);
		if (path_out && path_len)
			snprintf(path_out, path_len, "%s", path);
		return 0;
	}
	if (r == -EEXIST)
		snprintf(msg, sizeof(msg), "dump file %s already exists (use -o to overwrite)", path);
	else
		snprintf(msg, sizeof(msg), "failed to write .NET dump %s of process %d: %s%s%s", path,
			 (int)pid, strerror(-r), res.detail[0] ? ": " : "", res.detail);
	struct log_event ev = { .event = "dump_failed", .pid = pid, .name = name, .path = path,
				.index = (int)index, .message = msg, .has = LOG_HAS_INDEX };

	log_event(&ev);
	return r;
}
