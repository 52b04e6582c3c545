/* SPDX-License-Identifier: MIT */
/*
 * The parser tested as data: each case is a command line and either the
 * full printed config (written as the default block plus the lines that
 * change) or the exact error message.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/options.h"
#include "cli/options_internal.h"

/* Fake file system: these are the only directories that exist. */
static bool fake_is_dir(const char *path)
{
	static const char *const dirs[] = { ".", "/", "/tmp", "/tmp/out", "dumps" };

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strcmp(path, dirs[i]))
			return true;
	return false;
}

static void add(char **p, size_t *left, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char **p, size_t *left, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*p, *left, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < *left);
	*p += n;
	*left -= (size_t)n;
}

static void add_longs(char **p, size_t *left, const long *v, int n)
{
	add(p, left, "[");
	for (int i = 0; i < n; i++)
		add(p, left, "%s%ld", i ? "," : "", v[i]);
	add(p, left, "]\n");
}

/* Every field of struct config, one key=value per line. */
static void print_config(const struct config *c, char *buf, size_t len)
{
	static const char *const kinds[] = { "none", "pid", "pgid", "name" };
	static const char *const logs[] = { "none", "stdout", "syslog" };
	static const char *const heaps[] = { "total", "0", "1", "2", "loh", "poh" };
	static const char *const dts[] = { "heap", "mini", "triage", "full" };
	char *p = buf;
	size_t left = len;

	add(&p, &left, "target=%s %d '%s'\n", kinds[c->target_kind], (int)c->target_pid, c->target_name);
	add(&p, &left, "wait=%d\n", c->wait_for_name);
	add(&p, &left, "dest='%s' name='%s' overwrite=%d\n", c->dump_dir, c->dump_name, c->overwrite);
	add(&p, &left, "cpu=%d below=%d\n", c->cpu_above_pct, c->cpu_below_pct);
	add(&p, &left, "mem_below=%d mem=", c->mem_below);
	add_longs(&p, &left, c->mem_mb, c->mem_count);
	add(&p, &left, "tc=%d fc=%d\n", c->thread_count, c->fd_count);
	add(&p, &left, "sig=[");
	for (int i = 0; i < c->signal_count; i++)
		add(&p, &left, "%s%d", i ? "," : "", c->signals[i]);
	add(&p, &left, "] crash=%d\n", c->crash);
	add(&p, &left, "e=%d e_dumps=%d fx='%s' f=[", c->exception, c->exception_dumps, c->exclude_filter);
	for (int i = 0; i < c->filter_count; i++)
		add(&p, &left, "%s%s", i ? "|" : "", c->filters[i]);
	add(&p, &left, "]\n");
	add(&p, &left, "gcm_heap=%s gcm=", heaps[c->gcm_heap]);
	add_longs(&p, &left, c->gcm_mb, c->gcm_count);
	add(&p, &left, "gcgen=%d dt=%s\n", c->gc_generation, dts[c->dotnet_dump_type]);
	add(&p, &left, "counters=[");
	for (int i = 0; i < c->counter_count; i++)
		add(&p, &left, "%s%s%s%g", i ? "," : "", c->counters[i].spec,
		    c->counters[i].below ? "<" : ">=", c->counters[i].threshold);
	add(&p, &left, "]\n");
	add(&p, &left, "restrack=%d nodump=%d sr=%d\n", c->restrack, c->restrack_nodump,
	    c->restrack_sample_rate);
	add(&p, &left, "mc=%d 0x%lx live=%s\n", c->has_coredump_filter, c->coredump_filter,
	    c->live_mode == LIVE_OFF ? "off" : "on");
	add(&p, &left, "z=%s info='%s'\n", (const char *[]){ "none", "gzip", "zstd" }[c->compress], c->info_path);
	add(&p, &left, "n=%d s=%d pf=%d sustain=%d\n", c->dump_count, c->interval_s, c->poll_ms,
	    c->sustain_ms);
	add(&p, &left, "log=%s json=%d help=%d\n", logs[c->log_dest], c->json, c->help);
	add(&p, &left, "metrics='%s'\n", c->metrics_addr);
	add(&p, &left, "unimplemented='%s'\n", c->unimplemented);
}

