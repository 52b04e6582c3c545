/* SPDX-License-Identifier: MIT */
/*
 * Pure parsers of /proc text: no I/O, so unit tests and the fuzzer
 * (tests/fuzz/fuzz_proc_parse.c) feed them buffers. Text inputs are
 * NUL-terminated, as proc_read gives them; cmdline and environ hold NULs and
 * come with their length. A malformed or missing field is -EINVAL.
 * (maps and smaps: proc_maps.h.)
 */
#ifndef CORETRAP_PROC_PARSE_H
#define CORETRAP_PROC_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A file that holds one number ("0\n": sys/vm/..., coredump_filter in hex). */
int proc_parse_number(const char *text, int base, uint64_t *out);

/* ---- "Key:\tvalue" lines: status, meminfo ---- */

/*
 * The value on the line that starts with key and a colon ("Uid" finds
 * "Uid:\t0\t0..."), past the blanks after the colon; NULL when no line does.
 */
const char *proc_field(const char *text, const char *key);
/* The index-th (from 0) blank-separated decimal number of key's line. */
int proc_field_num(const char *text, const char *key, unsigned index, uint64_t *out);
/* The hex number of key's line (SigBlk, SigIgn, CapEff...). */
int proc_field_hex(const char *text, const char *key, uint64_t *out);

/* Positions on the Uid: and Gid: lines, for proc_field_num. */
enum proc_id_index { PROC_ID_REAL, PROC_ID_EFFECTIVE, PROC_ID_SAVED, PROC_ID_FS };

/* The innermost pid of NSpid: (the pid in the process's own namespace). */
int proc_status_nspid(const char *status, pid_t *out);
/*
 * The counters a target starts with: RSS pages (RssAnon + RssFile +
 * RssShmem; 0 for a kernel thread, which has none) and Threads (required).
 */
int proc_status_counts(const char *status, long page_size, uint64_t *rss_pages, uint32_t *threads);

/* ---- stat: "pid (comm) state ppid ..." ---- */

struct proc_stat {
	char comm[32];           /* between the first '(' and the last ')', truncated */
	char state;
	pid_t ppid, pgrp, sid;
	unsigned long flags;
	uint64_t utime, stime, cutime, cstime; /* clock ticks */
	int nice;
	uint64_t starttime;      /* clock ticks after boot: with the pid, who the process is */
};
/*
 * Fields 2 to 22. comm may hold spaces and parentheses: the fields start
 * after the last ')'.
 */
int proc_parse_stat(const char *stat, struct proc_stat *out);
/* Just the state letter (field 3), or 0 when the text is not a stat line. */
char proc_stat_state(const char *stat);
/* Zombie or dead, or no state at all: nothing of the task runs any more. */
bool proc_state_dead(char state);
/* stat's flags bit for a task in do_exit (the kernel's PF_EXITING). */
#define PROC_PF_EXITING 0x4ul
/*
 * The task of this stat line is dead, a zombie, or on its way out: in
 * do_exit the state still reads 'R' or 'D' while its memory is torn down,
 * so only the flags tell. Also true for text that is no stat line.
 */
bool proc_stat_gone(const char *stat);

/* ---- cmdline and environ ---- */

/*
 * ProcDump's process name from cmdline (NUL-separated, len bytes): argv[0],
 * or argv[1] when argv[0]'s basename is "sudo", cut at the first space, its
 * basename (truncated to outlen). -ENOENT when that is empty (kernel
 * threads, zombies): the caller falls back to comm.
 */
int proc_name_from_cmdline(const char *buf, size_t len, char *out, size_t outlen);
/* Value of name in a NUL-separated environ block (the last one wins), or NULL. */
const char *proc_environ_get(const char *block, size_t len, const char *name);

#endif
