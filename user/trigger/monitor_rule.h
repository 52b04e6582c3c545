/* SPDX-License-Identifier: MIT */
/*
 * What the monitor watches a process by: a config (its triggers, action
 * and -n/-s), and in the daemon a rule's name, process match and limits.
 * The command line is one rule without a match; the daemon has one per
 * rule of its file, all served by one BPF program set.
 */
#ifndef CORETRAP_TRIGGER_MONITOR_RULE_H
#define CORETRAP_TRIGGER_MONITOR_RULE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/config.h"
#include "trigger/kinds.h"
#include "trigger/rule_limits.h"

struct monitor_rule {
	const char *name;            /* metrics, journal and event label; NULL: the command line */
	const struct config *cfg;
	/* daemon: which processes (each given one must hold; "" = not asked) */
	const char *match_name, *match_exe, *match_cgroup, *match_unit, *match_container;
	struct rule_limits limits;
	/*
	 * daemon: a rule that attaches to one process (sig, crash, e, gcm,
	 * gcgen, restrack) is served by one-shot runs (supervise.h): its
	 * switches, NULL-terminated, without -n; NULL = watched by BPF here.
	 * run_n: give the runs -n (not where the switches fix the count).
	 */
	char *const *run_argv;
	bool run_n;
	/* set by the monitor from cfg */
	struct trigger_params params;
	uint64_t sustain_ns, interval_ns;
};

#endif
