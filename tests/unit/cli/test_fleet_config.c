/* SPDX-License-Identifier: MIT */
/* The fleet rule file parser: the rule model, and each error at its line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli/fleet_config.h"

static size_t parse(const char *text, struct fleet_file *ff, struct fleet_errors *errs)
{
	memset(errs, 0, sizeof(*errs));
	return fleet_config_parse(text, strlen(text), "t.yaml", ff, errs);
}

static const struct fleet_switch *sw_named(const struct fleet_rule *r, const char *name, size_t nth)
{
	for (size_t i = 0; i < r->nsw; i++)
		if (!strcmp(r->sw[i].name, name) && nth-- == 0)
			return &r->sw[i];
	return NULL;
}

static void test_full_rule(void **state)
{
	static const char text[] = "spool: /var/lib/coretrap/dumps\n"
				   "rules:\n"
				   "  - name: api-cpu\n"
				   "    match: { name: myservice, exe: /usr/bin/x, cgroup: /system.slice/x.service }\n"
				   "    triggers: { c: 80, pf: 500, sig: [SIGSEGV, 6], crash: false }\n"
				   "    action: { s: 10, z: true, live: on, mc: 0x33 }\n"
				   "    limits: { dumps: 3, window: 3600, cooldown: 60 }\n"
				   "  - name: dotnet.gc\n"
				   "    match: { name: svc }\n"
				   "    triggers: { pc: { \"System.Runtime:cpu-usage\": 90, \"S:gc-heap-size\": 500 } }\n"
				   "storage: { max-use: 10G }\n";
	struct fleet_file *ff = malloc(sizeof(*ff));
	struct fleet_errors errs;
	const struct fleet_rule *r;
	const struct fleet_switch *sw;

	(void)state;
	assert_non_null(ff);
	assert_int_equal(parse(text, ff, &errs), 0);
	assert_string_equal(ff->spool, "/var/lib/coretrap/dumps");
	assert_int_equal(ff->spool_at.line, 1);
	assert_int_equal(ff->nrules, 2);
	r = &ff->rules[0];
	assert_string_equal(r->name, "api-cpu");
	assert_string_equal(r->match_name, "myservice");
	assert_string_equal(r->match_exe, "/usr/bin/x");
	assert_string_equal(r->match_cgroup, "/system.slice/x.service");
	assert_int_equal(r->ntriggers, 3); /* crash: false leaves -crash out */
	assert_int_equal(r->nsw, 7);
	assert_null(sw_named(r, "crash", 0));
	sw = sw_named(r, "sig", 0);
	assert_non_null(sw);
	assert_string_equal(sw->value, "SIGSEGV,6");
	assert_int_equal(sw->at.line, 5);
	assert_int_equal(sw->at.col, 33);
	sw = sw_named(r, "z", 0);
	assert_non_null(sw);
	assert_true(sw->bare);
	assert_string_equal(sw_named(r, "mc", 0)->value, "0x33");
	assert_int_equal(r->limit_dumps, 3);
	assert_int_equal(r->limit_window_s, 3600);
	assert_int_equal(r->limit_cooldown_s, 60);
	r = &ff->rules[1];
	assert_int_equal(r->nsw, 2); /* one -pc per pair */
	assert_string_equal(sw_named(r, "pc", 0)->value, "System.Runtime:cpu-usage");
	assert_string_equal(sw_named(r, "pc", 0)->value2, "90");
	assert_string_equal(sw_named(r, "pc", 1)->value, "S:gc-heap-size");
	assert_string_equal(sw_named(r, "pc", 1)->value2, "500");
	free(ff);
}

