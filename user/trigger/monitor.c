// SPDX-License-Identifier: MIT
/*
 * Trigger monitor: BPF skeleton lifecycle, decisions and the event loop.
 * The kernel reports condition changes; this file decides when they become
 * dumps (-n, -s cool-down, -sustain, -m lists) and asks dump_process().
 * What each trigger kind means is data (kinds.h); the target set and its
 * mirror in the BPF maps are below it (monitor_targets.h), which calls
 * nothing here: it reports each new target through a callback.
 *
 * "Below" triggers (-cl, -ml) cannot be event-driven (an idle process
 * produces no events), so a timerfd re-reads the in-kernel counters from the
 * state map every window (-pf ms) while one is configured. No /proc polling
 * happens after a target is added.
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

#include "base/libbpf_log.h"
#include "trigger/supervise.h"
#include "base/log.h"
#include "base/mono_clock.h"
#include "base/proc.h"
#include "base/proc_parse.h"
#include "base/proc_read.h"
#include "base/sigctl.h"
#include "dump/dispatch.h"
#include "base/metrics.h"
#include "trigger/bpf_load.h"
#include "trigger/counter_watch.h"
#include "trigger/fleet_match.h"
#include "trigger/kinds.h"
#include "trigger/monitor.h"
#include "trigger/monitor_targets.h"
#include "trigger/rules.h"
#include "watch.skel.h"

struct monitor {
	struct monitor_rule *rules;  /* one: the command line; the daemon: its file's rules */
	size_t nrules;
	bool fleet;                  /* the daemon: targets come and go by rule, run until a signal */
	bool reload;                 /* SIGHUP in the daemon */
	bool below;                  /* some rule has -cl or -ml: periodic counter reads */
	uint64_t below_window_ns;    /* their shortest window */
	bool json;
	struct watch_loaded bpf;
	struct monitor_targets targets;
	struct ring_buffer *rb;
	int epfd, timerfd;
	uint64_t next_below_check_ns;
	bool stop;                  /* SIGINT/SIGTERM */
	bool failed;                /* a target could not be watched (counters): exit 1 */
	struct supervisor sup;      /* the daemon's one-shot runs (rules that attach to a process) */
	uint64_t sup_next_ns;       /* the earliest restart of a held-back run */
};

/* ---- decisions ---- */

/* Re-derive every condition of t from the kernel's counters at `now`. */
static void refresh(struct monitor *m, struct target *t, uint64_t now)
{
	struct target_state st;
	const struct monitor_rule *r = t->rule;
	struct trigger_input in = { .st = &st, .mem_dumps = t->mem_dumps, .now_ns = now,
				    .window_full = now >= t->added_ns + r->params.window_ns };
	struct trigger_verdict v[K_COUNT];

	if (monitor_read_state(&m->targets, t->pid, &st))
		return;
	kinds_judge(&r->params, &in, v);
	for (int k = 0; k < K_COUNT; k++) {
		if (v[k].cond) {
			t->value[k] = v[k].value;
			t->threshold[k] = v[k].threshold;
		}
		trig_observe(&t->trig[k], v[k].cond, now, r->sustain_ns);
	}
}

/* ---- .NET counters (-pc/-pcl): one EventPipe session per target ---- */

/* A process found by -w/-pgid: its runtime's startup is left alone this long, */
#define COUNTERS_STARTUP_NS (3 * NS_PER_S)
/* and it gets this long to open its diagnostics socket. */
#define COUNTERS_SOCKET_WAIT_NS (15 * NS_PER_S)
#define COUNTERS_SOCKET_RETRY_NS (100 * NS_PER_MS)
/* How long a target whose runtime ended the stream may take to exit. */
#define COUNTERS_EXIT_GRACE_NS (2 * NS_PER_S)

static int epoll_add(int epfd, int fd);

