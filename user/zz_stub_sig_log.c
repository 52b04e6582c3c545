// SPDX-License-Identifier: MIT
/* STUB (sig helper): minimal log.c until the cli branch lands. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const struct config *g_cfg;

void log_init(const struct config *cfg)
{
	g_cfg = cfg;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void vline(const char *level, const char *fmt, va_list ap)
{
	time_t t = time(NULL);
	struct tm tm;
	char ts[16];

	localtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	printf("[%s - %s]: ", ts, level);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

#define LEVEL_FN(fn, lvl)                   \
	void fn(const char *fmt, ...)       \
	{                                   \
		va_list ap;                 \
		va_start(ap, fmt);          \
		vline(lvl, fmt, ap);        \
		va_end(ap);                 \
	}
LEVEL_FN(log_info, "INFO")
LEVEL_FN(log_warn, "WARN")
LEVEL_FN(log_error, "ERROR")

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!g_cfg || g_cfg->log_dest == LOG_DEST_NONE)
		return;
	va_start(ap, fmt);
	vline("DEBUG", fmt, ap);
	va_end(ap);
}

void log_event(const struct log_event *ev)
{
	if (g_cfg && g_cfg->json) {
		printf("{\"event\":\"%s\",\"pid\":%d,\"value\":%lld,\"path\":\"%s\",\"message\":\"%s\"}\n", ev->event,
		       ev->pid, ev->value, ev->path ? ev->path : "", ev->message ? ev->message : "");
		fflush(stdout);
		return;
	}
	log_info("%s", ev->message ? ev->message : ev->event);
}
