// SPDX-License-Identifier: MIT
/*
 * The monitor's target set and its mirror in the BPF maps: adding a target
 * (counters read once from /proc, then kept by the kernel), its thresholds
 * in target_cfg, the pre-filter slots, and dropping it again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/log.h"
#include "trigger/monitor_internal.h"
#include "base/proc.h"
#include "base/proc_task.h"
#include "watch.skel.h"

/* ---- BPF maps ---- */

static void fill_bpf_cfg(const struct monitor *m, const struct target *t, struct target_cfg *c)
{
	const struct config *cfg = m->cfg;
	int idx;

	memset(c, 0, sizeof(*c));
	if (m->has_cpu_above || m->has_cpu_below)
		c->cpu_window_ns = m->window_ns;
	if (m->has_cpu_above) {
		c->cpu_above_ns = cpu_threshold_ns(cfg->cpu_above_pct, (int)(m->window_ns / NS_PER_MS));
		if (!c->cpu_above_ns)
			c->cpu_above_ns = 1;
	}
	idx = mem_list_index(cfg->mem_count, t->mem_dumps);
	if (m->has_mem && !cfg->mem_below && idx >= 0) {
		c->mem_above_pages = mb_to_pages(cfg->mem_mb[idx], m->page_size);
		if (!c->mem_above_pages)
			c->mem_above_pages = 1;
	}
	if (m->has_threads && cfg->thread_count > 0)
		c->threads_above = (__u32)cfg->thread_count;
	if (m->has_fds && cfg->fd_count > 0)
		c->fds_above = (__u32)cfg->fd_count;
	if (cfg->target_kind == TARGET_PGID)
		c->flags |= TCFG_FOLLOW_FORK;
	c->fd_tid = (__u32)t->fd_tid;
}

int monitor_push_bpf_cfg(struct monitor *m, const struct target *t)
{
	struct target_cfg c;
	__u32 key = (__u32)t->pid;

	fill_bpf_cfg(m, t, &c);
	return bpf_map__update_elem(m->skel->maps.target_cfg, &key, sizeof(key), &c, sizeof(c),
				    BPF_ANY);
}

/* Rewrite the pre-filter slot of pid from the target set (see events.h). */
static void filter_sync(struct monitor *m, pid_t pid)
{
	__u32 slot = (__u32)pid & (FILTER_SLOTS - 1), val = 0;

	for (size_t i = 0; i < m->targets.count; i++) {
		__u32 tgid = (__u32)m->targets.items[i]->pid;

		if ((tgid & (FILTER_SLOTS - 1)) == slot)
			val = val ? FILTER_SHARED : tgid;
	}
	bpf_map__update_elem(m->skel->maps.target_filter, &slot, sizeof(slot), &val, sizeof(val),
			     BPF_ANY);
}

static void forget_bpf(struct monitor *m, pid_t pid)
{
	__u32 key = (__u32)pid;

	/* cfg first: once it is gone the programs stop touching the state. */
	bpf_map__delete_elem(m->skel->maps.target_cfg, &key, sizeof(key), 0);
	bpf_map__delete_elem(m->skel->maps.target_state, &key, sizeof(key), 0);
}

int monitor_read_state(struct monitor *m, pid_t pid, struct target_state *st)
{
	__u32 key = (__u32)pid;

	return bpf_map__lookup_elem(m->skel->maps.target_state, &key, sizeof(key), st, sizeof(*st),
				    0);
}

/* ---- targets ---- */

/* start, stop and exit lines, worded as ProcDump words them. */
static void log_target(const char *event, const struct target *t)
{
	struct log_event ev = { .event = event, .pid = t->pid, .name = t->name };
	char line[CONFIG_NAME_MAX + 64];

	if (!strcmp(event, "start"))
		snprintf(line, sizeof(line), "Starting monitor for process %s (%d)", t->name, (int)t->pid);
	else if (!strcmp(event, "exit"))
		snprintf(line, sizeof(line), "Target process %d is no longer alive", (int)t->pid);
	else
		snprintf(line, sizeof(line), "Stopping monitor for process %s (%d)", t->name, (int)t->pid);
	ev.message = line;
	log_event(&ev);
}

/* -fc switch flavour: does any target still need sched_switch? */
static bool any_fd_armed(const struct monitor *m)
{
	for (size_t i = 0; i < m->targets.count; i++)
		if (m->targets.items[i]->fd_armed)
			return true;
	return false;
}

