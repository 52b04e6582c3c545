/* SPDX-License-Identifier: MIT */
/* Which mapping of a process is its C library, the allocator -restrack follows (pure). */
#ifndef CORETRAP_TRIGGER_RESTRACK_LIBC_H
#define CORETRAP_TRIGGER_RESTRACK_LIBC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/proc_maps.h"

/* glibc's libc.so.6 (or libc-2.x.so, libc.so) and musl's ld-musl-ARCH.so.1. */
bool restrack_is_libc_name(const char *path);

/*
 * The first file mapping of a C library in m: 0 with *idx, or -ENOENT (a
 * static binary, or a process without libc).
 */
int restrack_find_libc(const struct maps *m, size_t *idx);

#endif
