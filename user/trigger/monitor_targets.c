// SPDX-License-Identifier: MIT
/*
 * The monitor's target set and its mirror in the BPF maps; see
 * monitor_targets.h. Which thresholds the kernel watches comes from the
 * kinds table (kinds_arm): this file only keeps the maps in step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "base/log.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "base/proc_task.h"
#include "dump/companion.h"
#include "trigger/monitor_rule.h"
#include "trigger/monitor_targets.h"
#include "watch.skel.h"

/* ---- BPF maps ---- */

static void fill_bpf_cfg(const struct monitor_targets *mt, const struct target *t, struct target_cfg *c)
{
	(void)mt;
	kinds_arm(&t->rule->params, t->mem_dumps, c);
	if (!t->rule->name && t->rule->cfg->target_kind == TARGET_PGID)
		c->flags |= TCFG_FOLLOW_FORK;
	c->fd_tid = (__u32)t->fd_tid;
}

int monitor_push_bpf_cfg(struct monitor_targets *mt, const struct target *t)
{
	struct target_cfg c;
	__u32 key = (__u32)t->pid;

	fill_bpf_cfg(mt, t, &c);
	return bpf_map__update_elem(mt->bpf->skel->maps.target_cfg, &key, sizeof(key), &c, sizeof(c),
				    BPF_ANY);
}

/* Rewrite the pre-filter slot of pid from the target set (see events.h). */
static void filter_sync(struct monitor_targets *mt, pid_t pid)
{
	__u32 slot = (__u32)pid & (FILTER_SLOTS - 1), val = 0;

	for (size_t i = 0; i < mt->set.count; i++) {
		__u32 tgid = (__u32)mt->set.items[i]->pid;

		if ((tgid & (FILTER_SLOTS - 1)) == slot)
			val = val ? FILTER_SHARED : tgid;
	}
	bpf_map__update_elem(mt->bpf->skel->maps.target_filter, &slot, sizeof(slot), &val, sizeof(val),
			     BPF_ANY);
}

static void forget_bpf(struct monitor_targets *mt, pid_t pid)
{
	__u32 key = (__u32)pid;

	/*
	 * cfg first: once it is gone no new event reaches the state, and one
	 * that found the cfg just before finds no state (programs never create
	 * it, bpf/watch.bpf.h).
	 */
	bpf_map__delete_elem(mt->bpf->skel->maps.target_cfg, &key, sizeof(key), 0);
	bpf_map__delete_elem(mt->bpf->skel->maps.target_state, &key, sizeof(key), 0);
}

int monitor_read_state(const struct monitor_targets *mt, pid_t pid, struct target_state *st)
{
	__u32 key = (__u32)pid;

	return bpf_map__lookup_elem(mt->bpf->skel->maps.target_state, &key, sizeof(key), st, sizeof(*st),
				    0);
}

/* ---- targets ---- */

/* start, stop and exit lines, worded as ProcDump words them. */
static void log_target(const char *event, const struct target *t)
{
	struct log_event ev = { .event = event, .pid = t->pid, .name = t->name, .rule = t->rule->name };
	char line[CONFIG_NAME_MAX + 128];

	if (!strcmp(event, "start") && t->rule->name)
		snprintf(line, sizeof(line), "Starting monitor for process %s (%d) by rule %s", t->name, (int)t->pid,
			 t->rule->name);
	else if (!strcmp(event, "start"))
		snprintf(line, sizeof(line), "Starting monitor for process %s (%d)", t->name, (int)t->pid);
	else if (!strcmp(event, "exit"))
		snprintf(line, sizeof(line), "Target process %d is no longer alive", (int)t->pid);
	else
		snprintf(line, sizeof(line), "Stopping monitor for process %s (%d)", t->name, (int)t->pid);
	ev.message = line;
	log_event(&ev);
}

/* -fc switch flavour: does any target still need sched_switch? */
static bool any_fd_armed(const struct monitor_targets *mt)
{
	for (size_t i = 0; i < mt->set.count; i++)
		if (mt->set.items[i]->fd_armed)
			return true;
	return false;
}

int monitor_arm_fds(struct monitor_targets *mt, struct target *t)
{
	int err;

	if (t->fd_armed)
		return 0;
	err = watch_fd_arm(mt->bpf);
	if (!err)
		t->fd_armed = true;
	return err;
}

