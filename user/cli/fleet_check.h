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

#include "cli/fleet_config.h"

/*
 * Check one parsed rule with options_parse, errors placed at the key that
 * the checker refuses (or at the rule when only the combination is wrong).
 * Returns the number of errors added.
 */
size_t fleet_check_rule(const struct fleet_rule *r, const char *fname, struct fleet_errors *errs);

/*
 * The whole check of path (+ DIR/conf.d/ *.yaml, sorted): prints
 * "PATH: ok, N rules (M files)" on out, or each error on err. Returns the
 * exit status: 0 valid, 1 a file cannot be read, 2 invalid.
 */
int fleet_check_files(const char *path, FILE *out, FILE *err);

#endif
