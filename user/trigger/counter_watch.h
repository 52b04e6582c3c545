/* SPDX-License-Identifier: MIT */
/*
 * The -pc/-pcl triggers of one target: its EventPipe session
 * (dotnet/counter_session.h), each counter's condition fed by the values
 * that arrive, and the "no data" check that turns a misspelt provider or
 * counter into a clear error. The monitor owns one per .NET target, puts
 * counter_watch_fd() in its epoll set, and asks counter_watch_due().
 */
#ifndef CORETRAP_TRIGGER_COUNTER_WATCH_H
#define CORETRAP_TRIGGER_COUNTER_WATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/config.h"
#include "dotnet/counter_session.h"
#include "dotnet/counters.h"
#include "trigger/rules.h"

struct counter_watch {
	struct counter_session session;
	int count;
	struct counter_spec specs[CONFIG_MAX_COUNTERS];
	const struct counter_trigger *cfg[CONFIG_MAX_COUNTERS];
	struct trig_state trig[CONFIG_MAX_COUNTERS];
	bool seen[CONFIG_MAX_COUNTERS];
	double value[CONFIG_MAX_COUNTERS];   /* last value, and the one that made it hold */
	double fired_value[CONFIG_MAX_COUNTERS];
	uint64_t sustain_ns;
	uint64_t nodata_deadline_ns;          /* every counter must have sent a value by then */
	uint64_t samples;                     /* values that matched a counter */
	char warning[256];                    /* a Metrics source error not yet reported, or "" */
};

/*
 * The grace for a counter's first value: two intervals and one second
 * (the runtime starts publishing after one interval; the Metrics source
 * after its first collection).
 */
uint64_t counter_nodata_grace_ns(int interval_ms);

/* Start watching pid: session open, conditions clear. 0 or -errno (see counter_session_start). */
int counter_watch_start(struct counter_watch *w, const struct config *cfg, pid_t pid, uint64_t now_ns);
/* The stream fd for epoll. */
int counter_watch_fd(const struct counter_watch *w);
/* The fd is readable: decode and judge. 0 or -errno (the session is over or the stream lies). */
int counter_watch_read(struct counter_watch *w, uint64_t now_ns);
/* Index of the first counter that has sent nothing by the deadline, or -1. */
int counter_watch_missing(const struct counter_watch *w, uint64_t now_ns);
/* Counter i should dump now. */
bool counter_watch_due(const struct counter_watch *w, int i, uint64_t now_ns);
/* Earliest time something may become due (sustain, cool-down, no-data check); UINT64_MAX if none. */
uint64_t counter_watch_next_deadline(const struct counter_watch *w);
/* Counter i dumped at now_ns: cool-down of interval_ns. */
void counter_watch_fired(struct counter_watch *w, int i, uint64_t now_ns, uint64_t interval_ns);
/* "Trigger: Coretrap.Counters:level value:75 threshold:50 on process ID: 1234" (ProcDump's words). */
int counter_watch_line(const struct counter_watch *w, int i, pid_t pid, char *out, size_t len);
/* Stop the session (StopTracing) and close it. 0 or the stop's -errno. */
int counter_watch_stop(struct counter_watch *w);

#endif
