// SPDX-License-Identifier: MIT
/* STUB until branch cli lands: dump_process for .NET targets only. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "dump.h"
#include "log.h"
#include "zz_stub_dotnet.h"

int dump_process(const struct config *cfg, pid_t pid, const struct trigger_info *why, unsigned index,
		 char *path_out, size_t path_len)
{
	char path[PATH_MAX + 128];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	snprintf(path, sizeof(path), "%s/dotnet_%s_%04d%02d%02d_%02d%02d%02d.%u.%d", cfg->dump_dir, why->kind,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, index, pid);
	uint32_t hr = 0;
	int err = stub_dotnet_dump(pid, path, &hr);
	if (!err && hr)
		err = -EIO;
	if (err) {
		log_error("coretrap: failed to write dump of %d: %s (0x%08x)", pid, strerror(-err), hr);
		return err;
	}
	snprintf(path_out, path_len, "%s", path);
	log_info("Core dump %u generated: %s", index, path);
	return 0;
}