/* Open t's session and put its stream in the epoll set; a failure marks t for dropping. */
static void counters_start(struct monitor *m, struct target *t)
{
	const struct config *cfg = t->rule->cfg;
	bool found_later = m->fleet || cfg->wait_for_name || cfg->target_kind == TARGET_PGID;
	struct counter_watch *w;
	int err;

	/*
	 * A session that starts while the runtime initialises can deadlock the
	 * process in the runtime's own locks (dotnet/runtime issues 105682 and
	 * 119014, seen here with -w): a process found at its exec is left to
	 * start up first.
	 */
	if (found_later && now_ns() < t->added_ns + COUNTERS_STARTUP_NS) {
		t->counters_retry_ns = t->added_ns + COUNTERS_STARTUP_NS;
		return;
	}
	w = calloc(1, sizeof(*w));
	err = w ? counter_watch_start(w, cfg, t->pid, now_ns()) : -ENOMEM;

	if (!err && (err = epoll_add(m->epfd, counter_watch_fd(w))))
		counter_watch_stop(w);
	if (err == -ENOENT && found_later && now_ns() < t->added_ns + COUNTERS_SOCKET_WAIT_NS) {
		/* found at its exec: the runtime makes its socket during startup */
		free(w);
		t->counters_retry_ns = now_ns() + COUNTERS_SOCKET_RETRY_NS;
		return;
	}
	t->counters_retry_ns = 0;
	if (err) {
		if (err == -ENOENT)
			log_error("process %d is not a .NET process (no diagnostics socket): -pc/-pcl need one",
				  (int)t->pid);
		else
			log_error("failed to open an EventPipe session in process %d: %s", (int)t->pid,
				  strerror(-err));
		free(w);
		t->counters_failed = true;
		return;
	}
	t->counters = w;
	log_debug("EventPipe session %llu open in process %d for %d counter(s)",
		  (unsigned long long)w->session.session_id, (int)t->pid, w->count);
}

/* Stop t's session (StopTracing) on every way out. */
static void counters_stop(struct monitor *m, struct target *t)
{
	struct counter_watch *w = t->counters;
	int err;

	if (!w)
		return;
	if (counter_watch_fd(w) >= 0)
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, counter_watch_fd(w), NULL);
	err = counter_watch_stop(w);
	log_debug("EventPipe session %llu in process %d stopped: %s (%llu bytes, %llu values)",
		  (unsigned long long)w->session.session_id, (int)t->pid, err ? strerror(-err) : "ok",
		  (unsigned long long)w->session.bytes, (unsigned long long)w->samples);
	free(w);
	t->counters = NULL;
}

/* Every way a target leaves the set goes through here: its session first. */
static void drop(struct monitor *m, struct target *t, const char *event)
{
	counters_stop(m, t);
	monitor_drop_target(&m->targets, t, event);
}

static void drop_all(struct monitor *m)
{
	while (m->targets.set.count)
		drop(m, m->targets.set.items[m->targets.set.count - 1], "stop");
}

/* The process is gone or going (its runtime closes the stream as it exits). */
static bool target_gone(pid_t pid)
{
	char stat[PROC_PAGE_FILE_MAX];

	return proc_read(pid, 0, "stat", stat, sizeof(stat), NULL) != 0 || proc_stat_gone(stat);
}

/* Drop t for a counter failure; the exit event will say "exit" instead if it is just gone. */
static void counters_fail(struct monitor *m, struct target *t)
{
	const struct config *cfg = t->rule->cfg;

	if (!m->fleet && !cfg->wait_for_name && cfg->target_kind != TARGET_PGID)
		m->failed = true;
	drop(m, t, "stop");
}

static void counters_readable(struct monitor *m, int fd)
{
	for (size_t i = 0; i < m->targets.set.count; i++) {
		struct target *t = m->targets.set.items[i];
		int err;

		if (!t->counters || counter_watch_fd(t->counters) != fd)
			continue;
		err = counter_watch_read(t->counters, now_ns());
		if (t->counters->warning[0]) {
			log_warn("process %d: System.Diagnostics.Metrics reports: %s", (int)t->pid,
				 t->counters->warning);
			t->counters->warning[0] = '\0';
		}
		if (!err)
			return;
		if (err == -ECONNRESET || target_gone(t->pid)) {
			/*
			 * A runtime that shuts down ends its sessions before the
			 * process exits: wait for the exit event a little before
			 * calling it an error.
			 */
			counters_stop(m, t);
			t->counters_ended_ns = now_ns();
			return;
		}
		log_error("the EventPipe stream of process %d is not valid: %s", (int)t->pid, strerror(-err));
		counters_fail(m, t);
		return;
	}
}

