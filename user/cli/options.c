/* SPDX-License-Identifier: MIT */
/*
 * ProcDump-compatible command line. The switch table below is the single
 * source of truth: names (matched case-insensitively, after a '-' or '/'
 * prefix), argument kinds, numeric ranges, help text, group, and whether
 * the feature behind the switch is built yet (.ready).
 *
 * Parsing is two steps: every argument is turned into config fields, then
 * the cross-switch rules run once over the whole config. Any violation is
 * one message; the caller prints it as "coretrap: <msg>" and exits 2.
 * The value parsers (lists, masks, counters) live in options_values.c.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/options_internal.h"

static const struct opt_spec opt_table[] = {
	/* ---- triggers ---- */
	{ "c", OPT_C, ARG_INT, 0, 100000, NULL, true, false, GRP_TRIGGER, "PCT",
	  "dump when CPU usage is at or above PCT percent of one core" },
	{ "cl", OPT_CL, ARG_INT, 0, 100000, NULL, true, false, GRP_TRIGGER, "PCT",
	  "dump when CPU usage is below PCT (with -c: outside the range -cl..-c)" },
	{ "m", OPT_M, ARG_MB_LIST, 0, LONG_MAX / 2, NULL, true, false, GRP_TRIGGER, "MB[,MB...]",
	  "dump when resident memory is at or above MB; a list dumps once per threshold" },
	{ "ml", OPT_ML, ARG_MB_LIST, 0, LONG_MAX / 2, NULL, true, false, GRP_TRIGGER, "MB[,MB...]",
	  "dump when resident memory is below MB; a list dumps once per threshold" },
	{ "tc", OPT_TC, ARG_INT, 0, INT_MAX, NULL, true, false, GRP_TRIGGER, "N",
	  "dump when the thread count is at or above N" },
	{ "fc", OPT_FC, ARG_INT, 0, INT_MAX, NULL, true, false, GRP_TRIGGER, "N",
	  "dump when the open file descriptor count is at or above N" },
	{ "sig", OPT_SIG, ARG_SIGNALS, 1, 64, NULL, true, false, GRP_TRIGGER, "S[,S...]",
	  "dump when one of these signals (number or name) is delivered; the only trigger" },
	{ "crash", OPT_CRASH, ARG_NONE, 0, 0, NULL, true, false, GRP_TRIGGER, NULL,
	  "dump on every signal whose default action is a core dump (extension)" },
	{ "sustain", OPT_SUSTAIN, ARG_INT, 0, 3600000, NULL, true, false, GRP_TRIGGER, "MS",
	  "the condition must hold MS milliseconds before dumping (extension)" },
	/* ---- .NET ---- */
	{ "e", OPT_E, ARG_OPT_COUNT, 1, CONFIG_MAX_DUMPS, NULL, true, false, GRP_DOTNET, "[N]",
	  "dump on first-chance .NET exceptions; N dumps per filter (extension)" },
	{ "f", OPT_F, ARG_FILTERS, 0, 0, NULL, true, false, GRP_DOTNET, "F[,F...]",
	  "include filters for -e, matched on \"Type: message\", * wildcards" },
	{ "fx", OPT_FX, ARG_PATTERN, 0, 0, NULL, true, false, GRP_DOTNET, "PATTERN",
	  "exclude filter for -e (extension; not the -restrack meaning)" },
	{ "gcm", OPT_GCM, ARG_GCM, 0, LONG_MAX / 2, NULL, true, false, GRP_DOTNET,
	  "[G:|LOH:|POH:]MB[,MB...]", "dump when the .NET managed heap reaches MB" },
	{ "gcgen", OPT_GCGEN, ARG_INT, 0, 2, NULL, true, false, GRP_DOTNET, "G",
	  "dump at the start and the end of a .NET GC of generation G (2 dumps)" },
	{ "pc", OPT_PC, ARG_COUNTER, 0, 0, NULL, true, true, GRP_DOTNET, "PROV:COUNTER[:pNN] VALUE",
	  "dump when a .NET counter is at or above VALUE (up to 5 -pc/-pcl; pNN: histogram percentile)" },
	{ "pcl", OPT_PCL, ARG_COUNTER, 0, 0, NULL, true, true, GRP_DOTNET, "PROV:COUNTER[:pNN] VALUE",
	  "dump when a .NET counter is below VALUE" },
	{ "dt", OPT_DT, ARG_WORD, 0, 0, "heap|full|mini|triage", true, false, GRP_DOTNET,
	  "TYPE", ".NET dump type: heap (default), full, mini, triage (extension)" },
	{ "restrack", OPT_RESTRACK, ARG_OPT_WORD, 0, 0, "nodump", true, false, GRP_DOTNET,
	  "[nodump]", "write DUMP.restrack (outstanding malloc-family blocks by stack) at each dump; nodump: only that" },
	{ "sr", OPT_SR, ARG_INT, 1, INT_MAX, NULL, true, false, GRP_DOTNET, "N",
	  "-restrack sample rate: record one allocation in N, drawn in the kernel (requires -restrack)" },
	/* ---- target ---- */
	{ "w", OPT_W, ARG_NONE, 0, 0, NULL, true, false, GRP_TARGET, NULL,
	  "wait for a process NAME to start and follow every match" },
	{ "pgid", OPT_PGID, ARG_NONE, 0, 0, NULL, true, false, GRP_TARGET, NULL,
	  "the numeric target is a process group id: monitor all members" },
	/* ---- timing ---- */
	{ "n", OPT_N, ARG_INT, 0, CONFIG_MAX_DUMPS, NULL, true, false, GRP_TIMING, "N",
	  "number of dumps before exiting (default 1; 0 = until Ctrl-C or exit)" },
	{ "s", OPT_S, ARG_INT, 0, 86400, NULL, true, false, GRP_TIMING, "SECONDS",
	  "seconds between dumps, also the timer interval (default 10)" },
	{ "pf", OPT_PF, ARG_INT, 1, 3600000, NULL, true, false, GRP_TIMING, "MS",
	  "CPU/memory window in milliseconds (default 1000; 1..9 mean 10)" },
	/* ---- output ---- */
	{ "o", OPT_O, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL,
	  "overwrite an existing dump file" },
	{ "mc", OPT_MC, ARG_HEX, 0, 0x1ff, NULL, true, false, GRP_OUTPUT, "MASK",
	  "coredump_filter bits for this dump, hex (e.g. 33 or 0x33)" },
	{ "live", OPT_LIVE, ARG_WORD, 0, 0, "on|off", true, false, GRP_OUTPUT, "on|off",
	  "native dumps: on (default) pause the target a few ms, off stop it for the whole copy (extension)" },
	{ "z", OPT_Z, ARG_OPT_WORD, 0, 0, "gzip|zstd", true, false, GRP_OUTPUT, "[gzip|zstd]",
	  "write native dumps compressed as they are written, .gz (default) or .zst appended (extension)" },
	{ "info", OPT_INFO, ARG_PATH, 0, 0, NULL, true, false, GRP_OUTPUT, "FILE",
	  "say what a dump is (pid, name, trigger, threads, size), compressed or not; no target (extension)" },
	{ "check-config", OPT_CHECK_CONFIG, ARG_PATH, 0, 0, NULL, true, false, GRP_OUTPUT, "FILE",
	  "check a fleet rules file (YAML) and the conf.d/*.yaml beside it; errors as FILE:LINE:COL (extension)" },
	{ "daemon", OPT_DAEMON, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL,
	  "run the fleet rules of -config (default /etc/coretrap/coretrap.yaml) until SIGTERM; SIGHUP reloads; no target (extension)" },
	{ "config", OPT_CONFIG, ARG_PATH, 0, 0, NULL, true, false, GRP_OUTPUT, "FILE",
	  "with -daemon: the rules file (YAML; conf.d/*.yaml beside it is read too) (extension)" },
	{ "log", OPT_LOG, ARG_WORD, 0, 0, "stdout|syslog", true, false, GRP_OUTPUT, "DEST",
	  "debug tracing to stdout or syslog" },
	{ "json", OPT_JSON, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL,
	  "one JSON object per event on stdout instead of console lines (extension)" },
	{ "metrics", OPT_METRICS, ARG_PATH, 0, 0, NULL, true, false, GRP_OUTPUT, "[ADDR:]PORT",
	  "serve Prometheus metrics at http://ADDR:PORT/metrics, ADDR 127.0.0.1 by default, loopback only (extension)" },
	{ "?", OPT_HELP, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL,
	  "print this help (also -h, --help)" },
	{ "h", OPT_HELP, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL, NULL },
	{ "-help", OPT_HELP, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL, NULL },
	{ "version", OPT_VERSION, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL,
	  "print the version and exit (also --version; extension)" },
	{ "-version", OPT_VERSION, ARG_NONE, 0, 0, NULL, true, false, GRP_OUTPUT, NULL, NULL },
};

