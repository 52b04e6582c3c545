// SPDX-License-Identifier: MIT
/* STUB (sig helper): tiny argv parser for -sig/-crash until the cli branch lands. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "sigtrap.h"

int main(int argc, char **argv)
{
	static struct config cfg = { .dump_count = 1, .interval_s = 10, .cpu_above_pct = -1 };
	int pos = 0;

	strcpy(cfg.dump_dir, ".");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-sig") && i + 1 < argc) {
			for (char *s = strtok(argv[++i], ","); s; s = strtok(NULL, ","))
				cfg.signals[cfg.signal_count++] = atoi(s);
		} else if (!strcmp(argv[i], "-crash")) {
			cfg.crash = true;
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			cfg.dump_count = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			cfg.interval_s = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "-json")) {
			cfg.json = true;
		} else if (!strcmp(argv[i], "-log") && i + 1 < argc) {
			i++;
			cfg.log_dest = LOG_DEST_STDOUT;
		} else if (pos++ == 0) {
			cfg.target_kind = TARGET_PID;
			cfg.target_pid = atoi(argv[i]);
		} else {
			snprintf(cfg.dump_dir, sizeof(cfg.dump_dir), "%s", argv[i]);
		}
	}
	log_init(&cfg);
	return sigtrap_run(&cfg) ? 1 : 0;
}
