// SPDX-License-Identifier: MIT
#include "core/write_pace.h"

void write_pace_init(struct write_pace *p, bool cautious, uint64_t now)
{
	*p = (struct write_pace){ .period_ns = now, .hold_until_ns = now };
	if (cautious) {
		p->rate = p->slowest = WRITE_PACE_SLOW_START;
		p->ceiling = p->top = WRITE_PACE_START;
	}
}

/* Bytes per second written lately: the last whole period, or this one so far. */
static double recent_rate(const struct write_pace *p, uint64_t now)
{
	uint64_t elapsed = now - p->period_ns;

	if (p->last_bytes)
		return (double)p->last_bytes * 1e9 / (double)WRITE_PACE_PERIOD_NS;
	if (p->period_bytes && elapsed)
		return (double)p->period_bytes * 1e9 / (double)elapsed;
	return 0;
}

static void cut(struct write_pace *p, uint64_t now)
{
	double seen = recent_rate(p, now), base = p->rate;

	/* what got through lately is what the host let through: cut from there */
	if (seen > 0 && (base == 0 || seen < base))
		base = seen;
	if (base == 0)
		base = WRITE_PACE_START;
	if (p->ceiling == 0 || base * WRITE_PACE_CEILING < p->ceiling)
		p->ceiling = base * WRITE_PACE_CEILING;
	if (p->ceiling < WRITE_PACE_MIN)
		p->ceiling = WRITE_PACE_MIN;
	base *= WRITE_PACE_CUT;
	p->rate = base < WRITE_PACE_MIN ? WRITE_PACE_MIN : base;
	if (p->slowest == 0 || p->rate < p->slowest)
		p->slowest = p->rate;
	p->hold_until_ns = now + WRITE_PACE_PERIOD_NS;
}

static void raise_rate(struct write_pace *p)
{
	double step = p->rate * WRITE_PACE_RAISE;

	if (p->rate == 0)
		return;
	p->rate += step > WRITE_PACE_STEP ? step : WRITE_PACE_STEP;
	if (p->ceiling && p->rate > p->ceiling)
		p->rate = p->ceiling;
	else if (!p->ceiling && p->rate >= WRITE_PACE_UNLIMITED)
		p->rate = 0;
}

static void raise_ceiling(struct write_pace *p)
{
	p->ceiling *= 1 + WRITE_PACE_RAISE;
	if (p->top && p->ceiling > p->top)
		p->ceiling = p->top;
	else if (!p->top && p->ceiling >= WRITE_PACE_UNLIMITED)
		p->ceiling = 0; /* and the rate climbs back to unlimited */
}

void write_pace_observe(struct write_pace *p, uint64_t now, uint64_t late_ns)
{
	bool froze = late_ns >= WRITE_PACE_FREEZE_NS, used;

	if (froze) {
		p->freezes++;
		p->period_froze = true;
		if (late_ns > p->worst_freeze_ns)
			p->worst_freeze_ns = late_ns;
		/* one freeze per host period: the rest of it is the same freeze's echo */
		if (now >= p->hold_until_ns)
			cut(p, now);
	}
	if (now - p->period_ns < WRITE_PACE_PERIOD_NS)
		return;
	/*
	 * A period is over: a calm one raises the rate, a calm spell the
	 * ceiling, but only where the writers used the pace they had: a
	 * period they wrote little in says nothing about a faster one.
	 */
	used = p->rate == 0 ||
	       (double)p->period_bytes * 2e9 >= p->rate * (double)(now - p->period_ns);
	if (p->period_froze)
		p->calm_periods = 0;
	else if (used)
		p->calm_periods++;
	if (p->ceiling && used && !p->period_froze && p->calm_periods % WRITE_PACE_CALM_PERIODS == 0)
		raise_ceiling(p);
	if (!p->period_froze && used && now >= p->hold_until_ns)
		raise_rate(p);
	p->period_froze = false;
	p->last_bytes = (uint64_t)((double)p->period_bytes * (double)WRITE_PACE_PERIOD_NS /
				   (double)(now - p->period_ns));
	p->period_bytes = 0;
	p->period_ns = now;
}

uint64_t write_pace_reserve(struct write_pace *p, uint64_t now, uint64_t bytes)
{
	uint64_t start, credit_from;

	p->period_bytes += bytes;
	if (p->rate == 0) {
		p->next_ns = now;
		return 0;
	}
	/*
	 * Credit for time nobody wrote, up to one host period: the host
	 * counts CPU time per period, so a burst within one costs what the
	 * same bytes spread over it cost; more credit could be a freeze.
	 */
	credit_from = now > WRITE_PACE_PERIOD_NS ? now - WRITE_PACE_PERIOD_NS : 0;
	start = p->next_ns > credit_from ? p->next_ns : credit_from;
	p->next_ns = start + (uint64_t)((double)bytes * 1e9 / p->rate);
	return start > now ? start - now : 0;
}