#define TABLE_LEN (sizeof(opt_table) / sizeof(opt_table[0]))

static const char *const group_title[GRP__COUNT] = {
	[GRP_TRIGGER] = "Triggers (none given: dump now, then every -s seconds until -n dumps)",
	[GRP_DOTNET] = ".NET and compatibility",
	[GRP_TARGET] = "Target",
	[GRP_TIMING] = "Timing",
	[GRP_OUTPUT] = "Output",
};

const struct opt_spec *options_table(size_t *n)
{
	*n = TABLE_LEN;
	return opt_table;
}

const char *options_group_title(enum opt_group g)
{
	return g < GRP__COUNT ? group_title[g] : "";
}

/* "-X" as the table spells it, for messages. */
static const char *sw(enum opt_id id)
{
	static char buf[OPT__COUNT][16];

	for (size_t i = 0; i < TABLE_LEN; i++)
		if (opt_table[i].id == id) {
			snprintf(buf[id], sizeof(buf[id]), "-%s", opt_table[i].name);
			return buf[id];
		}
	return "-?";
}

static const struct opt_spec *lookup(const char *arg)
{
	if (arg[0] != '-' && arg[0] != '/')
		return NULL;
	for (size_t i = 0; i < TABLE_LEN; i++)
		if (strcasecmp(arg + 1, opt_table[i].name) == 0)
			return &opt_table[i];
	return NULL;
}

