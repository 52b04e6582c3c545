// SPDX-License-Identifier: MIT
/* The trigger kinds table; see kinds.h. */
#include <stdio.h>
#include <string.h>

#include "trigger/kinds.h"

static int window_ms(const struct trigger_params *p)
{
	return (int)(p->window_ns / NS_PER_MS);
}

/* -c / -cl: CPU ns in the window ending now, above -c or (with a full window) below -cl. */
static bool cpu_wanted(const struct config *cfg)
{
	return cfg->cpu_above_pct >= 0 || cfg->cpu_below_pct >= 0;
}

static void cpu_judge(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v)
{
	const struct config *cfg = p->cfg;
	uint64_t sum = cpu_window_sum(in->st->cpu, CPU_BUCKETS, p->window_ns, in->now_ns);
	uint64_t above = cpu_threshold_ns(cfg->cpu_above_pct, window_ms(p));
	uint64_t below = cpu_threshold_ns(cfg->cpu_below_pct, window_ms(p));

	/* "Below" needs a full window of history, or every new target would be idle. */
	v->cond = cpu_condition(sum, above, p->cpu_above, below, p->cpu_below && in->window_full);
	v->value = cpu_pct(sum, p->window_ns);
	v->threshold = p->cpu_above && sum >= above ? cfg->cpu_above_pct : cfg->cpu_below_pct;
}

static void cpu_crossed(const struct trigger_params *p, int mem_dumps, uint64_t value, struct trigger_verdict *v)
{
	(void)mem_dumps;
	v->value = cpu_pct(value, p->window_ns);
	v->threshold = p->cfg->cpu_above_pct;
}

static void cpu_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c)
{
	(void)mem_dumps;
	c->cpu_window_ns = p->window_ns;
	if (p->cpu_above) {
		c->cpu_above_ns = cpu_threshold_ns(p->cfg->cpu_above_pct, window_ms(p));
		if (!c->cpu_above_ns)
			c->cpu_above_ns = 1; /* 0 means "not watched" to the kernel */
	}
}

/* -m / -ml: RSS against the list entry armed after mem_dumps memory dumps. */
static bool mem_wanted(const struct config *cfg)
{
	return cfg->mem_count > 0;
}

static void mem_judge(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v)
{
	const struct config *cfg = p->cfg;
	int idx = mem_list_index(cfg->mem_count, in->mem_dumps);
	uint64_t thr;

	if (idx < 0)
		return; /* list exhausted: never again */
	thr = mb_to_pages(cfg->mem_mb[idx], p->page_size);
	v->cond = cfg->mem_below ? in->st->rss_pages < thr : in->st->rss_pages >= thr;
	v->value = pages_to_mb(in->st->rss_pages, p->page_size);
	v->threshold = cfg->mem_mb[idx];
}

static void mem_crossed(const struct trigger_params *p, int mem_dumps, uint64_t value, struct trigger_verdict *v)
{
	int idx = mem_list_index(p->cfg->mem_count, mem_dumps);

	v->value = pages_to_mb(value, p->page_size);
	v->threshold = idx >= 0 ? p->cfg->mem_mb[idx] : 0;
}

static void mem_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c)
{
	int idx = mem_list_index(p->cfg->mem_count, mem_dumps);

	/* -ml is never a crossing the kernel reports: the periodic reads see it. */
	if (p->cfg->mem_below || idx < 0)
		return;
	c->mem_above_pages = mb_to_pages(p->cfg->mem_mb[idx], p->page_size);
	if (!c->mem_above_pages)
		c->mem_above_pages = 1;
}

/* -tc and -fc: a count at or above N. N = 0 holds at once, so the kernel is not asked. */
static bool threads_wanted(const struct config *cfg)
{
	return cfg->thread_count >= 0;
}

static void count_judge(uint32_t count, int n, struct trigger_verdict *v)
{
	v->cond = count >= (uint32_t)n;
	v->value = count;
	v->threshold = n;
}

/* The kernel's threshold for "count >= n": 0 (not watched) when n = 0 holds at once. */
static __u32 count_armed(int n)
{
	return n > 0 ? (__u32)n : 0;
}

static void threads_judge(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v)
{
	count_judge(in->st->threads, p->cfg->thread_count, v);
}

