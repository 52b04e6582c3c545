/* SPDX-License-Identifier: MIT */
/*
 * Naming a tracked process's code addresses: the mapping that holds an
 * address (its maps, read once per report), then the ELF symbols of the
 * mapped object, loaded once per object. Objects are opened as the target
 * sees them: /proc/PID/map_files/START-END (the very inode it maps, even
 * deleted or in another mount namespace), else /proc/PID/root/PATH.
 */
#ifndef CORETRAP_TRIGGER_RESTRACK_SYM_H
#define CORETRAP_TRIGGER_RESTRACK_SYM_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/elf_symbols.h"
#include "base/proc_maps.h"
#include "trigger/restrack_report.h"

/*
 * The ELF symbols of the object behind mapping m of pid; path_out (may be
 * NULL) gets the path it was read through, which also names the object to
 * the kernel (uprobes). 0 or a negative errno.
 */
int restrack_object_load(pid_t pid, const struct mapping *m, struct elf_symbols *out, char *path_out,
			 size_t path_len);

struct rt_module {
	char *path;               /* the target's path (maps) */
	struct elf_symbols syms;
	int err;                  /* loading failed: frames get "module+0xoff" */
};

struct rt_symbolizer {
	pid_t pid;
	struct maps maps;
	struct rt_module *mods;
	size_t nmods;
};

/* Read pid's maps now. 0 or a negative errno. */
int rt_symbolizer_open(struct rt_symbolizer *s, pid_t pid);
/* Name one return address (a stack frame). */
void rt_symbolizer_frame(struct rt_symbolizer *s, uint64_t ip, struct rt_frame *out);
void rt_symbolizer_close(struct rt_symbolizer *s);

#endif
