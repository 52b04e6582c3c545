/* SPDX-License-Identifier: MIT */
/*
 * ProcDump-compatible command line -> struct config. One declarative table
 * in options.c drives parsing, validation and the -? usage text.
 *
 * Exit codes the caller uses: 0 ok, 1 runtime failure, 2 usage error
 * (options_parse() failing, or a switch whose feature is not built yet).
 */
#ifndef CORETRAP_OPTIONS_H
#define CORETRAP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/config.h"

/*
 * The only outside fact the parser needs: whether a path is an existing
 * directory (for the destination positional). Tests pass a fake; NULL means
 * stat(2).
 */
typedef bool (*options_is_dir_fn)(const char *path);

/*
 * Parse argv (argv[0] is the program name) into *cfg. Returns 0, or -EINVAL
 * with a one-line message (without the "coretrap: " prefix) in err. Every
 * usage error is found here, the cross-switch rules included (e.g. -e with
 * -w): no run mode refuses a config that passed.
 * Switches that parsed fine but are not built yet are NOT an error here:
 * cfg->unimplemented names the first one (e.g. "-restrack") and main()
 * refuses to run ("-restrack is not implemented yet", exit 2).
 */
int options_parse(int argc, char *const argv[], options_is_dir_fn is_dir, struct config *cfg,
		  char *err, size_t errlen);

/* The usage text for -?, generated from the switch table (options_doc.c). */
void options_usage(FILE *out);
/* The coretrap(1) man page in roff, from the same table and prose. */
void options_man(FILE *out, const char *version, const char *date);
/* A bash completion script for switches, their values, PIDs and process names. */
void options_completion_bash(FILE *out);

#endif
