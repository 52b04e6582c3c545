/* SPDX-License-Identifier: MIT */
/*
 * Internal to the options module: the switch-table types, the parser state,
 * and the argument value parsers (options_values.c) shared with options.c.
 */
#ifndef CORETRAP_OPTIONS_INTERNAL_H
#define CORETRAP_OPTIONS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/options.h"

enum opt_id {
	OPT_N, OPT_S, OPT_C, OPT_CL, OPT_M, OPT_ML, OPT_TC, OPT_FC, OPT_SIG, OPT_CRASH,
	OPT_SUSTAIN, OPT_PF, OPT_E, OPT_F, OPT_FX, OPT_GCM, OPT_GCGEN, OPT_PC, OPT_PCL, OPT_DT,
	OPT_RESTRACK, OPT_SR, OPT_W, OPT_PGID, OPT_O, OPT_MC, OPT_LIVE, OPT_Z, OPT_INFO, OPT_CHECK_CONFIG, OPT_DAEMON, OPT_CONFIG, OPT_LOG, OPT_JSON, OPT_METRICS,
	OPT_HELP, OPT_VERSION, OPT__COUNT
};

enum opt_arg {
	ARG_NONE,      /* flag */
	ARG_INT,       /* decimal in [min, max] */
	ARG_MB_LIST,   /* N1[,N2...] */
	ARG_GCM,       /* [G:|LOH:|POH:]N1[,N2...] */
	ARG_SIGNALS,   /* S1[,S2...], numbers or names */
	ARG_FILTERS,   /* F1[,F2...] */
	ARG_PATTERN,   /* one wildcard pattern */
	ARG_PATH,      /* one file name */
	ARG_HEX,       /* hex, 0x optional */
	ARG_WORD,      /* one of a fixed word list */
	ARG_OPT_WORD,  /* optional word: taken only if it is in the list */
	ARG_OPT_COUNT, /* -e [N], see optional_count_follows() */
	ARG_COUNTER,   /* two arguments: Provider:Counter Threshold */
};

enum opt_group { GRP_TRIGGER, GRP_DOTNET, GRP_TARGET, GRP_TIMING, GRP_OUTPUT, GRP__COUNT };

struct opt_spec {
	const char *name;  /* lower case, without prefix */
	enum opt_id id;
	enum opt_arg arg;
	long min, max;     /* ARG_INT, ARG_OPT_COUNT, ARG_HEX, list values */
	const char *words; /* ARG_WORD / ARG_OPT_WORD: '|'-separated, lower case */
	/*
	 * false: parsed and validated, then refused with "-X is not implemented
	 * yet". Flip to true in the branch that builds the feature.
	 */
	bool ready;
	bool repeatable;
	enum opt_group group;
	const char *argname; /* for usage */
	const char *help;
};

/* The switch table (options.c), for the usage text, the man page and the completion (options_doc.c). */
const struct opt_spec *options_table(size_t *n);
const char *options_group_title(enum opt_group g);
/* The i-th example command line of the usage and the man page, NULL past the last. */
const char *options_example(size_t i);

/* Parser state that does not belong in struct config. */
struct parse_state {
	struct config *cfg;
	char *err;
	size_t errlen;
	unsigned seen[OPT__COUNT];
	int positional;
	const char *dest; /* second positional, resolved after the loop */
	options_is_dir_fn is_dir;
};

int opt_fail(struct parse_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool opt_all_digits(const char *s);
int opt_parse_long(const char *s, long min, long max, long *out);
int opt_int_arg(struct parse_state *st, const struct opt_spec *o, const char *s, long *out);
/*
 * One rule for every list switch (-m -ml -gcm -sig -f): a list is non-empty,
 * shorter than max_len, and has no empty item (",a", "a,", "a,,b").
 */
bool opt_list_well_formed(const char *s, size_t max_len);
int opt_mb_list(struct parse_state *st, const struct opt_spec *o, const char *s, long *vals, int *count);
int opt_gcm_arg(struct parse_state *st, const struct opt_spec *o, const char *s);
int opt_signals_arg(struct parse_state *st, const char *s);
int opt_filters_arg(struct parse_state *st, const char *s);
int opt_hex_arg(struct parse_state *st, const struct opt_spec *o, const char *s);
int opt_word_index(const char *words, const char *s);
int opt_counter_arg(struct parse_state *st, const struct opt_spec *o, const char *spec, const char *value);

#endif
