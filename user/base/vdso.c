// SPDX-License-Identifier: MIT
#include "base/vdso.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int vdso_find(pid_t pid, uint64_t *start, uint64_t *size)
{
	char path[64], line[512];
	int err = -ENOENT;
	FILE *f;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &a, &b) == 2) {
			*start = a;
			*size = b - a;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

const unsigned char *vdso_own(uint64_t *size)
{
	static uint64_t own_size = UINT64_MAX;
	uint64_t start;

	if (own_size == UINT64_MAX && vdso_find(0, &start, &own_size) < 0)
		own_size = 0;
	*size = own_size;
	return own_size ? (const unsigned char *)getauxval(AT_SYSINFO_EHDR) : NULL;
}
