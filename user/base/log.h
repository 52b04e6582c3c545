/* SPDX-License-Identifier: MIT */
/*
 * All output goes through here: ProcDump-style console lines
 * ("[HH:MM:SS - INFO]: ..."), flushed per line, or one JSON object per line
 * under -json. Debug tracing goes to stdout or syslog with -log.
 *
 * Errors are "coretrap: <message>" on stderr (under -json:
 * {"event":"error","message":...} on stdout). log_error() works before
 * log_init(). Under -json, INFO lines are not printed (events carry the
 * facts) and WARN lines become {"event":"warning",...}.
 */
#ifndef CORETRAP_LOG_H
#define CORETRAP_LOG_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/config.h"

void log_init(const struct config *cfg);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether log_debug() prints anywhere (-log given): lets callers skip costly formatting. */
bool log_debug_enabled(void);

/*
 * A structured event. On the console it becomes one ProcDump-style line; with
 * -json it becomes {"event":...,"pid":...,...} with only the set fields.
 * Fields left NULL / 0 are omitted.
 */
struct log_event {
	const char *event;    /* start, trigger, dump, dump_failed, exit, stop, error */
	pid_t pid;
	const char *name;     /* process name */
	const char *trigger;  /* cpu, commit, thread, filedesc, signal, time, exception ... */
	long long value;      /* trigger value (percent, MB, count, signal number) */
	long long threshold;
	const char *path;     /* dump path */
	int index;            /* dump number */
	const char *message;  /* free text; the console line when set */
	const char *counter;  /* -pc/-pcl: "Provider:Counter" */
	const char *rule;     /* the daemon rule, NULL = the command line */
	double real_value, real_threshold; /* with LOG_HAS_REAL, in place of value/threshold */
	unsigned has;         /* LOG_HAS_*: print value/threshold/index even when 0 */
};
#define LOG_HAS_VALUE 1u
#define LOG_HAS_THRESHOLD 2u
#define LOG_HAS_INDEX 4u
#define LOG_HAS_REAL 8u
void log_event(const struct log_event *ev);

/*
 * Pure helpers (unit-tested). Both return the length the full output needs,
 * like snprintf; the output is always NUL-terminated when len > 0.
 */
/* JSON string body for `in` (no quotes): \" \\ \n \t \r \b \f, other controls as \u00XX. */
size_t log_json_escape(char *out, size_t len, const char *in);
/* One JSON object for ev, no newline; `time` is written first when not NULL. */
size_t log_format_json(char *out, size_t len, const struct log_event *ev, const char *time);
/*
 * An error message without the "coretrap: " that log_error() adds itself:
 * a message that already carries it (once or more) is not printed as
 * "coretrap: coretrap: ...". Points into msg.
 */
const char *log_error_body(const char *msg);

#endif
