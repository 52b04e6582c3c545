/* SPDX-License-Identifier: MIT */
/*
 * The daemon's rules that attach to one known process (sig, crash, e, gcm,
 * gcgen, restrack): each matched process gets a one-shot run of coretrap
 * itself (`coretrap SWITCHES -n LEFT -json PID SPOOL`), which holds the
 * ptrace, the signal trap, the profiler or the uprobes exactly as on the
 * command line, with all of its guarantees (the target released on SIGTERM,
 * the profiler unloaded). The daemon reads the run's JSON events and relays
 * them with the rule's name; a dump it reports is counted against the
 * rule's limits and queued for upload. While the limits hold dumps back, the
 * run is ended (the process is let go: nothing could hold back a crash dump
 * otherwise) and started again when they allow one.
 */
#ifndef CORETRAP_TRIGGER_SUPERVISE_H
#define CORETRAP_TRIGGER_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "trigger/monitor_rule.h"

struct supervised {
	pid_t target, child; /* child 0: not running (held back by the limits) */
	int out;             /* the run's stdout, -1 when not running */
	struct monitor_rule *rule;
	unsigned dumps;      /* written for this process, all runs together */
	uint64_t restart_ns; /* held back: start again then */
	char buf[8192];      /* a partial event line */
	size_t used;
};

struct supervisor {
	struct supervised **v;
	size_t n;
	int epfd; /* the monitor's: each run's stdout is watched there */
};

/* Start a run for target by rule r. 0 or -errno. */
int supervise_start(struct supervisor *s, struct monitor_rule *r, pid_t target);
bool supervise_has(const struct supervisor *s, pid_t target);
/* fd is a run's stdout: read it (relay its events). false when fd is not one of ours. */
bool supervise_readable(struct supervisor *s, int fd, uint64_t now_ns);
/* Start again the runs whose limits allow a dump by now; the earliest time still to wait, or UINT64_MAX. */
uint64_t supervise_tick(struct supervisor *s, uint64_t now_ns);
/* End every run (SIGTERM, then SIGKILL after 30 s) and forget them. */
void supervise_stop_all(struct supervisor *s);

#endif
