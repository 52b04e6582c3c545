// SPDX-License-Identifier: MIT
/*
 * Trigger monitor: BPF skeleton lifecycle, target bookkeeping and the event
 * loop. The kernel reports condition changes; this file decides when they
 * become dumps (-n, -s cool-down, -sustain, -m lists) and asks dump_process().
 *
 * "Below" triggers (-cl, -ml) cannot be event-driven (an idle process
 * produces no events), so a timerfd re-reads the in-kernel counters from the
 * state map every -pf ms while one is configured. No /proc polling happens
 * after a target is added.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dump.h"
#include "log.h"
#include "proc.h"
#include "run.h"
#include "sigctl.h"
#include "targets.h"
#include "task_seize.h"
#include "trigger_logic.h"
#include "watch.skel.h"
#include "watch_load.h"

static const char *const kind_names[K_COUNT] = { "cpu", "commit", "thread", "filedesc", "time" };

struct monitor {
	const struct config *cfg;
	struct watch_bpf *skel;     /* bpf.skel */
	struct watch_loaded bpf;
	struct ring_buffer *rb;
	int epfd, timerfd;
	struct target_set targets;
	long page_size;
	uint64_t window_ns, sustain_ns, interval_ns;
	bool has_cpu_above, has_cpu_below, has_mem, has_threads, has_fds, timer_only;
	bool has_below;             /* -cl or -ml: periodic map reads needed */
	uint64_t next_below_check_ns;
	bool stop;                  /* SIGINT/SIGTERM */
	bool ever_had_target;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static const struct config *g_cfg; /* for the libbpf print callback only */

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	if (!g_cfg || g_cfg->log_dest != LOG_DEST_STDOUT)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

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

static int push_bpf_cfg(struct monitor *m, const struct target *t)
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

static int read_state(struct monitor *m, pid_t pid, struct target_state *st)
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

static void drop_target(struct monitor *m, struct target *t, const char *event)
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

static void refresh(struct monitor *m, struct target *t, uint64_t now);

static int add_target(struct monitor *m, pid_t pid)
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
	t->fd_tid = task_live_thread(pid); /* the leader, unless it exited before the others */
	if (!t->fd_tid)
		t->fd_tid = pid; /* already gone: the exit check below drops it */
	now = now_ns();
	t->added_ns = now;
	/* State before cfg: the programs only act once the cfg entry exists. */
	err = bpf_map__update_elem(m->skel->maps.target_state, &key, sizeof(key), &st, sizeof(st),
				   BPF_ANY);
	if (!err)
		err = push_bpf_cfg(m, t);
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
	refresh(m, t, now);
	return 0;
}

static void add_found(pid_t pid, void *ctx)
{
	struct monitor *m = ctx;
	int err = add_target(m, pid);

	if (err && err != -ESRCH && err != -ENOENT)
		log_error("coretrap: failed to watch process %d: %s", (int)pid, strerror(-err));
}

/* ---- decisions ---- */

