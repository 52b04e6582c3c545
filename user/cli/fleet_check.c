// SPDX-License-Identifier: MIT
/* -check-config: fleet rule files through the switch checker; see fleet_check.h. */
#include "cli/fleet_check.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"

/* A rule has no target: the checker gets a placeholder PID. */
#define PLACEHOLDER_TARGET "1"
/* A neutral trigger for checking a non-trigger key alone (-pf, -sustain and -n want one). */
static const char *const neutral_trigger[] = { "-c", "50" };

static bool any_dir(const char *path)
{
	(void)path;
	return false;
}

/* argv = coretrap [prefix...] -k v ... PLACEHOLDER; sw NULL: every key of r. */
static int check_argv(const struct fleet_rule *r, const struct fleet_switch *only, bool neutral, char *msg,
		      size_t len)
{
	char dashed[FLEET_MAX_SWITCHES][20];
	char *argv[2 + 3 * FLEET_MAX_SWITCHES + 3];
	int argc = 0;
	struct config *cfg = calloc(1, sizeof(*cfg));
	int rc;

	if (!cfg) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	argv[argc++] = (char *)"coretrap";
	if (neutral) {
		argv[argc++] = (char *)neutral_trigger[0];
		argv[argc++] = (char *)neutral_trigger[1];
	}
	for (size_t i = 0; i < r->nsw; i++) {
		const struct fleet_switch *sw = &r->sw[i];

		if (only && sw != only)
			continue;
		snprintf(dashed[i], sizeof(dashed[i]), "-%s", sw->name);
		argv[argc++] = dashed[i];
		if (sw->bare)
			continue;
		argv[argc++] = (char *)sw->value;
		if (sw->value2[0])
			argv[argc++] = (char *)sw->value2;
	}
	argv[argc++] = (char *)PLACEHOLDER_TARGET;
	argv[argc] = NULL;
	rc = options_parse(argc, argv, any_dir, cfg, msg, len);
	free(cfg);
	return rc;
}

/* Keys under 'triggers' that shape a trigger but are none on their own. */
static const char *const modifiers[] = { "sustain", "pf", "f", "fx", "gcgen", NULL };

static bool is_trigger(const struct fleet_rule *r, const struct fleet_switch *sw)
{
	if ((size_t)(sw - r->sw) >= r->ntriggers)
		return false;
	for (const char *const *m = modifiers; *m; m++)
		if (!strcmp(*m, sw->name))
			return false;
	return true;
}

size_t fleet_check_rule(const struct fleet_rule *r, const char *fname, struct fleet_errors *errs)
{
	char msg[256];

	bool any = false;

	for (size_t i = 0; i < r->nsw; i++)
		any |= is_trigger(r, &r->sw[i]);
	if (!any) {
		fleet_error(errs, fname, r->at,
			    "rule '%s': no trigger under 'triggers' (c cl m ml tc fc sig crash e gcm pc pcl)", r->name);
		return 1;
	}
	if (!check_argv(r, NULL, false, msg, sizeof(msg)))
		return 0;
	/*
	 * Place the message at the first key that earns the same refusal on
	 * its own; when none does, it is the combination: at the rule.
	 */
	for (size_t i = 0; i < r->nsw; i++) {
		char one[256];
		const struct fleet_switch *sw = &r->sw[i];

		if (check_argv(r, sw, !is_trigger(r, sw), one, sizeof(one)) && !strcmp(one, msg)) {
			fleet_error(errs, fname, sw->at, "rule '%s': %s", r->name, msg);
			return 1;
		}
	}
	fleet_error(errs, fname, r->at, "rule '%s': %s", r->name, msg);
	return 1;
}

/* The whole file in memory (a rule file is small: capped at 1 MiB). */
static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "r");
	size_t cap = 1 << 20, n;
	char *buf;

	if (!f)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(buf, 1, cap + 1, f);
	if (ferror(f)) {
		int e = errno ? -errno : -EIO;

		fclose(f);
		free(buf);
		return e;
	}
	fclose(f);
	if (n > cap) {
		free(buf);
		return -EFBIG;
	}
	buf[n] = 0;
	*text = buf;
	*len = n;
	return 0;
}

