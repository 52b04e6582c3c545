/* SPDX-License-Identifier: MIT */
/*
 * The one output path. Console lines copy ProcDump's "[HH:MM:SS - LEVEL]: "
 * format but are flushed per line (ProcDump's are not, so a pipe sees them
 * only at exit). Under -json every line is one JSON object.
 */
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

#include "base/log.h"

static struct {
	bool json;
	enum log_dest debug_dest;
} L;

void log_init(const struct config *cfg)
{
	L.json = cfg->json;
	L.debug_dest = cfg->log_dest;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (L.debug_dest == LOG_DEST_SYSLOG)
		openlog("coretrap", LOG_PID, LOG_USER);
}

/* Appends to a bounded buffer but keeps counting what the full text needs. */
struct sink {
	char *out;
	size_t len, used;
};

static void put(struct sink *s, const char *text, size_t n)
{
	if (s->used < s->len) {
		size_t room = s->len - s->used - 1;
		size_t k = n < room ? n : room;

		memcpy(s->out + s->used, text, k);
		s->out[s->used + k] = '\0';
	}
	s->used += n;
}

static void puts_sink(struct sink *s, const char *text)
{
	put(s, text, strlen(text));
}

static void escape_into(struct sink *s, const char *in)
{
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		char esc[8];

		switch (*p) {
		case '"': put(s, "\\\"", 2); break;
		case '\\': put(s, "\\\\", 2); break;
		case '\n': put(s, "\\n", 2); break;
		case '\t': put(s, "\\t", 2); break;
		case '\r': put(s, "\\r", 2); break;
		case '\b': put(s, "\\b", 2); break;
		case '\f': put(s, "\\f", 2); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				put(s, esc, 6);
			} else {
				put(s, (const char *)p, 1);
			}
		}
	}
}

size_t log_json_escape(char *out, size_t len, const char *in)
{
	struct sink s = { out, len, 0 };

	if (len)
		out[0] = '\0';
	escape_into(&s, in);
	return s.used;
}

static void json_str(struct sink *s, bool *first, const char *key, const char *val)
{
	if (!val)
		return;
	puts_sink(s, *first ? "\"" : ",\"");
	*first = false;
	puts_sink(s, key);
	puts_sink(s, "\":\"");
	escape_into(s, val);
	puts_sink(s, "\"");
}

static void json_num(struct sink *s, bool *first, const char *key, long long val, bool force)
{
	char num[32];

	if (!val && !force)
		return;
	puts_sink(s, *first ? "\"" : ",\"");
	*first = false;
	puts_sink(s, key);
	snprintf(num, sizeof(num), "\":%lld", val);
	puts_sink(s, num);
}

size_t log_format_json(char *out, size_t len, const struct log_event *ev, const char *time)
{
	struct sink s = { out, len, 0 };
	bool first = true;

	if (len)
		out[0] = '\0';
	puts_sink(&s, "{");
	json_str(&s, &first, "time", time);
	json_str(&s, &first, "event", ev->event ? ev->event : "message");
	json_num(&s, &first, "pid", ev->pid, false);
	json_str(&s, &first, "name", ev->name);
	json_str(&s, &first, "rule", ev->rule);
	json_str(&s, &first, "trigger", ev->trigger);
	json_str(&s, &first, "counter", ev->counter);
	if (ev->has & LOG_HAS_REAL) {
		/* counters (-pc/-pcl) are doubles; %.17g keeps the value the runtime sent */
		char num[128];

		snprintf(num, sizeof(num), "%s\"value\":%.17g,\"threshold\":%.17g", first ? "" : ",",
			 isfinite(ev->real_value) ? ev->real_value : 0,
			 isfinite(ev->real_threshold) ? ev->real_threshold : 0);
		puts_sink(&s, num);
		first = false;
	} else {
		json_num(&s, &first, "value", ev->value, ev->has & LOG_HAS_VALUE);
		json_num(&s, &first, "threshold", ev->threshold, ev->has & LOG_HAS_THRESHOLD);
	}
	json_str(&s, &first, "path", ev->path);
	json_num(&s, &first, "index", ev->index, ev->has & LOG_HAS_INDEX);
	json_str(&s, &first, "message", ev->message);
	puts_sink(&s, "}");
	return s.used;
}

