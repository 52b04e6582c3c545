/* SPDX-License-Identifier: MIT */
/*
 * /proc readers used to find and describe targets. Parsers take buffers so
 * they can be unit-tested; the readers around them do the I/O.
 */
#ifndef CORETRAP_PROC_H
#define CORETRAP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ProcDump's process name: basename of argv[0] (skipping a leading sudo). */
int proc_name(pid_t pid, char *out, size_t len);
/* First process (lowest pid) whose proc_name matches; 0 or -ESRCH. */
int proc_find_by_name(const char *name, bool ignore_case, pid_t *out);
/* True while pid exists and is not a zombie. */
bool proc_alive(pid_t pid);

#endif