/*
 * The daemon's rule limits: 0 when t's rule may dump now; else the ns to
 * hold the trigger back (logged as "throttled" and counted).
 */
static uint64_t held_back_ns(struct target *t, const char *trigger)
{
	struct monitor_rule *r = t->rule;
	uint64_t now = now_ns(), next;
	enum rule_verdict v;
	char line[256];

	v = rule_limits_check(&r->limits, now);
	if (v == RULE_ALLOW)
		return 0;
	next = rule_limits_next_ns(&r->limits, now);
	if (next <= now)
		next = now + NS_PER_S;
	snprintf(line, sizeof(line), "Trigger %s on process ID %d held back: rule %s allows its next dump in %llu s (%s)",
		 trigger, (int)t->pid, r->name ? r->name : "cmdline",
		 (unsigned long long)((next - now + NS_PER_S - 1) / NS_PER_S),
		 v == RULE_WINDOW ? "dumps per window" : "cool-down");
	log_event(&(struct log_event){ .event = "throttled", .pid = t->pid, .name = t->name, .rule = r->name,
				       .trigger = trigger, .message = line });
	metrics_throttled(r->name ? r->name : METRICS_RULE_CMDLINE);
	return next - now;
}

/*
 * When a trigger may fire again after a dump that returned err: the -s
 * interval; after a failure at least 1 s (never a tight loop); after a
 * storage cap refused it at least SKIPPED_RETRY_NS (a cap rarely lifts
 * sooner, and each refusal is an event).
 */
#define SKIPPED_RETRY_NS (10 * NS_PER_S)
static uint64_t retry_ns(int err, uint64_t interval_ns)
{
	uint64_t floor = err == -EDQUOT ? SKIPPED_RETRY_NS : err ? NS_PER_S : 0;

	return interval_ns < floor ? floor : interval_ns;
}

/* Dump for counter i of t; true when t is finished (-n reached). */
static bool fire_counter(struct monitor *m, struct target *t, int i)
{
	struct counter_watch *w = t->counters;
	const struct config *cfg = t->rule->cfg;
	uint64_t interval_ns = t->rule->interval_ns, hold = held_back_ns(t, "perfcounter");
	struct log_event ev = {
		.event = "trigger",
		.pid = t->pid,
		.name = t->name,
		.rule = t->rule->name,
		.trigger = "perfcounter",
		.counter = cfg->counters[i].spec,
		.real_value = w->fired_value[i],
		.real_threshold = cfg->counters[i].threshold,
		.index = t->dumps,
		.has = LOG_HAS_REAL | LOG_HAS_INDEX,
	};
	struct trigger_info why = { .kind = "perfcounter", .interrupted = &sigctl_interrupted,
				    .rule = t->rule->name };
	char path[PATH_MAX], line[512];
	int err;

	if (hold) {
		counter_watch_fired(w, i, now_ns(), hold);
		return false;
	}
	counter_watch_line(w, i, t->pid, line, sizeof(line));
	ev.message = line;
	log_event(&ev);
	err = dump_process(cfg, t->pid, &why, (unsigned)t->dumps, path, sizeof(path));
	counter_watch_fired(w, i, now_ns(), retry_ns(err, interval_ns));
	if (err == -EINTR)
		m->stop = true;
	if (err)
		return false;
	rule_limits_record(&t->rule->limits, now_ns());
	t->dumps++;
	return cfg->dump_count > 0 && t->dumps >= cfg->dump_count;
}