void monitor_drop_target(struct monitor *m, struct target *t, const char *event)
{
	pid_t pid = t->pid;
	bool was_armed = t->fd_armed;

	forget_bpf(m, pid);
	log_target(event, t);
	target_set_remove(&m->targets, pid);
	filter_sync(m, pid);
	if (was_armed && !any_fd_armed(m))
		watch_fd_disarm(&m->bpf); /* nothing left that can cross: stop paying per switch */
}

int monitor_add_target(struct monitor *m, pid_t pid)
{
	struct target_state st = {};
	struct target *t;
	__u32 key = (__u32)pid;
	uint64_t now;
	int err;

	if (target_set_find(&m->targets, pid))
		return 0;
	if (m->targets.count >= MAX_TARGETS)
		return -ENOSPC;
	uint64_t rss_pages;
	uint32_t threads, fds;

	err = target_read_counts(pid, m->page_size, &rss_pages, &threads, &fds);
	if (err)
		return err;
	st.rss_pages = rss_pages;
	st.threads = threads;
	st.fds = fds;
	t = target_set_add(&m->targets, pid);
	if (!t)
		return -ENOMEM;
	if (proc_name(pid, t->name, sizeof(t->name)))
		snprintf(t->name, sizeof(t->name), "%d", (int)pid);
	t->fd_tid = proc_task_live_thread(pid); /* the leader, unless it exited before the others */
	if (!t->fd_tid)
		t->fd_tid = pid; /* already gone: the exit check below drops it */
	now = now_ns();
	t->added_ns = now;
	/* State before cfg: the programs only act once the cfg entry exists. */
	err = bpf_map__update_elem(m->skel->maps.target_state, &key, sizeof(key), &st, sizeof(st),
				   BPF_ANY);
	if (!err)
		err = monitor_push_bpf_cfg(m, t);
	if (!err)
		filter_sync(m, pid); /* last: from here on the programs see it */
	/* It may have exited before it was visible: no exit event would come. */
	if (!err && !proc_has_live_thread(pid))
		err = -ESRCH;
	if (err) {
		forget_bpf(m, pid);
		target_set_remove(&m->targets, pid);
		filter_sync(m, pid);
		return err;
	}
	m->ever_had_target = true;
	if (m->timer_only) {
		t->value[K_TIMER] = m->cfg->interval_s;
		trig_observe(&t->trig[K_TIMER], true, now, 0);
	}
	log_target("start", t);
	monitor_refresh(m, t, now);
	return 0;
}

void monitor_add_found(pid_t pid, void *ctx)
{
	struct monitor *m = ctx;
	int err = monitor_add_target(m, pid);

	if (err && err != -ESRCH && err != -ENOENT)
		log_error("coretrap: failed to watch process %d: %s", (int)pid, strerror(-err));
}

int monitor_add_initial_targets(struct monitor *m)
{
	const struct config *cfg = m->cfg;
	pid_t pid;
	int err;

	switch (cfg->target_kind) {
	case TARGET_PID:
		err = monitor_add_target(m, cfg->target_pid);
		if (err) {
			log_error("coretrap: failed to watch process %d: %s", (int)cfg->target_pid,
				  strerror(-err));
			return err;
		}
		return 0;
	case TARGET_PGID:
		targets_scan(true, cfg->target_pid, NULL, monitor_add_found, m);
		if (!m->targets.count) {
			log_error("coretrap: failed to find a process in group %d: %s",
				  (int)cfg->target_pid, strerror(ESRCH));
			return -ESRCH;
		}
		return 0;
	case TARGET_NAME:
		if (cfg->wait_for_name) {
			/* The exec program is attached already: no start is missed. */
			targets_scan(false, 0, cfg->target_name, monitor_add_found, m);
			if (!m->targets.count) {
				char line[CONFIG_NAME_MAX + 64];
				struct log_event ev = { .event = "waiting", .name = cfg->target_name,
							.message = line };

				snprintf(line, sizeof(line), "Waiting for process '%s' to launch...",
					 cfg->target_name);
				log_event(&ev);
			}
			return 0;
		}
		/* main() resolved the first match into target_pid. */
		pid = cfg->target_pid;
		err = pid > 0 ? monitor_add_target(m, pid) : proc_find_by_name(cfg->target_name, true, &pid);
		if (!err && pid != cfg->target_pid)
			err = monitor_add_target(m, pid);
		if (err) {
			log_error("coretrap: failed to find process %s: %s", cfg->target_name,
				  strerror(-err));
			return err;
		}
		return 0;
	default:
		return -EINVAL;
	}
}
