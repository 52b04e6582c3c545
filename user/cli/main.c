/* SPDX-License-Identifier: MIT */
/*
 * coretrap: options -> config -> target -> run mode.
 * Exit codes: 0 ok, 1 runtime failure, 2 usage (incl. not implemented yet).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/banner.h"
#include "base/log.h"
#include "base/metrics_http.h"
#include "cli/daemon.h"
#include "dump/spool.h"
#include "cli/fleet_check.h"
#include "cli/options.h"
#include "base/proc.h"
#include "cli/run.h"
#include "dump/info.h"
#include "dump/companion.h"
#include "signal/sigtrap.h"
#include "trigger/restrack.h"
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

/* -restrack glue: the session (trigger/) answers the dump layer's companion calls. */
static int rt_track(void *ctx, pid_t pid)
{
	return restrack_track(ctx, pid);
}

static void rt_untrack(void *ctx, pid_t pid)
{
	restrack_untrack(ctx, pid);
}

static int rt_after_dump(void *ctx, pid_t pid, const char *trigger, const char *dump_path, unsigned index)
{
	return restrack_report(ctx, pid, trigger, dump_path, index);
}

/*
 * Load the tracker and attach to the one target known now (-w and -pgid
 * targets are attached as the monitor finds them). An exit code.
 */
static int start_restrack(const struct config *cfg, struct restrack **out)
{
	struct restrack *rt;

	if (restrack_open(cfg, &rt))
		return 1;
	if (cfg->target_pid && cfg->target_kind != TARGET_PGID && restrack_track(rt, cfg->target_pid)) {
		restrack_close(rt);
		return 1;
	}
	dump_companion_set(&(struct dump_companion){ .track = rt_track, .untrack = rt_untrack,
						      .after_dump = rt_after_dump,
						      .replaces_dump = cfg->restrack_nodump,
						      .suffix = ".restrack", .ctx = rt });
	*out = rt;
	return 0;
}

/* -metrics on a non-loopback address only when asked in so many words: it has no authentication. */
static bool metrics_remote_allowed(void)
{
	const char *v = getenv("CORETRAP_METRICS_ALLOW_REMOTE");

	return v && !strcmp(v, "1");
}

/*
 * A run the daemon supervises (trigger/supervise.h) writes into the
 * daemon's spool and obeys its caps, which come in SPOOL_CAPS_ENV. 0 or 1.
 */
static int obey_spool_caps(const struct config *cfg)
{
	const char *line = getenv(SPOOL_CAPS_ENV);
	struct spool_caps caps;

	if (!line)
		return 0;
	if (spool_caps_parse(line, &caps)) {
		log_error("%s: cannot read '%s'", SPOOL_CAPS_ENV, line);
		return 1;
	}
	spool_configure(cfg->dump_dir, &caps);
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
	if (cfg.check_config_path[0])
		return fleet_check_files(cfg.check_config_path, stdout, stderr);
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
	if (cfg.daemon) {
		if (cfg.metrics_addr[0] && metrics_http_start(cfg.metrics_addr, metrics_remote_allowed()))
			return 1;
		r = daemon_run(&cfg);
		metrics_http_stop();
		return r;
	}
	if ((r = resolve_target(&cfg)) || (r = check_access(&cfg)))
		return r;
	if ((r = obey_spool_caps(&cfg)))
		return r;
	/* before the banner: a refused address is the only line printed */
	if (cfg.metrics_addr[0] && metrics_http_start(cfg.metrics_addr, metrics_remote_allowed()))
		return 1;
	if (cfg.target_pid)
		proc_name(cfg.target_pid, name, sizeof(name));
	if (!cfg.json)
		banner_print(stdout, &cfg, name);

	struct restrack *rt = NULL;

	if (cfg.restrack && (r = start_restrack(&cfg, &rt))) {
		metrics_http_stop();
		return r;
	}
	switch (run_mode_for(&cfg)) {
	case RUN_TIMER: r = timer_run(&cfg); break;
	case RUN_MONITOR: r = monitor_run(&cfg); break;
	case RUN_SIGTRAP: r = sigtrap_run(&cfg); break;
	case RUN_PROFILER: r = profiler_run(&cfg); break;
	default: r = 1;
	}
	if (rt) {
		dump_companion_set(NULL);
		restrack_close(rt); /* every probe detached on every way out of the run mode */
	}
	metrics_http_stop();
	return r;
}