/* What one rule name or the spool was first set by, across the files. */
struct seen_at {
	char file[PATH_MAX];
	struct fleet_mark at;
};

static void check_one_file(const char *path, struct fleet_file *ff, struct fleet_errors *errs, size_t *rules,
			   struct seen_at *spool, struct seen_at *names, char (*name_of)[FLEET_NAME_MAX])
{
	for (size_t i = 0; i < ff->nrules; i++) {
		const struct fleet_rule *r = &ff->rules[i];

		fleet_check_rule(r, path, errs);
		for (size_t j = 0; j < *rules; j++)
			if (r->name_at.line && !strcmp(name_of[j], r->name))
				fleet_error(errs, path, r->name_at, "rule name '%s' also used at %s:%d:%d", r->name,
					    names[j].file, names[j].at.line, names[j].at.col);
		if (*rules < FLEET_MAX_RULES * 8) {
			snprintf(name_of[*rules], FLEET_NAME_MAX, "%s", r->name);
			snprintf(names[*rules].file, PATH_MAX, "%s", path);
			names[*rules].at = r->name_at;
			++*rules;
		}
	}
	if (ff->spool_at.line) {
		if (spool->at.line)
			fleet_error(errs, path, ff->spool_at, "'spool' also set at %s:%d:%d", spool->file, spool->at.line,
				    spool->at.col);
		else {
			snprintf(spool->file, PATH_MAX, "%s", path);
			spool->at = ff->spool_at;
		}
	}
}

int fleet_check_files(const char *path, FILE *out, FILE *err)
{
	char pattern[PATH_MAX + 16], dir[PATH_MAX];
	struct fleet_errors *errs = calloc(1, sizeof(*errs));
	struct fleet_file *ff = malloc(sizeof(*ff));
	struct seen_at *names = calloc(FLEET_MAX_RULES * 8, sizeof(*names)), spool = { 0 };
	char (*name_of)[FLEET_NAME_MAX] = calloc(FLEET_MAX_RULES * 8, FLEET_NAME_MAX);
	size_t rules = 0, files = 0;
	glob_t g = { 0 };
	int rc = 0;
	const char *slash = strrchr(path, '/');

	if (!errs || !ff || !names || !name_of) {
		fprintf(err, "coretrap: out of memory\n");
		rc = 1;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	snprintf(pattern, sizeof(pattern), "%s/conf.d/*.yaml", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		g.gl_pathc = 0; /* no conf.d, or nothing in it */
	for (size_t i = 0; i <= g.gl_pathc; i++) {
		const char *file = i ? g.gl_pathv[i - 1] : path;
		char *text = NULL;
		size_t len = 0;
		int r = read_file(file, &text, &len);

		if (r) {
			fprintf(err, "coretrap: cannot read %s: %s\n", file, strerror(-r));
			rc = 1;
			goto out;
		}
		files++;
		/* a file with a bad key still has its other rules checked (nothing when the YAML is bad) */
		fleet_config_parse(text, len, file, ff, errs);
		check_one_file(file, ff, errs, &rules, &spool, names, name_of);
		free(text);
	}
	if (errs->n) {
		for (size_t i = 0; i < errs->n; i++)
			fprintf(err, "%s\n", errs->line[i]);
		if (errs->dropped)
			fprintf(err, "coretrap: %zu more errors not shown\n", errs->dropped);
		rc = 2;
	} else {
		fprintf(out, "%s: ok, %zu rule%s (%zu file%s)\n", path, rules, rules == 1 ? "" : "s", files,
			files == 1 ? "" : "s");
	}
out:
	if (g.gl_pathv)
		globfree(&g);
	free(errs);
	free(ff);
	free(names);
	free(name_of);
	return rc;
}