/* Re-derive every condition of t from the kernel's counters at `now`. */
static void refresh(struct monitor *m, struct target *t, uint64_t now)
{
	const struct config *cfg = m->cfg;
	struct target_state st;
	bool window_full = now >= t->added_ns + m->window_ns;

	if (read_state(m, t->pid, &st))
		return;
	if (m->has_cpu_above || m->has_cpu_below) {
		uint64_t sum = cpu_window_sum(st.cpu, CPU_BUCKETS, m->window_ns, now);
		uint64_t above = cpu_threshold_ns(cfg->cpu_above_pct, (int)(m->window_ns / NS_PER_MS));
		uint64_t below = cpu_threshold_ns(cfg->cpu_below_pct, (int)(m->window_ns / NS_PER_MS));
		/* "Below" needs a full window of history, or every new target would be idle. */
		bool cond = cpu_condition(sum, above, m->has_cpu_above, below,
					  m->has_cpu_below && window_full);

		if (cond) {
			t->value[TRIG_CPU] = cpu_pct(sum, m->window_ns);
			t->threshold[TRIG_CPU] = m->has_cpu_above && sum >= above ? cfg->cpu_above_pct
										    : cfg->cpu_below_pct;
		}
		trig_observe(&t->trig[TRIG_CPU], cond, now, m->sustain_ns);
	}
	if (m->has_mem) {
		int idx = mem_list_index(cfg->mem_count, t->mem_dumps);
		bool cond = false;

		if (idx >= 0) {
			uint64_t thr = mb_to_pages(cfg->mem_mb[idx], m->page_size);

			cond = cfg->mem_below ? st.rss_pages < thr : st.rss_pages >= thr;
			if (cond) {
				t->value[TRIG_MEM] = pages_to_mb(st.rss_pages, m->page_size);
				t->threshold[TRIG_MEM] = cfg->mem_mb[idx];
			}
		}
		trig_observe(&t->trig[TRIG_MEM], cond, now, m->sustain_ns);
	}
	if (m->has_threads) {
		bool cond = st.threads >= (uint32_t)cfg->thread_count;

		if (cond) {
			t->value[TRIG_THREADS] = st.threads;
			t->threshold[TRIG_THREADS] = cfg->thread_count;
		}
		trig_observe(&t->trig[TRIG_THREADS], cond, now, m->sustain_ns);
	}
	if (m->has_fds) {
		bool cond = st.fds >= (uint32_t)cfg->fd_count;

		if (cond) {
			t->value[TRIG_FDS] = st.fds;
			t->threshold[TRIG_FDS] = cfg->fd_count;
		}
		trig_observe(&t->trig[TRIG_FDS], cond, now, m->sustain_ns);
	}
}

/* Write one dump for trigger k; returns true when the target is finished (-n reached). */
static bool fire(struct monitor *m, struct target *t, int k)
{
	const struct config *cfg = m->cfg;
	struct log_event ev = {
		.event = "trigger",
		.pid = t->pid,
		.name = t->name,
		.trigger = kind_names[k],
		.value = t->value[k],
		.threshold = t->threshold[k],
		.index = t->dumps,
		.has = LOG_HAS_VALUE | LOG_HAS_THRESHOLD | LOG_HAS_INDEX,
	};
	struct trigger_info why = { .kind = kind_names[k], .interrupted = &sigctl_interrupted };
	char path[PATH_MAX], line[128];
	int err;

	switch (k) {
	case TRIG_CPU:
		snprintf(line, sizeof(line), "Trigger: CPU usage:%lld%% on process ID: %d", ev.value,
			 (int)t->pid);
		break;
	case TRIG_MEM:
		snprintf(line, sizeof(line), "Trigger: Commit usage:%lldMB on process ID: %d", ev.value,
			 (int)t->pid);
		break;
	case TRIG_THREADS:
		snprintf(line, sizeof(line), "Trigger: Thread count:%lld on process ID: %d", ev.value,
			 (int)t->pid);
		break;
	case TRIG_FDS:
		snprintf(line, sizeof(line), "Trigger: File descriptor count:%lld on process ID: %d",
			 ev.value, (int)t->pid);
		break;
	default:
		snprintf(line, sizeof(line), "Trigger: Timer:%lld(s) on process ID: %d", ev.value,
			 (int)t->pid);
	}
	ev.message = line;
	log_event(&ev);
	err = dump_process(cfg, t->pid, &why, (unsigned)t->dumps, path, sizeof(path));
	/* After a failed dump wait at least 1 s: never retry in a tight loop. */
	trig_fired(&t->trig[k], now_ns(),
		   err && m->interval_ns < NS_PER_S ? NS_PER_S : m->interval_ns);
	if (err == -EINTR)
		m->stop = true; /* Ctrl-C during the dump: the writer abandoned it */
	if (err)
		return false; /* already reported; a vanished target is handled by its exit event */
	t->dumps++;
	if (k == TRIG_MEM) {
		t->mem_dumps++;
		if (mem_list_index(cfg->mem_count, t->mem_dumps) >= 0)
			push_bpf_cfg(m, t); /* arm the next threshold of the list */
	}
	return cfg->dump_count > 0 && t->dumps >= cfg->dump_count;
}

