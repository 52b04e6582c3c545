/* SPDX-License-Identifier: MIT */
/*
 * The one way coretrap reads /proc. Every /proc file of a process or thread
 * goes through these calls, so every caller gets the same answers:
 *
 *  - The process or thread vanished: -ESRCH. open() says ENOENT (or ESRCH)
 *    when its directory is gone, and a read of a file opened earlier says
 *    ESRCH once the task has been reaped. An ENOENT while the directory is
 *    still there is a file this kernel does not have: -ENOENT.
 *  - The file is bigger than a fixed caller buffer: -E2BIG, never the first
 *    cap bytes. proc_read_alloc grows its buffer instead.
 *  - EACCES and EPERM (hidepid, ptrace access checks) pass through, as does
 *    any other errno; EINTR is retried.
 *  - Nothing ever trusts a partial read: a read that fails after some bytes
 *    fails the whole call. Text comes NUL-terminated; *len excludes the NUL.
 *
 * Which file: /proc/TGID/FILE, or /proc/TGID/task/TID/FILE when tid is not 0,
 * or /proc/FILE for tgid PROC_SYSTEM ("meminfo", "sys/vm/..."; there ENOENT
 * stays -ENOENT). Our own files are (getpid(), 0, FILE).
 */
#ifndef CORETRAP_PROC_READ_H
#define CORETRAP_PROC_READ_H

#include <stddef.h>
#include <sys/types.h>

#define PROC_SYSTEM 0 /* tgid of the files right under /proc */

/*
 * A buffer that holds any file the kernel renders in one page (stat, comm,
 * coredump_filter, single numbers). status is not one: its Groups: line can
 * take many pages, so it is read with proc_read_alloc.
 */
#define PROC_PAGE_FILE_MAX 4096

/* Open the file read-only (O_CLOEXEC added to flags); an fd or -errno as above. */
int proc_open(pid_t tgid, pid_t tid, const char *file, int flags);
/* The whole file into buf (cap bytes with the NUL); len may be NULL. 0 or -errno. */
int proc_read(pid_t tgid, pid_t tid, const char *file, char *buf, size_t cap, size_t *len);
/* The whole file into a malloc'd buffer (*buf, free it); len may be NULL. 0 or -errno. */
int proc_read_alloc(pid_t tgid, pid_t tid, const char *file, char **buf, size_t *len);
/*
 * The whole file behind fd (from proc_open) again, from offset 0: a file kept
 * open follows one process, never a later one that reuses its pid.
 */
int proc_pread(int fd, char *buf, size_t cap, size_t *len);

#endif
