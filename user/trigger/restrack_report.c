// SPDX-License-Identifier: MIT
/* Leak report grouping and formatting; see restrack_report.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "trigger/restrack_report.h"

static int by_stack(const void *a, const void *b)
{
	const struct rt_record *x = a, *y = b;

	return (x->stack_id > y->stack_id) - (x->stack_id < y->stack_id);
}

static int by_weight(const void *a, const void *b)
{
	const struct rt_group *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->stack_id > y->stack_id) - (x->stack_id < y->stack_id);
}

int rt_group_records(const struct rt_record *rec, size_t n, struct rt_group **out, size_t *nout)
{
	struct rt_record *sorted;
	struct rt_group *g;
	size_t k = 0;

	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	sorted = malloc(n * sizeof(*sorted));
	g = malloc(n * sizeof(*g));
	if (!sorted || !g) {
		free(sorted);
		free(g);
		return -ENOMEM;
	}
	memcpy(sorted, rec, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), by_stack);
	for (size_t i = 0; i < n; i++) {
		if (k == 0 || g[k - 1].stack_id != sorted[i].stack_id)
			g[k++] = (struct rt_group){ .stack_id = sorted[i].stack_id, .oldest_ts_ns = sorted[i].ts_ns };
		struct rt_group *cur = &g[k - 1];

		cur->count++;
		cur->bytes += sorted[i].size;
		if (sorted[i].ts_ns < cur->oldest_ts_ns)
			cur->oldest_ts_ns = sorted[i].ts_ns;
	}
	free(sorted);
	qsort(g, k, sizeof(*g), by_weight);
	*out = g;
	*nout = k;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

const char *rt_frame_text(const struct rt_frame *fr, char *buf, size_t len)
{
	if (fr->sym)
		snprintf(buf, len, "%s+0x%" PRIx64, fr->sym, fr->off);
	else if (fr->module)
		snprintf(buf, len, "%s+0x%" PRIx64, base_name(fr->module), fr->off);
	else
		snprintf(buf, len, "0x%" PRIx64, fr->ip);
	return buf;
}

static double age_s(const struct rt_report_head *h, uint64_t ts_ns)
{
	return h->now_ns > ts_ns ? (double)(h->now_ns - ts_ns) / 1e9 : 0.0;
}

static void totals(const struct rt_group *g, size_t n, uint64_t *count, uint64_t *bytes)
{
	*count = *bytes = 0;
	for (size_t i = 0; i < n; i++) {
		*count += g[i].count;
		*bytes += g[i].bytes;
	}
}

static void write_text(FILE *f, const struct rt_report_head *h, const struct rt_group *g, size_t n,
		       rt_frames_fn frames, void *ctx)
{
	const struct rt_counters *c = &h->counters;
	struct rt_frame fr[RT_MAX_FRAMES];
	char text[512];
	uint64_t count, bytes;

	totals(g, n, &count, &bytes);
	fprintf(f, "coretrap leak report: process %s (%d), trigger %s, dump %s\n", h->name, (int)h->pid,
		h->trigger, h->dump_path);
	fprintf(f, "tracked for %.3f s, sample rate 1 in %u%s\n", (double)h->tracked_ns / 1e9, h->sample_rate,
		h->sample_rate > 1 ? " (counts and bytes are of the sampled blocks only)" : "");
	fprintf(f, "outstanding: %" PRIu64 " blocks, %" PRIu64 " bytes, %zu stacks\n", count, bytes, n);
	fprintf(f, "counters: %" PRIu64 " allocations, %" PRIu64 " recorded, %" PRIu64 " freed, %" PRIu64
		   " lost (map full), %" PRIu64 " without stack, %" PRIu64 " calls not followed\n",
		c->allocs, c->sampled, c->freed, c->map_full, c->stack_lost, c->calls_lost);
	if (n == 0)
		fprintf(f, "\nNo leaks detected.\n");
	for (size_t i = 0; i < n; i++) {
		size_t nf = g[i].stack_id >= 0 ? frames(ctx, g[i].stack_id, fr, RT_MAX_FRAMES) : 0;

		fprintf(f, "\n#%zu %" PRIu64 " blocks, %" PRIu64 " bytes, oldest %.3f s\n", i + 1, g[i].count,
			g[i].bytes, age_s(h, g[i].oldest_ts_ns));
		if (nf == 0)
			fprintf(f, "    (stack not available)\n");
		for (size_t j = 0; j < nf; j++) {
			rt_frame_text(&fr[j], text, sizeof(text));
			if (fr[j].module && fr[j].sym)
				fprintf(f, "    %s (%s)\n", text, fr[j].module);
			else
				fprintf(f, "    %s\n", text);
		}
	}
}

/* A JSON string with its quotes. */
static void json_str(FILE *f, const char *s)
{
	char buf[1024];

	log_json_escape(buf, sizeof(buf), s ? s : "");
	fprintf(f, "\"%s\"", buf);
}

static void write_json(FILE *f, const struct rt_report_head *h, const struct rt_group *g, size_t n,
		       rt_frames_fn frames, void *ctx)
{
	const struct rt_counters *c = &h->counters;
	struct rt_frame fr[RT_MAX_FRAMES];
	uint64_t count, bytes;

	totals(g, n, &count, &bytes);
	fprintf(f, "{\"pid\":%d,\"name\":", (int)h->pid);
	json_str(f, h->name);
	fprintf(f, ",\"trigger\":");
	json_str(f, h->trigger);
	fprintf(f, ",\"dump\":");
	json_str(f, h->dump_path);
	fprintf(f, ",\"tracked_s\":%.3f,\"sample_rate\":%u,\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64,
		(double)h->tracked_ns / 1e9, h->sample_rate, count, bytes);
	fprintf(f, ",\"counters\":{\"allocations\":%" PRIu64 ",\"recorded\":%" PRIu64 ",\"freed\":%" PRIu64
		   ",\"map_full\":%" PRIu64 ",\"stack_lost\":%" PRIu64 ",\"calls_lost\":%" PRIu64 "}",
		c->allocs, c->sampled, c->freed, c->map_full, c->stack_lost, c->calls_lost);
	fprintf(f, ",\"stacks\":[");
	for (size_t i = 0; i < n; i++) {
		size_t nf = g[i].stack_id >= 0 ? frames(ctx, g[i].stack_id, fr, RT_MAX_FRAMES) : 0;

		fprintf(f, "%s{\"blocks\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"oldest_s\":%.3f,\"frames\":[",
			i ? "," : "", g[i].count, g[i].bytes, age_s(h, g[i].oldest_ts_ns));
		for (size_t j = 0; j < nf; j++) {
			fprintf(f, "%s{\"ip\":\"0x%" PRIx64 "\"", j ? "," : "", fr[j].ip);
			if (fr[j].module) {
				fprintf(f, ",\"module\":");
				json_str(f, fr[j].module);
			}
			if (fr[j].sym) {
				fprintf(f, ",\"symbol\":");
				json_str(f, fr[j].sym);
			}
			if (fr[j].module || fr[j].sym)
				fprintf(f, ",\"offset\":%" PRIu64, fr[j].off);
			fprintf(f, "}");
		}
		fprintf(f, "]}");
	}
	fprintf(f, "]}\n");
}

int rt_report_write(FILE *f, bool json, const struct rt_report_head *h, const struct rt_group *g, size_t n,
		    rt_frames_fn frames, void *ctx)
{
	if (json)
		write_json(f, h, g, n, frames, ctx);
	else
		write_text(f, h, g, n, frames, ctx);
	return fflush(f) || ferror(f) ? -EIO : 0;
}
