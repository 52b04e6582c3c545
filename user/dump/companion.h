/* SPDX-License-Identifier: MIT */
/*
 * Something that goes with every dump of a run, whatever triggered it: the
 * -restrack leak report. main() registers it (the session lives in
 * trigger/restrack.h, above this layer); dump_process() calls it after each
 * dump, or in the dump's place when it replaces dumps (-restrack nodump);
 * the run modes that find targets on their own (-w, -pgid) tell it of each
 * target they add and drop. With nothing registered every call is a no-op.
 */
#ifndef CORETRAP_DUMP_COMPANION_H
#define CORETRAP_DUMP_COMPANION_H

#include <stdbool.h>
#include <sys/types.h>

struct dump_companion {
	/* follow pid from now on; 0 or a negative errno (printed) */
	int (*track)(void *ctx, pid_t pid);
	void (*untrack)(void *ctx, pid_t pid);
	/* after dump `index` of pid named dump_path (not written when replaces_dump); 0 or -errno (printed) */
	int (*after_dump)(void *ctx, pid_t pid, const char *trigger, const char *dump_path, unsigned index);
	bool replaces_dump;
	const char *suffix;     /* what after_dump appends to dump_path (".restrack"): names must not collide */
	void *ctx;
};

/* Register c (copied), or NULL for none. */
void dump_companion_set(const struct dump_companion *c);
const struct dump_companion *dump_companion_get(void);
int dump_companion_track(pid_t pid);
void dump_companion_untrack(pid_t pid);

#endif
