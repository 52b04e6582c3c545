/* SPDX-License-Identifier: MIT */
/* The upload's retry schedule, its credentials file and the redaction of secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dump/upload_plan.h"

static void test_backoff_doubles_to_its_cap(void **state)
{
	struct upload_config c;

	(void)state;
	upload_config_default(&c);
	assert_int_equal(c.backoff_s, 5);
	assert_int_equal(c.max_backoff_s, 600);
	assert_int_equal(upload_backoff_s(&c, 1), 5);
	assert_int_equal(upload_backoff_s(&c, 2), 10);
	assert_int_equal(upload_backoff_s(&c, 3), 20);
	assert_int_equal(upload_backoff_s(&c, 8), 600); /* 640 capped */
	assert_int_equal(upload_backoff_s(&c, 1000000), 600);
	c.backoff_s = 7;
	c.max_backoff_s = 7;
	assert_int_equal(upload_backoff_s(&c, 4), 7);
}

static void test_retries(void **state)
{
	struct upload_config c;

	(void)state;
	upload_config_default(&c);
	assert_true(upload_may_try(&c, 1000000)); /* 0: until it is stored */
	c.retries = 3;
	assert_true(upload_may_try(&c, 3));
	assert_false(upload_may_try(&c, 4));
}

static void test_env_file(void **state)
{
	static const char text[] = "# S3 credentials\n"
				   "\n"
				   "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\n"
				   "  export AWS_SECRET_ACCESS_KEY=\"wJalr/K7MDENG=bPxRfi\"\r\n"
				   "RCLONE_CONFIG_S3_TYPE='s3'\n"
				   "EMPTY=\n"
				   "LAST=no-newline";
	struct upload_env env;
	int bad;

	(void)state;
	assert_int_equal(upload_env_parse(text, strlen(text), &env, &bad), 0);
	assert_int_equal(env.n, 5);
	assert_string_equal(env.var[0], "AWS_ACCESS_KEY_ID=AKIAEXAMPLE");
	assert_string_equal(env.var[1], "AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG=bPxRfi");
	assert_string_equal(env.var[2], "RCLONE_CONFIG_S3_TYPE=s3");
	assert_string_equal(env.var[3], "EMPTY=");
	assert_string_equal(env.var[4], "LAST=no-newline");
}

static void test_env_file_errors(void **state)
{
	static const struct {
		const char *text;
		int line;
	} cases[] = {
		{ "A=1\nno equals sign\n", 2 }, { "=value\n", 1 }, { "1A=x\n", 1 }, { "A-B=x\n", 1 },
		{ "A=1\n\n# c\nB C=2\n", 4 },
	};
	struct upload_env env;
	char many[64 * 40];
	size_t used = 0;
	int bad;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_not_equal(upload_env_parse(cases[i].text, strlen(cases[i].text), &env, &bad), 0);
		assert_int_equal(bad, cases[i].line);
	}
	for (int i = 0; i <= UPLOAD_MAX_ENV; i++)
		used += (size_t)snprintf(many + used, sizeof(many) - used, "V%d=x\n", i);
	assert_int_not_equal(upload_env_parse(many, used, &env, &bad), 0);
	assert_int_equal(bad, UPLOAD_MAX_ENV + 1);
}

static void test_redact(void **state)
{
	struct upload_env env = { .n = 2 };
	char *environ_[] = { "HOME=/root", "MY_API_TOKEN=tok-12345", "SHORT_KEY=abc", "PATH=/usr/bin", NULL };
	char s[256];

	(void)state;
	snprintf(env.var[0], sizeof(env.var[0]), "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI");
	snprintf(env.var[1], sizeof(env.var[1]), "REGION=eu-west-1");
	snprintf(s, sizeof(s),
		 "403 for wJalrXUtnFEMI at eu-west-1 with tok-12345 (wJalrXUtnFEMI) "
		 "abc /root");
	upload_redact(s, &env, environ_);
	/* every env-file value goes; from the environment only what a secret's name
   * says is one; values under 4 characters would blank out ordinary words, they
   * stay */
	assert_string_equal(s, "403 for *** at *** with *** (***) abc /root");
	upload_redact(s, NULL, NULL);
	assert_string_equal(s, "403 for *** at *** with *** (***) abc /root");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_doubles_to_its_cap),
		cmocka_unit_test(test_retries),
		cmocka_unit_test(test_env_file),
		cmocka_unit_test(test_env_file_errors),
		cmocka_unit_test(test_redact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
