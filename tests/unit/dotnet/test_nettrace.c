/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of user/dotnet/nettrace.c: a stream captured from a .NET 10
 * target (fixtures/counters.nettrace: System.Runtime and Coretrap.Counters
 * EventCounters and Coretrap.Meter instruments, 4 s, then StopTracing), fed
 * whole, byte by byte and cut anywhere; and hand-built streams for each way a
 * stream can lie.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../fuzz/nettrace_build.h"
#include "dotnet/nettrace.h"

#define FIXTURE "tests/unit/dotnet/fixtures/counters.nettrace"

static uint8_t *fixture;
static size_t fixture_len;

static int load_fixture(void **state)
{
	FILE *f = fopen(FIXTURE, "rb");

	(void)state;
	if (!f)
		return -1;
	fixture = malloc(1 << 20);
	fixture_len = fread(fixture, 1, 1 << 20, f);
	fclose(f);
	return fixture_len ? 0 : -1;
}

static int free_fixture(void **state)
{
	(void)state;
	free(fixture);
	return 0;
}

struct seen {
	int events, level_values, gauge_events;
	double last_level;
	char last_provider[NETTRACE_NAME_MAX];
};

static void on_event(void *ctx, const struct nettrace_event *ev)
{
	struct seen *s = ctx;
	struct nettrace_value v;

	s->events++;
	snprintf(s->last_provider, sizeof(s->last_provider), "%s", ev->meta->provider);
	if (!strcmp(ev->meta->event_name, "EventCounters") && !strcmp(ev->meta->provider, "Coretrap.Counters") &&
	    nettrace_get_field(ev, "Name", &v) == 0 && !strcmp(v.str, "level")) {
		assert_int_equal(nettrace_get_field(ev, "Mean", &v), 0);
		assert_int_equal(v.type, NT_TYPE_DOUBLE);
		s->last_level = v.num;
		s->level_values++;
	}
	if (!strcmp(ev->meta->event_name, "GaugeValuePublished"))
		s->gauge_events++;
}

static void check_fixture_totals(const struct nettrace_parser *p, const struct seen *s)
{
	assert_true(p->ended);
	assert_int_equal(p->offset, fixture_len);
	assert_int_equal(p->nmeta, 15);
	assert_int_equal(p->stats.events, 151);
	assert_int_equal(s->events, 151);
	assert_int_equal(p->stats.unknown_metadata, 0);
	assert_int_equal(p->stats.event_blocks, 6);
	assert_int_equal(p->stats.metadata_blocks, 3);
	assert_int_equal(p->stats.stack_blocks, 6);
	assert_int_equal(p->stats.sp_blocks, 1);
	assert_int_equal(p->trace.qpc_freq, 1000000000);
	assert_int_equal(p->trace.pointer_size, 8);
	assert_int_equal(s->level_values, 4); /* one a second for 4 s */
	assert_true(s->last_level == 5.0);   /* the gauge CounterApp was started with */
	assert_int_equal(s->gauge_events, 4);
}

static void test_fixture_whole(void **state)
{
	struct nettrace_parser p;
	struct seen s = { 0 };
	size_t used;

	(void)state;
	nettrace_init(&p, on_event, &s);
	assert_int_equal(nettrace_feed(&p, fixture, fixture_len, &used), 0);
	assert_int_equal(used, fixture_len);
	check_fixture_totals(&p, &s);

	const struct nettrace_meta *m = nettrace_find_meta(&p, 5);

	assert_non_null(m);
	assert_string_equal(m->provider, "System.Runtime");
	assert_string_equal(m->event_name, "EventCounters");
	assert_true(m->fields_known);
	assert_int_equal(m->nfields, 14);
	assert_int_equal(m->fields[0].type, NT_TYPE_OBJECT);
	assert_string_equal(m->fields[0].name, "");
	assert_int_equal(m->fields[0].children, 1);
	assert_string_equal(m->fields[1].name, "Payload");
	assert_int_equal(m->fields[1].children, 12);
	assert_string_equal(m->fields[2].name, "Name");
	assert_int_equal(m->fields[2].depth, 2);
	assert_null(nettrace_find_meta(&p, 99));
	nettrace_free(&p);
}