static int arity(const struct opt_spec *o)
{
	switch (o->arg) {
	case ARG_NONE:
	case ARG_OPT_WORD:
	case ARG_OPT_COUNT:
		return 0;
	case ARG_COUNTER:
		return 2;
	default:
		return 1;
	}
}

/*
 * The rule for "-e N": an all-digits argument right after -e is the count N
 * unless it is the only candidate for the target, i.e. no target was given
 * before -e and no positional argument follows it. So "-e 1234" monitors
 * PID 1234, while "-e 3 1234" and "1234 -e 3" take 3 dumps per filter.
 */
static bool positional_follows(int argc, char *const argv[], int from)
{
	for (int i = from; i < argc; i++) {
		const struct opt_spec *o = lookup(argv[i]);

		if (!o)
			return true;
		if (o->arg == ARG_OPT_WORD && i + 1 < argc && opt_word_index(o->words, argv[i + 1]) >= 0)
			i++;
		i += arity(o);
	}
	return false;
}

static int target_arg(struct parse_state *st, const char *s)
{
	struct config *cfg = st->cfg;

	if (opt_all_digits(s)) {
		long v;

		if (opt_parse_long(s, 1, INT_MAX, &v))
			return opt_fail(st, "'%s' is not a valid process id", s);
		cfg->target_kind = TARGET_PID;
		cfg->target_pid = (pid_t)v;
		return 0;
	}
	if (strlen(s) >= CONFIG_NAME_MAX)
		return opt_fail(st, "process name '%.32s...' is longer than %d characters", s, CONFIG_NAME_MAX - 1);
	cfg->target_kind = TARGET_NAME;
	strcpy(cfg->target_name, s);
	return 0;
}

