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
#include <unistd.h>

#include "dotnet/dotnet.h"
#include "dump/compress_file.h"
#include "dump/dispatch_dotnet.h"
#include "dump/dispatch.h"
#include "base/log.h"

/* DIR/.NAME.coretrap-PID for DIR/NAME: where the runtime writes before -z compresses. */
static int hidden_name(const char *path, char *out, size_t len)
{
	const char *slash = strrchr(path, '/');
	int head = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(out, len, "%.*s.%s.coretrap-%d", head, path, path + head, (int)getpid());

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dotnet_dump_and_log(const struct config *cfg, pid_t pid, const struct trigger_info *why,
			unsigned index, const char *name, const char *path, char *path_out,
			size_t path_len)
{
	struct dotnet_dump_result res;
	struct compress_file_result zres;
	char desc[256], msg[PATH_MAX + 512], raw[PATH_MAX + 64];
	int r;

	/*
	 * -z: the runtime writes the whole dump under a hidden name beside the
	 * final one (path ends in .gz/.zst); it is compressed once complete and
	 * linked under path only when the compressed file is complete too.
	 */
	if (cfg->compress)
		r = !cfg->overwrite && access(path, F_OK) == 0 ? -EEXIST : hidden_name(path, raw, sizeof(raw));
	else
		r = snprintf(raw, sizeof(raw), "%s", path) < (int)sizeof(raw) ? 0 : -ENAMETOOLONG;
	if (!r)
		r = dotnet_write_dump(pid, raw, cfg->dotnet_dump_type, cfg->compress ? false : cfg->overwrite,
				      0, &res);
	else
		memset(&res, 0, sizeof(res));
	if (!r && cfg->compress) {
		r = compress_file(raw, path, cfg->overwrite, cfg->compress, compress_level(), &zres);
		if (!r)
			log_debug(".NET dump %s: %s, %llu bytes of %llu, compressed in %.1f ms (CPU %.1f ms)",
				  path, zformat_name(cfg->compress), (unsigned long long)zres.out_bytes,
				  (unsigned long long)zres.in_bytes, zres.wall_ns / 1e6, zres.cpu_ns / 1e6);
	}

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
