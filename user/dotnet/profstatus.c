// SPDX-License-Identifier: MIT
/* Status channel and settings codec; the format is documented in profstatus.h. */
#include "dotnet/profstatus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wbuf {
	uint8_t *p;
	size_t len, pos;
	bool overflow;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->overflow || n > w->len - w->pos) {
		w->overflow = true;
		return;
	}
	memcpy(w->p + w->pos, src, n);
	w->pos += n;
}

static void put_u8(struct wbuf *w, uint8_t v) { put(w, &v, 1); }

static void put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	put(w, b, 2);
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, 4);
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	put_u32(w, (uint32_t)v);
	put_u32(w, (uint32_t)(v >> 32));
}

static void put_text(struct wbuf *w, const char *s)
{
	size_t n = strnlen(s, PROFSTATUS_TEXT_MAX);
	put_u16(w, (uint16_t)n);
	put(w, s, n);
}

ssize_t profstatus_encode(const struct profmsg *m, uint8_t *buf, size_t len)
{
	struct wbuf w = { buf, len, 0, false };

	put_u8(&w, 'C');
	put_u8(&w, 'T');
	put_u8(&w, PROFSTATUS_VERSION);
	put_u8(&w, m->type);
	put_u32(&w, 0); /* body length, patched below */
	switch (m->type) {
	case PROFMSG_HELLO:
		put_u32(&w, m->pid);
		put_u32(&w, m->version);
		break;
	case PROFMSG_DUMP_REQUEST:
		put_u32(&w, m->seq);
		put_u32(&w, m->trigger);
		put_u32(&w, (uint32_t)m->filter);
		put_u32(&w, m->tid);
		put_u64(&w, m->value);
		put_text(&w, m->text);
		break;
	case PROFMSG_DUMP_REPLY:
		put_u32(&w, m->seq);
		put_u32(&w, (uint32_t)m->result);
		put_u32(&w, m->flags);
		break;
	case PROFMSG_HEARTBEAT:
	case PROFMSG_STOP:
		break;
	case PROFMSG_FAILURE:
		put_u32(&w, (uint32_t)m->hresult);
		put_text(&w, m->text);
		break;
	case PROFMSG_GOODBYE:
		put_u32(&w, m->reason);
		break;
	default:
		return -EINVAL;
	}
	if (w.overflow)
		return -ENOSPC;
	uint32_t body = (uint32_t)(w.pos - PROFSTATUS_HEADER_BYTES);
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(body >> (8 * i));
	return (ssize_t)w.pos;
}

struct rbuf {
	const uint8_t *p;
	size_t len, pos;
	bool short_read;
};

