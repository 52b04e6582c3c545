/* SPDX-License-Identifier: MIT */
/* Argument values of the switches: numbers, lists, masks, words, counters. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/options_internal.h"
#include "dotnet/counters.h"

int opt_fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

bool opt_all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Full-string decimal; -ERANGE outside [min,max], -EINVAL if not a number. */
int opt_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int opt_int_arg(struct parse_state *st, const struct opt_spec *o, const char *s, long *out)
{
	int r = opt_parse_long(s, o->min, o->max, out);

	if (r == -EINVAL)
		return opt_fail(st, "-%s expects a number, got '%s'", o->name, s);
	if (r == -ERANGE) {
		if (o->max >= INT_MAX)
			return opt_fail(st, "-%s must be %ld or more, got %s", o->name, o->min, s);
		return opt_fail(st, "-%s must be between %ld and %ld, got %s", o->name, o->min, o->max, s);
	}
	return 0;
}

bool opt_list_well_formed(const char *s, size_t max_len)
{
	size_t len = strlen(s);

	return len > 0 && len < max_len && s[0] != ',' && s[len - 1] != ',' && !strstr(s, ",,");
}

int opt_mb_list(struct parse_state *st, const struct opt_spec *o, const char *s, long *vals,
		   int *count)
{
	char buf[1024];
	char *save = NULL;
	int n = 0;

	if (!opt_list_well_formed(s, sizeof(buf)))
		return opt_fail(st, "-%s expects MB[,MB...], got '%s'", o->name, s);
	strcpy(buf, s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long v;

		if (n == CONFIG_MAX_THRESHOLDS)
			return opt_fail(st, "-%s accepts at most %d thresholds", o->name, CONFIG_MAX_THRESHOLDS);
		if (opt_parse_long(tok, o->min, o->max, &v))
			return opt_fail(st, "-%s expects MB[,MB...], got '%s'", o->name, s);
		vals[n++] = v;
	}
	*count = n;
	return 0;
}

int opt_gcm_arg(struct parse_state *st, const struct opt_spec *o, const char *s)
{
	static const struct { const char *prefix; enum gc_heap heap; } heaps[] = {
		{ "0:", GC_HEAP_GEN0 }, { "1:", GC_HEAP_GEN1 }, { "2:", GC_HEAP_GEN2 },
		{ "loh:", GC_HEAP_LOH }, { "poh:", GC_HEAP_POH },
	};
	struct config *cfg = st->cfg;

	cfg->gcm_heap = GC_HEAP_TOTAL;
	for (size_t i = 0; i < sizeof(heaps) / sizeof(heaps[0]); i++)
		if (strncasecmp(s, heaps[i].prefix, strlen(heaps[i].prefix)) == 0) {
			cfg->gcm_heap = heaps[i].heap;
			s += strlen(heaps[i].prefix);
			break;
		}
	if (strchr(s, ':'))
		return opt_fail(st, "-gcm heap must be 0:, 1:, 2:, LOH: or POH:, got '%s'", s);
	return opt_mb_list(st, o, s, cfg->gcm_mb, &cfg->gcm_count);
}

static int signal_number(const char *tok)
{
	long v;

	if (opt_parse_long(tok, 1, 64, &v) == 0)
		return (int)v;
	if (strncasecmp(tok, "SIG", 3) == 0)
		tok += 3;
	for (int sig = 1; sig < 32; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, tok) == 0)
			return sig;
	}
	return -1;
}

int opt_signals_arg(struct parse_state *st, const char *s)
{
	char buf[1024];
	char *save = NULL;
	struct config *cfg = st->cfg;

	if (!opt_list_well_formed(s, sizeof(buf)))
		return opt_fail(st, "-sig expects S[,S...] (numbers 1..64 or names), got '%s'", s);
	strcpy(buf, s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int sig = signal_number(tok);

		if (sig < 0)
			return opt_fail(st, "-sig: '%s' is not a signal (use a number 1..64 or a name)", tok);
		if (sig == SIGKILL || sig == SIGSTOP)
			return opt_fail(st, "-sig: %s cannot be intercepted", sig == SIGKILL ? "SIGKILL" : "SIGSTOP");
		if (cfg->signal_count == CONFIG_MAX_SIGNALS)
			return opt_fail(st, "-sig accepts at most %d signals", CONFIG_MAX_SIGNALS);
		cfg->signals[cfg->signal_count++] = sig;
	}
	return 0;
}

