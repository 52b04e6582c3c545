// SPDX-License-Identifier: MIT
/*
 * STUB (sig helper): dump_process that writes the siginfo as text instead of
 * a core, so the ptrace loop can be tested before the core writer lands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "log.h"

int dump_process(const struct config *cfg, pid_t pid, const struct trigger_info *why, unsigned index,
		 char *path_out, size_t path_len)
{
	int fd;

	snprintf(path_out, path_len, "%s/stub_%s_%u.%d", cfg->dump_dir, why->kind, index, pid);
	fd = open(path_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int err = -errno;
		log_error("coretrap: failed to write %s: %s", path_out, strerror(-err));
		return err;
	}
	dprintf(fd, "tid=%d signo=%d code=%d addr=%p pid=%d\n", why->tid, why->siginfo ? why->siginfo->si_signo : 0,
		why->siginfo ? why->siginfo->si_code : 0, why->siginfo ? why->siginfo->si_addr : NULL,
		why->siginfo ? why->siginfo->si_pid : 0);
	close(fd);
	log_info("Core dump %u generated: %s", index, path_out);
	return 0;
}