static const char DEFAULTS[] =
	"target=pid 1234 ''\n"
	"wait=0\n"
	"dest='.' name='' overwrite=0\n"
	"cpu=-1 below=-1\n"
	"mem_below=0 mem=[]\n"
	"tc=-1 fc=-1\n"
	"sig=[] crash=0\n"
	"e=0 e_dumps=-1 fx='' f=[]\n"
	"gcm_heap=total gcm=[]\n"
	"gcgen=-1 dt=heap\n"
	"counters=[]\n"
	"restrack=0 nodump=0 sr=1\n"
	"mc=0 0x0 live=on\n"
	"z=none info=''\n"
	"n=1 s=10 pf=1000 sustain=0\n"
	"log=none json=0 help=0\n"
	"metrics=''\n"
	"unimplemented=''\n";

/* DEFAULTS with each line of `changes` replacing the line with the same key. */
static void expected_block(const char *changes, char *out, size_t len)
{
	char copy[4096];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", DEFAULTS);
	out[0] = '\0';
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t key = strcspn(line, "=");
		const char *repl = NULL;

		for (const char *c = changes; *c; c += strcspn(c, "\n") + (c[strcspn(c, "\n")] ? 1 : 0))
			if (!strncmp(c, line, key + 1))
				repl = c;
		if (repl)
			strncat(out, repl, strcspn(repl, "\n"));
		else
			strncat(out, line, len - strlen(out) - 1);
		strncat(out, "\n", len - strlen(out) - 1);
	}
}

#define MAX_ARGS 32

static int parse_line(const char *line, struct config *cfg, char *err, size_t errlen)
{
	char copy[1024];
	char *argv[MAX_ARGS] = { "coretrap" };
	int argc = 1;
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(argc < MAX_ARGS);
		argv[argc++] = tok;
	}
	return options_parse(argc, argv, fake_is_dir, cfg, err, errlen);
}

struct ok_case {
	const char *line;
	const char *changes; /* lines that differ from DEFAULTS */
};

