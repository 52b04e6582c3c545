// SPDX-License-Identifier: MIT
/* The leak-tracking session; see restrack.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/libbpf_log.h"
#include "base/log.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "core/output.h"
#include "trigger/restrack.h"
#include "trigger/restrack_attach.h"
#include "trigger/restrack_report.h"
#include "trigger/restrack_sym.h"
#include "restrack_events.h"
#include "restrack.skel.h"

struct rt_target {
	pid_t pid;
	uint64_t since_ns;
	struct rt_probes probes;
};

struct restrack {
	const struct config *cfg;
	struct restrack_bpf *skel;
	struct rt_target *targets;
	size_t ntargets;
};

static unsigned env_count(const char *name, unsigned def, unsigned min, unsigned max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long n;

	if (!v || !*v)
		return def;
	n = strtoul(v, &end, 10);
	if (*end || n < min || n > max) {
		log_warn("%s=%s is not a number in %u..%u: using %u", name, v, min, max, def);
		return def;
	}
	return (unsigned)n;
}

int restrack_open(const struct config *cfg, struct restrack **out)
{
	struct restrack *rt = calloc(1, sizeof(*rt));
	int err;

	if (!rt)
		return -ENOMEM;
	libbpf_log_route();
	rt->cfg = cfg;
	rt->skel = restrack_bpf__open();
	if (!rt->skel) {
		err = -errno;
		goto fail;
	}
	rt->skel->rodata->sample_rate = (__u32)cfg->restrack_sample_rate;
	bpf_map__set_max_entries(rt->skel->maps.rt_allocs,
				 env_count("CORETRAP_RESTRACK_ENTRIES", 1u << 20, 1024, 1u << 26));
	bpf_map__set_max_entries(rt->skel->maps.rt_stacks,
				 env_count("CORETRAP_RESTRACK_STACKS", 16384, 256, 1u << 20));
	err = restrack_bpf__load(rt->skel);
	if (err)
		goto fail;
	*out = rt;
	return 0;
fail:
	log_error("failed to load the -restrack BPF programs: %s", strerror(err < 0 ? -err : EINVAL));
	restrack_bpf__destroy(rt->skel);
	free(rt);
	return err < 0 ? err : -EINVAL;
}

static struct rt_target *find(struct restrack *rt, pid_t pid)
{
	for (size_t i = 0; i < rt->ntargets; i++)
		if (rt->targets[i].pid == pid)
			return &rt->targets[i];
	return NULL;
}

int restrack_track(struct restrack *rt, pid_t pid)
{
	struct rt_target *v, *t;
	__u32 tgid = (__u32)pid;
	__u8 one = 1;
	char why[PATH_MAX + 128];
	int err;

	if (find(rt, pid))
		return 0;
	v = realloc(rt->targets, (rt->ntargets + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rt->targets = v;
	t = &v[rt->ntargets];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	/* followed before the probes exist, so the first call after them counts */
	if (bpf_map_update_elem(bpf_map__fd(rt->skel->maps.rt_tgids), &tgid, &one, BPF_ANY)) {
		err = -errno;
		log_error("cannot track process %d for -restrack: %s", (int)pid, strerror(-err));
		return err;
	}
	err = rt_probes_attach(rt->skel, pid, &t->probes, why, sizeof(why));
	if (err) {
		bpf_map_delete_elem(bpf_map__fd(rt->skel->maps.rt_tgids), &tgid);
		log_error("%s", why);
		return err;
	}
	t->since_ns = now_ns();
	rt->ntargets++;
	return 0;
}

/* Delete every key of map_fd that belongs to tgid (key starts with the tgid for rt_allocs). */
static void drop_blocks(int fd, __u32 tgid)
{
	struct restrack_key key, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next.tgid == tgid) {
			bpf_map_delete_elem(fd, &next);
			/* the deleted key cannot lead on: continue from the one before */
			if (prev)
				continue;
			prev = NULL;
			continue;
		}
		key = next;
		prev = &key;
	}
}

