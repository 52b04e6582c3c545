// SPDX-License-Identifier: MIT
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "dotnet/profstatus.h"

static void roundtrip(const struct profmsg *in, struct profmsg *out)
{
	uint8_t buf[PROFSTATUS_FRAME_MAX];
	ssize_t n = profstatus_encode(in, buf, sizeof(buf));
	assert_true(n >= PROFSTATUS_HEADER_BYTES);
	/* every strict prefix is "need more", never a message or an error */
	for (ssize_t i = 0; i < n; i++)
		assert_int_equal(profstatus_decode(buf, (size_t)i, out), 0);
	assert_int_equal(profstatus_decode(buf, (size_t)n, out), n);
}

static void test_dump_request(void **state)
{
	(void)state;
	struct profmsg in = { .type = PROFMSG_DUMP_REQUEST, .seq = 7, .trigger = PROF_TRIGGER_EXCEPTION,
			      .filter = 2, .tid = 4242, .value = 1ull << 40 }, out;
	strcpy(in.text, "System.ArgumentException: marker beta");
	roundtrip(&in, &out);
	assert_int_equal(out.type, PROFMSG_DUMP_REQUEST);
	assert_int_equal(out.seq, 7);
	assert_int_equal(out.trigger, PROF_TRIGGER_EXCEPTION);
	assert_int_equal(out.filter, 2);
	assert_int_equal(out.tid, 4242);
	assert_true(out.value == 1ull << 40);
	assert_string_equal(out.text, in.text);
}

static void test_other_types(void **state)
{
	(void)state;
	struct profmsg out;
	struct profmsg hello = { .type = PROFMSG_HELLO, .pid = 99, .version = 1 };
	roundtrip(&hello, &out);
	assert_int_equal(out.pid, 99);
	struct profmsg reply = { .type = PROFMSG_DUMP_REPLY, .seq = 3, .result = -ENOSPC,
				 .flags = PROFREPLY_STOP };
	roundtrip(&reply, &out);
	assert_int_equal(out.result, -ENOSPC);
	assert_int_equal(out.flags, PROFREPLY_STOP);
	struct profmsg fail = { .type = PROFMSG_FAILURE, .hresult = (int32_t)0x80131367 };
	strcpy(fail.text, "boom");
	roundtrip(&fail, &out);
	assert_int_equal(out.hresult, (int32_t)0x80131367);
	assert_string_equal(out.text, "boom");
	struct profmsg hb = { .type = PROFMSG_HEARTBEAT };
	roundtrip(&hb, &out);
	assert_int_equal(out.type, PROFMSG_HEARTBEAT);
	struct profmsg bye = { .type = PROFMSG_GOODBYE, .reason = PROF_BYE_EOF };
	roundtrip(&bye, &out);
	assert_int_equal(out.reason, PROF_BYE_EOF);
}

static void test_long_text_truncated(void **state)
{
	(void)state;
	struct profmsg in = { .type = PROFMSG_FAILURE }, out;
	memset(in.text, 'x', PROFSTATUS_TEXT_MAX);
	in.text[PROFSTATUS_TEXT_MAX] = '\0';
	roundtrip(&in, &out);
	assert_int_equal(strlen(out.text), PROFSTATUS_TEXT_MAX);
}

static void test_malformed(void **state)
{
	(void)state;
	uint8_t buf[PROFSTATUS_FRAME_MAX];
	struct profmsg out, hb = { .type = PROFMSG_HEARTBEAT };
	ssize_t n = profstatus_encode(&hb, buf, sizeof(buf));
	assert_int_equal(n, PROFSTATUS_HEADER_BYTES);
	buf[0] = 'X';
	assert_int_equal(profstatus_decode(buf, 1, &out), -EBADMSG);
	buf[0] = 'C';
	buf[3] = 99; /* unknown type */
	assert_int_equal(profstatus_decode(buf, (size_t)n, &out), -EBADMSG);
	buf[3] = PROFMSG_HEARTBEAT;
	buf[4] = 1; /* heartbeat with a trailing byte */
	buf[8] = 0;
	assert_int_equal(profstatus_decode(buf, 9, &out), -EBADMSG);
	buf[4] = 0xff; buf[5] = 0xff; /* body too long */
	assert_int_equal(profstatus_decode(buf, 8, &out), -EBADMSG);
	struct profmsg bad = { .type = 42 };
	assert_int_equal(profstatus_encode(&bad, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(profstatus_encode(&hb, buf, 4), -ENOSPC);
}

static void test_settings(void **state)
{
	(void)state;
	struct prof_settings in, out;
	char buf[16384];
	memset(&in, 0, sizeof(in));
	strcpy(in.status_path, "/tmp/coretrap-1/s");
	in.exceptions = true;
	in.filter_count = 2;
	strcpy(in.filters[0], "*alpha");
	strcpy(in.filters[1], "Argument Exception");
	strcpy(in.exclude, "beta");
	in.gcm_heap = GC_HEAP_LOH;
	in.gcm_count = 2;
	in.gcm_mb[0] = 10;
	in.gcm_mb[1] = 200;
	in.gc_generation = 2;
	ssize_t n = profstatus_encode_settings(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(profstatus_decode_settings(buf, (size_t)n, &out), 0);
	assert_string_equal(out.status_path, in.status_path);
	assert_true(out.exceptions);
	assert_int_equal(out.filter_count, 2);
	assert_string_equal(out.filters[1], "Argument Exception");
	assert_string_equal(out.exclude, "beta");
	assert_int_equal(out.gcm_heap, GC_HEAP_LOH);
	assert_int_equal(out.gcm_count, 2);
	assert_int_equal(out.gcm_mb[1], 200);
	assert_int_equal(out.gc_generation, 2);

	assert_int_equal(profstatus_encode_settings(&in, buf, 20), -ENOSPC);
	strcpy(in.filters[0], "a\nb");
	assert_int_equal(profstatus_encode_settings(&in, buf, sizeof(buf)), -EINVAL);

	const char *nomagic = "sock /x\n";
	assert_int_equal(profstatus_decode_settings(nomagic, strlen(nomagic), &out), -EBADMSG);
	const char *future = "coretrap 1\nsock /x\nnewkey whatever\n";
	assert_int_equal(profstatus_decode_settings(future, strlen(future), &out), 0);
	assert_false(out.exceptions);
	assert_int_equal(out.gc_generation, -1);
	const char *badgen = "coretrap 1\nsock /x\ngcgen 9\n";
	assert_int_equal(profstatus_decode_settings(badgen, strlen(badgen), &out), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_request),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_long_text_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_settings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