static uint32_t get_u32(struct rbuf *r)
{
	if (r->len - r->pos < 4) {
		r->short_read = true;
		return 0;
	}
	const uint8_t *b = r->p + r->pos;
	r->pos += 4;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(struct rbuf *r)
{
	uint64_t lo = get_u32(r);
	return lo | (uint64_t)get_u32(r) << 32;
}

static void get_text(struct rbuf *r, char *out)
{
	out[0] = '\0';
	if (r->len - r->pos < 2) {
		r->short_read = true;
		return;
	}
	size_t n = (size_t)r->p[r->pos] | (size_t)r->p[r->pos + 1] << 8;
	r->pos += 2;
	if (n > PROFSTATUS_TEXT_MAX || r->len - r->pos < n) {
		r->short_read = true;
		return;
	}
	memcpy(out, r->p + r->pos, n);
	out[n] = '\0';
	r->pos += n;
}

ssize_t profstatus_decode(const uint8_t *buf, size_t len, struct profmsg *m)
{
	if (len >= 1 && buf[0] != 'C')
		return -EBADMSG;
	if (len >= 2 && buf[1] != 'T')
		return -EBADMSG;
	if (len >= 3 && buf[2] != PROFSTATUS_VERSION)
		return -EBADMSG;
	if (len < PROFSTATUS_HEADER_BYTES)
		return 0;
	uint32_t body = (uint32_t)buf[4] | (uint32_t)buf[5] << 8 | (uint32_t)buf[6] << 16 |
			(uint32_t)buf[7] << 24;
	if (body > PROFSTATUS_BODY_MAX)
		return -EBADMSG;
	if (len - PROFSTATUS_HEADER_BYTES < body)
		return 0;

	struct rbuf r = { buf + PROFSTATUS_HEADER_BYTES, body, 0, false };
	memset(m, 0, sizeof(*m));
	m->type = buf[3];
	m->filter = -1;
	switch (m->type) {
	case PROFMSG_HELLO:
		m->pid = get_u32(&r);
		m->version = get_u32(&r);
		break;
	case PROFMSG_DUMP_REQUEST:
		m->seq = get_u32(&r);
		m->trigger = get_u32(&r);
		m->filter = (int32_t)get_u32(&r);
		m->tid = get_u32(&r);
		m->value = get_u64(&r);
		get_text(&r, m->text);
		break;
	case PROFMSG_DUMP_REPLY:
		m->seq = get_u32(&r);
		m->result = (int32_t)get_u32(&r);
		m->flags = get_u32(&r);
		break;
	case PROFMSG_HEARTBEAT:
	case PROFMSG_STOP:
		break;
	case PROFMSG_FAILURE:
		m->hresult = (int32_t)get_u32(&r);
		get_text(&r, m->text);
		break;
	case PROFMSG_GOODBYE:
		m->reason = get_u32(&r);
		break;
	default:
		return -EBADMSG;
	}
	/* A body must be exactly what its type says: no short fields, no trailing bytes. */
	if (r.short_read || r.pos != body)
		return -EBADMSG;
	return (ssize_t)(PROFSTATUS_HEADER_BYTES + body);
}

/* ---- settings ---- */

static bool appendf(char *buf, size_t len, size_t *pos, const char *key, const char *val)
{
	if (strchr(val, '\n'))
		return false;
	int n = snprintf(buf + *pos, len - *pos, "%s %s\n", key, val);
	if (n < 0 || (size_t)n >= len - *pos) {
		*pos = len; /* mark overflow */
		return true;
	}
	*pos += (size_t)n;
	return true;
}

ssize_t profstatus_encode_settings(const struct prof_settings *s, char *buf, size_t len)
{
	size_t pos = 0;
	char num[32];
	bool ok = true;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	snprintf(num, sizeof(num), "%d", PROFSTATUS_VERSION);
	ok &= appendf(buf, len, &pos, "coretrap", num);
	ok &= appendf(buf, len, &pos, "sock", s->status_path);
	if (s->exceptions) {
		ok &= appendf(buf, len, &pos, "exc", "1");
		for (int i = 0; i < s->filter_count && i < CONFIG_MAX_FILTERS; i++)
			ok &= appendf(buf, len, &pos, "f", s->filters[i]);
		if (s->exclude[0])
			ok &= appendf(buf, len, &pos, "fx", s->exclude);
	}
	if (s->gcm_count > 0) {
		snprintf(num, sizeof(num), "%d", (int)s->gcm_heap);
		ok &= appendf(buf, len, &pos, "gcheap", num);
		for (int i = 0; i < s->gcm_count && i < CONFIG_MAX_THRESHOLDS; i++) {
			snprintf(num, sizeof(num), "%ld", s->gcm_mb[i]);
			ok &= appendf(buf, len, &pos, "gcm", num);
		}
	}
	if (s->gc_generation >= 0) {
		snprintf(num, sizeof(num), "%d", s->gc_generation);
		ok &= appendf(buf, len, &pos, "gcgen", num);
	}
	if (!ok)
		return -EINVAL;
	if (pos >= len)
		return -ENOSPC;
	return (ssize_t)pos;
}

static bool parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long x = strtol(v, &end, 10);
	if (errno || end == v || *end || x < lo || x > hi)
		return false;
	*out = x;
	return true;
}

static bool copy_value(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);
	if (n >= cap)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

int profstatus_decode_settings(const char *buf, size_t len, struct prof_settings *s)
{
	char line[CONFIG_FILTER_MAX + 16];
	bool seen_magic = false;
	size_t pos = 0;

	memset(s, 0, sizeof(*s));
	s->gc_generation = -1;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n >= sizeof(line) || memchr(buf + pos, '\0', n))
			return -EBADMSG;
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (n == 0)
			continue;
		char *val = strchr(line, ' ');
		if (!val)
			return -EBADMSG;
		*val++ = '\0';
		long x;
		if (!strcmp(line, "coretrap")) {
			if (!parse_long(val, 1, PROFSTATUS_VERSION, &x))
				return -EBADMSG;
			seen_magic = true;
		} else if (!seen_magic) {
			return -EBADMSG;
		} else if (!strcmp(line, "sock")) {
			if (!copy_value(s->status_path, sizeof(s->status_path), val))
				return -EBADMSG;
		} else if (!strcmp(line, "exc")) {
			s->exceptions = true;
		} else if (!strcmp(line, "f")) {
			if (s->filter_count >= CONFIG_MAX_FILTERS ||
			    !copy_value(s->filters[s->filter_count], CONFIG_FILTER_MAX, val))
				return -EBADMSG;
			s->filter_count++;
		} else if (!strcmp(line, "fx")) {
			if (!copy_value(s->exclude, sizeof(s->exclude), val))
				return -EBADMSG;
		} else if (!strcmp(line, "gcheap")) {
			if (!parse_long(val, GC_HEAP_TOTAL, GC_HEAP_POH, &x))
				return -EBADMSG;
			s->gcm_heap = (enum gc_heap)x;
		} else if (!strcmp(line, "gcm")) {
			if (s->gcm_count >= CONFIG_MAX_THRESHOLDS || !parse_long(val, 0, 1L << 40, &x))
				return -EBADMSG;
			s->gcm_mb[s->gcm_count++] = x;
		} else if (!strcmp(line, "gcgen")) {
			if (!parse_long(val, 0, 2, &x))
				return -EBADMSG;
			s->gc_generation = (int)x;
		}
		/* unknown keys: ignored on purpose */
	}
	if (!seen_magic || !s->status_path[0])
		return -EBADMSG;
	return 0;
}
