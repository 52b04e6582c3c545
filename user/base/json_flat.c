// SPDX-License-Identifier: MIT
/* Fields of one flat JSON event line; see json_flat.h. */
#include "base/json_flat.h"

#include <stdlib.h>
#include <string.h>

#include "base/hex_digit.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/*
 * The string starting at p (on its opening quote), unescaped into out when
 * out is not NULL. Returns the position after the closing quote, or NULL
 * when the string is malformed or does not fit (*fits = false, still walked).
 */
static const char *string_at(const char *p, char *out, size_t len, bool *fits)
{
	size_t n = 0;

	*fits = true;
	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			switch (*p++) {
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			case '/': c = '/'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				int v = 0;

				for (int i = 0; i < 4; i++) {
					int h = hex_digit(p[i]);

					if (h < 0)
						return NULL;
					v = v * 16 + h;
				}
				p += 4;
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default: return NULL;
			}
		}
		if (out) {
			if (n + 1 >= len)
				*fits = false;
			else
				out[n++] = c;
		}
	}
	if (*p != '"')
		return NULL;
	if (out && len)
		out[n] = 0;
	return p + 1;
}

/* The value of key: its first character, or NULL. */
static const char *value_of(const char *line, const char *key)
{
	const char *p = skip_ws(line);
	char name[64];
	bool fits;

	if (*p++ != '{')
		return NULL;
	for (;;) {
		const char *v;

		p = skip_ws(p);
		if (*p == '}')
			return NULL;
		p = string_at(p, name, sizeof(name), &fits);
		if (!p)
			return NULL;
		p = skip_ws(p);
		if (*p++ != ':')
			return NULL;
		v = p = skip_ws(p);
		if (fits && !strcmp(name, key))
			return v;
		if (*p == '"') {
			p = string_at(p, NULL, 0, &fits);
			if (!p)
				return NULL;
		} else {
			while (*p && *p != ',' && *p != '}')
				p++;
		}
		p = skip_ws(p);
		if (*p == ',')
			p++;
		else
			return NULL; /* '}' (key not there) or garbage */
	}
}

bool json_flat_string(const char *line, const char *key, char *out, size_t len)
{
	const char *v = value_of(line, key);
	bool fits;

	if (!v || *v != '"' || !len)
		return false;
	return string_at(v, out, len, &fits) && fits;
}

bool json_flat_int(const char *line, const char *key, long long *out)
{
	const char *v = value_of(line, key);
	char *end;

	if (!v || !((*v >= '0' && *v <= '9') || *v == '-'))
		return false;
	*out = strtoll(v, &end, 10);
	return end != v;
}