static void threads_crossed(const struct trigger_params *p, int mem_dumps, uint64_t value,
			    struct trigger_verdict *v)
{
	(void)mem_dumps;
	count_judge((uint32_t)value, p->cfg->thread_count, v);
}

static void threads_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c)
{
	(void)mem_dumps;
	c->threads_above = count_armed(p->cfg->thread_count);
}

static bool fds_wanted(const struct config *cfg)
{
	return cfg->fd_count >= 0;
}

static void fds_judge(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v)
{
	count_judge(in->st->fds, p->cfg->fd_count, v);
}

static void fds_crossed(const struct trigger_params *p, int mem_dumps, uint64_t value, struct trigger_verdict *v)
{
	(void)mem_dumps;
	count_judge((uint32_t)value, p->cfg->fd_count, v);
}

static void fds_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c)
{
	(void)mem_dumps;
	c->fds_above = count_armed(p->cfg->fd_count);
}

/* No counter trigger (-w or -pgid alone): every -s seconds, from the start. */
static void timer_judge(const struct trigger_params *p, const struct trigger_input *in, struct trigger_verdict *v)
{
	(void)in;
	v->cond = true;
	v->value = p->cfg->interval_s;
}

const struct trigger_kind trigger_kinds[K_COUNT] = {
	[TRIG_CPU] = { "cpu", "CPU usage", "%", cpu_wanted, cpu_judge, cpu_crossed, cpu_arm },
	[TRIG_MEM] = { "commit", "Commit usage", "MB", mem_wanted, mem_judge, mem_crossed, mem_arm },
	[TRIG_THREADS] = { "thread", "Thread count", "", threads_wanted, threads_judge, threads_crossed,
			   threads_arm },
	[TRIG_FDS] = { "filedesc", "File descriptor count", "", fds_wanted, fds_judge, fds_crossed, fds_arm },
	[K_TIMER] = { "time", "Timer", "(s)", NULL, timer_judge, NULL, NULL },
};

void kinds_init(struct trigger_params *p, const struct config *cfg, long page_size)
{
	int ms = cfg->poll_ms < KINDS_MIN_WINDOW_MS ? KINDS_MIN_WINDOW_MS : cfg->poll_ms;
	bool any = false;

	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->page_size = page_size;
	p->window_ns = (uint64_t)ms * NS_PER_MS;
	for (int k = 0; k < K_COUNT; k++) {
		p->wanted[k] = trigger_kinds[k].wanted && trigger_kinds[k].wanted(cfg);
		any |= p->wanted[k];
	}
	/* counters (-pc/-pcl) are judged by the monitor from their EventPipe stream */
	p->wanted[K_TIMER] = !any && cfg->counter_count == 0;
	p->cpu_above = cfg->cpu_above_pct >= 0;
	p->cpu_below = cfg->cpu_below_pct >= 0;
	p->below = p->cpu_below || (p->wanted[TRIG_MEM] && cfg->mem_below);
}

void kinds_judge(const struct trigger_params *p, const struct trigger_input *in,
		 struct trigger_verdict out[K_COUNT])
{
	memset(out, 0, K_COUNT * sizeof(out[0]));
	for (int k = 0; k < K_COUNT; k++)
		if (p->wanted[k])
			trigger_kinds[k].judge(p, in, &out[k]);
}

void kinds_crossed(const struct trigger_params *p, int k, int mem_dumps, uint64_t value,
		   struct trigger_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (trigger_kinds[k].crossed)
		trigger_kinds[k].crossed(p, mem_dumps, value, v);
	v->cond = true; /* the kernel saw it hold */
}

void kinds_arm(const struct trigger_params *p, int mem_dumps, struct target_cfg *c)
{
	memset(c, 0, sizeof(*c));
	for (int k = 0; k < K_COUNT; k++)
		if (p->wanted[k] && trigger_kinds[k].arm)
			trigger_kinds[k].arm(p, mem_dumps, c);
}

int kinds_line(int k, long long value, pid_t pid, char *out, size_t len)
{
	const struct trigger_kind *tk = &trigger_kinds[k];

	return snprintf(out, len, "Trigger: %s:%lld%s on process ID: %d", tk->label, value, tk->unit, (int)pid);
}
