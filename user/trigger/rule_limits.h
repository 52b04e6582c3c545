/* SPDX-License-Identifier: MIT */
/*
 * A fleet rule's limits, as dotnet-monitor's collection rules have them: at
 * most `dumps` dumps in any sliding window of `window_s` seconds, and none
 * within `cooldown_s` seconds of the rule's last dump. Shared by every
 * process the rule watches. Pure: the caller passes the time.
 */
#ifndef CORETRAP_TRIGGER_RULE_LIMITS_H
#define CORETRAP_TRIGGER_RULE_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#define RULE_LIMITS_MAX_DUMPS 1024 /* a window remembers at most this many dumps */

struct rule_limits {
	long dumps, window_s, cooldown_s; /* 0: no such limit; window_s without dumps: none */
	uint64_t last_ns;                  /* the rule's last dump, 0 = none yet */
	uint64_t ring[RULE_LIMITS_MAX_DUMPS]; /* times of the dumps inside the window, oldest first */
	unsigned head, count;
};

enum rule_verdict { RULE_ALLOW, RULE_COOLDOWN, RULE_WINDOW };

/* May the rule dump at now_ns? (Forgets the dumps that left the window.) */
enum rule_verdict rule_limits_check(struct rule_limits *l, uint64_t now_ns);

/* A dump of the rule was written at now_ns. */
void rule_limits_record(struct rule_limits *l, uint64_t now_ns);

/* When the verdict may change without a new dump: the earliest allowed time (0 = now). */
uint64_t rule_limits_next_ns(const struct rule_limits *l, uint64_t now_ns);

#endif
