/* SPDX-License-Identifier: MIT */
/* The start-up configuration table (ProcDump §2.6, compact: only what is set). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/banner.h"

static void row(FILE *out, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void row(FILE *out, const char *key, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-28s", key);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void list(char *buf, size_t len, const long *v, int n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%ld", i ? "," : "", v[i]);
}

void banner_print(FILE *out, const struct config *cfg, const char *proc_name)
{
	char buf[512];

	fprintf(out, "coretrap - dump a process when something goes wrong (ProcDump-compatible)\n\n");
	switch (cfg->target_kind) {
	case TARGET_PGID: row(out, "Process Group:", "%d", (int)cfg->target_pid); break;
	case TARGET_NAME:
		if (cfg->wait_for_name || !cfg->target_pid) {
			row(out, "Process Name:", "%s", cfg->target_name);
			break;
		}
		__attribute__((fallthrough)); /* a resolved name */
	default: row(out, "Process:", "%s (%d)", proc_name, (int)cfg->target_pid); break;
	}
	if (cfg->cpu_above_pct >= 0 && cfg->cpu_below_pct >= 0)
		row(out, "CPU Threshold:", "< %d%% or >= %d%%", cfg->cpu_below_pct, cfg->cpu_above_pct);
	else if (cfg->cpu_above_pct >= 0)
		row(out, "CPU Threshold:", ">= %d%%", cfg->cpu_above_pct);
	else if (cfg->cpu_below_pct >= 0)
		row(out, "CPU Threshold:", "< %d%%", cfg->cpu_below_pct);
	if (cfg->mem_count) {
		list(buf, sizeof(buf), cfg->mem_mb, cfg->mem_count);
		row(out, "Commit Threshold:", "%s %s MB", cfg->mem_below ? "<" : ">=", buf);
	}
	if (cfg->gcm_count) {
		list(buf, sizeof(buf), cfg->gcm_mb, cfg->gcm_count);
		row(out, ".NET Memory Threshold:", ">= %s MB", buf);
	}
	if (cfg->thread_count >= 0)
		row(out, "Thread Threshold:", ">= %d", cfg->thread_count);
	if (cfg->fd_count >= 0)
		row(out, "File Descriptor Threshold:", ">= %d", cfg->fd_count);
	if (cfg->signal_count || cfg->crash) {
		size_t used = 0;

		buf[0] = '\0';
		for (int i = 0; i < cfg->signal_count && used < sizeof(buf); i++)
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%d", i ? "," : "",
						 cfg->signals[i]);
		row(out, "Signal(s):", "%s%s%s", buf, cfg->crash && used ? " + " : "",
		    cfg->crash ? "crash signals" : "");
	}
	if (cfg->gc_generation >= 0)
		row(out, "GC Generation:", "%d", cfg->gc_generation);
	if (cfg->exception)
		row(out, "Exception monitor:", "On");
	for (int i = 0; i < cfg->counter_count; i++)
		row(out, "Perf Counter Trigger:", "%s %s %g", cfg->counters[i].spec,
		    cfg->counters[i].below ? "<" : ">=", cfg->counters[i].threshold);
	if (cfg->sustain_ms)
		row(out, "Sustained for (ms):", "%d", cfg->sustain_ms);
	if (cfg->cpu_above_pct >= 0 || cfg->cpu_below_pct >= 0 || cfg->mem_count || cfg->counter_count)
		row(out, "Polling Interval (ms):", "%d", cfg->poll_ms);
	row(out, "Threshold (s):", "%d", cfg->interval_s);
	if (cfg->dump_count)
		row(out, "Number of Dumps:", "%d", cfg->dump_count);
	else
		row(out, "Number of Dumps:", "until stopped");
	row(out, "Output directory:", "%s", cfg->dump_dir);
	if (cfg->dump_name[0] && cfg->dump_count == 1)
		row(out, "Custom name for core dumps:", "%s.<pid>", cfg->dump_name);
	else if (cfg->dump_name[0])
		row(out, "Custom name for core dumps:", "%s.<pid>, then %s_<n>.<pid>", cfg->dump_name,
		    cfg->dump_name);
	if (cfg->has_coredump_filter)
		row(out, "Core dump filter:", "0x%lx", cfg->coredump_filter);
	fputc('\n', out);
	fflush(out);
}
