// SPDX-License-Identifier: MIT
/* Pure /proc/PID/{maps,smaps} parser and coredump_filter policy. */
#include "base/proc_maps.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

static unsigned parse_vmflags(const char *p)
{
	unsigned f = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (p[0] && p[1] && (p[2] == ' ' || p[2] == '\0' || p[2] == '\t')) {
			if (!strncmp(p, "dd", 2))
				f |= VMF_DONTDUMP;
			else if (!strncmp(p, "io", 2))
				f |= VMF_IO;
			else if (!strncmp(p, "ht", 2))
				f |= VMF_HUGETLB;
			else if (!strncmp(p, "sh", 2))
				f |= VMF_SHARED;
		}
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return f;
}

/* One "start-end perms offset dev inode [path]" line; 1 = parsed, 0 = not a header. */
static int parse_header(const char *line, struct mapping *m)
{
	unsigned long long start, end, offset;
	unsigned long inode;
	char perms[8];
	unsigned maj, min;
	int used = 0;

	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %lu%n", &start, &end, perms, &offset, &maj, &min,
		   &inode, &used) != 7)
		return 0;
	memset(m, 0, sizeof(*m));
	m->start = start;
	m->end = end;
	m->offset = offset;
	m->inode = inode;
	if (perms[0] == 'r')
		m->perms |= MAP_PERM_R;
	if (perms[1] == 'w')
		m->perms |= MAP_PERM_W;
	if (perms[2] == 'x')
		m->perms |= MAP_PERM_X;
	if (perms[3] == 's')
		m->perms |= MAP_PERM_SHARED;
	line += used;
	while (*line == ' ' || *line == '\t')
		line++;
	m->path = strdup(line);
	return m->path ? 1 : -ENOMEM;
}

static int push(struct maps *out, const struct mapping *m)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 64;
		struct mapping *v = realloc(out->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		out->v = v;
		out->cap = cap;
	}
	out->v[out->n++] = *m;
	return 0;
}

int maps_parse(const char *buf, size_t len, struct maps *out)
{
	char line[4096 + 256];
	size_t at = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	while (at < len) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t l = nl ? (size_t)(nl - (buf + at)) : len - at;
		struct mapping m;
		unsigned long long kb;

		if (l >= sizeof(line))
			l = sizeof(line) - 1;
		memcpy(line, buf + at, l);
		line[l] = '\0';
		at += (nl ? (size_t)(nl - (buf + at)) + 1 : len - at);

		if (out->n && !strncmp(line, "VmFlags:", 8)) {
			out->v[out->n - 1].vmflags = parse_vmflags(line + 8);
			out->v[out->n - 1].has_smaps = true;
			continue;
		}
		if (out->n && sscanf(line, "Anonymous: %llu kB", &kb) == 1) {
			out->v[out->n - 1].anon_kb = kb;
			continue;
		}
		if (out->n && sscanf(line, "Rss: %llu kB", &kb) == 1) {
			out->v[out->n - 1].rss_kb = kb;
			continue;
		}
		if (out->n && sscanf(line, "KernelPageSize: %llu kB", &kb) == 1) {
			out->v[out->n - 1].kpage_kb = kb;
			continue;
		}
		r = parse_header(line, &m);
		if (r < 0)
			goto fail;
		if (r == 0)
			continue; /* another smaps field */
		if (m.end < m.start) {
			free(m.path);
			r = -EINVAL;
			goto fail;
		}
		r = push(out, &m);
		if (r < 0) {
			free(m.path);
			goto fail;
		}
	}
	return 0;
fail:
	maps_free(out);
	return r;
}

void maps_free(struct maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	memset(m, 0, sizeof(*m));
}

int maps_parse_filter(const char *buf, size_t len, unsigned long *out)
{
	char tmp[32], *end;
	unsigned long v;

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	errno = 0;
	v = strtoul(tmp, &end, 16);
	if (errno || end == tmp || (*end && *end != '\n'))
		return -EINVAL;
	*out = v;
	return 0;
}

bool mapping_is_file(const struct mapping *m)
{
	return m->inode != 0 && m->path[0] == '/';
}

bool mapping_is_anon_shared(const struct mapping *m)
{
	/* The kernel tests i_nlink == 0; /proc shows that as " (deleted)". */
	return (m->perms & MAP_PERM_SHARED) &&
	       (m->inode == 0 || ends_with(m->path, " (deleted)"));
}

bool mapping_is_unnamed_shared(const struct mapping *m)
{
	bool deleted = ends_with(m->path, " (deleted)");

	if (!(m->perms & MAP_PERM_SHARED) || !m->inode)
		return false;
	return !strncmp(m->path, "[anon_shmem:", 12) ||
	       (deleted && (!strcmp(m->path, "/dev/zero (deleted)") ||
			    !strcmp(m->path, "/anon_hugepage (deleted)") || !strncmp(m->path, "/memfd:", 7)));
}

