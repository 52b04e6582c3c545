/* SPDX-License-Identifier: MIT */
/* Dump file names; see naming.h. No I/O, no clock: the caller passes the time. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dump/naming.h"

void naming_sanitize(const char *in, char *out, size_t len)
{
	size_t i = 0;

	if (!len)
		return;
	if (!in || !*in)
		in = "unknown";
	for (; in[i] && i + 1 < len; i++)
		out[i] = isalnum((unsigned char)in[i]) ? in[i] : '_';
	out[i] = '\0';
}

int naming_build(char *out, size_t len, const char *dir, const char *proc_name, const char *custom,
		 const char *trigger, const struct tm *local, pid_t pid, unsigned index)
{
	/* "/" + name: no double slash after "/" or "dir/". */
	const char *sep = dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/";
	char name[256];
	int n;

	if (custom && *custom && index == 0) {
		/* ProcDump's own scripts look for exactly DIR/NAME.<pid> after one dump. */
		n = snprintf(out, len, "%s%s%s.%d", dir, sep, custom, (int)pid);
	} else if (custom && *custom) {
		n = snprintf(out, len, "%s%s%s_%u.%d", dir, sep, custom, index, (int)pid);
	} else {
		naming_sanitize(proc_name, name, sizeof(name));
		n = snprintf(out, len, "%s%s%s_%s_%02d%02d%02d_%02d%02d%02d.%d", dir, sep, name, trigger,
			     local->tm_year % 100, local->tm_mon + 1, local->tm_mday, local->tm_hour,
			     local->tm_min, local->tm_sec, (int)pid);
	}
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

int naming_add_suffix(char *path, size_t len, unsigned k)
{
	char *dot = strrchr(path, '.');
	char *slash = strrchr(path, '/');
	char tail[32];
	size_t head;
	int n;

	if (!dot || (slash && dot < slash))
		dot = path + strlen(path);
	head = (size_t)(dot - path);
	n = snprintf(tail, sizeof(tail), "_%u%s", k, dot);
	if (n < 0 || (size_t)n >= sizeof(tail) || head + (size_t)n >= len)
		return -ENAMETOOLONG;
	memcpy(path + head, tail, (size_t)n + 1);
	return 0;
}
