/* SPDX-License-Identifier: MIT */
/*
 * All output goes through here: ProcDump-style console lines
 * ("[HH:MM:SS - INFO]: ..."), flushed per line, or one JSON object per line
 * under -json. Debug tracing goes to stdout or syslog with -log.
 */
#ifndef CORETRAP_LOG_H
#define CORETRAP_LOG_H

#include <sys/types.h>

#include "config.h"

void log_init(const struct config *cfg);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

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
	const char *message;  /* free text */
};
void log_event(const struct log_event *ev);

#endif