static const struct ok_case ok_cases[] = {
	{ "1234", "" },
	{ "-n 3 -s 1 1234", "n=3 s=1 pf=1000 sustain=0\n" },
	{ "/N 3 /S 0 1234", "n=3 s=0 pf=1000 sustain=0\n" },
	{ "-N 100 1234 /tmp/out", "n=100 s=10 pf=1000 sustain=0\ndest='/tmp/out' name='' overwrite=0\n" },
	{ "-n 0 1234", "n=0 s=10 pf=1000 sustain=0\n" },
	{ "1234 /tmp/out/", "dest='/tmp/out' name='' overwrite=0\n" },
	{ "1234 dumps", "dest='dumps' name='' overwrite=0\n" },
	{ "1234 /tmp/out/mydump -o", "dest='/tmp/out' name='mydump' overwrite=1\n" },
	{ "1234 mydump", "dest='.' name='mydump' overwrite=0\n" },
	{ "1234 /mydump", "dest='/' name='mydump' overwrite=0\n" },
	{ "myapp", "target=name 0 'myapp'\n" },
	{ "-mc 33 1234", "mc=1 0x33 live=on\n" },
	{ "-MC 0x1FF 1234", "mc=1 0x1ff live=on\n" },
	{ "-live off 1234", "mc=0 0x0 live=off\n" },
	{ "-LIVE on -mc 33 1234", "mc=1 0x33 live=on\n" },
	{ "-z 1234", "z=gzip info=''\n" },
	{ "1234 -z", "z=gzip info=''\n" },
	{ "-z zstd 1234 /tmp/out", "z=zstd info=''\ndest='/tmp/out' name='' overwrite=0\n" },
	{ "/Z GZIP -live off 1234", "z=gzip info=''\nmc=0 0x0 live=off\n" },
	{ "-info /tmp/out/app_time_261203_101500.1234.zst",
	  "target=none 0 ''\nz=none info='/tmp/out/app_time_261203_101500.1234.zst'\n" },
	{ "-log stdout 1234", "log=stdout json=0 help=0\n" },
	{ "-log SYSLOG -json 1234", "log=syslog json=1 help=0\n" },
	{ "-json 1234", "log=none json=1 help=0\n" },
	{ "-metrics 9464 1234", "metrics='9464'\n" },
	{ "-metrics 127.0.0.1:9100 -tc 5 1234", "tc=5 fc=-1\nmetrics='127.0.0.1:9100'\n" },
	{ "-?", "target=none 0 ''\nlog=none json=0 help=1\n" },
	{ "/?", "target=none 0 ''\nlog=none json=0 help=1\n" },
	{ "-h", "target=none 0 ''\nlog=none json=0 help=1\n" },
	{ "--help", "target=none 0 ''\nlog=none json=0 help=1\n" },
	{ "-bogus -? 1 2 3", "target=none 0 ''\nlog=none json=0 help=1\n" },
	/* not-ready switches parse fully and name themselves */
	{ "-c 80 1234", "cpu=80 below=-1\n" },
	{ "-cl 10 -c 65 1234", "cpu=65 below=10\n" },
	{ "-m 100,200,300 1234", "mem_below=0 mem=[100,200,300]\nn=3 s=10 pf=1000 sustain=0\n" },
	{ "-ml 50 -n 2 1234", "mem_below=1 mem=[50]\nn=2 s=10 pf=1000 sustain=0\n" },
	{ "-tc 10 -fc 20 -pf 100 -sustain 500 1234",
	  "tc=10 fc=20\nn=1 s=10 pf=100 sustain=500\n" },
	{ "-sig 11,SIGUSR1,abrt 1234", "sig=[11,10,6] crash=0\n" },
	{ "-crash 1234", "sig=[] crash=1\n" },
	{ "-e 1234", "e=1 e_dumps=-1 fx='' f=[]\n" },
	{ "-e 3 1234", "e=1 e_dumps=3 fx='' f=[]\n" },
	{ "1234 -e", "e=1 e_dumps=-1 fx='' f=[]\n" },
	{ "1234 -e 2", "e=1 e_dumps=2 fx='' f=[]\n" },
	{ "1234 -e 2 /tmp", "e=1 e_dumps=2 fx='' f=[]\ndest='/tmp' name='' overwrite=0\n" },
	{ "-e 5 6", "target=pid 6 ''\ne=1 e_dumps=5 fx='' f=[]\n" },
	{ "-e 2 -o 1234", "e=1 e_dumps=2 fx='' f=[]\ndest='.' name='' overwrite=1\n" },
	{ "-e -f Invalid*,*Timeout -fx *Cancel* 1234",
	  "e=1 e_dumps=-1 fx='*Cancel*' f=[Invalid*|*Timeout]\n" },
	{ "-gcm LOH:100,200 1234", "gcm_heap=loh gcm=[100,200]\nn=2 s=10 pf=1000 sustain=0\n" },
	{ "-gcm 2:50 1234", "gcm_heap=2 gcm=[50]\n" },
	{ "-gcgen 1 1234", "gcgen=1 dt=heap\nn=2 s=10 pf=1000 sustain=0\n" },
	{ "-dt full 1234", "gcgen=-1 dt=full\nunimplemented=''\n" },
	{ "-pc System.Runtime:cpu-usage 50 -pcl a:b 1.5 1234",
	  "counters=[System.Runtime:cpu-usage>=50,a:b<1.5]\n" },
	{ "-pc Coretrap.Meter:latency-ms:p95 40 -pf 250 1234",
	  "counters=[Coretrap.Meter:latency-ms:p95>=40]\nn=1 s=10 pf=250 sustain=0\n" },
	{ "-restrack nodump -sr 10 1234", "restrack=1 nodump=1 sr=10\nunimplemented=''\n" },
	{ "-restrack 1234", "restrack=1 nodump=0 sr=1\nunimplemented=''\n" },
	{ "-w myapp /tmp/out", "target=name 0 'myapp'\nwait=1\ndest='/tmp/out' name='' overwrite=0\n" },
	{ "-pgid 77", "target=pgid 77 ''\n" },
	{ "-w app -c 90", "target=name 0 'app'\nwait=1\ncpu=90 below=-1\n" },
	{ "-pgid 77 -tc 5", "target=pgid 77 ''\ntc=5 fc=-1\n" },
	{ "-sig 11 app", "target=name 0 'app'\nsig=[11] crash=0\n" },
	{ "-e app", "target=name 0 'app'\ne=1 e_dumps=-1 fx='' f=[]\n" },
	{ "-n 2 -c 90 -m 10 1234", "n=2 s=10 pf=1000 sustain=0\ncpu=90 below=-1\nmem_below=0 mem=[10]\n" },
};

static void test_ok_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		struct config cfg;
		char err[256], got[4096], want[4096];
		int r = parse_line(ok_cases[i].line, &cfg, err, sizeof(err));

		if (r) {
			fail_msg("'%s': unexpected error: %s", ok_cases[i].line, err);
		}
		print_config(&cfg, got, sizeof(got));
		expected_block(ok_cases[i].changes, want, sizeof(want));
		if (strcmp(got, want))
			fail_msg("'%s':\n--- got\n%s--- want\n%s", ok_cases[i].line, got, want);
	}
}