static bool stat_is_dir(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Destination: an existing directory or a path ending in '/' gets default
 * names; anything else is DIR/NAME with DIR existing and NAME a custom name.
 */
static int dest_arg(struct parse_state *st, const char *s)
{
	struct config *cfg = st->cfg;
	size_t len = strlen(s);
	const char *slash;

	if (len >= PATH_MAX)
		return opt_fail(st, "destination path is too long");
	if (s[len - 1] == '/' || st->is_dir(s)) {
		strcpy(cfg->dump_dir, s);
		while (len > 1 && cfg->dump_dir[len - 1] == '/')
			cfg->dump_dir[--len] = '\0';
		if (!st->is_dir(cfg->dump_dir))
			return opt_fail(st, "output directory '%s' does not exist", cfg->dump_dir);
		return 0;
	}
	slash = strrchr(s, '/');
	if (!slash) {
		strcpy(cfg->dump_dir, ".");
		slash = s - 1;
	} else if (slash == s) {
		strcpy(cfg->dump_dir, "/");
	} else {
		memcpy(cfg->dump_dir, s, (size_t)(slash - s));
		cfg->dump_dir[slash - s] = '\0';
	}
	if (strlen(slash + 1) >= CONFIG_NAME_MAX)
		return opt_fail(st, "dump name '%.32s...' is longer than %d characters", slash + 1,
			    CONFIG_NAME_MAX - 1);
	if (!strcmp(slash + 1, ".") || !strcmp(slash + 1, ".."))
		return opt_fail(st, "'%s' is not a usable dump name", s);
	strcpy(cfg->dump_name, slash + 1);
	if (!st->is_dir(cfg->dump_dir))
		return opt_fail(st, "directory '%s' for the dump name does not exist", cfg->dump_dir);
	return 0;
}

static int positional_arg(struct parse_state *st, const char *s)
{
	switch (st->positional++) {
	case 0:
		return target_arg(st, s);
	case 1:
		st->dest = s;
		return 0;
	default:
		return opt_fail(st, "unexpected argument '%s' (target and destination already given)", s);
	}
}

static void note_unimplemented(struct parse_state *st, const struct opt_spec *o)
{
	if (!o->ready && !st->cfg->unimplemented[0])
		snprintf(st->cfg->unimplemented, sizeof(st->cfg->unimplemented), "-%s", o->name);
}

/* Apply one switch; *i points at it and is advanced over its arguments. */
static int apply(struct parse_state *st, const struct opt_spec *o, int argc, char *const argv[], int *i)
{
	struct config *cfg = st->cfg;
	const char *a = NULL;
	long v = 0;
	int r;

	if (st->seen[o->id] && !o->repeatable)
		return opt_fail(st, "-%s given twice", o->name);
	st->seen[o->id]++;
	note_unimplemented(st, o);

	if (arity(o) > 0) {
		if (*i + arity(o) >= argc)
			return opt_fail(st, "-%s needs %s", o->name, o->argname);
		a = argv[++*i];
	}
	if (o->arg == ARG_INT && (r = opt_int_arg(st, o, a, &v)))
		return r;

	switch (o->id) {
	case OPT_N: cfg->dump_count = (int)v; break;
	case OPT_S: cfg->interval_s = (int)v; break;
	case OPT_C: cfg->cpu_above_pct = (int)v; break;
	case OPT_CL: cfg->cpu_below_pct = (int)v; break;
	case OPT_TC: cfg->thread_count = (int)v; break;
	case OPT_FC: cfg->fd_count = (int)v; break;
	case OPT_PF: cfg->poll_ms = (int)v; break;
	case OPT_SUSTAIN: cfg->sustain_ms = (int)v; break;
	case OPT_GCGEN: cfg->gc_generation = (int)v; break;
	case OPT_SR: cfg->restrack_sample_rate = (int)v; break;
	case OPT_M:
	case OPT_ML:
		if (st->seen[OPT_M] && st->seen[OPT_ML])
			return opt_fail(st, "-m and -ml cannot be combined");
		cfg->mem_below = o->id == OPT_ML;
		return opt_mb_list(st, o, a, cfg->mem_mb, &cfg->mem_count);
	case OPT_GCM: return opt_gcm_arg(st, o, a);
	case OPT_SIG: return opt_signals_arg(st, a);
	case OPT_CRASH: cfg->crash = true; break;
	case OPT_E:
		cfg->exception = true;
		if (*i + 1 < argc && opt_all_digits(argv[*i + 1]) &&
		    (st->positional > 0 || positional_follows(argc, argv, *i + 2))) {
			const char *n = argv[++*i];

			if (opt_parse_long(n, o->min, o->max, &v))
				return opt_fail(st, "-e count must be between %ld and %ld, got %s "
					    "(to give a PID right after -e, write it last)", o->min, o->max, n);
			cfg->exception_dumps = (int)v;
		}
		break;
	case OPT_F: return opt_filters_arg(st, a);
	case OPT_FX:
		if (!*a || strlen(a) >= CONFIG_FILTER_MAX)
			return opt_fail(st, "-fx expects one pattern of 1..%d characters", CONFIG_FILTER_MAX - 1);
		strcpy(cfg->exclude_filter, a);
		break;
	case OPT_PC:
	case OPT_PCL: {
		const char *value = argv[++*i];

		return opt_counter_arg(st, o, a, value);
	}
	case OPT_DT:
		if ((r = opt_word_index(o->words, a)) < 0)
			return opt_fail(st, "-dt expects heap, full, mini or triage, got '%s'", a);
		cfg->dotnet_dump_type = (enum dotnet_dump_type[]){ DOTNET_DUMP_HEAP, DOTNET_DUMP_FULL,
								   DOTNET_DUMP_MINI, DOTNET_DUMP_TRIAGE }[r];
		break;
	case OPT_RESTRACK:
		cfg->restrack = true;
		if (*i + 1 < argc && opt_word_index(o->words, argv[*i + 1]) == 0) {
			cfg->restrack_nodump = true;
			++*i;
		}
		break;
	case OPT_W: cfg->wait_for_name = true; break;
	case OPT_PGID: break; /* applied to the target after the loop */
	case OPT_O: cfg->overwrite = true; break;
	case OPT_MC: return opt_hex_arg(st, o, a);
	case OPT_LIVE:
		if ((r = opt_word_index(o->words, a)) < 0)
			return opt_fail(st, "-live expects on or off, got '%s'", a);
		cfg->live_mode = r == 0 ? LIVE_ON : LIVE_OFF;
		break;
	case OPT_Z:
		cfg->compress = ZFORMAT_GZIP;
		if (*i + 1 < argc && (r = opt_word_index(o->words, argv[*i + 1])) >= 0) {
			cfg->compress = r == 0 ? ZFORMAT_GZIP : ZFORMAT_ZSTD;
			++*i;
		}
		break;
	case OPT_INFO:
		if (!*a || strlen(a) >= PATH_MAX)
			return opt_fail(st, "-info expects a file name");
		strcpy(cfg->info_path, a);
		break;
	case OPT_CHECK_CONFIG:
		if (!*a || strlen(a) >= PATH_MAX)
			return opt_fail(st, "-check-config expects a file name");
		strcpy(cfg->check_config_path, a);
		break;
	case OPT_DAEMON:
		cfg->daemon = true;
		break;
	case OPT_CONFIG:
		if (!*a || strlen(a) >= PATH_MAX)
			return opt_fail(st, "-config expects a file name");
		strcpy(cfg->config_path, a);
		break;
	case OPT_METRICS:
		if (!*a || strlen(a) >= sizeof(cfg->metrics_addr))
			return opt_fail(st, "-metrics expects [ADDR:]PORT");
		strcpy(cfg->metrics_addr, a);
		break;
	case OPT_LOG:
		if ((r = opt_word_index(o->words, a)) < 0)
			return opt_fail(st, "-log expects stdout or syslog, got '%s'", a);
		cfg->log_dest = r == 0 ? LOG_DEST_STDOUT : LOG_DEST_SYSLOG;
		break;
	case OPT_JSON: cfg->json = true; break;
	case OPT_HELP: cfg->help = true; break;
	case OPT_VERSION: cfg->version = true; break;
	case OPT__COUNT: break;
	}
	return 0;
}

static bool given(const struct parse_state *st, enum opt_id id)
{
	return st->seen[id] != 0;
}

/* The cross-switch rules, in a fixed order so each command line has one message. */
/* No switch outside allowed[] was given. */
static bool only_given(const struct parse_state *st, const enum opt_id *allowed, size_t n)
{
	for (int k = 0; k < OPT__COUNT; k++) {
		bool ok = false;

		for (size_t i = 0; i < n; i++)
			ok |= k == (int)allowed[i];
		if (!ok && given(st, (enum opt_id)k))
			return false;
	}
	return true;
}

static int check_rules(struct parse_state *st)
{
	static const enum opt_id polled[] = { OPT_C, OPT_CL, OPT_M, OPT_ML, OPT_TC, OPT_FC, OPT_PC, OPT_PCL };
	static const enum opt_id only_triggers[] = { OPT_SIG, OPT_CRASH, OPT_E };
	/* The signal trap and the .NET profiler attach to one process: they cannot follow -w or -pgid. */
	static const enum opt_id one_process[] = { OPT_SIG, OPT_CRASH, OPT_E, OPT_GCM, OPT_GCGEN };
	struct config *cfg = st->cfg;
	bool any_polled = false;
	int dotnet = given(st, OPT_GCM) + given(st, OPT_GCGEN) + given(st, OPT_E);

	if (given(st, OPT_INFO)) {
		/* a question about a file, not a run: nothing else applies */
		static const enum opt_id with_info[] = { OPT_INFO, OPT_HELP };

		if (!only_given(st, with_info, sizeof(with_info) / sizeof(with_info[0])))
			return opt_fail(st, "-info takes a file and no other switch");
		if (cfg->target_kind != TARGET_NONE)
			return opt_fail(st, "-info takes a file, not a target");
		return 0;
	}
	if (given(st, OPT_CHECK_CONFIG)) {
		static const enum opt_id with_check[] = { OPT_CHECK_CONFIG, OPT_HELP };

		if (!only_given(st, with_check, sizeof(with_check) / sizeof(with_check[0])))
			return opt_fail(st, "-check-config takes a file and no other switch");
		if (cfg->target_kind != TARGET_NONE)
			return opt_fail(st, "-check-config takes a file, not a target");
		return 0;
	}
	if (given(st, OPT_CONFIG) && !given(st, OPT_DAEMON))
		return opt_fail(st, "-config only applies to -daemon (use -check-config FILE to check a file)");
	if (given(st, OPT_DAEMON)) {
		/* the rules say what to watch and how: only output switches go with it */
		static const enum opt_id with_daemon[] = { OPT_DAEMON, OPT_CONFIG, OPT_LOG, OPT_JSON, OPT_METRICS,
							   OPT_HELP };

		if (!only_given(st, with_daemon, sizeof(with_daemon) / sizeof(with_daemon[0])))
			return opt_fail(st, "-daemon takes its triggers from the rules file: only -config, -log, -json and -metrics go with it");
		if (cfg->target_kind != TARGET_NONE)
			return opt_fail(st, "-daemon takes no target (the rules match processes)");
		return 0;
	}
	if (cfg->target_kind == TARGET_NONE)
		return opt_fail(st, "no target given (a PID or a process name)");
	if (given(st, OPT_PGID)) {
		if (cfg->target_kind != TARGET_PID)
			return opt_fail(st, "-pgid needs a numeric process group id, got '%s'", cfg->target_name);
		cfg->target_kind = TARGET_PGID;
	}
	if (given(st, OPT_W) && given(st, OPT_PGID))
		return opt_fail(st, "-w and -pgid cannot be combined");
	if (given(st, OPT_W) && cfg->target_kind != TARGET_NAME)
		return opt_fail(st, "-w needs a process name, not a PID");
	if ((given(st, OPT_W) || given(st, OPT_PGID)) && cfg->dump_name[0])
		return opt_fail(st, "a dump file name cannot be used with %s (give a directory)",
			    given(st, OPT_W) ? "-w" : "-pgid");
	for (size_t k = 0; k < sizeof(one_process) / sizeof(one_process[0]); k++)
		if (given(st, one_process[k]) && (given(st, OPT_W) || given(st, OPT_PGID)))
			return opt_fail(st, "%s watches one process: give its PID or name, not %s",
				    sw(one_process[k]), given(st, OPT_W) ? "-w" : "-pgid");

	if (dotnet > 1)
		return opt_fail(st, "only one .NET trigger can be used (-e, -gcm or -gcgen)");
	for (size_t k = 0; k < sizeof(only_triggers) / sizeof(only_triggers[0]); k++) {
		if (!given(st, only_triggers[k]))
			continue;
		for (size_t j = 0; j < sizeof(polled) / sizeof(polled[0]); j++)
			if (given(st, polled[j]))
				return opt_fail(st, "%s cannot be combined with %s (it must be the only trigger)",
					    sw(only_triggers[k]), sw(polled[j]));
	}
	if (given(st, OPT_E) && (given(st, OPT_SIG) || given(st, OPT_CRASH)))
		return opt_fail(st, "-e cannot be combined with %s", given(st, OPT_SIG) ? "-sig" : "-crash");
	if (given(st, OPT_F) && !given(st, OPT_E))
		return opt_fail(st, "-f requires -e");
	if (given(st, OPT_FX) && !given(st, OPT_E))
		return opt_fail(st, given(st, OPT_RESTRACK) ? "-fx for -restrack is not implemented (-fx filters -e)"
							 : "-fx requires -e");
	if ((given(st, OPT_M) || given(st, OPT_ML)) && given(st, OPT_GCM))
		return opt_fail(st, "%s and -gcm cannot be combined", given(st, OPT_M) ? "-m" : "-ml");
	if (given(st, OPT_SR) && !given(st, OPT_RESTRACK))
		return opt_fail(st, "-sr requires -restrack");
	if (given(st, OPT_C) && given(st, OPT_CL) && cfg->cpu_below_pct >= cfg->cpu_above_pct)
		return opt_fail(st, "-cl %d must be below -c %d (together they mean outside -cl..-c)",
			    cfg->cpu_below_pct, cfg->cpu_above_pct);

	if (cfg->mem_count > 1 || cfg->gcm_count > 1) {
		if (given(st, OPT_N))
			return opt_fail(st, "-n cannot be used with a %s list (one dump per threshold)",
				    cfg->gcm_count > 1 ? "-gcm" : (cfg->mem_below ? "-ml" : "-m"));
		cfg->dump_count = cfg->mem_count > 1 ? cfg->mem_count : cfg->gcm_count;
	}
	if (given(st, OPT_GCGEN)) {
		if (given(st, OPT_N))
			return opt_fail(st, "-n cannot be used with -gcgen (it always takes 2 dumps)");
		cfg->dump_count = 2;
	}

	for (size_t j = 0; j < sizeof(polled) / sizeof(polled[0]); j++)
		any_polled |= given(st, polled[j]);
	if (given(st, OPT_PF)) {
		for (size_t k = 0; k < sizeof(only_triggers) / sizeof(only_triggers[0]); k++)
			if (given(st, only_triggers[k]))
				return opt_fail(st, "-pf cannot be used with %s", sw(only_triggers[k]));
		if (!any_polled)
			return opt_fail(st, "-pf only applies to -c, -cl, -m, -ml, -tc, -fc, -pc or -pcl");
	}
	if (given(st, OPT_SUSTAIN) && !any_polled)
		return opt_fail(st, "-sustain requires -c, -cl, -m, -ml, -tc, -fc, -pc or -pcl");
	if (cfg->json && cfg->log_dest == LOG_DEST_STDOUT)
		return opt_fail(st, "-log stdout cannot be combined with -json (use -log syslog)");
	return 0;
}

static void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->dump_dir, ".");
	cfg->cpu_above_pct = -1;
	cfg->cpu_below_pct = -1;
	cfg->thread_count = -1;
	cfg->fd_count = -1;
	cfg->exception_dumps = -1;
	cfg->gc_generation = -1;
	cfg->dump_count = 1;
	cfg->interval_s = 10;
	cfg->poll_ms = 1000;
	cfg->restrack_sample_rate = 1;
}

int options_parse(int argc, char *const argv[], options_is_dir_fn is_dir, struct config *cfg,
		  char *err, size_t errlen)
{
	struct parse_state st = { .cfg = cfg, .err = err, .errlen = errlen,
				  .is_dir = is_dir ? is_dir : stat_is_dir };
	int r;

	config_defaults(cfg);
	if (errlen)
		err[0] = '\0';
	/* Help, then the version, win over everything else on the line, errors included. */
	for (int i = 1; i < argc; i++) {
		const struct opt_spec *o = lookup(argv[i]);

		if (o && o->id == OPT_HELP) {
			cfg->help = true;
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		const struct opt_spec *o = lookup(argv[i]);

		if (o && o->id == OPT_VERSION) {
			cfg->version = true;
			return 0;
		}
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt_spec *o = lookup(a);

		if (o)
			r = apply(&st, o, argc, argv, &i);
		else if (a[0] == '-')
			r = opt_fail(&st, "unknown switch '%s'", a);
		else
			r = positional_arg(&st, a); /* includes "/path" that is no switch */
		if (r)
			return r;
	}
	if (st.dest && (r = dest_arg(&st, st.dest)))
		return r;
	return check_rules(&st);
}