void monitor_drop_target(struct monitor_targets *mt, struct target *t, const char *event)
{
	pid_t pid = t->pid;
	bool was_armed = t->fd_armed;

	forget_bpf(mt, pid);
	dump_companion_untrack(pid);
	log_target(event, t);
	target_set_remove(&mt->set, pid);
	filter_sync(mt, pid);
	if (was_armed && !any_fd_armed(mt))
		watch_fd_disarm(mt->bpf); /* nothing left that can cross: stop paying per switch */
}

void monitor_drop_all(struct monitor_targets *mt)
{
	while (mt->set.count)
		monitor_drop_target(mt, mt->set.items[mt->set.count - 1], "stop");
}

void monitor_targets_free(struct monitor_targets *mt)
{
	target_set_free(&mt->set);
}

int monitor_add_target(struct monitor_targets *mt, pid_t pid)
{
	return monitor_add_target_rule(mt, pid, mt->rule);
}

int monitor_add_target_rule(struct monitor_targets *mt, pid_t pid, struct monitor_rule *rule)
{
	struct target_state st = {};
	struct target *t;
	__u32 key = (__u32)pid;
	int err;

	if (target_set_find(&mt->set, pid))
		return 0;
	if (mt->set.count >= MAX_TARGETS)
		return -ENOSPC;
	uint64_t rss_pages;
	uint32_t threads, fds;

	err = target_read_counts(pid, mt->page_size, &rss_pages, &threads, &fds);
	if (err)
		return err;
	st.rss_pages = rss_pages;
	st.threads = threads;
	st.fds = fds;
	t = target_set_add(&mt->set, pid);
	if (!t)
		return -ENOMEM;
	t->rule = rule;
	if (proc_name(pid, t->name, sizeof(t->name)))
		snprintf(t->name, sizeof(t->name), "%d", (int)pid);
	t->fd_tid = proc_task_live_thread(pid); /* the leader, unless it exited before the others */
	if (!t->fd_tid)
		t->fd_tid = pid; /* already gone: the exit check below drops it */
	t->added_ns = now_ns();
	/* State before cfg: the programs act once the cfg exists, and never create the state. */
	err = bpf_map__update_elem(mt->bpf->skel->maps.target_state, &key, sizeof(key), &st, sizeof(st),
				   BPF_ANY);
	if (!err)
		err = monitor_push_bpf_cfg(mt, t);
	if (!err)
		filter_sync(mt, pid); /* last: from here on the programs see it */
	/* It may have exited before it was visible: no exit event would come. */
	if (!err && !proc_has_live_thread(pid))
		err = -ESRCH;
	/* -restrack follows every target (a no-op without it; says itself why it cannot) */
	if (!err)
		err = dump_companion_track(pid);
	if (err) {
		forget_bpf(mt, pid);
		target_set_remove(&mt->set, pid);
		filter_sync(mt, pid);
		return err;
	}
	log_target("start", t);
	mt->added(t, mt->ctx);
	return 0;
}

void monitor_add_found(pid_t pid, void *ctx)
{
	struct monitor_targets *mt = ctx;
	int err = monitor_add_target(mt, pid);

	if (err && err != -ESRCH && err != -ENOENT)
		log_error("failed to watch process %d: %s", (int)pid, strerror(-err));
}

int monitor_add_initial_targets(struct monitor_targets *mt)
{
	const struct config *cfg = mt->rule->cfg;
	pid_t pid;
	int err;

	switch (cfg->target_kind) {
	case TARGET_PID:
		err = monitor_add_target(mt, cfg->target_pid);
		if (err) {
			log_error("failed to watch process %d: %s", (int)cfg->target_pid,
				  strerror(-err));
			return err;
		}
		return 0;
	case TARGET_PGID:
		targets_scan(true, cfg->target_pid, NULL, monitor_add_found, mt);
		if (!mt->set.count) {
			log_error("failed to find a process in group %d: %s",
				  (int)cfg->target_pid, strerror(ESRCH));
			return -ESRCH;
		}
		return 0;
	case TARGET_NAME:
		if (cfg->wait_for_name) {
			/* The exec program is attached already: no start is missed. */
			targets_scan(false, 0, cfg->target_name, monitor_add_found, mt);
			if (!mt->set.count) {
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
		err = pid > 0 ? monitor_add_target(mt, pid) : proc_find_by_name(cfg->target_name, true, &pid);
		if (!err && pid != cfg->target_pid)
			err = monitor_add_target(mt, pid);
		if (err) {
			log_error("failed to find process %s: %s", cfg->target_name,
				  strerror(-err));
			return err;
		}
		return 0;
	default:
		return -EINVAL;
	}
}
