/* SPDX-License-Identifier: MIT */
/* /proc readers the core writer needs for its notes (buffers in, values out). */
#ifndef CORETRAP_CORE_PROC_H
#define CORETRAP_CORE_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read /proc/PID/<name> (pid may be "PID/task/TID") whole; *buf is malloc'd and NUL-terminated. */
int core_proc_read(const char *rel, char **buf, size_t *len);

struct core_stat {
	char state;
	pid_t ppid, pgrp, sid;
	unsigned long flags;
	uint64_t utime_us, stime_us, cutime_us, cstime_us;
	int nice;
	char comm[32];
};
/* Parse /proc/.../stat text. 0 or -EINVAL. */
int core_parse_stat(const char *buf, struct core_stat *out);

struct core_status {
	uid_t uid;
	gid_t gid;
	unsigned long sigpnd, shdpnd, sigblk;
};
int core_parse_status(const char *buf, struct core_status *out);

#endif
