/* SPDX-License-Identifier: MIT */
/*
 * Typed /proc readers: one value each, read with proc_read.h (and its error
 * policy: a vanished process is -ESRCH, nothing partial is trusted) and
 * parsed with proc_parse.h / proc_maps.h. tid 0 means the process itself.
 */
#ifndef CORETRAP_PROC_H
#define CORETRAP_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/proc_maps.h"

/* ProcDump's process name: basename of argv[0] (skipping a leading sudo), else comm. */
int proc_name(pid_t pid, char *out, size_t len);
/* Call fn for every process in /proc but ourselves, in directory order. 0 or -errno. */
int proc_each_pid(void (*fn)(pid_t pid, void *ctx), void *ctx);
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

/* The stat state letter of a process or thread ('R', 'S', 'Z'...). */
int proc_state(pid_t tgid, pid_t tid, char *state);
/* TracerPid: of a process or thread: 0 when nobody ptraces it. */
int proc_tracer_pid(pid_t tgid, pid_t tid, pid_t *tracer);
/*
 * Seccomp mode of one thread (0 none, 1 strict, 2 filter), or a negative
 * errno (-ESRCH: gone; -EINVAL: a kernel without the field).
 */
int proc_thread_seccomp(pid_t pid, pid_t tid);
/* Effective capability set (CapEff:, bit N = capability N). */
int proc_cap_eff(pid_t pid, uint64_t *out);
/* Effective uid (second value of Uid:). */
int proc_euid(pid_t pid, uid_t *out);
/* Signal dispositions, bit sig-1 set: SigIgn and SigCgt. */
int proc_dispositions(pid_t pid, uint64_t *ignored, uint64_t *caught);
/* RSS pages (RssAnon + RssFile + RssShmem) and Threads: (proc_status_counts). */
int proc_counts(pid_t pid, long page_size, uint64_t *rss_pages, uint32_t *threads);
/* Open file descriptors (entries of /proc/PID/fd). */
int proc_fd_count(pid_t pid, uint32_t *out);
/* The mappings, from smaps (VmFlags, Rss, Anonymous) or maps. maps_free() them. */
int proc_read_maps(pid_t pid, bool smaps, struct maps *out);

/* System memory from /proc/meminfo, in bytes; 0 for a field this kernel lacks. */
struct proc_meminfo {
	uint64_t available_bytes, dirty_bytes, writeback_bytes;
};
int proc_meminfo(struct proc_meminfo *out);
/* A number file under /proc ("sys/vm/dirty_background_bytes"). */
int proc_sys_number(const char *file, uint64_t *out);
/* stat's clock ticks (utime, stime...) in microseconds. */
uint64_t proc_ticks_to_us(uint64_t ticks);

#endif
