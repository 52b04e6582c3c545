/* SPDX-License-Identifier: MIT */
/*
 * Reading back one of our own JSON event lines (base/log.h's format: one
 * flat object of strings and numbers). The daemon relays the events of the
 * one-shot runs it supervises, so it needs their fields; nothing else here
 * parses JSON. Pure: unit-tested and fuzzed.
 */
#ifndef CORETRAP_BASE_JSON_FLAT_H
#define CORETRAP_BASE_JSON_FLAT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The string value of key in the flat object line, unescaped into out
 * (\" \\ \/ \n \t \r \b \f and \u00XX; other \u escapes become '?').
 * true when the key holds a string that fits in out.
 */
bool json_flat_string(const char *line, const char *key, char *out, size_t len);

/* The integer value of key (a number; a fraction is cut). true when found. */
bool json_flat_int(const char *line, const char *key, long long *out);

#endif
