/* SPDX-License-Identifier: MIT */
/*
 * coretrap: options -> config -> target -> run mode.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage (incl. not implemented yet).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/banner.h"
#include "base/log.h"
#include "cli/options.h"
#include "base/proc.h"
#include "cli/run.h"
#include "dump/info.h"
#include "signal/sigtrap.h"
#include "trigger/monitor.h"
#include "trigger/profiler_host.h"
#include "trigger/timer.h"
#include "base/sigctl.h"
#include "generated/version.h"

/* Name -> pid for a name target without -w; PID must exist. Returns an exit code. */
static int resolve_target(struct config *cfg)
{
	switch (cfg->target_kind) {
	case TARGET_PID:
		if (!proc_has_live_thread(cfg->target_pid)) {
			log_error("no process with PID %d", (int)cfg->target_pid);
			return 1;
		}
		return 0;
	case TARGET_NAME:
		if (cfg->wait_for_name)
			return 0;
		/* ProcDump: first case-insensitive match; we take the lowest pid. */
		if (proc_find_by_name(cfg->target_name, true, &cfg->target_pid)) {
			log_error("no process named '%s'", cfg->target_name);
			return 1;
		}
		return 0;
	default:
		return 0; /* -pgid: the monitor follows the group */
	}
}

/* ProcDump's rule: root, or the same effective uid as the target. */
static int check_access(const struct config *cfg)
{
	uid_t owner;

	if (cfg->target_kind == TARGET_PGID || cfg->wait_for_name || geteuid() == 0)
		return 0;
	if (proc_euid(cfg->target_pid, &owner)) {
		log_error("no process with PID %d", (int)cfg->target_pid);
		return 1;
	}
	if (owner != geteuid()) {
		log_error("not allowed to dump process %d (uid %u): run as root or as its user",
			  (int)cfg->target_pid, (unsigned)owner);
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct config cfg;
	char err[512], name[CONFIG_NAME_MAX] = "";
	int r;

	/* Before anything else, so no thread ever has them unblocked. */
	r = sigctl_init();
	if (options_parse(argc, argv, NULL, &cfg, err, sizeof(err))) {
		fprintf(stderr, "coretrap: %s\nTry 'coretrap -?' for usage.\n", err);
		return EXIT_USAGE;
	}
	if (cfg.help) {
		options_usage(stdout);
		return 0;
	}
	if (cfg.version) {
		printf("coretrap %s\n", CORETRAP_VERSION);
		return 0;
	}
	log_init(&cfg);
	if (cfg.info_path[0]) {
		struct dump_info info;

		if ((r = dump_info_read(cfg.info_path, &info))) {
			log_error("cannot read %s: %s", cfg.info_path, strerror(-r));
			return 1;
		}
		return dump_info_print(stdout, cfg.info_path, &info) ? 0 : 1;
	}
	if (cfg.unimplemented[0]) {
		log_error("%s is not implemented yet", cfg.unimplemented);
		return EXIT_USAGE;
	}
	if (r) {
		log_error("failed to set up signal handling: %s", strerror(-r));
		return 1;
	}
	if ((r = resolve_target(&cfg)) || (r = check_access(&cfg)))
		return r;
	if (cfg.target_pid)
		proc_name(cfg.target_pid, name, sizeof(name));
	if (!cfg.json)
		banner_print(stdout, &cfg, name);

	switch (run_mode_for(&cfg)) {
	case RUN_TIMER: return timer_run(&cfg);
	case RUN_MONITOR: return monitor_run(&cfg);
	case RUN_SIGTRAP: return sigtrap_run(&cfg);
	case RUN_PROFILER: return profiler_run(&cfg);
	}
	return 1;
}