struct err_case {
	const char *line;
	const char *message;
};

static const struct err_case err_cases[] = {
	{ "", "no target given (a PID or a process name)" },
	{ "-n 3", "no target given (a PID or a process name)" },
	{ "-x 1234", "unknown switch '-x'" },
	{ "-nn 3 1234", "unknown switch '-nn'" },
	{ "-n 3 -n 4 1234", "-n given twice" },
	{ "-n 3 -N 4 1234", "-n given twice" },
	{ "-n abc 1234", "-n expects a number, got 'abc'" },
	{ "-n 3x 1234", "-n expects a number, got '3x'" },
	{ "-n 101 1234", "-n must be between 0 and 100, got 101" },
	{ "-n -1 1234", "-n must be between 0 and 100, got -1" },
	{ "-s -1 1234", "-s must be between 0 and 86400, got -1" },
	{ "-pf 0 -c 5 1234", "-pf must be between 1 and 3600000, got 0" },
	{ "-tc -5 1234", "-tc must be 0 or more, got -5" },
	{ "1234 -n", "-n needs N" },
	{ "1234 /tmp/out extra", "unexpected argument 'extra' (target and destination already given)" },
	{ "0", "'0' is not a valid process id" },
	{ "99999999999 /tmp", "'99999999999' is not a valid process id" },
	{ "1234 /nonexistent/", "output directory '/nonexistent' does not exist" },
	{ "1234 /nonexistent/name", "directory '/nonexistent' for the dump name does not exist" },
	{ "1234 /tmp/..", "'/tmp/..' is not a usable dump name" },
	{ "-mc xyz 1234", "-mc expects a hex mask such as 33 or 0x33, got 'xyz'" },
	{ "-mc 0x 1234", "-mc expects a hex mask such as 33 or 0x33, got '0x'" },
	{ "-mc 200 1234", "-mc mask 200 has bits above 0x1ff (coredump_filter has 9 bits)" },
	{ "-log file 1234", "-log expects stdout or syslog, got 'file'" },
	{ "-log stdout -json 1234", "-log stdout cannot be combined with -json (use -log syslog)" },
	{ "-dt huge 1234", "-dt expects heap, full, mini or triage, got 'huge'" },
	{ "-live fork 1234", "-live expects on or off, got 'fork'" },
	{ "-info core.gz 1234", "-info takes a file, not a target" },
	{ "-info core.gz -z", "-info takes a file and no other switch" },
	{ "-info", "-info needs FILE" },
	{ "1234 -metrics", "-metrics needs [ADDR:]PORT" },
	{ "-w 1234", "-w needs a process name, not a PID" },
	{ "-w -pgid 12", "-w and -pgid cannot be combined" },
	{ "-pgid myapp", "-pgid needs a numeric process group id, got 'myapp'" },
	{ "-w myapp /tmp/name", "a dump file name cannot be used with -w (give a directory)" },
	{ "-pgid 12 /tmp/name", "a dump file name cannot be used with -pgid (give a directory)" },
	{ "-e -gcgen 1 1234", "only one .NET trigger can be used (-e, -gcm or -gcgen)" },
	{ "-gcm 10 -gcgen 1 1234", "only one .NET trigger can be used (-e, -gcm or -gcgen)" },
	{ "-sig 11 -c 50 1234", "-sig cannot be combined with -c (it must be the only trigger)" },
	{ "-crash -m 50 1234", "-crash cannot be combined with -m (it must be the only trigger)" },
	{ "-e -tc 5 1234", "-e cannot be combined with -tc (it must be the only trigger)" },
	{ "-e -pc a:b 1 1234", "-e cannot be combined with -pc (it must be the only trigger)" },
	{ "-e -sig 6 1234", "-e cannot be combined with -sig" },
	{ "-f Foo 1234", "-f requires -e" },
	{ "-fx Foo 1234", "-fx requires -e" },
	{ "-restrack -fx Foo 1234", "-fx for -restrack is not implemented (-fx filters -e)" },
	{ "-f 1Foo -e 1234", "-f filter '1Foo' must start with a letter or *" },
	{ "-f a,,b -e 1234", "-f expects F[,F...], got 'a,,b'" },
	{ "-m 10 -ml 5 1234", "-m and -ml cannot be combined" },
	{ "-m 10 -gcm 5 1234", "-m and -gcm cannot be combined" },
	{ "-m 10,x 1234", "-m expects MB[,MB...], got '10,x'" },
	{ "-m 10, 1234", "-m expects MB[,MB...], got '10,'" },
	{ "-m 10,20 -n 2 1234", "-n cannot be used with a -m list (one dump per threshold)" },
	{ "-gcm 1:10,20 -n 1 1234", "-n cannot be used with a -gcm list (one dump per threshold)" },
	{ "-gcm 3:10 1234", "-gcm heap must be 0:, 1:, 2:, LOH: or POH:, got '3:10'" },
	{ "-gcgen 1 -n 2 1234", "-n cannot be used with -gcgen (it always takes 2 dumps)" },
	{ "-gcgen 3 1234", "-gcgen must be between 0 and 2, got 3" },
	{ "-sr 5 1234", "-sr requires -restrack" },
	{ "-c 50 -cl 50 1234", "-cl 50 must be below -c 50 (together they mean outside -cl..-c)" },
	{ "-sig 9 1234", "-sig: SIGKILL cannot be intercepted" },
	{ "-sig FOO 1234", "-sig: 'FOO' is not a signal (use a number 1..64 or a name)" },
	{ "-sig 65 1234", "-sig: '65' is not a signal (use a number 1..64 or a name)" },
	{ "-pf 100 1234", "-pf only applies to -c, -cl, -m, -ml, -tc, -fc, -pc or -pcl" },
	{ "-pf 100 -sig 11 1234", "-pf cannot be used with -sig" },
	{ "-sustain 100 1234", "-sustain requires -c, -cl, -m, -ml, -tc, -fc, -pc or -pcl" },
	{ "-e 1234 /tmp", "-e count must be between 1 and 100, got 1234 (to give a PID right after -e, write it last)" },
	{ "-pc nocolon 5 1234", "-pc expects Provider:Counter, got 'nocolon'" },
	{ "-pc a:b x 1234", "-pc expects a numeric threshold after a:b, got 'x'" },
	{ "-pc a:b 1 -pc a:c 2 -pc a:d 3 -pcl a:e 4 -pcl a:f 5 -pc a:g 6 1234",
	  "at most 5 -pc/-pcl triggers can be given" },
	{ "1234 -pc a:b", "-pc needs PROV:COUNTER[:pNN] VALUE" },
	{ "-pc M:h:p42 1 1234", "-pc percentile must be p50, p95 or p99 in 'M:h:p42'" },
	{ "-pcl a:b inf 1234", "-pcl expects a numeric threshold after a:b, got 'inf'" },
	{ "-pc a;b:c 1 1234", "-pc a counter name cannot hold ';', '=', ',' or '\\': 'a;b:c'" },
	/* the signal trap and the .NET profiler attach to one process */
	{ "-e -w app", "-e watches one process: give its PID or name, not -w" },
	{ "-e -pgid 12", "-e watches one process: give its PID or name, not -pgid" },
	{ "-gcm 100 -w app", "-gcm watches one process: give its PID or name, not -w" },
	{ "-gcgen 2 -pgid 12", "-gcgen watches one process: give its PID or name, not -pgid" },
	{ "-sig 11 -w app", "-sig watches one process: give its PID or name, not -w" },
	{ "-sig SEGV -pgid 12", "-sig watches one process: give its PID or name, not -pgid" },
	{ "-crash -w app", "-crash watches one process: give its PID or name, not -w" },
	{ "-crash -pgid 12", "-crash watches one process: give its PID or name, not -pgid" },
	/* an empty list item is refused the same way by every list switch */
	{ "-m ,5 1234", "-m expects MB[,MB...], got ',5'" },
	{ "-ml 5,,6 1234", "-ml expects MB[,MB...], got '5,,6'" },
	{ "-gcm ,5 1234", "-gcm expects MB[,MB...], got ',5'" },
	{ "-gcm LOH:5, 1234", "-gcm expects MB[,MB...], got '5,'" },
	{ "-sig ,SEGV 1234", "-sig expects S[,S...] (numbers 1..64 or names), got ',SEGV'" },
	{ "-sig SEGV, 1234", "-sig expects S[,S...] (numbers 1..64 or names), got 'SEGV,'" },
	{ "-sig 11,,6 1234", "-sig expects S[,S...] (numbers 1..64 or names), got '11,,6'" },
	{ "-f ,Foo -e 1234", "-f expects F[,F...], got ',Foo'" },
	{ "-f Foo, -e 1234", "-f expects F[,F...], got 'Foo,'" },
};

