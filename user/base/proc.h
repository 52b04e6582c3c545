/* SPDX-License-Identifier: MIT */
/*
 * /proc readers used to find and describe targets. Parsers take buffers so
 * they can be unit-tested; the readers around them do the I/O.
 */
#ifndef CORETRAP_PROC_H
#define CORETRAP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ProcDump's process name: basename of argv[0] (skipping a leading sudo). */
int proc_name(pid_t pid, char *out, size_t len);
/* First process (lowest pid) whose proc_name matches; 0 or -ESRCH. */
int proc_find_by_name(const char *name, bool ignore_case, pid_t *out);
/* True while pid exists and is not a zombie. */
bool proc_alive(pid_t pid);
/*
 * Like proc_alive, but also true for a process whose leader exited before
 * its other threads (pthread_exit in main): it runs on, and can be dumped
 * and watched. proc_alive stays strict for the places that wait for an
 * exit, where the leader's zombie state comes first.
 */
bool proc_has_live_thread(pid_t pid);
/* Effective uid of pid (second field of the Uid: line); 0 or -ESRCH. */
int proc_euid(pid_t pid, uid_t *out);

/*
 * Seccomp mode of one thread (0 none, 1 strict, 2 filter), or a negative
 * errno (-ESRCH: gone; -EINVAL: a kernel without the field).
 */
int proc_thread_seccomp(pid_t pid, pid_t tid);
/* Effective capability set (CapEff:, bit N = capability N); 0 or a negative errno. */
int proc_cap_eff(pid_t pid, uint64_t *out);

/*
 * Pure parsers (unit-tested).
 * proc_name_from_cmdline: buf holds /proc/PID/cmdline (NUL-separated, len
 * bytes). Takes argv[0], or argv[1] when argv[0]'s basename is "sudo", cuts
 * it at the first space and keeps the basename. -ENOENT when that is empty
 * (kernel threads, zombies): the caller falls back to comm.
 */
int proc_name_from_cmdline(const char *buf, size_t len, char *out, size_t outlen);
/* State letter from /proc/PID/stat (after the last ')'), or 0 if malformed. */
char proc_state_from_stat(const char *buf);
/* Effective uid from /proc/PID/status text; 0 or -EINVAL. */
int proc_euid_from_status(const char *buf, uid_t *out);
/* "CapEff:" from /proc/PID/status text; 0 or -EINVAL. */
int proc_cap_eff_from_status(const char *buf, uint64_t *out);
/* "Seccomp:" mode from /proc/PID/status text, or -EINVAL. */
int proc_seccomp_from_status(const char *buf);
/* "Threads:" from /proc/PID/status text (a zombie process shows 1), or -EINVAL. */
int proc_threads_from_status(const char *buf);

#endif
