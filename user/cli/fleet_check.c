// SPDX-License-Identifier: MIT
/* -check-config: fleet rule files through the switch checker; see fleet_check.h. */
#include "cli/fleet_check.h"

#include <errno.h>
#include <glob.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * argv = coretrap [neutral trigger] -k v ... PLACEHOLDER [dest]; only NULL:
 * every key of r. With out, the config is kept there (dest must exist).
 */
static int rule_argv(const struct fleet_rule *r, const struct fleet_switch *only, bool neutral, const char *dest,
		     struct config *out, char *msg, size_t len)
{
	char dashed[FLEET_MAX_SWITCHES][20];
	char *argv[2 + 3 * FLEET_MAX_SWITCHES + 4];
	int argc = 0;
	struct config *cfg = out ? out : calloc(1, sizeof(*cfg));
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
	if (dest)
		argv[argc++] = (char *)dest;
	argv[argc] = NULL;
	rc = options_parse(argc, argv, out ? is_dir : any_dir, cfg, msg, len);
	if (!out)
		free(cfg);
	return rc;
}

static int check_argv(const struct fleet_rule *r, const struct fleet_switch *only, bool neutral, char *msg,
		      size_t len)
{
	return rule_argv(r, only, neutral, NULL, NULL, msg, len);
}

int fleet_rule_config(const struct fleet_rule *r, const char *spool, struct config *cfg, char *msg, size_t len)
{
	return rule_argv(r, NULL, false, spool, cfg, msg, len);
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

/* Add ff's rules to out, checking each and its name against those before it. */
static int collect(const char *path, const struct fleet_file *ff, struct fleet_set *out, struct fleet_errors *errs)
{
	for (size_t i = 0; i < ff->nrules; i++) {
		const struct fleet_rule *r = &ff->rules[i];

		fleet_check_rule(r, path, errs);
		for (size_t j = 0; j < out->nrules; j++)
			if (r->name_at.line && !strcmp(out->rules[j].name, r->name))
				fleet_error(errs, path, r->name_at, "rule name '%s' also used at %s:%d:%d", r->name,
					    out->files[out->rule_file[j]], out->rules[j].name_at.line,
					    out->rules[j].name_at.col);
		if (out->nrules == FLEET_SET_MAX_RULES) {
			fleet_error(errs, path, r->at, "more than %d rules in all files", FLEET_SET_MAX_RULES);
			return -ENOSPC;
		}
		out->rules[out->nrules] = *r;
		out->rule_file[out->nrules++] = out->nfiles - 1;
	}
	if (ff->spool_at.line) {
		if (out->spool[0])
			fleet_error(errs, path, ff->spool_at, "'spool' also set at %s:%d:%d", out->files[out->spool_file],
				    out->spool_at.line, out->spool_at.col);
		else {
			snprintf(out->spool, sizeof(out->spool), "%s", ff->spool);
			out->spool_at = ff->spool_at;
			out->spool_file = out->nfiles - 1;
		}
	}
	/* one 'storage' and one 'upload' for the host, in whichever file */
	if (ff->storage_at.line) {
		if (out->storage_at.line)
			fleet_error(errs, path, ff->storage_at, "'storage' also set at %s:%d:%d",
				    out->files[out->storage_file], out->storage_at.line, out->storage_at.col);
		else {
			out->storage = ff->storage;
			out->storage_at = ff->storage_at;
			out->storage_file = out->nfiles - 1;
		}
	}
	if (ff->upload_at.line) {
		if (out->upload_at.line)
			fleet_error(errs, path, ff->upload_at, "'upload' also set at %s:%d:%d", out->files[out->upload_file],
				    out->upload_at.line, out->upload_at.col);
		else {
			out->upload = ff->upload;
			out->upload_at = ff->upload_at;
			out->upload_file = out->nfiles - 1;
		}
	}
	return 0;
}

int fleet_load(const char *path, struct fleet_set *out, struct fleet_errors *errs, char *why, size_t why_len)
{
	char pattern[PATH_MAX + 16], dir[PATH_MAX];
	struct fleet_file *ff = malloc(sizeof(*ff));
	glob_t g = { 0 };
	int rc = 0;
	const char *slash = strrchr(path, '/');

	memset(out, 0, sizeof(*out));
	spool_caps_default(&out->storage);
	out->rules = calloc(FLEET_SET_MAX_RULES, sizeof(*out->rules));
	out->rule_file = calloc(FLEET_SET_MAX_RULES, sizeof(*out->rule_file));
	if (!ff || !out->rules || !out->rule_file) {
		snprintf(why, why_len, "out of memory");
		rc = 1;
		goto out;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	snprintf(pattern, sizeof(pattern), "%s/conf.d/*.yaml", dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		g.gl_pathc = 0; /* no conf.d, or nothing in it */
	for (size_t i = 0; i <= g.gl_pathc && out->nfiles < FLEET_SET_MAX_FILES; i++) {
		const char *file = i ? g.gl_pathv[i - 1] : path;
		char *text = NULL;
		size_t len = 0;
		int r = read_file(file, &text, &len);

		if (r) {
			snprintf(why, why_len, "cannot read %s: %s", file, strerror(-r));
			rc = 1;
			goto out;
		}
		snprintf(out->files[out->nfiles++], PATH_MAX, "%s", file);
		/* a file with a bad key still has its other rules checked (nothing when the YAML is bad) */
		fleet_config_parse(text, len, file, ff, errs);
		free(text);
		if (collect(file, ff, out, errs))
			break;
	}
	rc = errs->n ? 2 : 0;
out:
	if (g.gl_pathv)
		globfree(&g);
	free(ff);
	return rc;
}

void fleet_set_free(struct fleet_set *s)
{
	free(s->rules);
	free(s->rule_file);
	s->rules = NULL;
	s->rule_file = NULL;
	s->nrules = 0;
}

int fleet_check_files(const char *path, FILE *out, FILE *err)
{
	struct fleet_errors *errs = calloc(1, sizeof(*errs));
	struct fleet_set *set = calloc(1, sizeof(*set));
	char why[PATH_MAX + 128];
	int rc;

	if (!errs || !set) {
		fprintf(err, "coretrap: out of memory\n");
		free(errs);
		free(set);
		return 1;
	}
	rc = fleet_load(path, set, errs, why, sizeof(why));
	if (rc == 1) {
		fprintf(err, "coretrap: %s\n", why);
	} else if (rc == 2) {
		for (size_t i = 0; i < errs->n; i++)
			fprintf(err, "%s\n", errs->line[i]);
		if (errs->dropped)
			fprintf(err, "coretrap: %zu more errors not shown\n", errs->dropped);
	} else {
		fprintf(out, "%s: ok, %zu rule%s (%zu file%s)\n", path, set->nrules, set->nrules == 1 ? "" : "s",
			set->nfiles, set->nfiles == 1 ? "" : "s");
	}
	fleet_set_free(set);
	free(set);
	free(errs);
	return rc;
}
