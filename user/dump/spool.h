/* SPDX-License-Identifier: MIT */
/*
 * The daemon's spool directory and its caps (spool_caps.h decides; this
 * file reads the directory and the filesystem, evicts, and holds the
 * host-wide slots). Only dumps written into the configured spool obey it:
 * the one-shot command line has no spool.
 *
 * On disk, besides the dumps:
 *   SPOOL/.uploaded/NAME   empty: NAME was uploaded (and may be evicted)
 *   SPOOL/.slots/K         flock()ed by a process writing a dump (K <
 * max-concurrent) Hidden names (".coretrap-*" files being written,
 * ".NAME.coretrap-PID" staging directories) are never counted as dumps,
 * uploaded or evicted.
 */
#ifndef CORETRAP_DUMP_SPOOL_H
#define CORETRAP_DUMP_SPOOL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "dump/spool_caps.h"

/* Set (or change, at a reload) the spool and its caps. */
void spool_configure(const char *dir, const struct spool_caps *caps);
/* Does a dump into dump_dir obey the caps? */
bool spool_governs(const char *dump_dir);

/* A slot held for one dump (fd of the flock()ed slot file; -1 = none). */
struct spool_slot {
	int fd;
};

/*
 * Before a dump of pid into the spool: estimate its size, take a slot,
 * evict uploaded dumps if the caps need room. 0: go (release the slot
 * after the dump); -EDQUOT: a cap refuses, `why` says which and by how
 * much, nothing was evicted; another -errno: the spool cannot be read.
 */
int spool_admit(pid_t pid, struct spool_slot *slot, char *why, size_t why_len);
void spool_release(struct spool_slot *slot);

/* A dump was written at path: the spool gauge, the upload queue. */
void spool_written(const char *path);

/* The upload of path is done: mark it (it may be evicted from now on). 0 or -errno. */
int spool_mark_uploaded(const char *path);
/* Remove path and its mark (delete-after-upload). 0 or -errno. */
int spool_remove(const char *path);

/*
 * The dumps not uploaded yet, oldest first, as full paths: each of the n
 * strings is malloc()ed in *out (free them and the array). 0 or -errno.
 */
int spool_pending(char ***out, size_t *n);

/* The caps of dir as a SPOOL_CAPS_ENV line, for a run that dumps there. 0, or -ENOENT when dir is not the spool. */
int spool_caps_line(const char *dir, char *buf, size_t len);

/* Recount the spool's bytes into the coretrap_spool_bytes gauge. */
void spool_update_gauge(void);

#endif