static void evaluate(struct monitor *m, struct target *t, uint64_t now)
{
	for (int k = 0; k < K_COUNT; k++) {
		if (!trig_due(&t->trig[k], now, m->sustain_ns))
			continue;
		if (m->stop)
			return;
		if (fire(m, t, k)) {
			drop_target(m, t, "stop");
			return;
		}
		now = now_ns();
		/* Thresholds may have moved (-m list): re-derive before the next decision. */
		refresh(m, t, now);
	}
}

static void evaluate_all(struct monitor *m, bool periodic)
{
	uint64_t now = now_ns();

	/* Iterate backwards: evaluate() may remove the current target. */
	for (size_t i = m->targets.count; i-- > 0 && !m->stop;) {
		struct target *t = m->targets.items[i];

		if (periodic)
			refresh(m, t, now);
		evaluate(m, t, now);
	}
}

/* ---- events ---- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	const struct event *e = data;
	struct target *t;
	char name[CONFIG_NAME_MAX];

	if (size < sizeof(*e))
		return 0;
	log_debug("bpf event type %u tgid %u trigger %u above %u value %llu at %llu ns (seen %llu ns later)",
		  e->type, e->tgid, e->trigger, e->above, (unsigned long long)e->value,
		  (unsigned long long)e->ts_ns, (unsigned long long)(now_ns() - e->ts_ns));
	switch (e->type) {
	case EVENT_CROSS:
		t = target_set_find(&m->targets, (pid_t)e->tgid);
		if (!t || e->trigger >= TRIG_COUNT)
			return 0;
		if (e->above) {
			/* The edge itself counts: the condition may be over already (latched). */
			trig_observe(&t->trig[e->trigger], true, e->ts_ns, m->sustain_ns);
			switch (e->trigger) {
			case TRIG_CPU:
				t->value[TRIG_CPU] = cpu_pct(e->value, m->window_ns);
				t->threshold[TRIG_CPU] = m->cfg->cpu_above_pct;
				break;
			case TRIG_MEM: {
				int idx = mem_list_index(m->cfg->mem_count, t->mem_dumps);

				t->value[TRIG_MEM] = pages_to_mb(e->value, m->page_size);
				t->threshold[TRIG_MEM] = idx >= 0 ? m->cfg->mem_mb[idx] : 0;
				break;
			}
			case TRIG_THREADS:
				t->value[TRIG_THREADS] = (long long)e->value;
				t->threshold[TRIG_THREADS] = m->cfg->thread_count;
				break;
			default:
				t->value[TRIG_FDS] = (long long)e->value;
				t->threshold[TRIG_FDS] = m->cfg->fd_count;
			}
		}
		refresh(m, t, now_ns());
		break;
	case EVENT_FD_ARM:
		t = target_set_find(&m->targets, (pid_t)e->tgid);
		if (!t || t->fd_armed)
			return 0;
		int err = watch_fd_arm(&m->bpf);

		if (err) {
			/* The tick still recounts it every sample period. */
			log_warn("cannot recount the fds of process %d at its context switches: %s",
				 (int)t->pid, strerror(-err));
			return 0;
		}
		t->fd_armed = true;
		if (e->value)
			log_debug("fd table of process %d has %llu slots (-fc %d): recounting at its context switches",
				  (int)t->pid, (unsigned long long)e->value, m->cfg->fd_count);
		else
			log_debug("main thread of process %d has exited: recounting its fds at its context switches",
				  (int)t->pid);
		break;
	case EVENT_EXIT:
		t = target_set_find(&m->targets, (pid_t)e->tgid);
		if (t)
			drop_target(m, t, "exit");
		break;
	case EVENT_FORK:
		/* A new process from a followed group member: still in the group? */
		if (m->cfg->target_kind == TARGET_PGID && getpgid((pid_t)e->tgid) == m->cfg->target_pid)
			add_found((pid_t)e->tgid, m);
		break;
	case EVENT_EXEC:
		if (m->cfg->wait_for_name && proc_name((pid_t)e->tgid, name, sizeof(name)) == 0 &&
		    strcmp(name, m->cfg->target_name) == 0)
			add_found((pid_t)e->tgid, m);
		break;
	}
	return 0;
}

