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
#include <stddef.h>
#include <stdint.h>

struct core_output {
	int fd;
	char path[PATH_MAX];
	char dir[PATH_MAX];
	char tmp_name[PATH_MAX]; /* "" when O_TMPFILE worked */
	bool direct;             /* O_DIRECT is set on fd */
};

/* -EEXIST when path exists and !overwrite. */
int core_output_open(struct core_output *out, const char *path, bool overwrite);
/*
 * Write the dump with direct I/O, where the filesystem takes page-aligned
 * direct writes (statx DIOALIGN): the data goes from our buffer to the
 * disk without a page-cache copy. Measured here, 4 GiB: 1.8-2.5 s direct
 * against 3.7-9.7 s buffered (throttled by the dirty-page limits), at a
 * tenth of the CPU. Below those limits the page cache takes a dump at
 * memory speed whatever the disk, so `prefer` says what the caller wants;
 * CORETRAP_DIRECT_IO=1 or =0 overrides it (always where possible / never).
 * Returns whether direct I/O is on; off is never an error.
 */
bool core_output_use_direct(struct core_output *out, size_t page_size, bool prefer);
/*
 * pwrite all of it. A direct write the filesystem refuses (EINVAL: an
 * alignment it did not announce) turns direct I/O off for fd and is
 * retried once, buffered. 0 or a negative errno.
 */
int core_output_pwrite(int fd, const void *buf, size_t len, uint64_t off);
/* Bytes free for us on the destination filesystem. */
int core_output_free_bytes(const struct core_output *out, uint64_t *bytes);
/* Link into place (atomically replacing with overwrite) and close. */
int core_output_commit(struct core_output *out, bool overwrite);
/* Drop the file: nothing remains under any name. */
void core_output_abort(struct core_output *out);

#endif
