/* SPDX-License-Identifier: MIT */
/*
 * Dump file names (pure: the time is passed in).
 *   default: <dir>/<name>_<trigger>_<yyMMdd_HHmmss>.<pid>   (ProcDump's pattern)
 *   custom:  <dir>/<custom>.<pid> for the first dump of a run (index 0), as
 *            ProcDump writes it, then <dir>/<custom>_<k>.<pid> (k = index,
 *            from 1), so later dumps never overwrite the first
 * <name> has every character other than [A-Za-z0-9] replaced by '_'.
 * .NET dumps use the same names: unlike ProcDump we keep ".<pid>".
 */
#ifndef CORETRAP_NAMING_H
#define CORETRAP_NAMING_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Copy `in` into out with non-alphanumerics replaced by '_'; "" becomes "unknown". */
void naming_sanitize(const char *in, char *out, size_t len);

/*
 * Build the path. custom == NULL or "" selects the default pattern.
 * Returns 0, or -ENAMETOOLONG when it does not fit in len.
 */
int naming_build(char *out, size_t len, const char *dir, const char *proc_name, const char *custom,
		 const char *trigger, const struct tm *local, pid_t pid, unsigned index);

/*
 * Default names have one-second resolution, so two dumps of one process for
 * one trigger within a second would share a name. Insert "_<k>" before the
 * final ".<pid>" (name_cpu_261125_101500.1234 -> name_cpu_261125_101500_1.1234)
 * in place. Returns 0, or -ENAMETOOLONG.
 */
int naming_add_suffix(char *path, size_t len, unsigned k);

#endif
