// SPDX-License-Identifier: MIT
/* Wildcard matching of exception text; see exfilter.h. */
#include "dotnet/exfilter.h"

#include <stddef.h>

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/*
 * Glob match with only `*`, unanchored at both ends. Classic greedy scan with
 * one backtrack point (the last star): linear in practice, never recursive,
 * so a hostile pattern cannot blow the throwing thread's stack.
 */
bool exfilter_match(const char *pattern, const char *text)
{
	const char *p = pattern, *t = text;
	const char *star_p = pattern, *star_t = text; /* implicit leading star */

	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_t = t;
			continue;
		}
		if (!*p)
			return true; /* implicit trailing star */
		if (*t && lower(*p) == lower(*t)) {
			p++;
			t++;
			continue;
		}
		if (!*star_t)
			return false;
		p = star_p;
		t = ++star_t;
	}
}

int exfilter_pick(const char (*filters)[CONFIG_FILTER_MAX], int count, const char *exclude,
		  const bool *done, const char *text)
{
	if (exclude && exclude[0] && exfilter_match(exclude, text))
		return -1;
	if (count <= 0)
		return (done && done[0]) ? -1 : 0;
	for (int i = 0; i < count; i++) {
		if (done && done[i])
			continue;
		if (exfilter_match(filters[i], text))
			return i;
	}
	return -1;
}
