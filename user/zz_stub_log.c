// SPDX-License-Identifier: MIT
/* STUB until branch cli lands: console logging. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "log.h"

static void vline(const char *lvl, const char *fmt, va_list ap)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	printf("[%02d:%02d:%02d - %s]: ", tm.tm_hour, tm.tm_min, tm.tm_sec, lvl);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}
void log_init(const struct config *cfg) { (void)cfg; }
#define DEF(fn, lvl) void fn(const char *fmt, ...) { va_list ap; va_start(ap, fmt); vline(lvl, fmt, ap); va_end(ap); }
DEF(log_info, "INFO")
DEF(log_warn, "WARN")
DEF(log_error, "ERROR")
void log_debug(const char *fmt, ...) { (void)fmt; }
void log_event(const struct log_event *ev) { (void)ev; }
