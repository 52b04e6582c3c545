// SPDX-License-Identifier: MIT
#include "core/pace_host.h"

#include <errno.h>
#include <string.h>

/* The line of text that holds p: [*start, *end). */
static void line_around(const char *text, const char *p, const char **start, const char **end)
{
	*start = p;
	while (*start > text && (*start)[-1] != '\n')
		(*start)--;
	*end = strchr(p, '\n');
	if (!*end)
		*end = p + strlen(p);
}

bool pace_host_cpuinfo_virtual(const char *cpuinfo)
{
	for (const char *p = cpuinfo; (p = strstr(p, "hypervisor")) != NULL; p += 10) {
		const char *start, *end;
		bool word = (p == cpuinfo || p[-1] == ' ') && (p[10] == ' ' || p[10] == '\n' || !p[10]);

		line_around(cpuinfo, p, &start, &end);
		/* x86 "flags", arm64 has none: only a whole word of a flags line counts */
		if (word && !strncmp(start, "flags", 5))
			return true;
	}
	return false;
}

bool pace_host_quota_capped(const char *quota_file)
{
	while (*quota_file == ' ')
		quota_file++;
	return *quota_file >= '1' && *quota_file <= '9';
}

/* Whether the controller list [p, end) (comma separated) names "cpu". */
static bool names_cpu(const char *p, const char *end)
{
	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *stop = comma ? comma : end;

		if (stop - p == 3 && !strncmp(p, "cpu", 3))
			return true;
		p = stop + 1;
	}
	return false;
}

int pace_host_cgroup_path(const char *proc_cgroup, bool v1_cpu, char *out, size_t len)
{
	const char *next;

	for (const char *line = proc_cgroup; line && *line; line = next) {
		const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(end - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
		size_t n;

		next = eol ? eol + 1 : NULL;
		if (!c2)
			continue;
		/* v2: "0::PATH", hierarchy 0 and no controllers; v1: "N:LIST:PATH" with "cpu" in LIST */
		if (v1_cpu ? !names_cpu(c1 + 1, c2) : !(c1 == line + 1 && *line == '0' && c2 == c1 + 1))
			continue;
		n = (size_t)(end - c2 - 1);
		if (n + 1 > len)
			return -ENAMETOOLONG;
		memcpy(out, c2 + 1, n);
		out[n] = '\0';
		return 0;
	}
	return -ENOENT;
}
