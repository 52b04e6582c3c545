/* SPDX-License-Identifier: MIT */
/*
 * The dump file: an unnamed O_TMPFILE in the destination directory, mode
 * 0600, linked under its final name only once complete, so no half-written
 * dump ever appears. Filesystems without O_TMPFILE get a hidden temporary
 * name that is renamed or removed.
 */
#ifndef CORETRAP_CORE_OUTPUT_H
#define CORETRAP_CORE_OUTPUT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

struct core_output {
	int fd;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char tmp_name[PATH_MAX]; /* "" when O_TMPFILE worked */
};

/* -EEXIST when path exists and !overwrite. */
int core_output_open(struct core_output *out, const char *path, bool overwrite);
/* Bytes free for us on the destination filesystem. */
int core_output_free_bytes(const struct core_output *out, uint64_t *bytes);
/* Link into place (atomically replacing with overwrite) and close. */
int core_output_commit(struct core_output *out, bool overwrite);
/* Drop the file: nothing remains under any name. */
void core_output_abort(struct core_output *out);

#endif
