// SPDX-License-Identifier: MIT
/* The companion of every dump; see companion.h. */
#include <stddef.h>

#include "dump/companion.h"

static struct dump_companion current;
static bool registered;

void dump_companion_set(const struct dump_companion *c)
{
	registered = c != NULL;
	if (c)
		current = *c;
}

const struct dump_companion *dump_companion_get(void)
{
	return registered ? &current : NULL;
}

int dump_companion_track(pid_t pid)
{
	return registered && current.track ? current.track(current.ctx, pid) : 0;
}

void dump_companion_untrack(pid_t pid)
{
	if (registered && current.untrack)
		current.untrack(current.ctx, pid);
}
