// SPDX-License-Identifier: MIT
/* Daemon rules against processes; see fleet_match.h. */
#include "trigger/fleet_match.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/proc.h"
#include "base/proc_read.h"

int fleet_cgroup_v2_path(const char *text, char *out, size_t len)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchr(l, '\n');
		size_t n;

		if (strncmp(l, "0::", 3))
			continue;
		l += 3;
		n = end ? (size_t)(end - l) : strlen(l);
		if (!n || n >= len)
			return -ENOENT;
		memcpy(out, l, n);
		out[n] = 0;
		return 0;
	}
	return -ENOENT;
}

bool fleet_cgroup_under(const char *path, const char *want)
{
	size_t n = strlen(want);

	while (n > 1 && want[n - 1] == '/')
		n--; /* "/system.slice/" is "/system.slice" */
	if (n == 1 && want[0] == '/')
		return path[0] == '/';
	return !strncmp(path, want, n) && (path[n] == 0 || path[n] == '/');
}

/* Does the component [c, c+n) equal s? */
static bool component_is(const char *c, size_t n, const char *s)
{
	return strlen(s) == n && !strncmp(c, s, n);
}

bool fleet_cgroup_has_unit(const char *path, const char *unit)
{
	for (const char *c = path; *c;) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/\n");
		if (n && component_is(c, n, unit))
			return true;
		c += n;
		if (*c == '\n')
			break;
	}
	return false;
}

/* The container id a component carries, without its runtime's prefix and ".scope". */
static bool component_has_id(const char *c, size_t n, const char *id)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-", "containerd-", "" };
	size_t k = strlen(id);

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t p = strlen(prefixes[i]);

		if (n >= p + k && !strncmp(c, prefixes[i], p) && !strncmp(c + p, id, k))
			return true;
	}
	return false;
}

bool fleet_cgroups_have_container(const char *cgroup_text, const char *id)
{
	for (const char *l = cgroup_text; l && *l;) {
		const char *end = strchr(l, '\n'), *stop = end ? end : l + strlen(l);
		const char *c = memchr(l, ':', (size_t)(stop - l));

		/* "HIERARCHY:CONTROLLERS:PATH": the path is after the second colon */
		c = c ? memchr(c + 1, ':', (size_t)(stop - c - 1)) : NULL;
		while (c && c < stop) {
			size_t n;

			while (c < stop && (*c == '/' || *c == ':'))
				c++;
			n = strcspn(c, "/\n");
			if (n && component_has_id(c, n, id))
				return true;
			c += n;
		}
		l = end ? end + 1 : NULL;
	}
	return false;
}

bool fleet_rule_matches(const struct monitor_rule *r, const struct fleet_process *p)
{
	bool any = false;

	if (r->match_name && r->match_name[0]) {
		if (strcmp(p->name, r->match_name))
			return false;
		any = true;
	}
	if (r->match_exe && r->match_exe[0]) {
		if (strcmp(p->exe, r->match_exe))
			return false;
		any = true;
	}
	if (r->match_cgroup && r->match_cgroup[0]) {
		if (!p->cgroup[0] || !fleet_cgroup_under(p->cgroup, r->match_cgroup))
			return false;
		any = true;
	}
	if (r->match_unit && r->match_unit[0]) {
		if (!p->cgroup[0] || !fleet_cgroup_has_unit(p->cgroup, r->match_unit))
			return false;
		any = true;
	}
	if (r->match_container && r->match_container[0]) {
		if (!fleet_cgroups_have_container(p->cgroups, r->match_container))
			return false;
		any = true;
	}
	return any;
}

struct monitor_rule *fleet_match_pid(struct monitor_rule *rules, size_t n, pid_t pid)
{
	struct fleet_process p = { 0 };
	char link[64], text[4096];
	ssize_t k;

	if (pid <= 0 || pid == getpid() || proc_name(pid, p.name, sizeof(p.name)))
		return NULL;
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	k = readlink(link, p.exe, sizeof(p.exe) - 1);
	p.exe[k > 0 ? k : 0] = 0; /* a kernel thread has none */
	if (proc_read(pid, 0, "cgroup", text, sizeof(text), NULL) == 0) {
		fleet_cgroup_v2_path(text, p.cgroup, sizeof(p.cgroup));
		snprintf(p.cgroups, sizeof(p.cgroups), "%s", text);
	}
	for (size_t i = 0; i < n; i++)
		if (fleet_rule_matches(&rules[i], &p))
			return &rules[i];
	return NULL;
}