int opt_filters_arg(struct parse_state *st, const char *s)
{
	char buf[CONFIG_MAX_FILTERS * CONFIG_FILTER_MAX];
	char *save = NULL;
	struct config *cfg = st->cfg;

	if (!opt_list_well_formed(s, sizeof(buf)))
		return opt_fail(st, "-f expects F[,F...], got '%s'", s);
	strcpy(buf, s);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!isalpha((unsigned char)tok[0]) && tok[0] != '*')
			return opt_fail(st, "-f filter '%s' must start with a letter or *", tok);
		if (strlen(tok) >= CONFIG_FILTER_MAX)
			return opt_fail(st, "-f filter is longer than %d characters", CONFIG_FILTER_MAX - 1);
		if (cfg->filter_count == CONFIG_MAX_FILTERS)
			return opt_fail(st, "-f accepts at most %d filters", CONFIG_MAX_FILTERS);
		strcpy(cfg->filters[cfg->filter_count++], tok);
	}
	return 0;
}

int opt_hex_arg(struct parse_state *st, const struct opt_spec *o, const char *s)
{
	const char *digits = s;
	char *end;
	unsigned long v;

	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		digits += 2;
	if (!*digits || !isxdigit((unsigned char)*digits))
		return opt_fail(st, "-mc expects a hex mask such as 33 or 0x33, got '%s'", s);
	errno = 0;
	v = strtoul(digits, &end, 16);
	if (*end)
		return opt_fail(st, "-mc expects a hex mask such as 33 or 0x33, got '%s'", s);
	if (errno == ERANGE || v > (unsigned long)o->max)
		return opt_fail(st, "-mc mask %s has bits above 0x%lx (coredump_filter has 9 bits)", s, o->max);
	st->cfg->has_coredump_filter = true;
	st->cfg->coredump_filter = v;
	return 0;
}

/* Index of s in the '|'-separated word list, or -1. */
int opt_word_index(const char *words, const char *s)
{
	int idx = 0;

	for (const char *w = words; *w; idx++) {
		size_t n = strcspn(w, "|");

		if (strlen(s) == n && strncasecmp(w, s, n) == 0)
			return idx;
		w += n;
		if (*w == '|')
			w++;
	}
	return -1;
}

int opt_counter_arg(struct parse_state *st, const struct opt_spec *o, const char *spec,
		       const char *value)
{
	struct config *cfg = st->cfg;
	struct counter_trigger *ct;
	struct counter_spec parsed;
	char why[256];
	char *end;
	double v;

	if (cfg->counter_count == CONFIG_MAX_COUNTERS)
		return opt_fail(st, "at most %d -pc/-pcl triggers can be given", CONFIG_MAX_COUNTERS);
	if (strlen(spec) >= CONFIG_COUNTER_MAX || counter_spec_parse(spec, &parsed, why, sizeof(why)))
		return opt_fail(st, "-%s %s", o->name,
				strlen(spec) >= CONFIG_COUNTER_MAX ? "expects a shorter Provider:Counter" : why);
	errno = 0;
	v = strtod(value, &end);
	if (!*value || *end || errno == ERANGE || !isfinite(v))
		return opt_fail(st, "-%s expects a numeric threshold after %s, got '%s'", o->name, spec, value);
	ct = &cfg->counters[cfg->counter_count++];
	strcpy(ct->spec, spec);
	ct->threshold = v;
	ct->below = o->id == OPT_PCL;
	return 0;
}

