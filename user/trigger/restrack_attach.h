/* SPDX-License-Identifier: MIT */
/*
 * The probes of one tracked process: uprobes and uretprobes on the
 * allocator functions of its own libc (found in its maps, opened as it sees
 * it), attached to that process only. Every return probe is attached before
 * any entry probe and detached after them all (bpf/restrack.bpf.c: entries
 * and returns must pair).
 */
#ifndef CORETRAP_TRIGGER_RESTRACK_ATTACH_H
#define CORETRAP_TRIGGER_RESTRACK_ATTACH_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

struct restrack_bpf;
struct bpf_link;

#define RT_LINKS_MAX 32

struct rt_probes {
	struct bpf_link *ret_links[RT_LINKS_MAX];
	struct bpf_link *entry_links[RT_LINKS_MAX];
	int nret, nentry;
	char libc[PATH_MAX];      /* the target's path of its libc */
	char opened[PATH_MAX];    /* the path it was read and probed through */
};

/*
 * Attach to pid. On error nothing stays attached and why (one line, no
 * "coretrap: ") says what is missing. Returns 0 or a negative errno:
 * -ENOENT no libc (static binary) or no malloc/free in it.
 */
int rt_probes_attach(struct restrack_bpf *skel, pid_t pid, struct rt_probes *out, char *why, size_t why_len);
void rt_probes_detach(struct rt_probes *p);

#endif
