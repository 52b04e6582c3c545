// SPDX-License-Identifier: MIT
/* Pure /proc text parsers; see proc_parse.h. */
#include "base/proc_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- numbers ---------------- */

static bool ends_value(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '\n';
}

/*
 * A number of the given base that starts at p and ends at a blank, a line
 * end or the text's end: no sign, no leading blanks, no trailing junk (plain
 * strtoull would take " -1" as a huge number). The end, or NULL.
 */
static const char *parse_u64(const char *p, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
		return NULL;
	errno = 0;
	v = strtoull(p, &end, base);
	if (errno || !ends_value(*end))
		return NULL;
	*out = v;
	return end;
}

static const char *parse_i64(const char *p, int64_t *out)
{
	uint64_t v;
	bool neg = *p == '-';

	p = parse_u64(p + neg, 10, &v);
	if (!p || v > (uint64_t)INT64_MAX)
		return NULL;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return p;
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int proc_parse_number(const char *text, int base, uint64_t *out)
{
	const char *end;
	uint64_t v;

	end = parse_u64(skip_blanks(text), base, &v);
	if (!end || end[strspn(end, " \t\n")])
		return -EINVAL; /* not a number, or more after it */
	*out = v;
	return 0;
}

/* ---------------- "Key:\tvalue" lines ---------------- */

const char *proc_field(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, key, klen) == 0 && p[klen] == ':')
			return skip_blanks(p + klen + 1);
	return NULL;
}

int proc_field_num(const char *text, const char *key, unsigned index, uint64_t *out)
{
	const char *p = proc_field(text, key);
	uint64_t v = 0;

	for (unsigned i = 0; p && i <= index; i++)
		p = parse_u64(skip_blanks(p), 10, &v);
	if (!p)
		return -EINVAL;
	*out = v;
	return 0;
}

int proc_field_hex(const char *text, const char *key, uint64_t *out)
{
	const char *p = proc_field(text, key);

	return p && parse_u64(p, 16, out) ? 0 : -EINVAL;
}

int proc_status_nspid(const char *status, pid_t *out)
{
	const char *p = proc_field(status, "NSpid");
	uint64_t v = 0;

	/* outermost first: the last value is the pid in the process's own namespace */
	while (p && *p && *p != '\n') {
		p = parse_u64(p, 10, &v);
		if (!p || v == 0 || v > INT32_MAX)
			return -EINVAL;
		p = skip_blanks(p);
	}
	if (!v)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

int proc_status_counts(const char *status, long page_size, uint64_t *rss_pages, uint32_t *threads)
{
	uint64_t anon, file, shmem, thr;
	long kb_per_page = page_size / 1024;

	if (kb_per_page <= 0 || proc_field_num(status, "Threads", 0, &thr) || thr > UINT32_MAX)
		return -EINVAL;
	*threads = (uint32_t)thr;
	/* Kernel threads have no Rss* lines: RSS 0. */
	if (proc_field_num(status, "RssAnon", 0, &anon) || proc_field_num(status, "RssFile", 0, &file) ||
	    proc_field_num(status, "RssShmem", 0, &shmem)) {
		*rss_pages = 0;
		return 0;
	}
	*rss_pages = (anon + file + shmem) / (uint64_t)kb_per_page;
	return 0;
}

/* ---------------- stat ---------------- */

#define STAT_LAST_FIELD 22 /* starttime */

int proc_parse_stat(const char *stat, struct proc_stat *out)
{
	const char *open_paren = strchr(stat, '('), *close_paren = strrchr(stat, ')');
	const char *field[STAT_LAST_FIELD + 1], *p;
	uint64_t u[STAT_LAST_FIELD + 1] = { 0 };
	int64_t ppid, pgrp, sid, nice;
	size_t clen;

	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;
	/* fields 3 (state) to 22, each after at least one space */
	p = close_paren + 1;
	for (int i = 3; i <= STAT_LAST_FIELD; i++) {
		if (*p != ' ')
			return -EINVAL;
		p = skip_blanks(p);
		if (ends_value(*p))
			return -EINVAL;
		field[i] = p;
		while (!ends_value(*p))
			p++;
	}
	if (!isalpha((unsigned char)field[3][0]) || !ends_value(field[3][1]) ||
	    !parse_i64(field[4], &ppid) || !parse_i64(field[5], &pgrp) || !parse_i64(field[6], &sid) ||
	    !parse_u64(field[9], 10, &u[9]) || !parse_i64(field[19], &nice))
		return -EINVAL;
	/* utime stime cutime cstime, and starttime */
	for (int i = 14; i <= 17; i++)
		if (!parse_u64(field[i], 10, &u[i]))
			return -EINVAL;
	if (!parse_u64(field[22], 10, &u[22]))
		return -EINVAL;

	memset(out, 0, sizeof(*out));
	clen = (size_t)(close_paren - open_paren - 1);
	if (clen >= sizeof(out->comm))
		clen = sizeof(out->comm) - 1;
	memcpy(out->comm, open_paren + 1, clen);
	out->state = field[3][0];
	out->ppid = (pid_t)ppid;
	out->pgrp = (pid_t)pgrp;
	out->sid = (pid_t)sid;
	out->flags = (unsigned long)u[9];
	out->utime = u[14];
	out->stime = u[15];
	out->cutime = u[16];
	out->cstime = u[17];
	out->nice = (int)nice;
	out->starttime = u[22];
	return 0;
}

char proc_stat_state(const char *stat)
{
	const char *paren = strrchr(stat, ')');

	if (!paren || paren[1] != ' ' || !isalpha((unsigned char)paren[2]))
		return 0;
	return paren[2];
}

bool proc_state_dead(char state)
{
	return !state || state == 'Z' || state == 'X' || state == 'x';
}

bool proc_stat_gone(const char *stat)
{
	struct proc_stat st;

	return proc_parse_stat(stat, &st) || proc_state_dead(st.state) || (st.flags & PROC_PF_EXITING);
}

/* ---------------- cmdline and environ ---------------- */

static const char *base_of(const char *path, size_t len, size_t *base_len)
{
	const char *b = path;

	for (size_t i = 0; i < len; i++)
		if (path[i] == '/')
			b = path + i + 1;
	*base_len = len - (size_t)(b - path);
	return b;
}

int proc_name_from_cmdline(const char *buf, size_t len, char *out, size_t outlen)
{
	const char *arg = buf;
	size_t arg_len = strnlen(buf, len);
	const char *b, *space;
	size_t blen;

	b = base_of(arg, arg_len, &blen);
	if (blen == 4 && !memcmp(b, "sudo", 4) && arg_len + 1 < len) {
		arg = buf + arg_len + 1;
		arg_len = strnlen(arg, len - arg_len - 1);
	}
	space = memchr(arg, ' ', arg_len);
	if (space)
		arg_len = (size_t)(space - arg);
	b = base_of(arg, arg_len, &blen);
	if (!blen || !outlen)
		return -ENOENT;
	if (blen >= outlen)
		blen = outlen - 1;
	memcpy(out, b, blen);
	out[blen] = '\0';
	return 0;
}

const char *proc_environ_get(const char *block, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *value = NULL;

	for (size_t off = 0; off < len;) {
		const char *e = block + off;
		size_t elen = strnlen(e, len - off);

		if (elen > nlen && memcmp(e, name, nlen) == 0 && e[nlen] == '=' && off + elen < len)
			value = e + nlen + 1; /* last one wins, as for getenv on a duplicated name */
		off += elen + 1;
	}
	return value;
}
