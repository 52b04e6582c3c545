// SPDX-License-Identifier: MIT
/* Finding a process's C library in its maps; see restrack_libc.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trigger/restrack_libc.h"

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

bool restrack_is_libc_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char base[256];
	size_t n;

	/* a libc replaced on disk (an upgrade) is still the one the process runs */
	snprintf(base, sizeof(base), "%s", slash ? slash + 1 : path);
	n = strlen(base);
	if (ends(base, " (deleted)"))
		base[n - strlen(" (deleted)")] = '\0';
	if (strcmp(base, "libc.so.6") == 0 || strcmp(base, "libc.so") == 0)
		return true;
	if (starts(base, "libc-") && ends(base, ".so"))
		return true; /* glibc before 2.34: libc-2.31.so */
	return starts(base, "ld-musl-") && ends(base, ".so.1");
}

int restrack_find_libc(const struct maps *m, size_t *idx)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct mapping *v = &m->v[i];

		if (v->inode && mapping_is_file(v) && restrack_is_libc_name(v->path)) {
			*idx = i;
			return 0;
		}
	}
	return -ENOENT;
}
