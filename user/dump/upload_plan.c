// SPDX-License-Identifier: MIT
/* Upload settings, retry schedule, credentials file, redaction; see upload_plan.h. */
#include "dump/upload_plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void upload_config_default(struct upload_config *c)
{
	memset(c, 0, sizeof(*c));
	c->backoff_s = UPLOAD_DEFAULT_BACKOFF_S;
	c->max_backoff_s = UPLOAD_DEFAULT_MAX_BACKOFF_S;
	c->timeout_s = UPLOAD_DEFAULT_TIMEOUT_S;
}

unsigned upload_backoff_s(const struct upload_config *c, unsigned attempt)
{
	uint64_t s = c->backoff_s ? c->backoff_s : 1;

	for (unsigned i = 1; i < attempt && s < c->max_backoff_s; i++)
		s *= 2;
	if (c->max_backoff_s && s > c->max_backoff_s)
		s = c->max_backoff_s;
	return (unsigned)s;
}

bool upload_may_try(const struct upload_config *c, unsigned attempt)
{
	return !c->retries || attempt <= c->retries;
}

static bool key_ok(const char *k, size_t n)
{
	if (!n || !(isalpha((unsigned char)k[0]) || k[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)k[i]) || k[i] == '_'))
			return false;
	return true;
}

int upload_env_parse(const char *text, size_t len, struct upload_env *out, int *bad_line)
{
	size_t pos = 0;
	int line = 0;

	memset(out, 0, sizeof(*out));
	*bad_line = 0;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		const char *eq, *val;
		size_t klen, vlen;

		pos += n + (nl ? 1 : 0);
		line++;
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		while (n && (*s == ' ' || *s == '\t')) {
			s++;
			n--;
		}
		if (!n || *s == '#')
			continue;
		if (n > 7 && !strncmp(s, "export ", 7)) { /* a shell-style file works as is */
			s += 7;
			n -= 7;
		}
		eq = memchr(s, '=', n);
		if (!eq || !key_ok(s, (size_t)(eq - s)) || out->n == UPLOAD_MAX_ENV)
			goto bad;
		klen = (size_t)(eq - s);
		val = eq + 1;
		vlen = n - klen - 1;
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
			val++;
			vlen -= 2;
		}
		if (klen + 1 + vlen >= UPLOAD_ENV_MAX || memchr(val, '\0', vlen))
			goto bad;
		snprintf(out->var[out->n++], UPLOAD_ENV_MAX, "%.*s=%.*s", (int)klen, s, (int)vlen, val);
	}
	return 0;
bad:
	*bad_line = line;
	return -EINVAL;
}

static bool secret_name(const char *var)
{
	static const char *const words[] = { "KEY", "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", NULL };
	const char *eq = strchr(var, '=');
	char name[128];
	size_t n = eq ? (size_t)(eq - var) : 0;

	if (!n || n >= sizeof(name))
		return false;
	for (size_t i = 0; i < n; i++)
		name[i] = (char)toupper((unsigned char)var[i]);
	name[n] = 0;
	for (const char *const *w = words; *w; w++)
		if (strstr(name, *w))
			return true;
	return false;
}

/* Replace each occurrence of secret (len >= 4) in s by "***". */
static void redact_one(char *s, const char *secret)
{
	size_t k = strlen(secret);
	char *p = s;

	if (k < 4)
		return;
	while ((p = strstr(p, secret))) {
		size_t tail = strlen(p + k);

		/* "***" is never longer than the secret: the text only shrinks */
		memmove(p + 3, p + k, tail + 1);
		memcpy(p, "***", 3);
		p += 3;
	}
}

void upload_redact(char *s, const struct upload_env *env, char *const *environ_)
{
	for (size_t i = 0; env && i < env->n; i++)
		redact_one(s, strchr(env->var[i], '=') + 1);
	for (char *const *e = environ_; e && *e; e++)
		if (secret_name(*e))
			redact_one(s, strchr(*e, '=') + 1);
}
