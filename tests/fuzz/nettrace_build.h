/* SPDX-License-Identifier: MIT */
/*
 * A tiny nettrace writer for tests and fuzz seeds (not used by coretrap):
 * the stream header, the Trace object, metadata/event blocks with
 * compressed headers, SP and stack blocks, the end tag. Written from the
 * layout in user/dotnet/nettrace.h, so the decoder is checked against an
 * independent statement of the format as well as against captured bytes.
 */
#ifndef CORETRAP_TESTS_NETTRACE_BUILD_H
#define CORETRAP_TESTS_NETTRACE_BUILD_H

#include <stdint.h>
#include <string.h>

struct ntb {
	uint8_t *buf;
	size_t cap, len;
};

static inline void ntb_bytes(struct ntb *b, const void *p, size_t n)
{
	if (b->len + n <= b->cap)
		memcpy(b->buf + b->len, p, n);
	b->len += n;
}

static inline void ntb_u8(struct ntb *b, uint8_t v)
{
	ntb_bytes(b, &v, 1);
}

static inline void ntb_u16(struct ntb *b, uint16_t v)
{
	uint8_t p[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	ntb_bytes(b, p, 2);
}

static inline void ntb_u32(struct ntb *b, uint32_t v)
{
	uint8_t p[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	ntb_bytes(b, p, 4);
}

static inline void ntb_u64(struct ntb *b, uint64_t v)
{
	ntb_u32(b, (uint32_t)v);
	ntb_u32(b, (uint32_t)(v >> 32));
}

static inline void ntb_f64(struct ntb *b, double d)
{
	uint64_t v;

	memcpy(&v, &d, 8);
	ntb_u64(b, v);
}

static inline void ntb_varint(struct ntb *b, uint64_t v)
{
	do {
		uint8_t c = v & 0x7f;

		v >>= 7;
		ntb_u8(b, (uint8_t)(c | (v ? 0x80 : 0)));
	} while (v);
}

/* NUL-terminated UTF-16LE of an ASCII string. */
static inline void ntb_wstr(struct ntb *b, const char *s)
{
	do
		ntb_u16(b, (uint16_t)(unsigned char)*s);
	while (*s++);
}

static inline void ntb_header(struct ntb *b)
{
	ntb_bytes(b, "Nettrace", 8);
	ntb_u32(b, 20);
	ntb_bytes(b, "!FastSerialization.1", 20);
}

static inline void ntb_type(struct ntb *b, const char *name, uint32_t version)
{
	ntb_u8(b, 5);
	ntb_u8(b, 5);
	ntb_u8(b, 1);
	ntb_u32(b, version);
	ntb_u32(b, version);
	ntb_u32(b, (uint32_t)strlen(name));
	ntb_bytes(b, name, strlen(name));
	ntb_u8(b, 6);
}

static inline void ntb_trace(struct ntb *b, uint32_t pid)
{
	ntb_type(b, "Trace", 4);
	for (int i = 0; i < 16; i++)
		ntb_u8(b, 0);
	ntb_u64(b, 1000);       /* sync QPC */
	ntb_u64(b, 1000000000); /* QPC frequency */
	ntb_u32(b, 8);
	ntb_u32(b, pid);
	ntb_u32(b, 2);
	ntb_u32(b, 1000000);
	ntb_u8(b, 6);
}

/* A block object around body[0..n): size, padding to a 4-byte stream offset, body, end tag. */
static inline void ntb_block(struct ntb *b, const char *name, const uint8_t *body, size_t n)
{
	ntb_type(b, name, 2);
	ntb_u32(b, (uint32_t)n);
	while (b->len % 4)
		ntb_u8(b, 0);
	ntb_bytes(b, body, n);
	ntb_u8(b, 6);
}

/* The 20-byte header of an event or metadata block, compressed event headers. */
static inline void ntb_block_header(struct ntb *b)
{
	ntb_u16(b, 20);
	ntb_u16(b, 1);
	ntb_u64(b, 0);
	ntb_u64(b, 0);
}

/* One compressed event: metadata id, timestamp delta, payload. */
static inline void ntb_event(struct ntb *b, uint32_t meta_id, const uint8_t *payload, size_t n)
{
	ntb_u8(b, 0x01 | 0x80); /* metadata id, data length */
	ntb_varint(b, meta_id);
	ntb_varint(b, 10);
	ntb_varint(b, n);
	ntb_bytes(b, payload, n);
}

/* Metadata of an EventCounters event: {"" : {Payload: {Name, Mean, CounterType}}}. */
static inline void ntb_counter_meta(struct ntb *b, uint32_t id, const char *provider)
{
	ntb_u32(b, id);
	ntb_wstr(b, provider);
	ntb_u32(b, 0);
	ntb_wstr(b, "EventCounters");
	ntb_u64(b, 0);
	ntb_u32(b, 0);
	ntb_u32(b, 0);
	ntb_u32(b, 1);  /* one field */
	ntb_u32(b, 1);  /* object */
	ntb_u32(b, 1);  /* with one field */
	ntb_u32(b, 1);  /* object */
	ntb_u32(b, 3);  /* with three */
	ntb_u32(b, 18);
	ntb_wstr(b, "Name");
	ntb_u32(b, 14);
	ntb_wstr(b, "Mean");
	ntb_u32(b, 18);
	ntb_wstr(b, "CounterType");
	ntb_wstr(b, "Payload");
	ntb_wstr(b, "");
}

static inline void ntb_counter_payload(struct ntb *b, const char *name, double mean)
{
	ntb_wstr(b, name);
	ntb_f64(b, mean);
	ntb_wstr(b, "Mean");
}

/* A whole stream: one counter value of provider:name, an SP and a stack block, the end tag. */
static inline size_t ntb_counter_stream(uint8_t *out, size_t cap, const char *provider, const char *name,
					double value)
{
	uint8_t tmp[1024], pl[512];
	struct ntb s = { out, cap, 0 }, blk = { tmp, sizeof(tmp), 0 }, p = { pl, sizeof(pl), 0 };

	ntb_header(&s);
	ntb_trace(&s, 4242);
	ntb_counter_meta(&p, 1, provider);
	ntb_block_header(&blk);
	ntb_event(&blk, 0, pl, p.len);
	ntb_block(&s, "MetadataBlock", tmp, blk.len);
	blk.len = p.len = 0;
	ntb_counter_payload(&p, name, value);
	ntb_block_header(&blk);
	ntb_event(&blk, 1, pl, p.len);
	ntb_block(&s, "EventBlock", tmp, blk.len);
	blk.len = 0;
	ntb_u64(&blk, 5);
	ntb_u32(&blk, 1);
	ntb_u64(&blk, 77);
	ntb_u32(&blk, 1);
	ntb_block(&s, "SPBlock", tmp, blk.len);
	blk.len = 0;
	ntb_u32(&blk, 1);
	ntb_u32(&blk, 1);
	ntb_u32(&blk, 8);
	ntb_u64(&blk, 0x1234);
	ntb_block(&s, "StackBlock", tmp, blk.len);
	ntb_u8(&s, 1);
	return s.len;
}

#endif