/* ---- timer ---- */

static void arm_timer(struct monitor *m)
{
	uint64_t next = UINT64_MAX, now = now_ns();
	struct itimerspec its = {};

	for (size_t i = 0; i < m->targets.count; i++)
		for (int k = 0; k < K_COUNT; k++) {
			uint64_t d = trig_next_deadline(&m->targets.items[i]->trig[k], m->sustain_ns);

			if (d < next)
				next = d;
		}
	if (m->has_below && m->targets.count) {
		if (m->next_below_check_ns <= now)
			m->next_below_check_ns = now + m->window_ns;
		if (m->next_below_check_ns < next)
			next = m->next_below_check_ns;
	}
	if (next != UINT64_MAX) {
		if (next <= now)
			next = now + 1;
		its.it_value.tv_sec = (time_t)(next / NS_PER_S);
		its.it_value.tv_nsec = (long)(next % NS_PER_S);
	}
	timerfd_settime(m->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* ---- setup and teardown ---- */

static void report_health(struct monitor *m)
{
	const struct health *h = &m->skel->bss->health;
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "bpf events sent %llu, ring buffer drops %llu, state map full %llu, fd scans truncated %llu",
		 (unsigned long long)h->events_sent, (unsigned long long)h->ringbuf_drops,
		 (unsigned long long)h->state_full, (unsigned long long)h->fd_scan_truncated);
	if (m->cfg->json) {
		struct log_event ev = { .event = "health", .message = msg };

		log_event(&ev);
	} else {
		log_debug("%s", msg);
	}
	if (h->ringbuf_drops)
		log_warn("%llu BPF events were lost (ring buffer full)",
			 (unsigned long long)h->ringbuf_drops);
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int add_initial_targets(struct monitor *m)
{
	const struct config *cfg = m->cfg;
	pid_t pid;
	int err;

	switch (cfg->target_kind) {
	case TARGET_PID:
		err = add_target(m, cfg->target_pid);
		if (err) {
			log_error("coretrap: failed to watch process %d: %s", (int)cfg->target_pid,
				  strerror(-err));
			return err;
		}
		return 0;
	case TARGET_PGID:
		targets_scan(true, cfg->target_pid, NULL, add_found, m);
		if (!m->targets.count) {
			log_error("coretrap: failed to find a process in group %d: %s",
				  (int)cfg->target_pid, strerror(ESRCH));
			return -ESRCH;
		}
		return 0;
	case TARGET_NAME:
		if (cfg->wait_for_name) {
			/* The exec program is attached already: no start is missed. */
			targets_scan(false, 0, cfg->target_name, add_found, m);
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
		err = pid > 0 ? add_target(m, pid) : proc_find_by_name(cfg->target_name, true, &pid);
		if (!err && pid != cfg->target_pid)
			err = add_target(m, pid);
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

static void handle_signal(struct monitor *m)
{
	while (sigctl_read() > 0)
		m->stop = true;
}

int monitor_run(const struct config *cfg)
{
	struct monitor m = { .cfg = cfg, .epfd = -1, .timerfd = -1 };
	int err, window_ms, sigfd = sigctl_fd();

	g_cfg = cfg;
	libbpf_set_print(libbpf_print);
	m.page_size = sysconf(_SC_PAGESIZE);
	window_ms = cfg->poll_ms < 10 ? 10 : cfg->poll_ms; /* -pf 0: smallest useful window */
	m.window_ns = (uint64_t)window_ms * NS_PER_MS;
	m.sustain_ns = (uint64_t)(cfg->sustain_ms > 0 ? cfg->sustain_ms : 0) * NS_PER_MS;
	m.interval_ns = (uint64_t)(cfg->interval_s > 0 ? cfg->interval_s : 0) * NS_PER_S;
	m.has_cpu_above = cfg->cpu_above_pct >= 0;
	m.has_cpu_below = cfg->cpu_below_pct >= 0;
	m.has_mem = cfg->mem_count > 0;
	m.has_threads = cfg->thread_count >= 0;
	m.has_fds = cfg->fd_count >= 0;
	m.has_below = m.has_cpu_below || (m.has_mem && cfg->mem_below);
	m.timer_only = !m.has_cpu_above && !m.has_cpu_below && !m.has_mem && !m.has_threads &&
		       !m.has_fds;

	/*
	 * Stop signals are blocked since main() started (sigctl): they arrive
	 * on sigfd in the same epoll set, and a dump in progress is abandoned
	 * cleanly through sigctl_interrupted.
	 */
	err = watch_load(&(struct watch_needs){
				 .cpu = m.has_cpu_above || m.has_cpu_below,
				 .cpu_sample_period_ns = cpu_sample_period_ns(m.window_ns),
				 .mem = m.has_mem,
				 .fork = m.has_threads || cfg->target_kind == TARGET_PGID,
				 .fds = m.has_fds,
				 .exec_comm = cfg->wait_for_name ? cfg->target_name : NULL,
			 }, &m.bpf);
	if (err) {
		log_error("coretrap: failed to load the BPF programs: %s", strerror(-err));
		goto cleanup;
	}
	m.skel = m.bpf.skel;
	m.rb = ring_buffer__new(bpf_map__fd(m.skel->maps.events), on_event, &m, NULL);
	if (!m.rb) {
		err = -errno;
		log_error("coretrap: failed to open the BPF ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	m.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || m.timerfd < 0 || m.epfd < 0) {
		err = -errno;
		log_error("coretrap: failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	err = epoll_add(m.epfd, ring_buffer__epoll_fd(m.rb));
	if (!err)
		err = epoll_add(m.epfd, sigfd);
	if (!err)
		err = epoll_add(m.epfd, m.timerfd);
	if (err) {
		log_error("coretrap: failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}

	err = add_initial_targets(&m);
	if (err)
		goto cleanup;
	log_info("Press Ctrl-C to end monitoring without terminating the process(es).");
	evaluate_all(&m, false);

	while (!m.stop && (m.targets.count || cfg->wait_for_name)) {
		if (sigctl_pending()) {
			handle_signal(&m);
			m.stop = true;
			break;
		}
		struct epoll_event evs[4];
		bool periodic = false;
		int n;

		arm_timer(&m);
		n = epoll_wait(m.epfd, evs, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_error("coretrap: failed to wait for events: %s", strerror(-err));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sigfd) {
				handle_signal(&m);
			} else if (evs[i].data.fd == m.timerfd) {
				uint64_t ticks;

				if (read(m.timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					break;
				/*
				 * A deadline (sustain, end of cool-down) or a below check:
				 * re-read the counters, the condition may have ended silently
				 * (an idle target sends no events).
				 */
				periodic = true;
				if (m.has_below && now_ns() >= m.next_below_check_ns)
					m.next_below_check_ns = 0;
			}
		}
		/* Always drain: a target's exit must be seen before we decide anything. */
		ring_buffer__consume(m.rb);
		if (m.stop)
			break;
		evaluate_all(&m, periodic);
	}
	if (m.stop) {
		while (m.targets.count)
			drop_target(&m, m.targets.items[m.targets.count - 1], "stop");
	}
	report_health(&m);
	err = 0;

cleanup:
	/* Reverse order of setup; destroying the skeleton detaches every link. */
	if (m.epfd >= 0)
		close(m.epfd);
	if (m.timerfd >= 0)
		close(m.timerfd);
	ring_buffer__free(m.rb);
	watch_unload(&m.bpf);
	target_set_free(&m.targets);
	g_cfg = NULL;
	return err ? 1 : 0;
}