/* The text of one maps line: "start-end perms offset dev inode    path". */
static bool line_has_object(const char *l, size_t len, unsigned long inode, const char *path)
{
	size_t i = 0, plen = strlen(path);
	unsigned long ino = 0;

	/* skip four fields: range, perms, offset, device */
	for (int f = 0; f < 4; f++) {
		while (i < len && l[i] != ' ')
			i++;
		while (i < len && l[i] == ' ')
			i++;
	}
	if (i >= len || l[i] < '0' || l[i] > '9')
		return false;
	while (i < len && l[i] >= '0' && l[i] <= '9')
		ino = ino * 10 + (unsigned long)(l[i++] - '0');
	if (ino != inode)
		return false;
	while (i < len && l[i] == ' ')
		i++;
	return len - i == plen && !memcmp(l + i, path, plen);
}

bool maps_text_has_object(const char *buf, size_t len, unsigned long inode, const char *path)
{
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len;

		if (line_has_object(buf + i, end - i, inode, path))
			return true;
		i = end + 1;
	}
	return false;
}

enum dump_kind maps_dump_kind(const struct mapping *m, unsigned long filter)
{
	bool shared = (m->perms & MAP_PERM_SHARED) || (m->vmflags & VMF_SHARED);

	/* vsyscall is never readable from another process: header only. */
	if (!strcmp(m->path, "[vsyscall]"))
		return DUMP_SKIP;
	if (m->vmflags & VMF_DONTDUMP)
		return DUMP_SKIP;
	/* No read permission (PROT_NONE, guard pages): nothing can be copied. */
	if (!(m->perms & MAP_PERM_R))
		return DUMP_SKIP;
	if (!strcmp(m->path, "[vdso]"))
		return DUMP_WHOLE; /* always dumped, like the kernel */
	if (m->vmflags & VMF_HUGETLB)
		return (filter & (shared ? CDF_HUGETLB_SHARED : CDF_HUGETLB_PRIVATE)) ? DUMP_WHOLE
										    : DUMP_SKIP;
	if (m->vmflags & VMF_IO)
		return DUMP_SKIP;
	if (shared) {
		unsigned long bit = mapping_is_anon_shared(m) ? CDF_ANON_SHARED : CDF_FILE_SHARED;

		return (filter & bit) ? DUMP_WHOLE : DUMP_SKIP;
	}
	if (!mapping_is_file(m))
		return (filter & CDF_ANON_PRIVATE) ? DUMP_WHOLE : DUMP_SKIP;
	/*
	 * A private file mapping that was written to has an anon_vma in the
	 * kernel; smaps shows that as Anonymous pages. Without smaps, being
	 * writable is the closest sign.
	 */
	if ((m->has_smaps ? m->anon_kb > 0 : (m->perms & MAP_PERM_W) != 0) &&
	    (filter & CDF_ANON_PRIVATE))
		return DUMP_WHOLE;
	if (filter & CDF_FILE_PRIVATE)
		return DUMP_WHOLE;
	if ((filter & CDF_ELF_HEADERS) && m->offset == 0)
		return DUMP_ELF_HEADER;
	return DUMP_SKIP;
}

static bool same_mapping(const struct mapping *a, const struct mapping *b)
{
	return a->start == b->start && a->end == b->end && a->offset == b->offset &&
	       a->inode == b->inode && a->perms == b->perms && !strcmp(a->path, b->path);
}

int maps_merge_smaps(struct maps *now, const struct maps *before)
{
	size_t j = 0;

	for (size_t i = 0; i < now->n; i++) {
		struct mapping *m = &now->v[i];

		while (j < before->n && before->v[j].start < m->start)
			j++;
		if (j == before->n || !same_mapping(m, &before->v[j]) || !before->v[j].has_smaps)
			return -ESTALE;
	}
	j = 0;
	for (size_t i = 0; i < now->n; i++) {
		struct mapping *m = &now->v[i];
		const struct mapping *b;

		while (before->v[j].start < m->start)
			j++;
		b = &before->v[j];
		m->vmflags = b->vmflags;
		m->anon_kb = b->anon_kb;
		m->rss_kb = b->rss_kb;
		m->kpage_kb = b->kpage_kb;
		m->has_smaps = !(mapping_is_file(m) && !(m->perms & MAP_PERM_SHARED) &&
				 (m->perms & MAP_PERM_W) && b->anon_kb == 0);
	}
	return 0;
}
