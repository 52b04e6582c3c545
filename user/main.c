// SPDX-License-Identifier: MIT
/* STUB until branch cli lands: just enough of the CLI to drive profiler_run(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "log.h"
#include "profiler_host.h"

int main(int argc, char **argv)
{
	static struct config c;
	int positional = 0;

	memset(&c, 0, sizeof(c));
	strcpy(c.dump_dir, ".");
	c.exception_dumps = -1;
	c.gc_generation = -1;
	c.dump_count = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcasecmp(a, "-e")) {
			c.exception = true;
			if (i + 1 < argc && argv[i + 1][0] >= '1' && argv[i + 1][0] <= '9' && i + 2 < argc)
				c.exception_dumps = atoi(argv[++i]);
		} else if (!strcasecmp(a, "-f") && i + 1 < argc) {
			char *list = strdup(argv[++i]), *save = NULL;
			for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
				snprintf(c.filters[c.filter_count++], CONFIG_FILTER_MAX, "%s", t);
			free(list);
		} else if (!strcasecmp(a, "-fx") && i + 1 < argc) {
			snprintf(c.exclude_filter, sizeof(c.exclude_filter), "%s", argv[++i]);
		} else if (!strcasecmp(a, "-n") && i + 1 < argc) {
			c.dump_count = atoi(argv[++i]);
		} else if (!strcasecmp(a, "-gcgen") && i + 1 < argc) {
			c.gc_generation = atoi(argv[++i]);
		} else if (!strcasecmp(a, "-gcm") && i + 1 < argc) {
			char *v = argv[++i];
			if (!strncasecmp(v, "LOH:", 4)) { c.gcm_heap = GC_HEAP_LOH; v += 4; }
			else if (!strncasecmp(v, "POH:", 4)) { c.gcm_heap = GC_HEAP_POH; v += 4; }
			else if (v[0] >= '0' && v[0] <= '2' && v[1] == ':') { c.gcm_heap = GC_HEAP_GEN0 + (v[0] - '0'); v += 2; }
			for (char *s = v; *s; ) {
				c.gcm_mb[c.gcm_count++] = strtol(s, &s, 10);
				if (*s == ',') s++; else break;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "coretrap (stub cli): unknown option %s\n", a);
			return 2;
		} else if (positional++ == 0) {
			c.target_kind = TARGET_PID;
			c.target_pid = atoi(a);
		} else {
			snprintf(c.dump_dir, sizeof(c.dump_dir), "%s", a);
		}
	}
	if (c.target_kind != TARGET_PID) {
		fprintf(stderr, "usage: coretrap [-e [N]] [-f p,..] [-fx p] [-gcm [G:]MB,..] [-gcgen G] [-n N] PID [dir]\n");
		return 2;
	}
	log_init(&c);
	return profiler_run(&c) < 0 ? 1 : 0;
}
