/* SPDX-License-Identifier: MIT */
/*
 * Exception filters (-f include list, -fx exclude): patterns with `*`
 * wildcards, matched case-insensitively (ASCII) against "TypeName: message"
 * (just "TypeName" when the message is null). Like ProcDump, a pattern
 * matches anywhere in the text: "beta" matches
 * "System.ArgumentException: marker beta". Pure; shared by coretrap and the
 * profiler .so.
 */
#ifndef CORETRAP_EXFILTER_H
#define CORETRAP_EXFILTER_H

#include <stdbool.h>

#include "base/config.h"

/* True when pattern occurs in text, `*` matching any run of characters. */
bool exfilter_match(const char *pattern, const char *text);

/*
 * The include filter a thrown exception counts for: the first pattern in
 * order that matches and is not done (done may be NULL). With no include
 * patterns every exception counts for index 0. Returns -1 when nothing
 * matches, every match is done, or the exclude pattern ("" = none) matches.
 */
int exfilter_pick(const char (*filters)[CONFIG_FILTER_MAX], int count, const char *exclude,
		  const bool *done, const char *text);

#endif
