// SPDX-License-Identifier: MIT
/* The storage caps' decision before a dump; see spool_caps.h. */
#include "dump/spool_caps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void spool_caps_default(struct spool_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->max_use.pct = SPOOL_DEFAULT_MAX_USE_PCT;
	c->keep_free.pct = SPOOL_DEFAULT_KEEP_FREE_PCT;
	c->max_concurrent = SPOOL_DEFAULT_MAX_CONCURRENT;
}

int spool_parse_size(const char *s, bool allow_pct, struct spool_size *out)
{
	static const char units[] = "KMGT";
	unsigned long long v;
	char *end;
	int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end == '%') {
		if (!allow_pct || end[1] || v < 1 || v > 100)
			return -EINVAL;
		*out = (struct spool_size){ .pct = (unsigned)v };
		return 0;
	}
	if (*end && strchr(units, *end)) {
		shift = 10 * (int)(strchr(units, *end) - units + 1);
		end++;
		if (end[0] == 'i' && end[1] == 'B')
			end += 2;
		else if (*end == 'B')
			end++;
	} else if (*end == 'B') {
		end++;
	}
	if (*end || (shift && v > (UINT64_MAX >> shift)))
		return -EINVAL;
	*out = (struct spool_size){ .bytes = (uint64_t)v << shift };
	return 0;
}

uint64_t spool_size_bytes(const struct spool_size *s, uint64_t fs_bytes)
{
	return s->pct ? fs_bytes / 100 * s->pct : s->bytes;
}

const char *spool_fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 3) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (v < 10 && v != (double)(uint64_t)v)
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	else
		snprintf(buf, len, "%.0f %s", v, unit[u]);
	return buf;
}

static int size_field(char *buf, size_t len, const char *key, const struct spool_size *s)
{
	return s->pct ? snprintf(buf, len, "%s=%u%%", key, s->pct)
		      : snprintf(buf, len, "%s=%llu", key, (unsigned long long)s->bytes);
}

void spool_caps_format(const struct spool_caps *c, char *buf, size_t len)
{
	char a[48], b[48], d[48];

	size_field(a, sizeof(a), "max-use", &c->max_use);
	size_field(b, sizeof(b), "keep-free", &c->keep_free);
	size_field(d, sizeof(d), "max-dump", &c->max_dump);
	snprintf(buf, len, "%s,%s,%s,max-concurrent=%u", a, b, d, c->max_concurrent);
}

int spool_caps_parse(const char *s, struct spool_caps *out)
{
	char copy[256], *save = NULL;
	struct spool_caps c = { 0 };
	unsigned seen = 0;

	if (!s || strlen(s) >= sizeof(copy))
		return -EINVAL;
	snprintf(copy, sizeof(copy), "%s", s);
	for (char *f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(f, '='), *end;
		int r = -EINVAL;

		if (!eq)
			return -EINVAL;
		*eq++ = 0;
		if (!strcmp(f, "max-use"))
			r = spool_parse_size(eq, true, &c.max_use), seen |= 1;
		else if (!strcmp(f, "keep-free"))
			r = spool_parse_size(eq, true, &c.keep_free), seen |= 2;
		else if (!strcmp(f, "max-dump"))
			r = spool_parse_size(eq, false, &c.max_dump), seen |= 4;
		else if (!strcmp(f, "max-concurrent")) {
			unsigned long v = strtoul(eq, &end, 10);

			r = *eq && !*end && v <= 64 ? 0 : -EINVAL;
			c.max_concurrent = (unsigned)v;
			seen |= 8;
		}
		if (r)
			return -EINVAL;
	}
	if (seen != 15)
		return -EINVAL;
	*out = c;
	return 0;
}

const char *spool_verdict_name(enum spool_verdict v)
{
	switch (v) {
	case SPOOL_GO: return "go";
	case SPOOL_TOO_BIG: return "max-dump";
	case SPOOL_MAX_USE: return "max-use";
	case SPOOL_KEEP_FREE: return "keep-free";
	}
	return "?";
}

static int older_first(const void *a, const void *b, void *ctx)
{
	const struct spool_entry *e = ctx;
	int64_t ta = e[*(const size_t *)a].mtime, tb = e[*(const size_t *)b].mtime;

	if (ta != tb)
		return ta < tb ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1; /* stable: the scan's order */
}

enum spool_verdict spool_plan(const struct spool_caps *caps, const struct spool_fs *fs, const struct spool_entry *e,
			      size_t n, uint64_t estimate, size_t *evict, size_t *nevict, char *why, size_t why_len)
{
	uint64_t max_dump = spool_size_bytes(&caps->max_dump, fs->total_bytes);
	uint64_t max_use = spool_size_bytes(&caps->max_use, fs->total_bytes);
	uint64_t keep_free = spool_size_bytes(&caps->keep_free, fs->total_bytes);
	uint64_t used = 0, need_use = 0, need_free = 0, need, freed = 0, evictable = 0;
	char a[32], b[32], c[32];
	size_t k = 0;

	*nevict = 0;
	why[0] = 0;
	if (max_dump && estimate > max_dump) {
		snprintf(why, why_len, "it would need about %s, over max-dump %s",
			 spool_fmt_size(estimate, a, sizeof(a)), spool_fmt_size(max_dump, b, sizeof(b)));
		return SPOOL_TOO_BIG;
	}
	for (size_t i = 0; i < n; i++) {
		used += e[i].bytes;
		if (e[i].uploaded) {
			evict[k++] = i;
			evictable += e[i].bytes;
		}
	}
	if (max_use && used + estimate > max_use)
		need_use = used + estimate - max_use;
	/* the dump needs its own room whatever keep-free says */
	if (estimate + keep_free > fs->avail_bytes)
		need_free = estimate + keep_free - fs->avail_bytes;
	need = need_use > need_free ? need_use : need_free;
	if (need > evictable) {
		if (need_use > evictable) {
			uint64_t room = max_use > used ? max_use - used : 0;

			snprintf(why, why_len, "it would need about %s and the spool may grow by %s (max-use %s%s)",
				 spool_fmt_size(estimate, a, sizeof(a)), spool_fmt_size(room, b, sizeof(b)),
				 spool_fmt_size(max_use, c, sizeof(c)),
				 evictable ? ", after evicting every uploaded dump" : ", no uploaded dump to evict");
			return SPOOL_MAX_USE;
		}
		snprintf(why, why_len, "it would need about %s and %s is free, %s of it to keep (keep-free%s)",
			 spool_fmt_size(estimate, a, sizeof(a)), spool_fmt_size(fs->avail_bytes, b, sizeof(b)),
			 spool_fmt_size(keep_free, c, sizeof(c)),
			 evictable ? ", after evicting every uploaded dump" : ", no uploaded dump to evict");
		return SPOOL_KEEP_FREE;
	}
	if (!need)
		return SPOOL_GO;
	qsort_r(evict, k, sizeof(*evict), older_first, (void *)e);
	while (freed < need)
		freed += e[evict[(*nevict)++]].bytes;
	return SPOOL_GO;
}
