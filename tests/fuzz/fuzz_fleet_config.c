/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/cli/fleet_config.c: a rule file is written by hand,
 * so any bytes must parse to a model or to placed errors, never crash.
 * Every error line is NUL-terminated and starts with the file name; the
 * count returned matches what was added; every rule has a name and every
 * switch a key name and a NUL-terminated value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fleet_config.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static struct fleet_file ff;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_errors errs = { 0 };
	size_t n = fleet_config_parse((const char *)data, size, "f", &ff, &errs);

	if (n != errs.n + errs.dropped || ff.nrules > FLEET_MAX_RULES)
		abort();
	for (size_t i = 0; i < errs.n; i++)
		if (strnlen(errs.line[i], sizeof(errs.line[i])) == sizeof(errs.line[i]) || strncmp(errs.line[i], "f:", 2))
			abort();
	for (size_t i = 0; i < ff.nrules; i++) {
		const struct fleet_rule *r = &ff.rules[i];

		if (!r->name[0] || r->nsw > FLEET_MAX_SWITCHES || r->ntriggers > r->nsw)
			abort();
		for (size_t k = 0; k < r->nsw; k++)
			if (!r->sw[k].name[0] || strnlen(r->sw[k].value, sizeof(r->sw[k].value)) == sizeof(r->sw[k].value))
				abort();
	}
	/* the storage and upload sections: bounded, terminated, paths absolute when set */
	if (ff.upload.nargs > UPLOAD_MAX_ARGS || ff.storage.max_concurrent > 64 || ff.storage.max_use.pct > 100 ||
	    ff.storage.keep_free.pct > 100 || ff.storage.max_dump.pct)
		abort();
	if ((ff.upload.exec[0] && ff.upload.exec[0] != '/') || (ff.upload.env_file[0] && ff.upload.env_file[0] != '/'))
		abort();
	for (size_t k = 0; k < ff.upload.nargs; k++)
		if (strnlen(ff.upload.args[k], sizeof(ff.upload.args[k])) == sizeof(ff.upload.args[k]))
			abort();
	return 0;
}

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const char *const seeds[] = {
		"spool: /s\nrules:\n  - name: a\n    match: { name: x, exe: /b }\n"
		"    triggers: { c: 80, m: [1, 2], sig: [SIGSEGV], crash: true }\n"
		"    action: { n: 2, z: zstd }\n    limits: { dumps: 3, window: 60, cooldown: 1 }\n",
		"rules:\n- name: b\n  match:\n    cgroup: /system.slice/x.service\n  triggers:\n"
		"    pc:\n      \"System.Runtime:cpu-usage\": 90\n    e: true\n    f: [\"*T*\", x]\n",
		"rules: [ { name: c, match: { name: y }, triggers: { ml: 5 }, action: { restrack: nodump } } ]\n",
		"storage: { max-use: 10G, keep-free: 15%, max-dump: 512M, max-concurrent: 2 }\n"
		"upload: { exec: /h, args: [s3:b, -v], env-file: /e, retries: 3, backoff: 1, max-backoff: 9,\n"
		"          timeout: 60, delete-after: true }\nrules: []\n",
	};
	size_t len = strlen(seeds[index % 4]);

	if (len > cap)
		return 0;
	memcpy(buf, seeds[index % 4], len);
	return len;
}
