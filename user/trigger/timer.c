/* SPDX-License-Identifier: MIT */
/*
 * The timer mode (no trigger), ProcDump's TimerThread semantics: dump now,
 * then every -s seconds until -n dumps (-n 0: until Ctrl-C or the target
 * exits). Waiting ends at once on a stop signal; a dump in progress is
 * abandoned by the writer through sigctl_interrupted.
 *
 * With -restrack, the first dump waits -s seconds too: a leak report taken
 * the moment the probes are attached could only be empty.
 */
#include <errno.h>
#include <stdio.h>

#include "dump/dispatch.h"
#include "base/log.h"
#include "base/proc.h"
#include "trigger/timer.h"
#include "base/sigctl.h"

int timer_run(const struct config *cfg)
{
	pid_t pid = cfg->target_pid;
	char name[CONFIG_NAME_MAX] = "?";
	char line[128];
	bool repeat = cfg->dump_count != 1;
	int failures = 0;
	unsigned i;

	proc_name(pid, name, sizeof(name));
	struct log_event start = { .event = "start", .pid = pid, .name = name, .trigger = "time" };
	if (repeat) {
		log_info("Press Ctrl-C to end monitoring without terminating the process(es).");
		snprintf(line, sizeof(line), "Starting monitor for process %s (%d)", name, (int)pid);
		start.message = line;
	}
	if (repeat || cfg->json)
		log_event(&start);
	if (cfg->restrack)
		sigctl_wait(cfg->interval_s * 1000); /* a stop signal ends the loop below at once */

	for (i = 0; cfg->dump_count == 0 || i < (unsigned)cfg->dump_count; i++) {
		struct trigger_info why = { .kind = "time", .interrupted = &sigctl_interrupted };
		int r;

		if (sigctl_pending())
			break;
		if (!proc_has_live_thread(pid)) {
			struct log_event ev = { .event = "exit", .pid = pid, .name = name, .message = line };

			snprintf(line, sizeof(line), "Target process %d is no longer alive", (int)pid);
			log_event(&ev);
			failures++;
			break;
		}
		snprintf(line, sizeof(line), "Trigger: Timer:%d(s) on process ID: %d", cfg->interval_s, (int)pid);
		struct log_event trig = { .event = "trigger", .pid = pid, .name = name, .trigger = "time",
					  .value = cfg->interval_s, .message = line,
					  .has = LOG_HAS_VALUE | LOG_HAS_INDEX, .index = (int)i };
		log_event(&trig);
		r = dump_process(cfg, pid, &why, i, NULL, 0);
		if (r == -EINTR || r == -ESRCH) {
			failures++;
			break;
		}
		if (r)
			failures++;
		if (cfg->dump_count != 0 && i + 1 >= (unsigned)cfg->dump_count)
			break;
		if (sigctl_wait(cfg->interval_s * 1000) > 0)
			break;
	}

	if (repeat || cfg->json) {
		struct log_event stop = { .event = "stop", .pid = pid, .name = name, .message = line };

		snprintf(line, sizeof(line), "Stopping monitor for process %s (%d)", name, (int)pid);
		if (!repeat)
			stop.message = NULL;
		log_event(&stop);
	}
	return failures ? 1 : 0;
}