static void test_error_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct config cfg;
		char err[256];
		int r = parse_line(err_cases[i].line, &cfg, err, sizeof(err));

		if (r != -EINVAL)
			fail_msg("'%s': expected an error, got %d", err_cases[i].line, r);
		if (strcmp(err, err_cases[i].message))
			fail_msg("'%s':\n got: %s\nwant: %s", err_cases[i].line, err, err_cases[i].message);
	}
}

/* -? lists every switch of the ProcDump set and our extensions. */
static void test_usage_lists_every_switch(void **state)
{
	static const char *const switches[] = { "-n ", "-s ", "-c ", "-cl ", "-m ", "-ml ", "-gcm ",
		"-gcgen ", "-restrack ", "-sr ", "-tc ", "-fc ", "-sig ", "-pc ", "-pcl ", "-e ", "-f ",
		"-fx ", "-mc ", "-pf ", "-o ", "-log ", "-w ", "-pgid ", "-? ", "-crash ", "-sustain ",
		"-json ", "-dt ", "-live ", "-z ", "-info ", "-metrics " };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	options_usage(f);
	fclose(f);
	for (size_t i = 0; i < sizeof(switches) / sizeof(switches[0]); i++) {
		char needle[32];

		snprintf(needle, sizeof(needle), "\n  %s", switches[i]);
		if (!strstr(text, needle))
			fail_msg("usage lacks %s", switches[i]);
	}
	assert_non_null(strstr(text, "-c PCT"));
	assert_null(strstr(text, "not implemented")); /* every switch is built */
	free(text);
}