/* Counter decisions of t; true when t was dropped. */
static bool evaluate_counters(struct monitor *m, struct target *t, uint64_t now)
{
	int missing;

	if (t->counters_failed) {
		counters_fail(m, t);
		return true;
	}
	if (t->counters_retry_ns) {
		if (now >= t->counters_retry_ns)
			counters_start(m, t);
		if (t->counters_failed) {
			counters_fail(m, t);
			return true;
		}
	}
	if (t->counters_ended_ns && now >= t->counters_ended_ns + COUNTERS_EXIT_GRACE_NS) {
		log_error("the EventPipe session in process %d ended (the runtime closed it)", (int)t->pid);
		counters_fail(m, t);
		return true;
	}
	if (!t->counters)
		return false;
	if ((missing = counter_watch_missing(t->counters, now)) >= 0) {
		log_error("process %d sent no value of counter %s within %llu ms: no such provider or counter",
			  (int)t->pid, t->rule->cfg->counters[missing].spec,
			  (unsigned long long)(counter_nodata_grace_ns(t->rule->cfg->poll_ms) / NS_PER_MS));
		counters_fail(m, t);
		return true;
	}
	for (int i = 0; i < t->counters->count; i++) {
		if (m->stop || !counter_watch_due(t->counters, i, now))
			continue;
		if (fire_counter(m, t, i)) {
			drop(m, t, "stop");
			return true;
		}
		now = now_ns();
	}
	return false;
}

/*
 * monitor_targets' callback for a new target: it may be past a threshold
 * already, and the kernel reports only crossings, so judge it now.
 */
static void on_target_added(struct target *t, void *ctx)
{
	struct monitor *m = ctx;

	if (t->rule->cfg->counter_count)
		counters_start(m, t);
	refresh(m, t, now_ns());
}

/* Write one dump for trigger k; returns true when the target is finished (-n reached). */
static bool fire(struct monitor *m, struct target *t, int k)
{
	const struct config *cfg = t->rule->cfg;
	uint64_t interval_ns = t->rule->interval_ns, hold = held_back_ns(t, trigger_kinds[k].token);
	struct log_event ev = {
		.event = "trigger",
		.pid = t->pid,
		.name = t->name,
		.rule = t->rule->name,
		.trigger = trigger_kinds[k].token,
		.value = t->value[k],
		.threshold = t->threshold[k],
		.index = t->dumps,
		.has = LOG_HAS_VALUE | LOG_HAS_THRESHOLD | LOG_HAS_INDEX,
	};
	struct trigger_info why = { .kind = trigger_kinds[k].token, .interrupted = &sigctl_interrupted,
				    .rule = t->rule->name };
	char path[PATH_MAX], line[128];
	int err;

	if (hold) {
		trig_fired(&t->trig[k], now_ns(), hold);
		return false;
	}
	kinds_line(k, ev.value, t->pid, line, sizeof(line));
	ev.message = line;
	log_event(&ev);
	err = dump_process(cfg, t->pid, &why, (unsigned)t->dumps, path, sizeof(path));
	/* After a failed dump wait at least 1 s: never retry in a tight loop. */
	trig_fired(&t->trig[k], now_ns(), retry_ns(err, interval_ns));
	if (err == -EINTR)
		m->stop = true; /* Ctrl-C during the dump: the writer abandoned it */
	if (err)
		return false; /* already reported; a vanished target is handled by its exit event */
	rule_limits_record(&t->rule->limits, now_ns());
	t->dumps++;
	if (k == TRIG_MEM) {
		t->mem_dumps++;
		if (mem_list_index(cfg->mem_count, t->mem_dumps) >= 0)
			monitor_push_bpf_cfg(&m->targets, t); /* arm the next threshold of the list */
	}
	return cfg->dump_count > 0 && t->dumps >= cfg->dump_count;
}

