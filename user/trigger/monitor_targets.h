/* SPDX-License-Identifier: MIT */
/*
 * The trigger monitor's target set and its mirror in the BPF maps: adding
 * a target (counters read once from /proc, then kept by the kernel), its
 * thresholds in target_cfg, the pre-filter slots, the -fc switch hook, and
 * dropping it again. It knows nothing of the event loop or of decisions:
 * the monitor (monitor.c) calls it, and learns of each new target through
 * the `added` callback.
 */
#ifndef CORETRAP_MONITOR_TARGETS_H
#define CORETRAP_MONITOR_TARGETS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "trigger/bpf_load.h"
#include "trigger/kinds.h"
#include "trigger/targets.h"

struct monitor_rule;

struct monitor_targets {
	struct monitor_rule *rule;  /* the rule of the command line's targets (-w, -pgid, PID) */
	long page_size;
	struct watch_loaded *bpf;   /* loaded by the monitor; its maps hold the mirror */
	struct target_set set;
	/* A target was just added ("start" logged): derive its conditions. */
	void (*added)(struct target *t, void *ctx);
	void *ctx;
};

/* Watch pid by rule: read its counters, mirror it into the BPF maps, log "start", call added. 0 or -errno. */
int monitor_add_target_rule(struct monitor_targets *mt, pid_t pid, struct monitor_rule *rule);
/* The same with mt->rule. */
int monitor_add_target(struct monitor_targets *mt, pid_t pid);
/* targets_scan callback (ctx: the monitor_targets): add pid, logging failures other than a vanished pid. */
void monitor_add_found(pid_t pid, void *ctx);
/* The targets named on the command line (pid, -pgid, name, -w). 0 or -errno, logged. */
int monitor_add_initial_targets(struct monitor_targets *mt);
/* Stop watching t (event: "stop" or "exit" line); detaches the -fc switch hook when unneeded. */
void monitor_drop_target(struct monitor_targets *mt, struct target *t, const char *event);
/* Drop every target with a "stop" line (Ctrl-C). */
void monitor_drop_all(struct monitor_targets *mt);
/* Rewrite t's thresholds in the kernel (after -m moves to its next value). 0 or -errno. */
int monitor_push_bpf_cfg(struct monitor_targets *mt, const struct target *t);
/* The kernel's counters of pid. 0 or -errno. */
int monitor_read_state(const struct monitor_targets *mt, pid_t pid, struct target_state *st);
/* -fc switch flavour: t's fd table can hold a crossing, recount it at context switches. 0 or -errno. */
int monitor_arm_fds(struct monitor_targets *mt, struct target *t);
/* Free the set (the BPF maps go with the skeleton). */
void monitor_targets_free(struct monitor_targets *mt);

#endif
