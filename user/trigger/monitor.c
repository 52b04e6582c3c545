// SPDX-License-Identifier: MIT
/*
 * Trigger monitor: BPF skeleton lifecycle, decisions and the event loop
 * (the target set is in monitor_targets.c). The kernel reports condition
 * changes; this file decides when they become dumps (-n, -s cool-down,
 * -sustain, -m lists) and asks dump_process().
 *
 * "Below" triggers (-cl, -ml) cannot be event-driven (an idle process
 * produces no events), so a timerfd re-reads the in-kernel counters from the
 * state map every -pf ms while one is configured. No /proc polling happens
 * after a target is added.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dump/dispatch.h"
#include "base/libbpf_log.h"
#include "base/log.h"
#include "trigger/monitor_internal.h"
#include "base/proc.h"
#include "trigger/monitor.h"
#include "base/sigctl.h"
#include "trigger/targets.h"
#include "trigger/rules.h"
#include "watch.skel.h"
#include "trigger/bpf_load.h"

static const char *const kind_names[K_COUNT] = { "cpu", "commit", "thread", "filedesc", "time" };

/* ---- decisions ---- */

/* Re-derive every condition of t from the kernel's counters at `now`. */
void monitor_refresh(struct monitor *m, struct target *t, uint64_t now)
{
	const struct config *cfg = m->cfg;
	struct target_state st;
	bool window_full = now >= t->added_ns + m->window_ns;

	if (monitor_read_state(m, t->pid, &st))
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
			monitor_push_bpf_cfg(m, t); /* arm the next threshold of the list */
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
			monitor_drop_target(m, t, "stop");
			return;
		}
		now = now_ns();
		/* Thresholds may have moved (-m list): re-derive before the next decision. */
		monitor_refresh(m, t, now);
	}
}

static void evaluate_all(struct monitor *m, bool periodic)
{
	uint64_t now = now_ns();

	/* Iterate backwards: evaluate() may remove the current target. */
	for (size_t i = m->targets.count; i-- > 0 && !m->stop;) {
		struct target *t = m->targets.items[i];

		if (periodic)
			monitor_refresh(m, t, now);
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
		monitor_refresh(m, t, now_ns());
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
			monitor_drop_target(m, t, "exit");
		break;
	case EVENT_FORK:
		/* A new process from a followed group member: still in the group? */
		if (m->cfg->target_kind == TARGET_PGID && getpgid((pid_t)e->tgid) == m->cfg->target_pid)
			monitor_add_found((pid_t)e->tgid, m);
		break;
	case EVENT_EXEC:
		if (m->cfg->wait_for_name && proc_name((pid_t)e->tgid, name, sizeof(name)) == 0 &&
		    strcmp(name, m->cfg->target_name) == 0)
			monitor_add_found((pid_t)e->tgid, m);
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

static void handle_signal(struct monitor *m)
{
	while (sigctl_read() > 0)
		m->stop = true;
}

int monitor_run(const struct config *cfg)
{
	struct monitor m = { .cfg = cfg, .epfd = -1, .timerfd = -1 };
	int err, window_ms, sigfd = sigctl_fd();

	libbpf_log_route();
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
		log_error("failed to load the BPF programs: %s", strerror(-err));
		goto cleanup;
	}
	m.skel = m.bpf.skel;
	m.rb = ring_buffer__new(bpf_map__fd(m.skel->maps.events), on_event, &m, NULL);
	if (!m.rb) {
		err = -errno;
		log_error("failed to open the BPF ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	m.timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || m.timerfd < 0 || m.epfd < 0) {
		err = -errno;
		log_error("failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	err = epoll_add(m.epfd, ring_buffer__epoll_fd(m.rb));
	if (!err)
		err = epoll_add(m.epfd, sigfd);
	if (!err)
		err = epoll_add(m.epfd, m.timerfd);
	if (err) {
		log_error("failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}

	err = monitor_add_initial_targets(&m);
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
			log_error("failed to wait for events: %s", strerror(-err));
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
			monitor_drop_target(&m, m.targets.items[m.targets.count - 1], "stop");
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
	return err ? 1 : 0;
}
