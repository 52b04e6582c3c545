// SPDX-License-Identifier: MIT
/* STUB until the cli/core branches land: writes a marker file, no core. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"
#include "proc.h"

int dump_process(const struct config *cfg, pid_t pid, const struct trigger_info *why,
		 unsigned index, char *path_out, size_t path_len)
{
	char name[CONFIG_NAME_MAX] = "proc", ts[32];
	time_t now = time(NULL);
	struct tm tm;
	int fd;

	proc_name(pid, name, sizeof(name));
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%y%m%d_%H%M%S", &tm);
	snprintf(path_out, path_len, "%s/%s_%s_%s_%u.%d", cfg->dump_dir, name, why->kind, ts, index,
		 (int)pid);
	fd = open(path_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = -errno;

		log_error("coretrap: failed to write %s", path_out);
		return err;
	}
	if (write(fd, "stub\n", 5) < 0) {
		close(fd);
		return -EIO;
	}
	close(fd);
	struct log_event ev = { .event = "dump", .pid = pid, .path = path_out, .index = (int)index };
	log_event(&ev);
	return 0;
}