static void evaluate(struct monitor *m, struct target *t, uint64_t now)
{
	if (evaluate_counters(m, t, now))
		return;
	for (int k = 0; k < K_COUNT; k++) {
		if (!trig_due(&t->trig[k], now, t->rule->sustain_ns))
			continue;
		if (m->stop)
			return;
		if (fire(m, t, k)) {
			drop(m, t, "stop");
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
	for (size_t i = m->targets.set.count; i-- > 0 && !m->stop;) {
		struct target *t = m->targets.set.items[i];

		if (periodic)
			refresh(m, t, now);
		evaluate(m, t, now);
	}
}

/* ---- events ---- */

/*
 * The daemon: watch pid by the first rule it matches (at start, for every
 * process; then at each exec). A process that execs into something no rule
 * wants stays watched by its rule until it exits or is done.
 */
static void fleet_add(pid_t pid, void *ctx)
{
	struct monitor *m = ctx;
	struct monitor_rule *r;
	int err;

	if (target_set_find(&m->targets.set, pid))
		return;
	r = fleet_match_pid(m->rules, m->nrules, pid);
	if (!r)
		return;
	if (r->run_argv) {
		if (!supervise_has(&m->sup, pid) && (err = supervise_start(&m->sup, r, pid)))
			log_error("rule %s: failed to watch process %d: %s", r->name, (int)pid, strerror(-err));
		return;
	}
	err = monitor_add_target_rule(&m->targets, pid, r);
	if (err && err != -ESRCH && err != -ENOENT)
		log_error("rule %s: failed to watch process %d: %s", r->name, (int)pid, strerror(-err));
}

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
		t = target_set_find(&m->targets.set, (pid_t)e->tgid);
		if (!t || e->trigger >= TRIG_COUNT)
			return 0;
		if (e->above) {
			struct trigger_verdict v;

			/* The edge itself counts: the condition may be over already (latched). */
			trig_observe(&t->trig[e->trigger], true, e->ts_ns, t->rule->sustain_ns);
			kinds_crossed(&t->rule->params, (int)e->trigger, t->mem_dumps, e->value, &v);
			t->value[e->trigger] = v.value;
			t->threshold[e->trigger] = v.threshold;
		}
		refresh(m, t, now_ns());
		break;
	case EVENT_FD_ARM: {
		int err;

		t = target_set_find(&m->targets.set, (pid_t)e->tgid);
		if (!t || t->fd_armed)
			return 0;
		err = monitor_arm_fds(&m->targets, t);
		if (err) {
			/* The tick still recounts it every sample period. */
			log_warn("cannot recount the fds of process %d at its context switches: %s",
				 (int)t->pid, strerror(-err));
			return 0;
		}
		if (e->value)
			log_debug("fd table of process %d has %llu slots (-fc %d): recounting at its context switches",
				  (int)t->pid, (unsigned long long)e->value, t->rule->cfg->fd_count);
		else
			log_debug("main thread of process %d has exited: recounting its fds at its context switches",
				  (int)t->pid);
		break;
	}
	case EVENT_EXIT:
		t = target_set_find(&m->targets.set, (pid_t)e->tgid);
		if (t)
			drop(m, t, "exit");
		break;
	case EVENT_FORK:
		/* A new process from a followed group member: still in the group? */
		if (!m->fleet && m->rules[0].cfg->target_kind == TARGET_PGID &&
		    getpgid((pid_t)e->tgid) == m->rules[0].cfg->target_pid)
			monitor_add_found((pid_t)e->tgid, &m->targets);
		break;
	case EVENT_EXEC:
		if (m->fleet) {
			fleet_add((pid_t)e->tgid, m);
		} else if (m->rules[0].cfg->wait_for_name && proc_name((pid_t)e->tgid, name, sizeof(name)) == 0 &&
			   strcmp(name, m->rules[0].cfg->target_name) == 0) {
			monitor_add_found((pid_t)e->tgid, &m->targets);
		}
		break;
	}
	return 0;
}

/* ---- timer ---- */

static void arm_timer(struct monitor *m)
{
	uint64_t next = UINT64_MAX, now = now_ns();
	struct itimerspec its = {};

	for (size_t i = 0; i < m->targets.set.count; i++) {
		struct target *t = m->targets.set.items[i];

		for (int k = 0; k < K_COUNT; k++) {
			uint64_t d = trig_next_deadline(&t->trig[k], t->rule->sustain_ns);

			if (d < next)
				next = d;
		}
		if (t->counters && counter_watch_next_deadline(t->counters) < next)
			next = counter_watch_next_deadline(t->counters);
		if (t->counters_failed)
			next = now;
		if (t->counters_retry_ns && t->counters_retry_ns < next)
			next = t->counters_retry_ns;
		if (t->counters_ended_ns && t->counters_ended_ns + COUNTERS_EXIT_GRACE_NS < next)
			next = t->counters_ended_ns + COUNTERS_EXIT_GRACE_NS;
	}
	if (m->sup_next_ns < next)
		next = m->sup_next_ns;
	if (m->below && m->targets.set.count) {
		if (m->next_below_check_ns <= now)
			m->next_below_check_ns = now + m->below_window_ns;
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
	const struct health *h = &m->bpf.skel->bss->health;
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "bpf events sent %llu, ring buffer drops %llu, fd scans truncated %llu",
		 (unsigned long long)h->events_sent, (unsigned long long)h->ringbuf_drops,
		 (unsigned long long)h->fd_scan_truncated);
	if (m->json) {
		struct log_event ev = { .event = "health", .message = msg };

		log_event(&ev);
	} else {
		log_debug("%s", msg);
	}
	if (h->ringbuf_drops)
		log_warn("%llu BPF events were lost (ring buffer full)",
			 (unsigned long long)h->ringbuf_drops);
}

