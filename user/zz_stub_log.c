// SPDX-License-Identifier: MIT
/* STUB until the cli branch lands: minimal log.h so the monitor runs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

static const struct config *lcfg;

void log_init(const struct config *cfg)
{
	lcfg = cfg;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static void vline(const char *lvl, const char *fmt, va_list ap)
{
	char msg[1024];
	time_t now = time(NULL);
	struct tm tm;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	localtime_r(&now, &tm);
	if (lcfg && lcfg->json) {
		printf("{\"event\":\"log\",\"level\":\"%s\",\"message\":\"%s\"}\n", lvl, msg);
		return;
	}
	printf("[%02d:%02d:%02d - %s]: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec, lvl, msg);
}

#define LVL(fn, name)                                                                              \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vline(name, fmt, ap);                                                              \
		va_end(ap);                                                                        \
	}
LVL(log_info, "INFO")
LVL(log_warn, "WARN")
LVL(log_error, "ERROR")
void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!lcfg || lcfg->log_dest == LOG_DEST_NONE)
		return;
	va_start(ap, fmt);
	vline("DEBUG", fmt, ap);
	va_end(ap);
}

void log_event(const struct log_event *ev)
{
	struct timespec ts;

	if (lcfg && lcfg->json) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf("{\"event\":\"%s\",\"mono_ns\":%lld", ev->event,
		       (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		if (ev->pid)
			printf(",\"pid\":%d", (int)ev->pid);
		if (ev->name)
			printf(",\"name\":\"%s\"", ev->name);
		if (ev->trigger)
			printf(",\"trigger\":\"%s\",\"value\":%lld,\"threshold\":%lld", ev->trigger,
			       ev->value, ev->threshold);
		if (ev->path)
			printf(",\"path\":\"%s\",\"index\":%d", ev->path, ev->index);
		if (ev->message)
			printf(",\"message\":\"%s\"", ev->message);
		printf("}\n");
		return;
	}
	if (!strcmp(ev->event, "trigger"))
		log_info("Trigger: %s:%lld on process ID: %d", ev->trigger, ev->value, (int)ev->pid);
	else if (!strcmp(ev->event, "dump"))
		log_info("Core dump %d generated: %s", ev->index, ev->path);
	else if (!strcmp(ev->event, "start"))
		log_info("Starting monitor for process %s (%d)", ev->name, (int)ev->pid);
	else if (!strcmp(ev->event, "stop"))
		log_info("Stopping monitor for process %s (%d)", ev->name, (int)ev->pid);
	else if (!strcmp(ev->event, "exit"))
		log_warn("Target process %d is no longer alive", (int)ev->pid);
	else
		log_info("%s: %s", ev->event, ev->message ? ev->message : "");
}
