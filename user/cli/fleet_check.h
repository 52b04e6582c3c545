/* SPDX-License-Identifier: MIT */
/*
 * -check-config FILE: read a fleet rule file and the conf.d/ *.yaml files beside
 * it, check every rule with the switch checker (a rule's triggers and
 * action are switches), print the verdict. The daemon that runs the rules
 * will load them the same way.
 */
#ifndef CORETRAP_CLI_FLEET_CHECK_H
#define CORETRAP_CLI_FLEET_CHECK_H

#include <stdio.h>

#include "base/config.h"
#include "cli/fleet_config.h"

/*
 * Check one parsed rule with options_parse, errors placed at the key that
 * the checker refuses (or at the rule when only the combination is wrong).
 * Returns the number of errors added.
 */
size_t fleet_check_rule(const struct fleet_rule *r, const char *fname, struct fleet_errors *errs);

/* Every rule of a file and its drop-ins, in order. */
#define FLEET_SET_MAX_RULES 1024
#define FLEET_SET_MAX_FILES 64
struct fleet_set {
	char spool[PATH_MAX];        /* "" = not set */
	struct fleet_mark spool_at;
	size_t spool_file;
	struct spool_caps storage;    /* the defaults unless a file has 'storage' */
	struct fleet_mark storage_at; /* line 0: defaults */
	size_t storage_file;
	struct upload_config upload;  /* exec "": no upload */
	struct fleet_mark upload_at;
	size_t upload_file;
	struct fleet_rule *rules;    /* nrules of them */
	size_t *rule_file;           /* index into files */
	size_t nrules, nfiles;
	char files[FLEET_SET_MAX_FILES][PATH_MAX];
};

/*
 * Read path and DIR/conf.d/ *.yaml (sorted), check every rule. Returns 0
 * (out complete), 1 (a file cannot be read: why says so) or 2 (errs).
 * Free out with fleet_set_free whatever the result.
 */
int fleet_load(const char *path, struct fleet_set *out, struct fleet_errors *errs, char *why, size_t why_len);
void fleet_set_free(struct fleet_set *s);

/* The config a checked rule stands for, its dumps going to spool (an existing directory). 0 or -errno (msg). */
int fleet_rule_config(const struct fleet_rule *r, const char *spool, struct config *cfg, char *msg, size_t len);

/*
 * The whole check of path (+ DIR/conf.d/ *.yaml, sorted): prints
 * "PATH: ok, N rules (M files)" on out, or each error on err. Returns the
 * exit status: 0 valid, 1 a file cannot be read, 2 invalid.
 */
int fleet_check_files(const char *path, FILE *out, FILE *err);

#endif