/* Local time as ISO 8601 with milliseconds and offset. */
static void iso_now(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;
	char date[32], zone[8];

	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(zone, sizeof(zone), "%z", &tm);
	snprintf(buf, len, "%.20s.%03d%.3s:%.2s", date, (int)(tv.tv_usec / 1000) % 1000, zone, zone + 3);
}

static void emit_json(const struct log_event *ev)
{
	char line[8192], now[48];
	size_t n;

	iso_now(now, sizeof(now));
	n = log_format_json(line, sizeof(line), ev, now);
	if (n >= sizeof(line)) { /* cannot happen with our field sizes; never emit broken JSON */
		struct log_event cut = { .event = ev->event, .pid = ev->pid, .message = "event too long" };

		log_format_json(line, sizeof(line), &cut, now);
	}
	fprintf(stdout, "%s\n", line);
	fflush(stdout);
}

static void console(FILE *f, const char *level, const char *fmt, va_list ap)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	flockfile(f); /* one line whole: the daemon's uploader thread logs too */
	fprintf(f, "[%02d:%02d:%02d - %s]: ", tm.tm_hour, tm.tm_min, tm.tm_sec, level);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	funlockfile(f);
}

static void console_msg(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void console_msg(const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	console(stdout, level, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	if (L.json)
		return;
	va_start(ap, fmt);
	console(stdout, "INFO", fmt, ap);
	va_end(ap);
}

static void event_from_fmt(const char *event, const char *fmt, va_list ap)
{
	char msg[4096];
	struct log_event ev = { .event = event, .message = msg };

	vsnprintf(msg, sizeof(msg), fmt, ap);
	emit_json(&ev);
}

void log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (L.json)
		event_from_fmt("warning", fmt, ap);
	else
		console(stdout, "WARN", fmt, ap);
	va_end(ap);
}

const char *log_error_body(const char *msg)
{
	static const char prefix[] = "coretrap: ";

	while (!strncmp(msg, prefix, sizeof(prefix) - 1))
		msg += sizeof(prefix) - 1;
	return msg;
}

void log_error(const char *fmt, ...)
{
	char msg[4096];
	const char *body;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	body = log_error_body(msg);
	if (L.json) {
		emit_json(&(struct log_event){ .event = "error", .message = body });
	} else {
		fflush(stdout); /* keep the order of stdout and stderr lines on a terminal */
		fprintf(stderr, "coretrap: %s\n", body);
		fflush(stderr);
	}
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (L.debug_dest == LOG_DEST_STDOUT)
		console(stdout, "DEBUG", fmt, ap);
	else if (L.debug_dest == LOG_DEST_SYSLOG)
		vsyslog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

bool log_debug_enabled(void)
{
	return L.debug_dest != LOG_DEST_NONE;
}

void log_event(const struct log_event *ev)
{
	const char *event = ev->event ? ev->event : "";
	bool failed = !strcmp(event, "error") || !strcmp(event, "dump_failed");

	if (L.json) {
		struct log_event copy = *ev;

		if (failed && copy.message)
			copy.message = log_error_body(copy.message);
		emit_json(&copy);
		return;
	}
	if (failed) {
		log_error("%s", ev->message ? ev->message : event);
	} else if (ev->message) {
		console_msg(!strcmp(event, "exit") ? "WARN" : "INFO", "%s", ev->message);
	} else if (!strcmp(event, "dump")) {
		console_msg("INFO", "Core dump %d generated: %s", ev->index, ev->path ? ev->path : "");
	} else {
		console_msg("INFO", "%s (pid %d)", event, (int)ev->pid);
	}
}
