/* SPDX-License-Identifier: MIT */
/*
 * struct config: everything the command line says, validated once by
 * options_parse() and never changed afterwards. Every other module reads it.
 *
 * Conventions: a threshold that was not given is -1 (or count 0 for lists);
 * units are in the field names (_pct, _mb, _ms, _s).
 */
#ifndef CORETRAP_CONFIG_H
#define CORETRAP_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "base/zblock.h"

/* Exit codes of every run mode: 0 ok, 1 runtime failure, 2 usage. */
#define EXIT_USAGE 2

#define CONFIG_MAX_THRESHOLDS 32   /* -m / -ml / -gcm list entries */
#define CONFIG_MAX_SIGNALS 64      /* -sig list entries */
#define CONFIG_MAX_FILTERS 32      /* -f list entries */
#define CONFIG_MAX_DUMPS 100       /* ProcDump's -n upper bound */
#define CONFIG_NAME_MAX 256        /* process name / custom dump name */
#define CONFIG_FILTER_MAX 256      /* one -f / -fx pattern */
#define CONFIG_MAX_COUNTERS 5      /* -pc / -pcl triggers (ProcDump's limit) */
#define CONFIG_COUNTER_MAX 256     /* one "Provider:Counter[pN]" spec */

enum target_kind {
	TARGET_NONE = 0, /* only valid with -? */
	TARGET_PID,      /* numeric positional */
	TARGET_PGID,     /* numeric positional with -pgid */
	TARGET_NAME,     /* non-numeric positional (first match, or -w: every match) */
};

enum log_dest {
	LOG_DEST_NONE = 0, /* no debug tracing (INFO/WARN/ERROR still go to stdout) */
	LOG_DEST_STDOUT,   /* -log stdout */
	LOG_DEST_SYSLOG,   /* -log syslog */
};

/* Which managed heap -gcm watches. */
enum gc_heap {
	GC_HEAP_TOTAL = 0, /* no prefix: all generations together */
	GC_HEAP_GEN0,      /* "0:" */
	GC_HEAP_GEN1,      /* "1:" */
	GC_HEAP_GEN2,      /* "2:" */
	GC_HEAP_LOH,       /* "LOH:" */
	GC_HEAP_POH,       /* "POH:" */
};

/* .NET dump flavour (extension -dt). */
enum dotnet_dump_type {
	DOTNET_DUMP_HEAP = 0, /* default: managed heap without the rest of memory */
	DOTNET_DUMP_MINI,
	DOTNET_DUMP_TRIAGE,
	DOTNET_DUMP_FULL,
};

/* Native dumps: live where it works, or stopped for the whole copy (-live, extension). */
enum live_mode {
	LIVE_ON = 0, /* default: the target runs while its memory is copied (core/live.h) */
	LIVE_OFF,    /* -live off */
};

struct config {
	/* ---- target ---- */
	enum target_kind target_kind;
	pid_t target_pid;                    /* TARGET_PID or TARGET_PGID */
	char target_name[CONFIG_NAME_MAX];   /* TARGET_NAME */
	bool wait_for_name;                  /* -w */

	/* ---- destination ---- */
	char dump_dir[PATH_MAX];             /* directory, never empty ("." by default) */
	char dump_name[CONFIG_NAME_MAX];     /* custom base name, "" = ProcDump default names */
	bool overwrite;                      /* -o */

	/* ---- triggers (-1 = not given) ---- */
	int cpu_above_pct;                   /* -c  : percent of one core, may exceed 100 */
	int cpu_below_pct;                   /* -cl */
	long mem_mb[CONFIG_MAX_THRESHOLDS];  /* -m / -ml list, in order */
	int mem_count;
	bool mem_below;                      /* true for -ml */
	int thread_count;                    /* -tc */
	int fd_count;                        /* -fc */
	int signals[CONFIG_MAX_SIGNALS];     /* -sig list */
	int signal_count;
	bool crash;                          /* -crash (extension): every core-dumping signal */

	/* .NET profiler triggers */
	bool exception;                      /* -e */
	int exception_dumps;                 /* -e N (extension: dumps per filter), -1 = use -n */
	char filters[CONFIG_MAX_FILTERS][CONFIG_FILTER_MAX]; /* -f include patterns */
	int filter_count;
	char exclude_filter[CONFIG_FILTER_MAX]; /* -fx, "" = none */
	enum gc_heap gcm_heap;               /* -gcm prefix */
	long gcm_mb[CONFIG_MAX_THRESHOLDS];  /* -gcm list */
	int gcm_count;
	int gc_generation;                   /* -gcgen, -1 = not given */
	enum dotnet_dump_type dotnet_dump_type; /* -dt (extension) */
	/* -pc / -pcl: .NET counter triggers, in command-line order */
	struct counter_trigger {
		char spec[CONFIG_COUNTER_MAX]; /* "Provider:Counter" as given (maybe with [pN]) */
		double threshold;
		bool below;                    /* -pcl */
	} counters[CONFIG_MAX_COUNTERS];
	int counter_count;

	/* -restrack (parsed, not implemented) */
	bool restrack;
	bool restrack_nodump;                /* -restrack nodump */
	int restrack_sample_rate;            /* -sr, default 1 */

	/* ---- dump content ---- */
	bool has_coredump_filter;            /* -mc given */
	unsigned long coredump_filter;       /* -mc value (hex on the command line) */
	enum live_mode live_mode;            /* -live (extension) */
	enum zformat compress;               /* -z [gzip|zstd] (extension), ZFORMAT_NONE without */

	/* ---- -info FILE: describe a dump, no run ---- */
	char info_path[PATH_MAX];
	char check_config_path[PATH_MAX]; /* -check-config FILE (extension): validate fleet rules, no run */
	bool daemon;                      /* -daemon (extension): run the fleet rules */
	char config_path[PATH_MAX];       /* -config FILE: the daemon's rules, "" = DAEMON_DEFAULT_CONFIG */

	/* ---- timing ---- */
	int dump_count;                      /* -n, default 1 (or the -m list length) */
	int interval_s;                      /* -s, default 10 */
	int poll_ms;                         /* -pf, default 1000: CPU window length */
	int sustain_ms;                      /* -sustain (extension), default 0 */

	/* ---- output ---- */
	enum log_dest log_dest;              /* -log */
	bool json;                           /* -json (extension) */
	char metrics_addr[64];               /* -metrics [ADDR:]PORT (extension), "" without */
	bool help;                           /* -? */
	bool version;                        /* -version, --version */

	/*
	 * Switches that were parsed but whose feature is not built yet
	 * (e.g. "-restrack"). main() refuses to run when this is non-empty,
	 * so nothing is ever silently ignored.
	 */
	char unimplemented[64];
};

#endif /* CORETRAP_CONFIG_H */