/* Each broken input gives this first error line. */
static void test_errors_are_placed(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "rules:\n  - name: [a\n", "t.yaml:3:1: YAML: did not find expected ',' or ']'" },
		{ "", "t.yaml:1:1: empty file: no rules" },
		{ "- a\n", "t.yaml:1:1: the file expects a mapping (spool, rules), got a list" },
		{ "rulez: []\n", "t.yaml:1:1: unknown key 'rulez'" },
		{ "rules: 3\n", "t.yaml:1:8: 'rules' expects a list, got a scalar" },
		{ "spool: relative\n", "t.yaml:1:8: 'spool' must be an absolute path" },
		{ "rules:\n  - match: { name: x }\n    triggers: { c: 1 }\n", "t.yaml:2:5: a rule needs a 'name'" },
		{ "rules:\n  - name: 'a b'\n", "t.yaml:2:11: rule name 'a b': only letters" },
		{ "rules:\n  - name: a\n    triggers: { c: 1 }\n", "t.yaml:2:5: rule 'a': 'match' needs one of" },
		{ "rules:\n  - name: a\n    match: { exe: bin/x }\n", "t.yaml:3:19: rule 'a': match 'exe' must be an absolute" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    triggers: { q: 1 }\n",
		  "t.yaml:4:17: rule 'a': unknown triggers key 'q'" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    triggers: { c: 1, c: 2 }\n",
		  "t.yaml:4:23: rule 'a': 'c' given twice" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    triggers: { c: [1, 2] }\n",
		  "t.yaml:4:20: 'c' expects a value, got a list" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    triggers: { pc: 5 }\n",
		  "t.yaml:4:21: rule 'a': 'pc' expects a mapping" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    limits: { window: 60 }\n",
		  "t.yaml:4:13: rule 'a': a limits window needs 'dumps'" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    limits: { dumps: -1 }\n",
		  "t.yaml:4:22: rule 'a': 'dumps' expects a whole number from 1, got '-1'" },
		{ "rules:\n  - name: a\n    match: { name: x }\n    colour: red\n", "t.yaml:4:5: unknown rule key 'colour'" },
		{ "rules:\n  - name: a\n    match: { unit: api }\n", "t.yaml:3:20: rule 'a': match 'unit' is a systemd unit" },
		{ "rules:\n  - name: a\n    match: { container: xyz }\n",
		  "t.yaml:3:25: rule 'a': match 'container' is a container id: 12 to 64 hex digits" },
		{ "storage: { max-use: lots }\n", "t.yaml:1:21: storage 'max-use' expects a size" },
		{ "storage: { max-dump: 10% }\n",
		  "t.yaml:1:22: storage 'max-dump' expects a size (bytes, or with K, M, "
		  "G, T; 0" },
		{ "storage: { keep-free: 101% }\n", "t.yaml:1:23: storage 'keep-free' expects a size" },
		{ "storage: { max-concurrent: 65 }\n",
		  "t.yaml:1:28: storage 'max-concurrent' expects a whole number from 0 to "
		  "64, got '65'" },
		{ "storage: { colour: red }\n", "t.yaml:1:12: unknown storage key 'colour'" },
		{ "storage: 3\n", "t.yaml:1:10: storage expects a mapping, got a scalar" },
		{ "upload: { retries: 1 }\n", "t.yaml:1:9: 'upload' needs 'exec'" },
		{ "upload: { exec: hook }\n", "t.yaml:1:17: upload 'exec' must be an absolute path" },
		{ "upload: { exec: /h, env-file: e }\n", "t.yaml:1:31: upload 'env-file' must be an absolute path" },
		{ "upload: { exec: /h, delete-after: yes }\n",
		  "t.yaml:1:35: upload 'delete-after' expects true or false" },
		{ "upload: { exec: /h, backoff: 10, max-backoff: 5 }\n",
		  "t.yaml:1:9: upload 'max-backoff' (5) is less than 'backoff' (10)" },
		{ "upload: { exec: /h, backoff: 0 }\n", "t.yaml:1:30: upload 'backoff' expects a whole number from 1" },
		{ "upload: { exec: /h, args: { a: b } }\n",
		  "t.yaml:1:27: upload 'args' expects a list, got a mapping" },
		{ "upload: { exec: /h, bucket: b }\n", "t.yaml:1:21: unknown upload key 'bucket'" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fleet_file *ff = malloc(sizeof(*ff));
		struct fleet_errors errs;

		assert_non_null(ff);
		if (!parse(cases[i].text, ff, &errs) || strncmp(errs.line[0], cases[i].want, strlen(cases[i].want)))
			fail_msg("case %zu: got '%s', want '%s...'", i, errs.n ? errs.line[0] : "(no error)",
				 cases[i].want);
		free(ff);
	}
}