/* Every example the usage and the man page show is a command line that parses. */
static void test_examples_parse(void **state)
{
	const char *line;
	size_t i;

	(void)state;
	for (i = 0; (line = options_example(i)); i++) {
		struct config cfg;
		char err[256];

		if (strncmp(line, "coretrap ", 9))
			fail_msg("example '%s' does not start with 'coretrap '", line);
		if (parse_line(line + 9, &cfg, err, sizeof(err)))
			fail_msg("example '%s': %s", line, err);
	}
	assert_true(i >= 3);
}

static char *written(void (*fn)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	fn(f);
	fclose(f);
	return text;
}

static void man_page(FILE *f)
{
	options_man(f, "1.2.3", "2026-12-03");
}

/* The man page and the completion come from the table: every documented switch is in both. */
static void test_man_page_and_completion_cover_the_table(void **state)
{
	char *man = written(man_page), *bash = written(options_completion_bash);
	size_t n;
	const struct opt_spec *t = options_table(&n);

	(void)state;
	assert_non_null(strstr(man, ".TH CORETRAP 1 \"2026-12-03\" \"coretrap 1.2.3\""));
	for (size_t i = 0; i < n; i++) {
		char needle[64], roff_name[48];
		size_t k = 0;

		if (!t[i].help)
			continue;
		/* roff spells a minus \- (also inside a name: -check-config) */
		for (const char *c = t[i].name; *c && k + 3 < sizeof(roff_name); c++) {
			if (*c == '-')
				roff_name[k++] = '\\';
			roff_name[k++] = *c;
		}
		roff_name[k] = 0;
		snprintf(needle, sizeof(needle), "\n.B \\-%s%s", roff_name, t[i].argname ? " " : "\n");
		if (!strstr(man, needle))
			fail_msg("the man page lacks -%s", t[i].name);
		snprintf(needle, sizeof(needle), " -%s ", t[i].name);
		if (!strstr(bash, needle) && !strstr(bash, needle + 1))
			fail_msg("the completion lacks -%s", t[i].name);
	}
	/* a value list from the table becomes the completion's word list */
	assert_non_null(strstr(bash, "-dt)\n        COMPREPLY=($(compgen -W \"heap full mini triage\""));
	free(man);
	free(bash);
}

/* -version wins over what else is on the line, as -? does (and -? over it). */
static void test_version(void **state)
{
	struct config cfg;
	char err[256];

	(void)state;
	assert_int_equal(parse_line("-version", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.version);
	assert_int_equal(parse_line("--VERSION -bogus", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.version);
	assert_int_equal(parse_line("-version -?", &cfg, err, sizeof(err)), 0);
	assert_true(cfg.help);
	assert_false(cfg.version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok_cases),
		cmocka_unit_test(test_error_cases),
		cmocka_unit_test(test_usage_lists_every_switch),
		cmocka_unit_test(test_examples_parse),
		cmocka_unit_test(test_man_page_and_completion_cover_the_table),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