/* The gauges that -metrics shows; the BPF side keeps its own drop count. */
static void publish_metrics(struct monitor *m)
{
	metrics_bpf_drops(m->bpf.skel->bss->health.ringbuf_drops);
	metrics_watched(m->targets.set.count + m->sup.n);
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

/* Each rule's parameters, and what the one BPF program set must do for all of them. */
static void prepare_rules(struct monitor *m, struct watch_needs *needs)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t shortest = UINT64_MAX;

	*needs = (struct watch_needs){ 0 };
	for (size_t i = 0; i < m->nrules; i++) {
		struct monitor_rule *r = &m->rules[i];
		const struct config *cfg = r->cfg;
		const bool *wanted = r->params.wanted;

		/* -pf below 10 ms gives a 10 ms window (kinds_init). */
		kinds_init(&r->params, cfg, page_size);
		r->sustain_ns = (uint64_t)(cfg->sustain_ms > 0 ? cfg->sustain_ms : 0) * NS_PER_MS;
		r->interval_ns = (uint64_t)(cfg->interval_s > 0 ? cfg->interval_s : 0) * NS_PER_S;
		needs->cpu |= wanted[TRIG_CPU];
		needs->mem |= wanted[TRIG_MEM];
		needs->fork |= wanted[TRIG_THREADS] || (!m->fleet && cfg->target_kind == TARGET_PGID);
		needs->fds |= wanted[TRIG_FDS];
		if (wanted[TRIG_CPU] && r->params.window_ns < shortest)
			shortest = r->params.window_ns;
		if (r->params.below) {
			m->below = true;
			if (!m->below_window_ns || r->params.window_ns < m->below_window_ns)
				m->below_window_ns = r->params.window_ns;
		}
		m->json |= cfg->json;
	}
	/* The CPU samples serve the shortest window; longer ones just get more samples. */
	needs->cpu_sample_period_ns = cpu_sample_period_ns(shortest == UINT64_MAX ? NS_PER_S : shortest);
	if (m->fleet)
		needs->exec_comm = ""; /* every exec: the rules match by name, exe and cgroup */
	else if (m->rules[0].cfg->wait_for_name)
		needs->exec_comm = m->rules[0].cfg->target_name;
}

