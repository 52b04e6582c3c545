/* SPDX-License-Identifier: MIT */
/*
 * The set of processes being watched, and the /proc reads that find them and
 * seed their counters. The BPF maps hold the same set, keyed by tgid; the
 * monitor keeps both in step.
 */
#ifndef CORETRAP_TARGETS_H
#define CORETRAP_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"
#include "trigger/kinds.h"
#include "trigger/rules.h"

struct counter_watch;
struct monitor_rule;

struct target {
	pid_t pid;
	struct monitor_rule *rule;  /* what it is watched by (the command line, or a daemon rule) */
	char name[CONFIG_NAME_MAX];
	uint64_t added_ns;          /* CLOCK_MONOTONIC when monitoring started */
	int dumps;                  /* dumps written for this process (-n is per process) */
	int mem_dumps;              /* memory dumps: position in the -m/-ml list */
	bool fd_armed;              /* -fc switch flavour: its fd table can hold a crossing */
	pid_t fd_tid;               /* -fc tick reads the fd table through this thread */
	struct trig_state trig[K_COUNT];
	long long value[K_COUNT];   /* value to log when the trigger fires */
	long long threshold[K_COUNT];
	struct counter_watch *counters; /* -pc/-pcl: its EventPipe session, owned by the monitor */
	bool counters_failed;       /* the session could not be opened: drop it */
	uint64_t counters_ended_ns; /* the runtime ended the stream: an error unless the target exits */
	uint64_t counters_retry_ns; /* -w/-pgid: a process found at exec has no socket yet; try again then */
};

struct target_set {
	struct target **items;
	size_t count, cap;
};

struct target *target_set_add(struct target_set *set, pid_t pid);
struct target *target_set_find(const struct target_set *set, pid_t pid);
void target_set_remove(struct target_set *set, pid_t pid);
void target_set_free(struct target_set *set);

/* Starting counters from /proc: RSS pages, threads, open fds. 0 or -errno. */
int target_read_counts(pid_t pid, long page_size, uint64_t *rss_pages, uint32_t *threads,
		       uint32_t *fds);

/*
 * One /proc pass, calling found() for every process in group pgid
 * (by_pgid) or whose ProcDump name equals name (case-sensitive).
 */
int targets_scan(bool by_pgid, pid_t pgid, const char *name, void (*found)(pid_t, void *),
		 void *ctx);

#endif
