/* SPDX-License-Identifier: MIT */
/*
 * What the trigger monitor's two halves share: monitor.c (decisions, the
 * event loop) and monitor_targets.c (the target set and its mirror in the
 * BPF maps). Not an interface for anyone else: monitor_run (run.h) is.
 */
#ifndef CORETRAP_MONITOR_INTERNAL_H
#define CORETRAP_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/mono_clock.h"
#include "trigger/monitor.h"
#include "trigger/targets.h"
#include "trigger/rules.h"
#include "trigger/bpf_load.h"

struct monitor {
	const struct config *cfg;
	struct watch_bpf *skel;     /* bpf.skel */
	struct watch_loaded bpf;
	struct ring_buffer *rb;
	int epfd, timerfd;
	struct target_set targets;
	long page_size;
	uint64_t window_ns, sustain_ns, interval_ns;
	bool has_cpu_above, has_cpu_below, has_mem, has_threads, has_fds, timer_only;
	bool has_below;             /* -cl or -ml: periodic map reads needed */
	uint64_t next_below_check_ns;
	bool stop;                  /* SIGINT/SIGTERM */
	bool ever_had_target;
};

/* monitor_targets.c */

/* Watch pid: read its counters, mirror it into the BPF maps, log "start". 0 or -errno. */
int monitor_add_target(struct monitor *m, pid_t pid);
/* targets_scan callback: monitor_add_target, logging failures other than a vanished pid. */
void monitor_add_found(pid_t pid, void *ctx);
/* The targets named on the command line (pid, -pgid, name, -w). 0 or -errno, logged. */
int monitor_add_initial_targets(struct monitor *m);
/* Stop watching t (event: "stop" or "exit" line); detaches the -fc switch hook when unneeded. */
void monitor_drop_target(struct monitor *m, struct target *t, const char *event);
/* Rewrite t's thresholds in the kernel (after -m moves to its next value). */
int monitor_push_bpf_cfg(struct monitor *m, const struct target *t);
/* The kernel's counters of pid. 0 or -errno. */
int monitor_read_state(struct monitor *m, pid_t pid, struct target_state *st);

/* monitor.c */

/* Re-derive every condition of t from the kernel's counters at `now`. */
void monitor_refresh(struct monitor *m, struct target *t, uint64_t now);

#endif