static int run(struct monitor *m)
{
	struct watch_needs needs;
	int err, sigfd = sigctl_fd(), hupfd = m->fleet ? sigctl_reload_fd() : -1;

	libbpf_log_route();
	prepare_rules(m, &needs);
	m->targets = (struct monitor_targets){ .rule = &m->rules[0], .page_size = sysconf(_SC_PAGESIZE),
					       .bpf = &m->bpf, .added = on_target_added, .ctx = m };

	/*
	 * Stop signals are blocked since main() started (sigctl): they arrive
	 * on sigfd in the same epoll set, and a dump in progress is abandoned
	 * cleanly through sigctl_interrupted. The daemon's SIGHUP comes on a
	 * signalfd of its own and interrupts nothing.
	 */
	err = watch_load(&needs, &m->bpf);
	if (err) {
		log_error("failed to load the BPF programs: %s", strerror(-err));
		goto cleanup;
	}
	m->rb = ring_buffer__new(bpf_map__fd(m->bpf.skel->maps.events), on_event, m, NULL);
	if (!m->rb) {
		err = -errno;
		log_error("failed to open the BPF ring buffer: %s", strerror(-err));
		goto cleanup;
	}
	m->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || m->timerfd < 0 || m->epfd < 0 || (m->fleet && hupfd < 0)) {
		err = -errno;
		log_error("failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	err = epoll_add(m->epfd, ring_buffer__epoll_fd(m->rb));
	if (!err)
		err = epoll_add(m->epfd, sigfd);
	if (!err)
		err = epoll_add(m->epfd, m->timerfd);
	if (!err && hupfd >= 0)
		err = epoll_add(m->epfd, hupfd);
	if (err) {
		log_error("failed to set up the event loop: %s", strerror(-err));
		goto cleanup;
	}
	m->sup = (struct supervisor){ .epfd = m->epfd };
	m->sup_next_ns = UINT64_MAX;

	if (m->fleet) {
		/* The exec program is attached already: a process that starts now is not missed. */
		proc_each_pid(fleet_add, m);
		log_info("Watching %zu process(es) by %zu rule(s). SIGHUP reloads the rules, SIGTERM ends.",
			 m->targets.set.count + m->sup.n, m->nrules);
	} else {
		err = monitor_add_initial_targets(&m->targets);
		if (err)
			goto cleanup;
		log_info("Press Ctrl-C to end monitoring without terminating the process(es).");
	}
	evaluate_all(m, false);

	while (!m->stop && (m->fleet || m->targets.set.count || m->rules[0].cfg->wait_for_name)) {
		if (sigctl_pending()) {
			handle_signal(m);
			m->stop = true;
			break;
		}
		struct epoll_event evs[4];
		bool periodic = false;
		int n;

		m->sup_next_ns = supervise_tick(&m->sup, now_ns());
		arm_timer(m);
		publish_metrics(m);
		n = epoll_wait(m->epfd, evs, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			log_error("failed to wait for events: %s", strerror(-err));
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == sigfd) {
				handle_signal(m);
			} else if (evs[i].data.fd == hupfd) {
				if (sigctl_read_reload() > 0)
					m->reload = true;
			} else if (evs[i].data.fd != m->timerfd &&
				   evs[i].data.fd != ring_buffer__epoll_fd(m->rb)) {
				if (!supervise_readable(&m->sup, evs[i].data.fd, now_ns()))
					counters_readable(m, evs[i].data.fd);
			} else if (evs[i].data.fd == m->timerfd) {
				uint64_t ticks;

				if (read(m->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					break;
				/*
				 * A deadline (sustain, end of cool-down) or a below check:
				 * re-read the counters, the condition may have ended silently
				 * (an idle target sends no events).
				 */
				periodic = true;
				if (m->below && now_ns() >= m->next_below_check_ns)
					m->next_below_check_ns = 0;
			}
		}
		/* Always drain: a target's exit must be seen before we decide anything. */
		ring_buffer__consume(m->rb);
		if (m->stop || m->reload)
			break;
		evaluate_all(m, periodic);
	}
	/* every session and run is stopped before we leave, whatever ended the loop */
	supervise_stop_all(&m->sup);
	drop_all(m);
	publish_metrics(m);
	report_health(m);
	err = m->failed ? -EIO : 0;

cleanup:
	supervise_stop_all(&m->sup);
	drop_all(m); /* a setup failure after targets were added: their sessions too */
	/* Reverse order of setup; destroying the skeleton detaches every link. */
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->timerfd >= 0)
		close(m->timerfd);
	ring_buffer__free(m->rb);
	watch_unload(&m->bpf);
	monitor_targets_free(&m->targets);
	return err;
}

int monitor_run(const struct config *cfg)
{
	struct monitor_rule rule = { .cfg = cfg };
	struct monitor m = { .rules = &rule, .nrules = 1, .epfd = -1, .timerfd = -1 };

	return run(&m) ? 1 : 0;
}

int monitor_run_rules(struct monitor_rule *rules, size_t n)
{
	struct monitor m = { .rules = rules, .nrules = n, .fleet = true, .epfd = -1, .timerfd = -1 };
	int err = run(&m);

	if (err)
		return 1;
	return m.reload ? MONITOR_RELOAD : 0;
}