/* Calls in flight of tgid's threads (key: pid_tgid). */
static void drop_calls(int fd, __u32 tgid)
{
	__u64 key, next, *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (next >> 32 == tgid) {
			bpf_map_delete_elem(fd, &next);
			continue;
		}
		key = next;
		prev = &key;
	}
}

void restrack_untrack(struct restrack *rt, pid_t pid)
{
	struct rt_target *t = find(rt, pid);
	__u32 tgid = (__u32)pid;

	if (!t)
		return;
	rt_probes_detach(&t->probes);
	bpf_map_delete_elem(bpf_map__fd(rt->skel->maps.rt_tgids), &tgid);
	drop_calls(bpf_map__fd(rt->skel->maps.rt_calls), tgid);
	drop_blocks(bpf_map__fd(rt->skel->maps.rt_allocs), tgid);
	*t = rt->targets[--rt->ntargets];
}

/* ---- reading the blocks ---- */

struct records {
	struct rt_record *v;
	size_t n, cap;
};

static int push(struct records *r, const struct restrack_alloc *a)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct rt_record *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct rt_record){ .stack_id = a->stack_id, .size = a->size, .ts_ns = a->ts_ns };
	return 0;
}

/* Every outstanding block of tgid, in batches (one syscall per 4096 entries). */
static int read_blocks(int fd, __u32 tgid, struct records *out)
{
	enum { BATCH = 4096 };
	static struct restrack_key keys[BATCH];
	static struct restrack_alloc vals[BATCH];
	__u64 in_tok[4], out_tok[4];
	bool first = true;
	int err = 0;

	for (;;) {
		__u32 count = BATCH;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);

		err = bpf_map_lookup_batch(fd, first ? NULL : in_tok, out_tok, keys, vals, &count, &opts);
		if (err && errno != ENOENT)
			return -errno;
		for (__u32 i = 0; i < count; i++)
			if (keys[i].tgid == tgid && push(out, &vals[i]))
				return -ENOMEM;
		if (err)
			return 0; /* ENOENT: that was the last batch */
		memcpy(in_tok, out_tok, sizeof(in_tok));
		first = false;
	}
}

struct frames_ctx {
	int stacks_fd;
	struct rt_symbolizer sym;
};

static size_t frames_of(void *ctx, int32_t stack_id, struct rt_frame *frames, size_t max)
{
	struct frames_ctx *c = ctx;
	__u64 ips[RESTRACK_STACK_DEPTH] = { 0 };
	__u32 id = (__u32)stack_id;
	size_t n = 0;

	if (bpf_map_lookup_elem(c->stacks_fd, &id, ips))
		return 0;
	for (size_t i = 0; i < RESTRACK_STACK_DEPTH && n < max && ips[i]; i++)
		rt_symbolizer_frame(&c->sym, ips[i], &frames[n++]);
	return n;
}

static void counters(const struct restrack *rt, struct rt_counters *c)
{
	const struct restrack_stats *s = &rt->skel->bss->stats;

	*c = (struct rt_counters){ .allocs = s->allocs, .sampled = s->sampled, .freed = s->freed,
				   .map_full = s->map_full, .stack_lost = s->stack_lost,
				   .calls_lost = s->calls_lost };
}

static int write_report(struct restrack *rt, const struct rt_report_head *h, const struct rt_group *g, size_t n,
			struct frames_ctx *fc, const char *path)
{
	struct core_output out;
	FILE *f;
	int err, fd;

	err = core_output_open(&out, path, rt->cfg->overwrite);
	if (err)
		return err;
	fd = dup(out.fd);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		core_output_abort(&out);
		return err;
	}
	err = rt_report_write(f, rt->cfg->json, h, g, n, frames_of, fc);
	if (fclose(f) && !err)
		err = -EIO;
	if (err) {
		core_output_abort(&out);
		return err;
	}
	return core_output_commit(&out, rt->cfg->overwrite);
}