static void test_storage_and_upload(void **state)
{
	static const char text[] = "rules: []\n"
				   "storage: { max-use: 10G, keep-free: 20%, "
				   "max-dump: 512MiB, max-concurrent: 2 }\n"
				   "upload:\n"
				   "  exec: /usr/lib/coretrap/upload-rclone\n"
				   "  args: [\"s3:bucket/dumps\", --fast-list]\n"
				   "  env-file: /etc/coretrap/upload.env\n"
				   "  retries: 5\n"
				   "  backoff: 2\n"
				   "  max-backoff: 60\n"
				   "  timeout: 0\n"
				   "  delete-after: true\n";
	struct fleet_file *ff = malloc(sizeof(*ff));
	struct fleet_errors errs;

	(void)state;
	assert_non_null(ff);
	assert_int_equal(parse(text, ff, &errs), 0);
	assert_int_equal(ff->storage.max_use.bytes, 10ull << 30);
	assert_int_equal(ff->storage.keep_free.pct, 20);
	assert_int_equal(ff->storage.keep_free.bytes, 0);
	assert_int_equal(ff->storage.max_dump.bytes, 512ull << 20);
	assert_int_equal(ff->storage.max_concurrent, 2);
	assert_string_equal(ff->upload.exec, "/usr/lib/coretrap/upload-rclone");
	assert_int_equal(ff->upload.nargs, 2);
	assert_string_equal(ff->upload.args[0], "s3:bucket/dumps");
	assert_string_equal(ff->upload.args[1], "--fast-list");
	assert_string_equal(ff->upload.env_file, "/etc/coretrap/upload.env");
	assert_int_equal(ff->upload.retries, 5);
	assert_int_equal(ff->upload.backoff_s, 2);
	assert_int_equal(ff->upload.max_backoff_s, 60);
	assert_int_equal(ff->upload.timeout_s, 0);
	assert_true(ff->upload.delete_after);
	assert_int_equal(ff->storage_at.line, 2);
	assert_int_equal(ff->upload_at.line, 3);
	/* without the sections: systemd-coredump's caps, no upload */
	assert_int_equal(parse("rules: []\n", ff, &errs), 0);
	assert_int_equal(ff->storage.max_use.pct, SPOOL_DEFAULT_MAX_USE_PCT);
	assert_int_equal(ff->storage.keep_free.pct, SPOOL_DEFAULT_KEEP_FREE_PCT);
	assert_int_equal(ff->storage.max_concurrent, 1);
	assert_int_equal(ff->storage_at.line, 0);
	assert_string_equal(ff->upload.exec, "");
	/* a cap given as 0 is no cap */
	assert_int_equal(parse("storage: { max-use: 0, keep-free: 0 }\n", ff, &errs), 0);
	assert_int_equal(ff->storage.max_use.bytes + ff->storage.max_use.pct, 0);
	free(ff);
}

static void test_error_cap(void **state)
{
	struct fleet_errors errs = { 0 };

	(void)state;
	for (int i = 0; i < FLEET_MAX_ERRORS + 5; i++)
		fleet_error(&errs, "f", (struct fleet_mark){ i, 1 }, "e%d", i);
	assert_int_equal(errs.n, FLEET_MAX_ERRORS);
	assert_int_equal(errs.dropped, 5);
	assert_string_equal(errs.line[1], "f:1:1: e1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_rule),
		cmocka_unit_test(test_errors_are_placed),
		cmocka_unit_test(test_storage_and_upload),
		cmocka_unit_test(test_error_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
