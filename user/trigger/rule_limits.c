// SPDX-License-Identifier: MIT
/* A fleet rule's dump limits; see rule_limits.h. */
#include "trigger/rule_limits.h"

#define NS_PER_S 1000000000ULL

static uint64_t window_ns(const struct rule_limits *l)
{
	return (uint64_t)l->window_s * NS_PER_S;
}

static unsigned cap(const struct rule_limits *l)
{
	return l->dumps > 0 && l->dumps < RULE_LIMITS_MAX_DUMPS ? (unsigned)l->dumps : RULE_LIMITS_MAX_DUMPS;
}

static void forget_old(struct rule_limits *l, uint64_t now_ns)
{
	while (l->count && (!l->window_s || now_ns - l->ring[l->head] >= window_ns(l))) {
		l->head = (l->head + 1) % RULE_LIMITS_MAX_DUMPS;
		l->count--;
	}
}

enum rule_verdict rule_limits_check(struct rule_limits *l, uint64_t now_ns)
{
	if (l->cooldown_s && l->last_ns && now_ns - l->last_ns < (uint64_t)l->cooldown_s * NS_PER_S)
		return RULE_COOLDOWN;
	forget_old(l, now_ns);
	if (l->dumps > 0 && l->window_s && l->count >= cap(l))
		return RULE_WINDOW;
	return RULE_ALLOW;
}

void rule_limits_record(struct rule_limits *l, uint64_t now_ns)
{
	l->last_ns = now_ns;
	if (!l->dumps || !l->window_s)
		return;
	forget_old(l, now_ns);
	if (l->count == RULE_LIMITS_MAX_DUMPS) { /* cannot happen below the cap; keep the newest */
		l->head = (l->head + 1) % RULE_LIMITS_MAX_DUMPS;
		l->count--;
	}
	l->ring[(l->head + l->count) % RULE_LIMITS_MAX_DUMPS] = now_ns;
	l->count++;
}

uint64_t rule_limits_next_ns(const struct rule_limits *l, uint64_t now_ns)
{
	uint64_t next = 0;

	if (l->cooldown_s && l->last_ns && now_ns - l->last_ns < (uint64_t)l->cooldown_s * NS_PER_S)
		next = l->last_ns + (uint64_t)l->cooldown_s * NS_PER_S;
	if (l->dumps > 0 && l->window_s && l->count >= cap(l)) {
		/* the oldest dump that must leave the window for one more to fit */
		uint64_t t = l->ring[(l->head + l->count - cap(l)) % RULE_LIMITS_MAX_DUMPS] + window_ns(l);

		if (t > next)
			next = t;
	}
	return next > now_ns ? next : 0;
}
