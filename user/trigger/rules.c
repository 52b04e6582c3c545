// SPDX-License-Identifier: MIT
#include "trigger/rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint64_t cpu_window_sum(const struct cpu_bucket *b, size_t n, uint64_t window_ns, uint64_t now_ns)
{
	uint64_t width = window_ns / n, epoch, sum = 0;

	if (!width)
		width = 1;
	epoch = now_ns / width;
	/* Same rule as the BPF side: buckets of the last n slices, current one included. */
	for (size_t i = 0; i < n; i++)
		if (b[i].epoch + n > epoch && b[i].epoch <= epoch)
			sum += b[i].ns;
	return sum;
}

unsigned cpu_pct(uint64_t sum_ns, uint64_t window_ns)
{
	if (!window_ns)
		return 0;
	return (unsigned)(sum_ns * 100 / window_ns);
}

uint64_t cpu_threshold_ns(int pct, int window_ms)
{
	if (pct < 0 || window_ms <= 0)
		return 0;
	return (uint64_t)pct * (uint64_t)window_ms * NS_PER_MS / 100;
}

uint64_t cpu_sample_period_ns(uint64_t window_ns)
{
	uint64_t p = window_ns / CPU_SAMPLES_PER_WINDOW;

	if (p < CPU_SAMPLE_MIN_NS)
		return CPU_SAMPLE_MIN_NS;
	return p > CPU_SAMPLE_MAX_NS ? CPU_SAMPLE_MAX_NS : p;
}

uint64_t mb_to_pages(long mb, long page_size)
{
	if (mb <= 0 || page_size <= 0)
		return 0;
	return ((uint64_t)mb << 20) / (uint64_t)page_size;
}

long pages_to_mb(uint64_t pages, long page_size)
{
	return (long)((pages * (uint64_t)page_size) >> 20);
}

void trig_observe(struct trig_state *t, bool cond, uint64_t ts_ns, uint64_t sustain_ns)
{
	if (cond && !t->cond) {
		t->since_ns = ts_ns;
		if (sustain_ns == 0 && ts_ns >= t->cooldown_until_ns)
			t->latched = true;
	}
	t->cond = cond;
}

bool trig_due(const struct trig_state *t, uint64_t now_ns, uint64_t sustain_ns)
{
	if (now_ns < t->cooldown_until_ns)
		return false;
	if (t->latched)
		return true;
	return t->cond && now_ns >= t->since_ns + sustain_ns;
}

uint64_t trig_next_deadline(const struct trig_state *t, uint64_t sustain_ns)
{
	uint64_t at;

	if (t->latched)
		return t->cooldown_until_ns;
	if (!t->cond)
		return UINT64_MAX;
	at = t->since_ns + sustain_ns;
	return at > t->cooldown_until_ns ? at : t->cooldown_until_ns;
}

void trig_fired(struct trig_state *t, uint64_t now_ns, uint64_t interval_ns)
{
	t->latched = false;
	t->cooldown_until_ns = now_ns + interval_ns;
	/* A condition still true must hold again (from the end of cool-down) before the next dump. */
	if (t->cond)
		t->since_ns = t->cooldown_until_ns;
}

bool cpu_condition(uint64_t sum_ns, uint64_t above_ns, bool has_above, uint64_t below_ns,
		   bool has_below)
{
	if (has_above && sum_ns >= above_ns)
		return true;
	if (has_below && sum_ns < below_ns)
		return true;
	return false;
}

int mem_list_index(int count, int dumps)
{
	if (dumps < 0 || dumps >= count)
		return -1;
	return dumps;
}
