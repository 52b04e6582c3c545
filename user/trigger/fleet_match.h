/* SPDX-License-Identifier: MIT */
/*
 * Which daemon rule a process belongs to: its name (as -w matches it), its
 * executable's path and its cgroup v2 path. The first rule whose every
 * given match holds wins. The parsing and comparing is pure; fleet_match_pid
 * reads /proc.
 */
#ifndef CORETRAP_TRIGGER_FLEET_MATCH_H
#define CORETRAP_TRIGGER_FLEET_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "trigger/monitor_rule.h"

/* The cgroup v2 path ("0::PATH" line) of a /proc/PID/cgroup text into out. 0 or -ENOENT. */
int fleet_cgroup_v2_path(const char *text, char *out, size_t len);

/* path is want or below it ("/system.slice/a.service" is under "/system.slice"). */
bool fleet_cgroup_under(const char *path, const char *want);

/* One component of path is the systemd unit ("/system.slice/api.service" has "api.service"). */
bool fleet_cgroup_has_unit(const char *path, const char *unit);

/*
 * One component of a line of /proc/PID/cgroup (v2 or v1) names the
 * container whose id starts with id: the runtimes write "docker-ID.scope",
 * "cri-containerd-ID.scope", "crio-ID.scope", "libpod-ID.scope" (systemd
 * driver) or a bare "ID" (cgroupfs driver: /docker/ID, /kubepods/.../ID).
 */
bool fleet_cgroups_have_container(const char *cgroup_text, const char *id);

/* What a process shows the rules ("" where unknown). */
struct fleet_process {
	char name[CONFIG_NAME_MAX];
	char exe[PATH_MAX];
	char cgroup[PATH_MAX];
	char cgroups[4096]; /* every line of /proc/PID/cgroup, for the container id */
};

/* Does p satisfy r's match (at least one match key given, each holds)? */
bool fleet_rule_matches(const struct monitor_rule *r, const struct fleet_process *p);

/* The first of n rules pid matches, NULL for none (or a process gone). */
struct monitor_rule *fleet_match_pid(struct monitor_rule *rules, size_t n, pid_t pid);

#endif
