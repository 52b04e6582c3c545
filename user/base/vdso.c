// SPDX-License-Identifier: MIT
/* Where a process's vdso is; see vdso.h. */
#include "base/vdso.h"

#include <errno.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/proc_maps.h"

int vdso_find(pid_t pid, uint64_t *start, uint64_t *size)
{
	struct maps maps;
	int err = proc_read_maps(pid ? pid : getpid(), false, &maps);

	if (err)
		return err;
	err = -ENOENT;
	for (size_t i = 0; i < maps.n; i++) {
		if (!strcmp(maps.v[i].path, "[vdso]")) {
			*start = maps.v[i].start;
			*size = maps.v[i].end - maps.v[i].start;
			err = 0;
			break;
		}
	}
	maps_free(&maps);
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