/* The socket delivers any split: one byte at a time, keeping what was not consumed. */
static void test_fixture_byte_by_byte(void **state)
{
	struct nettrace_parser p;
	struct seen s = { 0 };
	size_t off = 0;

	(void)state;
	nettrace_init(&p, on_event, &s);
	for (size_t have = 1; have <= fixture_len; have++) {
		size_t used;

		assert_int_equal(nettrace_feed(&p, fixture + off, have - off, &used), 0);
		off += used;
	}
	assert_int_equal(off, fixture_len);
	check_fixture_totals(&p, &s);
	nettrace_free(&p);
}

/* A stream cut anywhere is "more to come", never an error, never ended. */
static void test_fixture_cut_anywhere(void **state)
{
	(void)state;
	for (size_t cut = 0; cut < fixture_len; cut += 7) {
		struct nettrace_parser p;
		struct seen s = { 0 };
		uint8_t *copy = malloc(cut ? cut : 1);
		size_t used;

		memcpy(copy, fixture, cut);
		nettrace_init(&p, on_event, &s);
		assert_int_equal(nettrace_feed(&p, copy, cut, &used), 0);
		assert_true(used <= cut);
		assert_false(p.ended);
		nettrace_free(&p);
		free(copy);
	}
}

static void test_built_stream(void **state)
{
	uint8_t buf[4096];
	size_t n = ntb_counter_stream(buf, sizeof(buf), "Coretrap.Counters", "level", 75);
	struct nettrace_parser p;
	struct seen s = { 0 };
	size_t used;

	(void)state;
	nettrace_init(&p, on_event, &s);
	assert_int_equal(nettrace_feed(&p, buf, n, &used), 0);
	assert_int_equal(used, n);
	assert_true(p.ended);
	assert_int_equal(p.trace.pid, 4242);
	assert_int_equal(s.level_values, 1);
	assert_true(s.last_level == 75.0);
	assert_int_equal(p.stats.sp_blocks, 1);
	assert_int_equal(p.stats.stack_blocks, 1);
	nettrace_free(&p);
}

static int feed_all(const uint8_t *buf, size_t n, struct nettrace_parser *p, size_t *used)
{
	nettrace_init(p, NULL, NULL);
	return nettrace_feed(p, buf, n, used);
}

static void test_wrong_magic_fails_at_once(void **state)
{
	struct nettrace_parser p;
	size_t used;

	(void)state;
	/* judged on the bytes that are there: no waiting for a whole header */
	assert_int_equal(feed_all((const uint8_t *)"Nettracf", 8, &p, &used), -EBADMSG);
	nettrace_free(&p);
	assert_int_equal(feed_all((const uint8_t *)"Nett", 4, &p, &used), 0);
	assert_int_equal(used, 0);
	nettrace_free(&p);
}

static void test_lies_are_refused(void **state)
{
	uint8_t buf[4096];
	struct nettrace_parser p;
	size_t used, n;
	struct ntb b = { buf, sizeof(buf), 0 };

	(void)state;
	/* a block that claims more than NETTRACE_MAX_BLOCK: refused before it arrives */
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_type(&b, "EventBlock", 2);
	ntb_u32(&b, NETTRACE_MAX_BLOCK + 1);
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* an unknown object type */
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "WhatBlock", (const uint8_t *)"abcd", 4);
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* bytes after the end tag */
	n = ntb_counter_stream(buf, sizeof(buf), "P", "c", 1);
	buf[n++] = 5;
	assert_int_equal(feed_all(buf, n, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* a block whose end tag is missing */
	n = ntb_counter_stream(buf, sizeof(buf), "P", "c", 1);
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "SPBlock", (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	buf[b.len - 1] = 7;
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* non-zero padding before a block's body */
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	size_t at = b.len;

	ntb_block(&b, "SPBlock", (const uint8_t *)"\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	size_t pad_at = at + 3 + 12 + strlen("SPBlock") + 1 + 4;

	if (pad_at % 4) {
		buf[pad_at] = 9;
		assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
		nettrace_free(&p);
	}

	/* an SP block whose thread count does not fit */
	uint8_t sp[12] = { 0 };

	sp[8] = 3;
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "SPBlock", sp, sizeof(sp));
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* a stack block that says it holds more stacks than it does */
	uint8_t st[8] = { 0, 0, 0, 0, 2, 0, 0, 0 };

	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "StackBlock", st, sizeof(st));
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* an event whose payload runs past its block */
	uint8_t blk[64];
	struct ntb e = { blk, sizeof(blk), 0 };

	ntb_block_header(&e);
	ntb_u8(&e, 0x81);
	ntb_varint(&e, 1);
	ntb_varint(&e, 1);
	ntb_varint(&e, 1000);
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "EventBlock", blk, e.len);
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);

	/* a varint longer than 32 bits can say */
	e.len = 0;
	ntb_block_header(&e);
	ntb_u8(&e, 0x81);
	for (int i = 0; i < 6; i++)
		ntb_u8(&e, 0xff);
	b.len = 0;
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "EventBlock", blk, e.len);
	assert_int_equal(feed_all(buf, b.len, &p, &used), -EBADMSG);
	nettrace_free(&p);
}

