/* SPDX-License-Identifier: MIT */
/*
 * The run modes main() dispatches to (each declared by its own layer:
 * trigger/timer.h, trigger/monitor.h, trigger/profiler_host.h,
 * signal/sigtrap.h). Each takes the validated, resolved config (for a PID
 * or a name target without -w, cfg->target_pid holds the process found)
 * and returns the process exit code: 0 ok, 1 runtime failure. No run mode
 * refuses a config: every usage error (exit 2) is found by options_parse()
 * before anything starts. Stop signals are already blocked: see sigctl.h.
 */
#ifndef CORETRAP_RUN_H
#define CORETRAP_RUN_H

#include "base/config.h"

enum run_mode {
	RUN_TIMER,    /* no trigger: dump now, then every -s seconds until -n dumps (with -restrack
	               * alone: the first report after -s seconds) */
	RUN_MONITOR,  /* BPF triggers: -c -cl -m -ml -tc -fc, -w, -pgid (-pc/-pcl would go here, but
	               * main() refuses them as not implemented yet) */
	RUN_SIGTRAP,  /* -sig, -crash */
	RUN_PROFILER, /* .NET profiler: -e, -gcm, -gcgen */
};

/* Pure: which mode a config asks for. */
enum run_mode run_mode_for(const struct config *cfg);
const char *run_mode_name(enum run_mode mode);

#endif
