/* SPDX-License-Identifier: MIT */
/* Which run mode a config asks for (pure, unit-tested). */
#include "cli/run.h"

enum run_mode run_mode_for(const struct config *cfg)
{
	if (cfg->exception || cfg->gcm_count > 0 || cfg->gc_generation >= 0)
		return RUN_PROFILER;
	if (cfg->signal_count > 0 || cfg->crash)
		return RUN_SIGTRAP;
	if (cfg->cpu_above_pct >= 0 || cfg->cpu_below_pct >= 0 || cfg->mem_count > 0 ||
	    cfg->thread_count >= 0 || cfg->fd_count >= 0 || cfg->counter_count > 0 ||
	    cfg->wait_for_name || cfg->target_kind == TARGET_PGID)
		return RUN_MONITOR;
	return RUN_TIMER;
}

const char *run_mode_name(enum run_mode mode)
{
	switch (mode) {
	case RUN_TIMER: return "timer";
	case RUN_MONITOR: return "monitor";
	case RUN_SIGTRAP: return "signal trap";
	case RUN_PROFILER: return ".NET profiler";
	}
	return "?";
}
