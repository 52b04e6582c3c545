// SPDX-License-Identifier: MIT
/* STUB (sig helper): minimal proc.c until the cli/core branch lands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

int proc_name(pid_t pid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(out, (int)len, f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

int proc_find_by_name(const char *name, bool ignore_case, pid_t *out)
{
	(void)name;
	(void)ignore_case;
	(void)out;
	return -ESRCH;
}

bool proc_alive(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return access(path, F_OK) == 0;
}
