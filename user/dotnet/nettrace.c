/* SPDX-License-Identifier: MIT */
/*
 * nettrace stream decoder (see nettrace.h for the layout). Pure and fuzzed:
 * a cursor (struct rd) carries every read, and each read checks the bytes
 * are there first. A unit that is not complete yet is "need more", not an
 * error; a unit that can never become valid is -EBADMSG.
 */
#include "dotnet/nettrace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TAG_NULL 1
#define TAG_BEGIN 5
#define TAG_END 6
#define MAGIC "Nettrace"
#define SERIALIZER "!FastSerialization.1"
#define NEED_MORE 1 /* internal: a unit is not complete yet */

enum { STAGE_MAGIC, STAGE_TRACE, STAGE_BLOCKS, STAGE_ENDED };

/* A bounded reader over buf[0..len). */
struct rd {
	const uint8_t *buf;
	size_t len, off;
};

static bool rd_has(const struct rd *r, size_t n)
{
	return r->len - r->off >= n;
}

static uint8_t get8(struct rd *r)
{
	return r->buf[r->off++];
}

static uint16_t get16(struct rd *r)
{
	uint16_t v = (uint16_t)(r->buf[r->off] | r->buf[r->off + 1] << 8);

	r->off += 2;
	return v;
}

static uint32_t get32(struct rd *r)
{
	const uint8_t *p = r->buf + r->off;

	r->off += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(struct rd *r)
{
	uint64_t lo = get32(r);

	return lo | (uint64_t)get32(r) << 32;
}

/* LEB128 of at most max_bytes (5 for 32 bits, 10 for 64). -EBADMSG when too long or cut. */
static int get_varint(struct rd *r, int max_bytes, uint64_t *out)
{
	uint64_t v = 0;

	for (int i = 0; i < max_bytes; i++) {
		if (!rd_has(r, 1))
			return -EBADMSG;
		uint8_t b = get8(r);

		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Append code point cp as UTF-8 when it fits whole; always keeps out NUL-terminated. */
static void utf8_put(char *out, size_t cap, size_t *pos, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (*pos + n < cap) {
		memcpy(out + *pos, b, n);
		*pos += n;
	}
	out[*pos] = '\0';
}

/*
 * A NUL-terminated UTF-16LE string at the cursor, into out as UTF-8
 * (truncated, lone surrogates as U+FFFD). -EBADMSG when no terminator.
 */
static int get_wstr(struct rd *r, char *out, size_t cap)
{
	size_t pos = 0;

	if (cap)
		out[0] = '\0';
	for (;;) {
		if (!rd_has(r, 2))
			return -EBADMSG;
		uint32_t u = get16(r);

		if (u == 0)
			return 0;
		if (u >= 0xD800 && u <= 0xDBFF && rd_has(r, 2)) {
			uint32_t lo = (uint32_t)(r->buf[r->off] | r->buf[r->off + 1] << 8);

			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				r->off += 2;
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			} else {
				u = 0xFFFD;
			}
		} else if (u >= 0xD800 && u <= 0xDFFF) {
			u = 0xFFFD;
		}
		if (cap)
			utf8_put(out, cap, &pos, u);
	}
}

/* ---------------- metadata ---------------- */

static bool valid_type(uint32_t t)
{
	return t == NT_TYPE_OBJECT || (t >= NT_TYPE_BOOL && t <= NT_TYPE_ARRAY);
}

static int parse_fields(struct rd *r, uint32_t count, int depth, struct nettrace_meta *m)
{
	if (depth > NETTRACE_MAX_DEPTH || count > NETTRACE_MAX_FIELDS)
		return -EBADMSG;
	for (uint32_t i = 0; i < count; i++) {
		struct nettrace_field *f;
		size_t idx;
		int err;

		if (m->nfields >= NETTRACE_MAX_FIELDS || !rd_has(r, 4))
			return -EBADMSG;
		idx = m->nfields++;
		f = &m->fields[idx];
		memset(f, 0, sizeof(*f));
		f->type = (uint8_t)get32(r);
		if (!valid_type(f->type))
			return -EBADMSG;
		f->depth = (uint8_t)depth;
		if (f->type == NT_TYPE_ARRAY) {
			if (!rd_has(r, 4))
				return -EBADMSG;
			uint32_t et = get32(r);

			/* arrays of objects or arrays are not needed by any counter event */
			if (!valid_type(et) || et == NT_TYPE_OBJECT || et == NT_TYPE_ARRAY)
				return -EBADMSG;
			f->element_type = (uint8_t)et;
		} else if (f->type == NT_TYPE_OBJECT) {
			if (!rd_has(r, 4))
				return -EBADMSG;
			uint32_t n = get32(r);

			if ((err = parse_fields(r, n, depth + 1, m)))
				return err;
			m->fields[idx].children = (uint16_t)n;
			f = &m->fields[idx];
		}
		if ((err = get_wstr(r, f->name, sizeof(f->name))))
			return err;
	}
	return 0;
}

int nettrace_parse_meta(const uint8_t *buf, size_t len, struct nettrace_meta *m)
{
	struct rd r = { buf, len, 0 };
	int err;

	memset(m, 0, sizeof(*m));
	if (!rd_has(&r, 4))
		return -EBADMSG;
	m->id = get32(&r);
	if ((err = get_wstr(&r, m->provider, sizeof(m->provider))))
		return err;
	if (!rd_has(&r, 4))
		return -EBADMSG;
	m->event_id = get32(&r);
	if ((err = get_wstr(&r, m->event_name, sizeof(m->event_name))))
		return err;
	if (!rd_has(&r, 16))
		return -EBADMSG;
	m->keywords = get64(&r);
	m->version = get32(&r);
	m->level = get32(&r);
	/* The field list: a payload we cannot describe stays opaque, the stream goes on. */
	if (rd_has(&r, 4)) {
		uint32_t n = get32(&r);

		m->fields_known = parse_fields(&r, n, 0, m) == 0;
		if (!m->fields_known)
			return 0;
	} else {
		m->fields_known = true; /* no fields at all */
		return 0;
	}
	/* Tagged sections: V2 parameters (tag 2) replace the field list. */
	while (rd_has(&r, 5)) {
		uint32_t tag_len = get32(&r);
		uint8_t tag = get8(&r);

		if (!rd_has(&r, tag_len)) {
			m->fields_known = false;
			return 0;
		}
		if (tag == 2) {
			struct rd t = { r.buf + r.off, tag_len, 0 };

			m->nfields = 0;
			m->fields_known = rd_has(&t, 4) && parse_fields(&t, get32(&t), 0, m) == 0;
		}
		r.off += tag_len;
	}
	return 0;
}

const struct nettrace_meta *nettrace_find_meta(const struct nettrace_parser *p, uint32_t id)
{
	for (size_t i = 0; i < p->nmeta; i++)
		if (p->meta[i]->id == id)
			return p->meta[i];
	return NULL;
}

/* Keep a parsed metadata entry; a repeated id replaces the old description. */
static int add_meta(struct nettrace_parser *p, const struct nettrace_meta *m)
{
	struct nettrace_meta *slot = (struct nettrace_meta *)nettrace_find_meta(p, m->id);

	if (!slot) {
		if (p->nmeta >= NETTRACE_MAX_METADATA)
			return -EBADMSG;
		if (p->nmeta == p->cap_meta) {
			size_t cap = p->cap_meta ? p->cap_meta * 2 : 16;
			struct nettrace_meta **n = realloc(p->meta, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			p->meta = n;
			p->cap_meta = cap;
		}
		slot = malloc(sizeof(*slot));
		if (!slot)
			return -ENOMEM;
		p->meta[p->nmeta++] = slot;
	}
	*slot = *m;
	return 0;
}

/* ---------------- blocks ---------------- */

/* The per-block state a compressed event header is a delta against. */
struct evhdr {
	uint32_t meta_id;
	uint32_t seq;
	uint64_t capture_thread, thread_id, timestamp;
	uint32_t proc, stack_id, payload_len;
};

enum {
	HF_META = 1 << 0,
	HF_THREAD_SEQ = 1 << 1,
	HF_THREAD = 1 << 2,
	HF_STACK = 1 << 3,
	HF_ACTIVITY = 1 << 4,
	HF_RELATED = 1 << 5,
	HF_SORTED = 1 << 6,
	HF_LENGTH = 1 << 7,
};

static int read_compressed_header(struct rd *r, struct evhdr *h)
{
	uint64_t v;
	uint8_t flags;

	if (!rd_has(r, 1))
		return -EBADMSG;
	flags = get8(r);
	if (flags & HF_META) {
		if (get_varint(r, 5, &v))
			return -EBADMSG;
		h->meta_id = (uint32_t)v;
	}
	if (flags & HF_THREAD_SEQ) {
		if (get_varint(r, 5, &v))
			return -EBADMSG;
		h->seq += (uint32_t)v + 1;
		if (get_varint(r, 10, &h->capture_thread) || get_varint(r, 5, &v))
			return -EBADMSG;
		h->proc = (uint32_t)v;
	} else if (h->meta_id) {
		h->seq++;
	}
	if ((flags & HF_THREAD) && get_varint(r, 10, &h->thread_id))
		return -EBADMSG;
	if (flags & HF_STACK) {
		if (get_varint(r, 5, &v))
			return -EBADMSG;
		h->stack_id = (uint32_t)v;
	}
	if (get_varint(r, 10, &v))
		return -EBADMSG;
	h->timestamp += v;
	if (flags & HF_ACTIVITY) {
		if (!rd_has(r, 16))
			return -EBADMSG;
		r->off += 16;
	}
	if (flags & HF_RELATED) {
		if (!rd_has(r, 16))
			return -EBADMSG;
		r->off += 16;
	}
	if (flags & HF_LENGTH) {
		if (get_varint(r, 5, &v))
			return -EBADMSG;
		h->payload_len = (uint32_t)v;
	}
	return 0;
}

/* The fixed V4/V5 header of a block written without compression. */
static int read_plain_header(struct rd *r, struct evhdr *h)
{
	if (!rd_has(r, 80))
		return -EBADMSG;
	(void)get32(r); /* event size: the payload length below says the same */
	h->meta_id = get32(r) & 0x7fffffffu; /* the top bit says "sorted" */
	h->seq = get32(r);
	h->thread_id = get64(r);
	h->capture_thread = get64(r);
	h->proc = get32(r);
	h->stack_id = get32(r);
	h->timestamp = get64(r);
	r->off += 32; /* activity ids */
	h->payload_len = get32(r);
	return 0;
}

/* Events of an EventBlock (is_meta false) or MetadataBlock (true). */
static int parse_event_block(struct nettrace_parser *p, const uint8_t *buf, size_t len, bool is_meta)
{
	struct rd r = { buf, len, 0 };
	struct evhdr h = { 0 };
	uint16_t header_size, flags;
	bool compressed;

	if (!rd_has(&r, 4))
		return -EBADMSG;
	header_size = get16(&r);
	flags = get16(&r);
	if (header_size < 4 || header_size > len)
		return -EBADMSG;
	r.off = header_size;
	compressed = flags & 1;
	while (r.off < r.len) {
		int err = compressed ? read_compressed_header(&r, &h) : read_plain_header(&r, &h);

		if (err)
			return err;
		if (!rd_has(&r, h.payload_len))
			return -EBADMSG;
		const uint8_t *payload = r.buf + r.off;

		r.off += h.payload_len;
		if (!compressed)
			r.off = (r.off + 3) & ~(size_t)3; /* plain events are 4-byte aligned */
		if (r.off > r.len)
			r.off = r.len;
		if (is_meta) {
			struct nettrace_meta *m = malloc(sizeof(*m));

			if (!m)
				return -ENOMEM;
			err = nettrace_parse_meta(payload, h.payload_len, m);
			if (!err)
				err = add_meta(p, m);
			free(m);
			if (err)
				return err;
			p->stats.metadata++;
			continue;
		}
		const struct nettrace_meta *m = nettrace_find_meta(p, h.meta_id);

		if (!m) {
			p->stats.unknown_metadata++;
			continue;
		}
		p->stats.events++;
		if (p->on_event) {
			struct nettrace_event ev = { .meta = m, .timestamp = h.timestamp,
						     .thread_id = h.thread_id, .payload = payload,
						     .payload_len = h.payload_len };

			p->on_event(p->ctx, &ev);
		}
	}
	return 0;
}

/* StackBlock: u32 first id, u32 count, count x {u32 size, size bytes}. Checked, not kept. */
static int parse_stack_block(const uint8_t *buf, size_t len)
{
	struct rd r = { buf, len, 0 };
	uint32_t count;

	if (!rd_has(&r, 8))
		return -EBADMSG;
	(void)get32(&r);
	count = get32(&r);
	for (uint32_t i = 0; i < count; i++) {
		if (!rd_has(&r, 4))
			return -EBADMSG;
		uint32_t n = get32(&r);

		if (!rd_has(&r, n))
			return -EBADMSG;
		r.off += n;
	}
	return r.off == r.len ? 0 : -EBADMSG;
}

/* SPBlock: u64 timestamp, u32 threads, threads x {u64 thread id, u32 sequence}. */
static int parse_sp_block(const uint8_t *buf, size_t len)
{
	struct rd r = { buf, len, 0 };
	uint32_t n;

	if (!rd_has(&r, 12))
		return -EBADMSG;
	(void)get64(&r);
	n = get32(&r);
	return (uint64_t)n * 12 == r.len - r.off ? 0 : -EBADMSG;
}

/* ---------------- top-level units ---------------- */

/*
 * The type header of an object at r: 5 5 1 version minver n name 6.
 * 0 with the name, NEED_MORE, or -EBADMSG.
 */
static int read_type(struct rd *r, char *name, size_t cap)
{
	uint32_t n;

	if (!rd_has(r, 15))
		return NEED_MORE;
	if (get8(r) != TAG_BEGIN || get8(r) != TAG_BEGIN || get8(r) != TAG_NULL)
		return -EBADMSG;
	(void)get32(r); /* version */
	(void)get32(r); /* minimum reader version */
	n = get32(r);
	if (n == 0 || n >= cap)
		return -EBADMSG;
	if (!rd_has(r, n + 1))
		return NEED_MORE;
	memcpy(name, r->buf + r->off, n);
	name[n] = '\0';
	r->off += n;
	return get8(r) == TAG_END ? 0 : -EBADMSG;
}

/* One unit at r; NEED_MORE when it is not all there. */
static int parse_unit(struct nettrace_parser *p, struct rd *r)
{
	char name[32];
	int err;

	switch (p->stage) {
	case STAGE_MAGIC: {
		const size_t n = sizeof(MAGIC) - 1 + 4 + sizeof(SERIALIZER) - 1;

		/* judge what is there already: a wrong peer fails at once */
		size_t have = r->len - r->off < n ? r->len - r->off : n;
		uint8_t want[sizeof(MAGIC) - 1 + 4 + sizeof(SERIALIZER) - 1];

		memcpy(want, MAGIC, 8);
		memcpy(want + 8, "\x14\0\0\0", 4);
		memcpy(want + 12, SERIALIZER, sizeof(SERIALIZER) - 1);
		if (memcmp(r->buf + r->off, want, have))
			return -EBADMSG;
		if (have < n)
			return NEED_MORE;
		r->off += n;
		p->stage = STAGE_TRACE;
		return 0;
	}
	case STAGE_TRACE:
		if ((err = read_type(r, name, sizeof(name))))
			return err;
		if (strcmp(name, "Trace"))
			return -EBADMSG;
		if (!rd_has(r, 48 + 1))
			return NEED_MORE;
		r->off += 16; /* SYSTEMTIME of the session start */
		p->trace.sync_qpc = get64(r);
		p->trace.qpc_freq = get64(r);
		p->trace.pointer_size = get32(r);
		p->trace.pid = get32(r);
		p->trace.cpus = get32(r);
		(void)get32(r); /* expected CPU sampling rate */
		if (get8(r) != TAG_END)
			return -EBADMSG;
		p->stage = STAGE_BLOCKS;
		return 0;
	case STAGE_BLOCKS: {
		uint32_t size;
		size_t pad;

		if (!rd_has(r, 1))
			return NEED_MORE;
		if (r->buf[r->off] == TAG_NULL) {
			r->off++;
			p->stage = STAGE_ENDED;
			p->ended = true;
			return 0;
		}
		if ((err = read_type(r, name, sizeof(name))))
			return err;
		if (!rd_has(r, 4))
			return NEED_MORE;
		size = get32(r);
		if (size > NETTRACE_MAX_BLOCK)
			return -EBADMSG;
		pad = (size_t)((4 - (p->buf_base + r->off) % 4) % 4);
		if (!rd_has(r, pad + (size_t)size + 1))
			return NEED_MORE;
		for (size_t i = 0; i < pad; i++)
			if (get8(r) != 0)
				return -EBADMSG;
		const uint8_t *body = r->buf + r->off;

		r->off += size;
		if (get8(r) != TAG_END)
			return -EBADMSG;
		if (!strcmp(name, "EventBlock")) {
			p->stats.event_blocks++;
			return parse_event_block(p, body, size, false);
		}
		if (!strcmp(name, "MetadataBlock")) {
			p->stats.metadata_blocks++;
			return parse_event_block(p, body, size, true);
		}
		if (!strcmp(name, "StackBlock")) {
			p->stats.stack_blocks++;
			return parse_stack_block(body, size);
		}
		if (!strcmp(name, "SPBlock")) {
			p->stats.sp_blocks++;
			return parse_sp_block(body, size);
		}
		return -EBADMSG;
	}
	default:
		return -EBADMSG; /* nothing may follow the end tag */
	}
}

void nettrace_init(struct nettrace_parser *p, nettrace_event_fn on_event, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->on_event = on_event;
	p->ctx = ctx;
}

void nettrace_free(struct nettrace_parser *p)
{
	for (size_t i = 0; i < p->nmeta; i++)
		free(p->meta[i]);
	free(p->meta);
	p->meta = NULL;
	p->nmeta = p->cap_meta = 0;
}

int nettrace_feed(struct nettrace_parser *p, const uint8_t *buf, size_t len, size_t *used)
{
	struct rd r = { buf, len, 0 };

	*used = 0;
	p->buf_base = p->offset; /* stream offset of buf[0]: block padding is relative to the stream */
	while (r.off < r.len) {
		size_t start = r.off;
		int err = parse_unit(p, &r);

		if (err == NEED_MORE) {
			r.off = start;
			break;
		}
		if (err)
			return err;
		*used = r.off;
		p->offset = p->buf_base + r.off;
	}
	return 0;
}

/* ---------------- payload fields ---------------- */

static int skip_or_read(struct rd *r, uint8_t type, struct nettrace_value *out)
{
	size_t n = 0;

	switch (type) {
	case NT_TYPE_BOOL: case NT_TYPE_INT32: case NT_TYPE_UINT32: case NT_TYPE_SINGLE: n = 4; break;
	case NT_TYPE_CHAR: case NT_TYPE_INT16: case NT_TYPE_UINT16: n = 2; break;
	case NT_TYPE_SBYTE: case NT_TYPE_BYTE: n = 1; break;
	case NT_TYPE_INT64: case NT_TYPE_UINT64: case NT_TYPE_DOUBLE: case NT_TYPE_DATETIME: n = 8; break;
	case NT_TYPE_DECIMAL: case NT_TYPE_GUID: n = 16; break;
	case NT_TYPE_STRING:
		if (out)
			return get_wstr(r, out->str, sizeof(out->str));
		return get_wstr(r, NULL, 0);
	default:
		return -EBADMSG;
	}
	if (!rd_has(r, n))
		return -EBADMSG;
	if (out) {
		const uint8_t *b = r->buf + r->off;
		struct rd v = { b, n, 0 };
		uint32_t u32;
		uint64_t u64;
		float f;
		double d;

		out->str[0] = '\0';
		switch (type) {
		case NT_TYPE_BOOL: out->num = get32(&v) != 0; break;
		case NT_TYPE_INT32: out->num = (int32_t)get32(&v); break;
		case NT_TYPE_UINT32: out->num = get32(&v); break;
		case NT_TYPE_SINGLE: u32 = get32(&v); memcpy(&f, &u32, 4); out->num = f; break;
		case NT_TYPE_CHAR: case NT_TYPE_UINT16: out->num = get16(&v); break;
		case NT_TYPE_INT16: out->num = (int16_t)get16(&v); break;
		case NT_TYPE_SBYTE: out->num = (int8_t)b[0]; break;
		case NT_TYPE_BYTE: out->num = b[0]; break;
		case NT_TYPE_INT64: case NT_TYPE_DATETIME: out->num = (double)(int64_t)get64(&v); break;
		case NT_TYPE_UINT64: out->num = (double)get64(&v); break;
		case NT_TYPE_DOUBLE: u64 = get64(&v); memcpy(&d, &u64, 8); out->num = d; break;
		default: out->num = 0; break; /* decimal, guid: not numbers we compare */
		}
	}
	r->off += n;
	return 0;
}

int nettrace_get_field(const struct nettrace_event *ev, const char *name, struct nettrace_value *out)
{
	const struct nettrace_meta *m = ev->meta;
	struct rd r = { ev->payload, ev->payload_len, 0 };

	if (!m || !m->fields_known)
		return -ENOENT;
	for (size_t i = 0; i < m->nfields; i++) {
		const struct nettrace_field *f = &m->fields[i];
		int err;

		if (f->type == NT_TYPE_OBJECT)
			continue; /* its children follow inline */
		if (f->type == NT_TYPE_ARRAY) {
			if (!rd_has(&r, 2))
				return -EBADMSG;
			uint16_t n = get16(&r);

			for (uint16_t k = 0; k < n; k++)
				if ((err = skip_or_read(&r, f->element_type, NULL)))
					return err;
			continue;
		}
		bool want = strcmp(f->name, name) == 0;

		if ((err = skip_or_read(&r, f->type, want ? out : NULL)))
			return err;
		if (want) {
			out->type = f->type;
			return 0;
		}
	}
	return -ENOENT;
}
