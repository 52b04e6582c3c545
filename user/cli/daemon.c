// SPDX-License-Identifier: MIT
/* The fleet daemon's rule loading and reload loop; see daemon.h. */
#include "cli/daemon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/log.h"
#include "base/sigctl.h"
#include "cli/fleet_check.h"
#include "cli/run.h"
#include "dump/spool.h"
#include "dump/upload.h"
#include "trigger/monitor.h"

/* An upload env-file is a few lines of credentials. */
#define ENV_FILE_MAX (64 * 1024)

/* One loaded generation of rules: the file model, the configs, the monitor's rules. */
struct generation {
	struct fleet_set set;
	struct config *cfgs;
	struct monitor_rule *rules;
	size_t n;
	char spool[PATH_MAX];
	struct upload_env env; /* the upload's env-file, read at load */
	char ***run_argv;      /* per rule: the switches of its one-shot runs, or NULL (supervise.h) */
};

static void generation_free(struct generation *g)
{
	for (size_t i = 0; g->run_argv && i < g->n; i++) {
		for (char **a = g->run_argv[i]; a && *a; a++)
			free(*a);
		free(g->run_argv[i]);
	}
	free(g->run_argv);
	fleet_set_free(&g->set);
	free(g->cfgs);
	free(g->rules);
	memset(g, 0, sizeof(*g));
}