static void test_event_of_unknown_metadata_is_skipped(void **state)
{
	uint8_t buf[512], blk[64];
	struct ntb b = { buf, sizeof(buf), 0 }, e = { blk, sizeof(blk), 0 };
	struct nettrace_parser p;
	struct seen s = { 0 };
	size_t used;

	(void)state;
	ntb_block_header(&e);
	ntb_event(&e, 7, (const uint8_t *)"xy", 2);
	ntb_header(&b);
	ntb_trace(&b, 1);
	ntb_block(&b, "EventBlock", blk, e.len);
	nettrace_init(&p, on_event, &s);
	assert_int_equal(nettrace_feed(&p, buf, b.len, &used), 0);
	assert_int_equal(used, b.len);
	assert_int_equal(p.stats.unknown_metadata, 1);
	assert_int_equal(s.events, 0);
	nettrace_free(&p);
}

/* Events written with plain (uncompressed) headers: fixed fields, 4-byte aligned. */
static void test_plain_headers(void **state)
{
	uint8_t buf[2048], blk[512], meta[256], pl[64];
	struct ntb b = { buf, sizeof(buf), 0 }, e = { blk, sizeof(blk), 0 };
	struct ntb m = { meta, sizeof(meta), 0 }, q = { pl, sizeof(pl), 0 };
	struct nettrace_parser p;
	struct seen s = { 0 };
	size_t used;

	(void)state;
	ntb_counter_meta(&m, 3, "Coretrap.Counters");
	ntb_counter_payload(&q, "level", 12.5);
	for (int k = 0; k < 2; k++) {
		const uint8_t *body = k ? pl : meta;
		size_t n = k ? q.len : m.len;

		e.len = 0;
		ntb_u16(&e, 20);
		ntb_u16(&e, 0); /* not compressed */
		ntb_u64(&e, 0);
		ntb_u64(&e, 0);
		ntb_u32(&e, (uint32_t)(76 + n)); /* event size */
		ntb_u32(&e, k ? 3 | 0x80000000u : 0); /* metadata id, "sorted" bit */
		ntb_u32(&e, 1);
		ntb_u64(&e, 42);
		ntb_u64(&e, 42);
		ntb_u32(&e, 0);
		ntb_u32(&e, 0);
		ntb_u64(&e, 99);
		for (int i = 0; i < 32; i++)
			ntb_u8(&e, 0);
		ntb_u32(&e, (uint32_t)n);
		ntb_bytes(&e, body, n);
		while (e.len % 4)
			ntb_u8(&e, 0);
		if (k == 0)
			ntb_header(&b), ntb_trace(&b, 1);
		ntb_block(&b, k ? "EventBlock" : "MetadataBlock", blk, e.len);
	}
	nettrace_init(&p, on_event, &s);
	assert_int_equal(nettrace_feed(&p, buf, b.len, &used), 0);
	assert_int_equal(used, b.len);
	assert_int_equal(s.level_values, 1);
	assert_true(s.last_level == 12.5);
	nettrace_free(&p);
}

