// SPDX-License-Identifier: MIT
/* STUB entry point until the cli branch lands: a tiny parser for the monitor switches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "monitor.h"

int main(int argc, char **argv)
{
	static struct config cfg;
	int pos = 0;

	cfg.cpu_above_pct = cfg.cpu_below_pct = cfg.thread_count = cfg.fd_count = -1;
	cfg.dump_count = 1;
	cfg.interval_s = 10;
	cfg.poll_ms = 1000;
	strcpy(cfg.dump_dir, ".");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "0";

		if (!strcmp(a, "-c")) cfg.cpu_above_pct = atoi(v), i++;
		else if (!strcmp(a, "-cl")) cfg.cpu_below_pct = atoi(v), i++;
		else if (!strcmp(a, "-m") || !strcmp(a, "-ml")) {
			char *s = strdup(v), *tok, *save;
			cfg.mem_below = !strcmp(a, "-ml");
			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
				cfg.mem_mb[cfg.mem_count++] = atol(tok);
			free(s);
			if (cfg.mem_count > 1) cfg.dump_count = cfg.mem_count;
			i++;
		}
		else if (!strcmp(a, "-tc")) cfg.thread_count = atoi(v), i++;
		else if (!strcmp(a, "-fc")) cfg.fd_count = atoi(v), i++;
		else if (!strcmp(a, "-n")) cfg.dump_count = atoi(v), i++;
		else if (!strcmp(a, "-s")) cfg.interval_s = atoi(v), i++;
		else if (!strcmp(a, "-pf")) cfg.poll_ms = atoi(v), i++;
		else if (!strcmp(a, "-sustain")) cfg.sustain_ms = atoi(v), i++;
		else if (!strcmp(a, "-w")) cfg.wait_for_name = true;
		else if (!strcmp(a, "-pgid")) cfg.target_kind = TARGET_PGID;
		else if (!strcmp(a, "-json")) cfg.json = true;
		else if (!strcmp(a, "-log")) cfg.log_dest = LOG_DEST_STDOUT, i++;
		else if (pos++ == 0) {
			char *end;
			long p = strtol(a, &end, 10);
			if (!*end) {
				cfg.target_pid = (pid_t)p;
				if (cfg.target_kind != TARGET_PGID) cfg.target_kind = TARGET_PID;
			} else {
				cfg.target_kind = TARGET_NAME;
				snprintf(cfg.target_name, sizeof(cfg.target_name), "%s", a);
			}
		} else snprintf(cfg.dump_dir, sizeof(cfg.dump_dir), "%s", a);
	}
	log_init(&cfg);
	return monitor_run(&cfg) ? 1 : 0;
}
