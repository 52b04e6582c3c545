/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the upload's credentials file (user/dump/upload_plan.c):
 * any bytes parse to KEY=VALUE strings or to a line number, never crash;
 * redacting any text with what was parsed only ever shortens it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dump/upload_plan.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static struct upload_env env;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[512];
	size_t before;
	int bad = -1;

	if (upload_env_parse((const char *)data, size, &env, &bad)) {
		if (bad < 1)
			abort();
		return 0;
	}
	if (bad != 0 || env.n > UPLOAD_MAX_ENV)
		abort();
	for (size_t i = 0; i < env.n; i++)
		if (strnlen(env.var[i], sizeof(env.var[i])) == sizeof(env.var[i]) || !strchr(env.var[i], '='))
			abort();
	before = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, before);
	text[before] = 0;
	before = strlen(text);
	upload_redact(text, &env, NULL);
	if (strlen(text) > before)
		abort();
	return 0;
}

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const char *const seeds[] = {
		"AWS_ACCESS_KEY_ID=AKIA\nexport AWS_SECRET_ACCESS_KEY=\"s3cr3t\"\n# c\n\n",
		"A='x'\r\nB=\nC==\n",
	};
	size_t len = strlen(seeds[index % 2]);

	if (len > cap)
		return 0;
	memcpy(buf, seeds[index % 2], len);
	return len;
}
