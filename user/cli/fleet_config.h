/* SPDX-License-Identifier: MIT */
/*
 * Fleet rules (issue 17): one YAML file -> a rule model, with every error
 * placed at its FILE:LINE:COL. Pure: the text comes in as a buffer (libyaml
 * does the YAML; this module only walks its document tree), so it is unit
 * tested and fuzzed. What a rule's triggers and action mean is checked by
 * the switch checker itself (fleet_check.c): a rule's keys are the switches.
 *
 *   spool: /var/lib/coretrap/dumps
 *   rules:
 *     - name: api-cpu
 *       match: { name: myservice, exe: /usr/bin/x, cgroup: /system.slice/x.service,
 *                unit: x.service, container: 4f1755f0c81b }
 *       triggers: { c: 80, pf: 500, m: [500, 1000], sig: [SIGSEGV], crash: true,
 *                   e: true, f: ["*Timeout*"], pc: { "System.Runtime:cpu-usage": 90 } }
 *       action: { n: 2, s: 10, dt: heap, z: zstd, live: on, mc: 0x33, restrack: nodump, sr: 10 }
 *       limits: { dumps: 3, window: 3600, cooldown: 60 }
 *   storage: { max-use: 10%, keep-free: 2G, max-dump: 8G, max-concurrent: 1 }
 *   upload: { exec: /usr/lib/coretrap/upload-rclone, args: ["s3:bucket/dumps"],
 *             env-file: /etc/coretrap/upload.env, retries: 0, backoff: 5,
 *             max-backoff: 600, timeout: 3600, delete-after: true }
 *   metrics: ...   (accepted; the endpoint is the -metrics switch)
 */
#ifndef CORETRAP_CLI_FLEET_CONFIG_H
#define CORETRAP_CLI_FLEET_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "dump/spool_caps.h"
#include "dump/upload_plan.h"

#define FLEET_MAX_RULES 256
#define FLEET_MAX_SWITCHES 32 /* triggers + action keys of one rule */
#define FLEET_MAX_ERRORS 32
#define FLEET_NAME_MAX 64
#define FLEET_VALUE_MAX 256
#define FLEET_CONTAINER_ID_MAX 64 /* a full container id: 64 hex digits */

/* Where a node starts in its file, 1-based as editors count. */
struct fleet_mark {
	int line, col;
};

/*
 * One trigger or action key: the switch it equals and its value as the
 * command line writes it. `true` on a switch that may stand alone (crash,
 * e, z, restrack) is the bare switch; `false` leaves it out. pc/pcl take a
 * mapping "PROV:COUNTER": VALUE, one switch per pair.
 */
struct fleet_switch {
	char name[16];               /* "c", "pf", "dt", ... (without the dash) */
	char value[FLEET_VALUE_MAX]; /* "80"; a list is joined with ',': "500,1000" */
	char value2[32];             /* pc/pcl: the threshold */
	bool bare;                   /* the switch alone, no value */
	struct fleet_mark at;        /* the key */
};

struct fleet_rule {
	char name[FLEET_NAME_MAX];
	char match_name[FLEET_VALUE_MAX], match_exe[PATH_MAX], match_cgroup[PATH_MAX];
	char match_unit[FLEET_VALUE_MAX], match_container[FLEET_CONTAINER_ID_MAX + 1];
	struct fleet_switch sw[FLEET_MAX_SWITCHES];
	size_t nsw, ntriggers; /* sw[0..ntriggers) came from 'triggers' */
	long limit_dumps, limit_window_s, limit_cooldown_s; /* 0: no limit */
	struct fleet_mark at;                              /* the rule's mapping */
	struct fleet_mark name_at;
};

struct fleet_errors {
	char line[FLEET_MAX_ERRORS][512];
	size_t n;
	size_t dropped; /* past FLEET_MAX_ERRORS */
};

struct fleet_file {
	char spool[PATH_MAX];
	struct fleet_mark spool_at;   /* line 0: not set */
	struct spool_caps storage;    /* the defaults (spool_caps_default) and the keys given */
	struct fleet_mark storage_at; /* line 0: no 'storage' section */
	struct upload_config upload;  /* exec "" = no upload */
	struct fleet_mark upload_at;  /* line 0: no 'upload' section */
	struct fleet_rule rules[FLEET_MAX_RULES];
	size_t nrules;
};

/*
 * Parse text (len bytes) named fname in messages into *out. Errors are
 * appended to errs as "FNAME:LINE:COL: message"; returns the number of
 * errors this file added (0: out is complete).
 */
size_t fleet_config_parse(const char *text, size_t len, const char *fname, struct fleet_file *out,
			  struct fleet_errors *errs);

/* Append "FNAME:LINE:COL: message" to errs (printf-style message). */
void fleet_error(struct fleet_errors *errs, const char *fname, struct fleet_mark at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