/* mkdir -p, 0700: dumps hold the memory of other processes. 0 or -errno. */
static int make_spool(const char *path)
{
	char tmp[PATH_MAX];
	struct stat st;

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	if (stat(tmp, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/*
 * Rules that attach to one process (a signal trap, the CLR profiler,
 * uprobes) are served by one-shot runs of coretrap itself (supervise.h);
 * the others by the one BPF program set here.
 */
static bool run_by_one_shot(const struct config *cfg)
{
	return cfg->restrack || run_mode_for(cfg) != RUN_MONITOR;
}

/* The switches of r as a one-shot run's argv (NULL-terminated, without -n: the run is given what is left). */
static char **one_shot_argv(const struct fleet_rule *r)
{
	char **argv = calloc(3 * r->nsw + 1, sizeof(*argv));
	size_t k = 0;

	if (!argv)
		return NULL;
	for (size_t i = 0; i < r->nsw; i++) {
		const struct fleet_switch *sw = &r->sw[i];
		char dashed[24];

		if (!strcmp(sw->name, "n"))
			continue;
		snprintf(dashed, sizeof(dashed), "-%s", sw->name);
		if (!(argv[k++] = strdup(dashed)) || (!sw->bare && !(argv[k++] = strdup(sw->value))) ||
		    (sw->value2[0] && !(argv[k++] = strdup(sw->value2)))) {
			for (char **a = argv; *a; a++)
				free(*a);
			free(argv);
			return NULL;
		}
	}
	return argv;
}

/* The upload hook must run and its env-file parse now, not at the first dump. 0, 1 or 2. */
static int check_upload(const struct fleet_set *set, struct upload_env *env, const char *prefix)
{
	const struct upload_config *u = &set->upload;
	const char *file = set->files[set->upload_file];
	char *text;
	FILE *f;
	size_t n;
	int bad, rc = 0;

	if (access(u->exec, X_OK)) {
		log_error("%s%s:%d:%d: upload 'exec' %s cannot be run: %s", prefix, file, set->upload_at.line,
			  set->upload_at.col, u->exec, strerror(errno));
		return 2;
	}
	memset(env, 0, sizeof(*env));
	if (!u->env_file[0])
		return 0;
	if (!(f = fopen(u->env_file, "r"))) {
		log_error("%scannot read the upload env-file %s: %s", prefix, u->env_file, strerror(errno));
		return 1;
	}
	struct stat st;

	if (!fstat(fileno(f), &st) && (st.st_mode & 077))
		log_warn("the upload env-file %s holds credentials and is readable by others (mode %04o): chmod 600 it",
			 u->env_file, (unsigned)(st.st_mode & 07777));
	text = malloc(ENV_FILE_MAX);
	n = text ? fread(text, 1, ENV_FILE_MAX, f) : 0;
	if (!text || ferror(f) || n == ENV_FILE_MAX) {
		log_error("%scannot read the upload env-file %s: %s", prefix, u->env_file,
			  !text ? "out of memory" : ferror(f) ? strerror(errno) : "larger than 64 KiB");
		rc = 1;
	} else if (upload_env_parse(text, n, env, &bad)) {
		/* the line is not quoted: it may hold a secret */
		log_error("%s%s:%d: not a KEY=VALUE line (at most %d of them)", prefix, u->env_file, bad,
			  UPLOAD_MAX_ENV);
		rc = 2;
	}
	free(text);
	fclose(f);
	return rc;
}

/* One line saying what the caps and the upload are, in bytes on this filesystem. */
static void log_storage(const struct generation *g)
{
	const struct spool_caps *c = &g->set.storage;
	const struct upload_config *u = &g->set.upload;
	struct statvfs vfs;
	uint64_t fs = 0;
	char use[32] = "none", keep[32] = "none", dump[32] = "none", conc[16] = "no cap", line[PATH_MAX + 256];

	if (!statvfs(g->spool, &vfs))
		fs = (uint64_t)vfs.f_blocks * vfs.f_frsize;
	if (spool_size_bytes(&c->max_use, fs))
		spool_fmt_size(spool_size_bytes(&c->max_use, fs), use, sizeof(use));
	if (spool_size_bytes(&c->keep_free, fs))
		spool_fmt_size(spool_size_bytes(&c->keep_free, fs), keep, sizeof(keep));
	if (spool_size_bytes(&c->max_dump, fs))
		spool_fmt_size(spool_size_bytes(&c->max_dump, fs), dump, sizeof(dump));
	if (c->max_concurrent)
		snprintf(conc, sizeof(conc), "%u", c->max_concurrent);
	snprintf(line, sizeof(line), "storage: max-use %s, keep-free %s, max-dump %s, max-concurrent %s; upload: %s%s",
		 use, keep, dump, conc, u->exec[0] ? u->exec : "none",
		 u->exec[0] && u->delete_after ? " (delete-after)" : "");
	log_event(&(struct log_event){ .event = "storage", .message = line });
}

/* The storage caps and the uploader take the generation's settings. 0 or 1. */
static int apply_storage(struct generation *g)
{
	int err;

	spool_configure(g->spool, &g->set.storage);
	log_storage(g);
	if ((err = upload_configure(&g->set.upload, &g->env))) {
		log_error("cannot start the uploader: %s", strerror(-err));
		return 1;
	}
	return 0;
}

/*
 * Load path into g. Errors are logged, one line each, prefixed with what
 * happens because of them (`prefix`). 0, 1 (unreadable or unusable) or 2.
 */
static int load(const char *path, const struct config *cmdline, struct generation *g, const char *prefix)
{
	struct fleet_errors *errs = calloc(1, sizeof(*errs));
	char why[PATH_MAX + 128];
	int rc, err;

	memset(g, 0, sizeof(*g));
	if (!errs) {
		log_error("%sout of memory", prefix);
		return 1;
	}
	rc = fleet_load(path, &g->set, errs, why, sizeof(why));
	if (rc == 1)
		log_error("%s%s", prefix, why);
	for (size_t i = 0; rc == 2 && i < errs->n; i++)
		log_error("%s%s", prefix, errs->line[i]);
	if (rc == 2 && errs->dropped)
		log_error("%s%zu more errors not shown", prefix, errs->dropped);
	free(errs);
	if (rc)
		goto fail;
	if (!g->set.nrules)
		log_warn("%s: no rules: watching nothing until a reload brings some", path);
	snprintf(g->spool, sizeof(g->spool), "%s", g->set.spool[0] ? g->set.spool : DAEMON_DEFAULT_SPOOL);
	if ((err = make_spool(g->spool))) {
		log_error("%scannot make the spool directory %s: %s", prefix, g->spool, strerror(-err));
		rc = 1;
		goto fail;
	}
	if (g->set.upload.exec[0] && (rc = check_upload(&g->set, &g->env, prefix)))
		goto fail;
	g->n = g->set.nrules;
	g->cfgs = calloc(g->n ? g->n : 1, sizeof(*g->cfgs));
	g->rules = calloc(g->n ? g->n : 1, sizeof(*g->rules));
	g->run_argv = calloc(g->n ? g->n : 1, sizeof(*g->run_argv));
	if (!g->cfgs || !g->rules || !g->run_argv) {
		log_error("%sout of memory", prefix);
		rc = 1;
		goto fail;
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct fleet_rule *fr = &g->set.rules[i];
		struct config *cfg = &g->cfgs[i];
		char msg[256];

		if (fleet_rule_config(fr, g->spool, cfg, msg, sizeof(msg))) {
			log_error("%srule '%s': %s", prefix, fr->name, msg);
			rc = 2;
			goto fail;
		}
		if (run_by_one_shot(cfg) && !(g->run_argv[i] = one_shot_argv(fr))) {
			log_error("%sout of memory", prefix);
			rc = 1;
			goto fail;
		}
		cfg->json = cmdline->json;
		cfg->log_dest = cmdline->log_dest;
		g->rules[i] = (struct monitor_rule){
			.name = fr->name,
			.cfg = cfg,
			.match_name = fr->match_name,
			.match_exe = fr->match_exe,
			.match_cgroup = fr->match_cgroup,
			.match_unit = fr->match_unit,
			.match_container = fr->match_container,
			.limits = { .dumps = fr->limit_dumps, .window_s = fr->limit_window_s,
				    .cooldown_s = fr->limit_cooldown_s },
			.run_argv = g->run_argv[i],
			/* a -m/-gcm list and -gcgen fix the count themselves */
			.run_n = cfg->mem_count <= 1 && cfg->gcm_count <= 1 && cfg->gc_generation < 0,
		};
	}
	return 0;
fail:
	generation_free(g);
	return rc;
}

/* The limits' memory (dumps in the window) carries over a reload for a rule of the same name. */
static void carry_limits(struct generation *to, const struct generation *from)
{
	for (size_t i = 0; i < to->n; i++)
		for (size_t j = 0; j < from->n; j++)
			if (!strcmp(to->rules[i].name, from->rules[j].name)) {
				struct rule_limits keep = to->rules[i].limits;

				to->rules[i].limits = from->rules[j].limits;
				to->rules[i].limits.dumps = keep.dumps;
				to->rules[i].limits.window_s = keep.window_s;
				to->rules[i].limits.cooldown_s = keep.cooldown_s;
			}
}

int daemon_run(const struct config *cmdline)
{
	const char *path = cmdline->config_path[0] ? cmdline->config_path : DAEMON_DEFAULT_CONFIG;
	struct generation cur, next;
	int rc, err;

	if ((err = sigctl_hup_reloads())) {
		log_error("failed to set up SIGHUP: %s", strerror(-err));
		return 1;
	}
	rc = load(path, cmdline, &cur, "");
	if (rc)
		return rc;
	if (apply_storage(&cur)) {
		generation_free(&cur);
		return 1;
	}
	for (;;) {
		char line[3 * PATH_MAX];

		snprintf(line, sizeof(line), "coretrap daemon: %zu rule(s) from %s (%zu file(s)), dumps to %s", cur.n,
			 path, cur.set.nfiles, cur.spool);
		log_event(&(struct log_event){ .event = "rules", .message = line });
		rc = monitor_run_rules(cur.rules, cur.n);
		if (rc != MONITOR_RELOAD)
			break;
		snprintf(line, sizeof(line), "SIGHUP: reloading %s", path);
		log_event(&(struct log_event){ .event = "reload", .message = line });
		if (load(path, cmdline, &next, "reload refused, the old rules keep running: ")) {
			continue;
		}
		carry_limits(&next, &cur);
		generation_free(&cur);
		cur = next;
		if (apply_storage(&cur)) {
			rc = 1;
			break;
		}
	}
	upload_stop();
	generation_free(&cur);
	return rc;
}