int restrack_report(struct restrack *rt, pid_t pid, const char *trigger, const char *dump_path, unsigned index)
{
	struct rt_target *t = find(rt, pid);
	struct records rec = { 0 };
	struct rt_group *groups = NULL;
	size_t ngroups = 0;
	struct frames_ctx fc = { .stacks_fd = bpf_map__fd(rt->skel->maps.rt_stacks) };
	char path[PATH_MAX], name[CONFIG_NAME_MAX] = "?", line[PATH_MAX + 64];
	uint64_t t0 = now_ns();
	struct rt_report_head h = { .pid = pid, .name = name, .trigger = trigger, .dump_path = dump_path,
				    .sample_rate = (unsigned)rt->cfg->restrack_sample_rate };
	int err;

	if (!t) {
		log_error("process %d is not tracked by -restrack: no leak report", (int)pid);
		return -ENOENT;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s.restrack", dump_path) >= sizeof(path)) {
		log_error("leak report name for %s is too long", dump_path);
		return -ENAMETOOLONG;
	}
	proc_name(pid, name, sizeof(name));
	err = read_blocks(bpf_map__fd(rt->skel->maps.rt_allocs), (__u32)pid, &rec);
	h.now_ns = now_ns(); /* blocks are aged against the moment they were read */
	h.tracked_ns = h.now_ns - t->since_ns;
	counters(rt, &h.counters);
	if (!err)
		err = rt_group_records(rec.v, rec.n, &groups, &ngroups);
	free(rec.v);
	if (!err)
		err = rt_symbolizer_open(&fc.sym, pid);
	if (!err) {
		err = write_report(rt, &h, groups, ngroups, &fc, path);
		rt_symbolizer_close(&fc.sym);
	}
	free(groups);
	if (err) {
		struct log_event ev = { .event = "dump_failed", .pid = pid, .name = name, .path = path,
					.index = (int)index, .message = line, .has = LOG_HAS_INDEX };

		if (err == -EEXIST)
			snprintf(line, sizeof(line), "leak report %s already exists (use -o to overwrite)", path);
		else
			snprintf(line, sizeof(line), "failed to write leak report %s: %s", path, strerror(-err));
		log_event(&ev);
		return err;
	}
	snprintf(line, sizeof(line), "Leak report %u generated: %s", index + 1, path);
	struct log_event ev = { .event = "restrack", .pid = pid, .name = name, .trigger = trigger, .path = path,
				.index = (int)index, .value = (long long)ngroups, .message = line,
				.has = LOG_HAS_INDEX | LOG_HAS_VALUE };

	log_event(&ev);
	log_debug("restrack: report %s: %zu stacks, written in %.3f ms", path, ngroups, (now_ns() - t0) / 1e6);
	return 0;
}

void restrack_close(struct restrack *rt)
{
	struct rt_counters c;
	char msg[256];

	if (!rt)
		return;
	while (rt->ntargets)
		restrack_untrack(rt, rt->targets[rt->ntargets - 1].pid);
	counters(rt, &c);
	snprintf(msg, sizeof(msg),
		 "restrack: %" PRIu64 " allocations, %" PRIu64 " recorded, %" PRIu64 " freed, %" PRIu64
		 " lost (map full), %" PRIu64 " without stack, %" PRIu64 " calls not followed",
		 c.allocs, c.sampled, c.freed, c.map_full, c.stack_lost, c.calls_lost);
	if (rt->cfg->json) {
		struct log_event ev = { .event = "health", .message = msg };

		log_event(&ev);
	} else {
		log_debug("%s", msg);
	}
	if (c.map_full)
		log_warn("-restrack: %" PRIu64 " blocks were not recorded (map full: raise CORETRAP_RESTRACK_ENTRIES)",
			 c.map_full);
	restrack_bpf__destroy(rt->skel);
	free(rt->targets);
	free(rt);
}