static void test_metadata_fields(void **state)
{
	uint8_t buf[512];
	struct ntb b = { buf, sizeof(buf), 0 };
	struct nettrace_meta *m = malloc(sizeof(*m));
	struct nettrace_event ev = { .meta = m };
	struct nettrace_value v;
	uint8_t payload[64];
	struct ntb pl = { payload, sizeof(payload), 0 };

	(void)state;
	ntb_counter_meta(&b, 9, "Prov");
	assert_int_equal(nettrace_parse_meta(buf, b.len, m), 0);
	assert_int_equal(m->id, 9);
	assert_string_equal(m->provider, "Prov");
	assert_true(m->fields_known);
	assert_int_equal(m->nfields, 5);

	/* a payload shorter than its fields say */
	ntb_wstr(&pl, "level");
	ntb_u32(&pl, 0);
	ev.payload = payload;
	ev.payload_len = (uint32_t)pl.len;
	assert_int_equal(nettrace_get_field(&ev, "Name", &v), 0);
	assert_string_equal(v.str, "level");
	assert_int_equal(nettrace_get_field(&ev, "Mean", &v), -EBADMSG);
	assert_int_equal(nettrace_get_field(&ev, "Nope", &v), -EBADMSG);
	/* a string without its terminator */
	ev.payload_len = 4;
	assert_int_equal(nettrace_get_field(&ev, "Name", &v), -EBADMSG);

	/* an unknown type code: the payload becomes opaque, the stream goes on */
	b.len = 0;
	ntb_u32(&b, 1);
	ntb_wstr(&b, "P");
	ntb_u32(&b, 0);
	ntb_wstr(&b, "E");
	ntb_u64(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 1);
	ntb_u32(&b, 77);
	ntb_wstr(&b, "x");
	assert_int_equal(nettrace_parse_meta(buf, b.len, m), 0);
	assert_false(m->fields_known);
	assert_int_equal(nettrace_get_field(&ev, "x", &v), -ENOENT);

	/* arrays: u16 count then elements */
	b.len = 0;
	ntb_u32(&b, 2);
	ntb_wstr(&b, "P");
	ntb_u32(&b, 0);
	ntb_wstr(&b, "E");
	ntb_u64(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 2);
	ntb_u32(&b, NT_TYPE_ARRAY);
	ntb_u32(&b, NT_TYPE_INT32);
	ntb_wstr(&b, "list");
	ntb_u32(&b, NT_TYPE_INT64);
	ntb_wstr(&b, "after");
	assert_int_equal(nettrace_parse_meta(buf, b.len, m), 0);
	assert_true(m->fields_known);
	pl.len = 0;
	ntb_u16(&pl, 2);
	ntb_u32(&pl, 1);
	ntb_u32(&pl, 2);
	ntb_u64(&pl, (uint64_t)-5);
	ev.payload_len = (uint32_t)pl.len;
	assert_int_equal(nettrace_get_field(&ev, "after", &v), 0);
	assert_true(v.num == -5);

	/* cut metadata */
	assert_int_equal(nettrace_parse_meta(buf, 10, m), -EBADMSG);
	free(m);
}

static void test_nesting_is_bounded(void **state)
{
	uint8_t buf[1024];
	struct ntb b = { buf, sizeof(buf), 0 };
	struct nettrace_meta *m = malloc(sizeof(*m));

	(void)state;
	ntb_u32(&b, 1);
	ntb_wstr(&b, "P");
	ntb_u32(&b, 0);
	ntb_wstr(&b, "E");
	ntb_u64(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 0);
	ntb_u32(&b, 1);
	for (int i = 0; i < 20; i++) {
		ntb_u32(&b, NT_TYPE_OBJECT);
		ntb_u32(&b, 1);
	}
	ntb_u32(&b, NT_TYPE_INT32);
	ntb_wstr(&b, "deep");
	assert_int_equal(nettrace_parse_meta(buf, b.len, m), 0);
	assert_false(m->fields_known);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_whole),
		cmocka_unit_test(test_fixture_byte_by_byte),
		cmocka_unit_test(test_fixture_cut_anywhere),
		cmocka_unit_test(test_built_stream),
		cmocka_unit_test(test_wrong_magic_fails_at_once),
		cmocka_unit_test(test_lies_are_refused),
		cmocka_unit_test(test_event_of_unknown_metadata_is_skipped),
		cmocka_unit_test(test_plain_headers),
		cmocka_unit_test(test_metadata_fields),
		cmocka_unit_test(test_nesting_is_bounded),
	};

	return cmocka_run_group_tests(tests, load_fixture, free_fixture);
}
