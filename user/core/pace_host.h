/* SPDX-License-Identifier: MIT */
/*
 * Whether the machine we run on is one whose host can stop it for lack of
 * CPU time: a VM (the CPU says a hypervisor runs it), or a cgroup with a
 * CPU quota. A live dump's writers start cautious there (write_pace.h).
 * Pure: parsers of the texts freeze_watch_likely reads.
 */
#ifndef CORETRAP_CORE_PACE_HOST_H
#define CORETRAP_CORE_PACE_HOST_H

#include <stdbool.h>
#include <stddef.h>

/* /proc/cpuinfo: a "flags" line with the "hypervisor" flag. */
bool pace_host_cpuinfo_virtual(const char *cpuinfo);

/*
 * A cgroup's CPU quota file: v2 cpu.max ("QUOTA PERIOD", limited unless
 * QUOTA is "max") or v1 cpu.cfs_quota_us (limited unless -1).
 */
bool pace_host_quota_capped(const char *quota_file);

/*
 * /proc/self/cgroup: the path of the cgroup v2 line ("0::PATH") when
 * `v1_cpu` is false, else of the v1 line whose controllers include "cpu",
 * copied into out. 0, or -ENOENT without one, -ENAMETOOLONG.
 */
int pace_host_cgroup_path(const char *proc_cgroup, bool v1_cpu, char *out, size_t len);

#endif
