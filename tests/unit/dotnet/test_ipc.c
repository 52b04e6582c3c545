/* SPDX-License-Identifier: MIT */
/* cmocka tests of user/ipc.c: exact byte layouts and hostile replies. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dotnet/ipc.h"

static const uint8_t magic[14] = "DOTNET_IPC_V1";

/* Build a reply: header + payload bytes. Returns total length. */
static size_t make_reply(uint8_t *buf, uint8_t set, uint8_t id, const void *payload, size_t plen)
{
	size_t len = IPC_HEADER_SIZE + plen;

	memcpy(buf, magic, 14);
	buf[14] = len & 0xff;
	buf[15] = (len >> 8) & 0xff;
	buf[16] = set;
	buf[17] = id;
	buf[18] = buf[19] = 0;
	memcpy(buf + IPC_HEADER_SIZE, payload, plen);
	return len;
}

/* Append a string encoded by the module under test (checked separately). */
static size_t put_str(uint8_t *p, const char *s)
{
	ssize_t n = ipc_put_string(p, 4096, s);

	assert_true(n > 0);
	return (size_t)n;
}

static void test_string_ab(void **state)
{
	static const uint8_t want[] = { 3, 0, 0, 0, 'a', 0, 'b', 0, 0, 0 };
	uint8_t buf[32];

	(void)state;
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "ab"), 10);
	assert_memory_equal(buf, want, sizeof(want));
	/* empty string = count 1 (just the terminator), not a null string */
	assert_int_equal(ipc_put_string(buf, sizeof(buf), ""), 6);
	assert_int_equal(buf[0], 1);
	/* no room for the terminator */
	assert_int_equal(ipc_put_string(buf, 9, "ab"), -ENOSPC);
}

static void test_string_unicode(void **state)
{
	/* "é" U+00E9 and U+1F600 (a surrogate pair D83D DE00) */
	static const uint8_t want[] = { 4, 0, 0, 0, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE, 0, 0 };
	uint8_t buf[32];
	char back[16];
	size_t off = 0;

	(void)state;
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "\xC3\xA9\xF0\x9F\x98\x80"), 12);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(ipc_get_string(buf, 12, &off, back, sizeof(back), NULL), 0);
	assert_int_equal(off, 12);
	assert_string_equal(back, "\xC3\xA9\xF0\x9F\x98\x80");
	/* invalid UTF-8: stray continuation byte, overlong NUL, encoded surrogate */
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "a\x80"), -EILSEQ);
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "\xC0\x80"), -EILSEQ);
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "\xED\xA0\x80"), -EILSEQ);
}

static void test_get_string_hostile(void **state)
{
	uint8_t buf[64] = { 0 };
	char out[8];
	size_t off;
	bool was_null;

	(void)state;
	/* count says 1000 units, only 4 bytes follow */
	buf[0] = 0xE8, buf[1] = 0x03;
	off = 0;
	assert_int_equal(ipc_get_string(buf, 8, &off, out, sizeof(out), NULL), -EBADMSG);
	/* count 0xFFFFFFFF must not overflow */
	memset(buf, 0xFF, 4);
	off = 0;
	assert_int_equal(ipc_get_string(buf, 64, &off, out, sizeof(out), NULL), -EBADMSG);
	/* missing terminator */
	memset(buf, 0, sizeof(buf));
	buf[0] = 2, buf[4] = 'x', buf[6] = 'y';
	off = 0;
	assert_int_equal(ipc_get_string(buf, 8, &off, out, sizeof(out), NULL), -EBADMSG);
	/* null string */
	memset(buf, 0, sizeof(buf));
	off = 0;
	assert_int_equal(ipc_get_string(buf, 4, &off, out, sizeof(out), &was_null), 0);
	assert_true(was_null);
	assert_string_equal(out, "");
	/* long string is truncated, output stays terminated */
	off = 0;
	assert_int_equal(ipc_put_string(buf, sizeof(buf), "abcdefghijkl"), 30);
	assert_int_equal(ipc_get_string(buf, 30, &off, out, sizeof(out), NULL), 0);
	assert_string_equal(out, "abcdefg");
	assert_int_equal(off, 30);
	/* offset already past the end */
	off = 40;
	assert_int_equal(ipc_get_string(buf, 30, &off, out, sizeof(out), NULL), -EBADMSG);
}

static void test_dump3_layout(void **state)
{
	/* 20 + (4 + 12*2) + 4 + 4 = 56 bytes */
	uint8_t want[56] = { 0 }, buf[128];
	const char *name = "/tmp/d.core";

	(void)state;
	memcpy(want, magic, 14);
	want[14] = 56;
	want[16] = 0x01;
	want[17] = 0x03;
	want[20] = 12;
	for (int i = 0; i < 11; i++)
		want[24 + 2 * i] = (uint8_t)name[i];
	want[48] = 2; /* WithHeap */
	assert_int_equal(ipc_encode_dump(buf, sizeof(buf), IPC_DUMP_GENERATE3, name,
					 IPC_DUMP_TYPE_WITH_HEAP, 0), 56);
	assert_memory_equal(buf, want, 56);

	/* Dump2 carries the flags word as given */
	assert_int_equal(ipc_encode_dump(buf, sizeof(buf), IPC_DUMP_GENERATE2, name,
					 IPC_DUMP_TYPE_FULL, IPC_DUMP_FLAG_LOGGING | IPC_DUMP_FLAG_CRASHREPORT), 56);
	assert_int_equal(buf[17], 2);
	assert_int_equal(buf[48], 4);
	assert_int_equal(buf[52], 5);
	/* Dump1 has a "diagnostics" bool in that place */
	assert_int_equal(ipc_encode_dump(buf, sizeof(buf), IPC_DUMP_GENERATE, name,
					 IPC_DUMP_TYPE_NORMAL, IPC_DUMP_FLAG_LOGGING | IPC_DUMP_FLAG_VERBOSE), 56);
	assert_int_equal(buf[17], 1);
	assert_int_equal(buf[52], 1);

	assert_int_equal(ipc_encode_dump(buf, sizeof(buf), 3, name, 5, 0), -EINVAL);
	assert_int_equal(ipc_encode_dump(buf, sizeof(buf), 4, name, 2, 0), -EINVAL);
	assert_int_equal(ipc_encode_dump(buf, 55, 3, name, 2, 0), -ENOSPC);
}

static void test_too_long_message(void **state)
{
	size_t n = 40000;
	char *name = malloc(n + 1);
	uint8_t *buf = malloc(200000);

	(void)state;
	memset(name, 'a', n);
	name[n] = '\0';
	/* 80 KB of UTF-16 cannot fit a uint16 size field */
	assert_int_equal(ipc_encode_dump(buf, 200000, 3, name, 2, 0), -ENOSPC);
	free(name);
	free(buf);
}

static void test_set_env_layout(void **state)
{
	uint8_t buf[128];
	/* "A"=count 2 (6 bytes... 4 + 4), "1" the same: 20 + 8 + 8 */
	static const uint8_t payload[] = { 2, 0, 0, 0, 'A', 0, 0, 0, 2, 0, 0, 0, '1', 0, 0, 0 };

	(void)state;
	assert_int_equal(ipc_encode_set_env(buf, sizeof(buf), "A", "1"), 36);
	assert_memory_equal(buf, magic, 14);
	assert_int_equal(buf[14], 36);
	assert_int_equal(buf[16], 0x04);
	assert_int_equal(buf[17], 0x03);
	assert_memory_equal(buf + 20, payload, sizeof(payload));
	assert_int_equal(ipc_encode_set_env(buf, sizeof(buf), "A=B", "1"), -EINVAL);
	assert_int_equal(ipc_encode_set_env(buf, sizeof(buf), "", "1"), -EINVAL);
}

static void test_empty_command(void **state)
{
	uint8_t buf[20];

	(void)state;
	assert_int_equal(ipc_encode_empty(buf, 20, IPC_SET_PROCESS, IPC_PROCESS_INFO2), 20);
	assert_memory_equal(buf, magic, 14);
	assert_int_equal(buf[14], 20);
	assert_int_equal(buf[15], 0);
	assert_int_equal(buf[16], 4);
	assert_int_equal(buf[17], 4);
	assert_int_equal(ipc_encode_empty(buf, 19, 4, 0), -ENOSPC);
}

static void test_guid_parse(void **state)
{
	/* Windows memory order: Data1/2/3 little-endian, Data4 as written */
	static const uint8_t want[16] = { 0x1e, 0x82, 0x0d, 0xcf, 0x9b, 0x29, 0x07, 0x53,
					  0xa3, 0xd8, 0xb2, 0x83, 0xc0, 0x39, 0x16, 0xdd };
	uint8_t g[16];

	(void)state;
	assert_int_equal(ipc_guid_parse("{cf0d821e-299b-5307-a3d8-b283c03916dd}", g), 0);
	assert_memory_equal(g, want, 16);
	assert_int_equal(ipc_guid_parse("CF0D821E-299B-5307-A3D8-B283C03916DD", g), 0);
	assert_memory_equal(g, want, 16);
	assert_int_equal(ipc_guid_parse("{cf0d821e-299b-5307-a3d8-b283c03916dd", g), -EINVAL);
	assert_int_equal(ipc_guid_parse("cf0d821e-299b-5307-a3d8-b283c03916d", g), -EINVAL);
	assert_int_equal(ipc_guid_parse("cf0d821e-299b-5307-a3d8-b283c03916ddx", g), -EINVAL);
	assert_int_equal(ipc_guid_parse("zf0d821e-299b-5307-a3d8-b283c03916dd", g), -EINVAL);
}

static void test_attach_profiler_layout(void **state)
{
	uint8_t clsid[16], buf[256];
	const char data[3] = { 'x', 'y', 'z' };
	/* 20 + 4 timeout + 16 clsid + (4 + 7*2) "/p.so" + NUL... */
	const char *path = "/a/p.so"; /* 7 chars + NUL = 8 units = 16 bytes + 4 */
	size_t want_len = 20 + 4 + 16 + 20 + 4 + 3;

	(void)state;
	assert_int_equal(ipc_guid_parse("{cf0d821e-299b-5307-a3d8-b283c03916dd}", clsid), 0);
	assert_int_equal(ipc_encode_attach_profiler(buf, sizeof(buf), 5000, clsid, path, data, 3),
			 (ssize_t)want_len);
	assert_int_equal(buf[14], want_len);
	assert_int_equal(buf[16], 0x03);
	assert_int_equal(buf[17], 0x01);
	/* 5000 ms = 0x1388 */
	assert_int_equal(buf[20], 0x88);
	assert_int_equal(buf[21], 0x13);
	assert_int_equal(buf[22], 0);
	assert_memory_equal(buf + 24, clsid, 16);
	assert_int_equal(buf[40], 8);
	assert_int_equal(buf[44], '/');
	assert_int_equal(buf[46], 'a');
	assert_int_equal(buf[56], 'o');
	assert_int_equal(buf[58], 0);
	assert_int_equal(buf[60], 3); /* client data size */
	assert_memory_equal(buf + 64, data, 3);
	/* no client data */
	assert_int_equal(ipc_encode_attach_profiler(buf, sizeof(buf), 0, clsid, path, NULL, 0),
			 (ssize_t)want_len - 3);
	assert_int_equal(ipc_encode_attach_profiler(buf, sizeof(buf), 0, clsid, path, NULL, 1), -EINVAL);
	assert_int_equal(ipc_encode_attach_profiler(buf, want_len - 1, 0, clsid, path, data, 3), -ENOSPC);
}

static void test_header_decode(void **state)
{
	uint8_t buf[64];
	struct ipc_header h;
	size_t n = make_reply(buf, 0xFF, 0x00, "\0\0\0\0", 4);

	(void)state;
	assert_int_equal(ipc_decode_header(buf, n, &h), 0);
	assert_int_equal(h.size, 24);
	assert_int_equal(h.command_set, 0xFF);
	assert_int_equal(h.command_id, 0);
	assert_int_equal(ipc_decode_header(buf, 19, &h), -EBADMSG);
	buf[0] = 'X';
	assert_int_equal(ipc_decode_header(buf, n, &h), -EBADMSG);
	buf[0] = 'D';
	buf[14] = 19, buf[15] = 0;
	assert_int_equal(ipc_decode_header(buf, n, &h), -EBADMSG);
}

static void test_status(void **state)
{
	uint8_t buf[256], pl[128];
	uint32_t hr = 1;
	char text[64];
	size_t n, p;

	(void)state;
	n = make_reply(buf, 0xFF, 0x00, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, text, sizeof(text)), 0);
	assert_int_equal(hr, 0);

	/* 24-byte error with E_FAIL */
	n = make_reply(buf, 0xFF, 0xFF, "\x05\x40\x00\x80", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, text, sizeof(text)), 0);
	assert_int_equal(hr, IPC_HR_FAIL);
	assert_string_equal(text, "");
	assert_int_equal(ipc_hresult_errno(hr), -EIO);

	/* Dump3 error: hresult + message */
	memcpy(pl, "\x05\x40\x00\x80", 4);
	p = 4 + put_str(pl + 4, "Could not create output file");
	n = make_reply(buf, 0xFF, 0xFF, pl, p);
	assert_int_equal(ipc_decode_status(buf, n, &hr, text, sizeof(text)), 0);
	assert_int_equal(hr, IPC_HR_FAIL);
	assert_string_equal(text, "Could not create output file");

	/* the message string lies about its length: the HRESULT still counts */
	pl[4] = 0xFF;
	n = make_reply(buf, 0xFF, 0xFF, pl, p);
	assert_int_equal(ipc_decode_status(buf, n, &hr, text, sizeof(text)), 0);
	assert_int_equal(hr, IPC_HR_FAIL);
	assert_string_equal(text, "");

	/* unknown command */
	n = make_reply(buf, 0xFF, 0xFF, "\x85\x13\x13\x80", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, NULL, 0), 0);
	assert_int_equal(hr, IPC_HR_UNKNOWN_COMMAND);
	assert_string_equal(ipc_hresult_name(hr), "DS_IPC_E_UNKNOWN_COMMAND");
	assert_int_equal(ipc_hresult_errno(hr), -EOPNOTSUPP);

	/* garbage: wrong set, error without hresult, error claiming success, lying size */
	n = make_reply(buf, 0x01, 0x00, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, NULL, 0), -EBADMSG);
	n = make_reply(buf, 0xFF, 0xFF, "\0\0", 2);
	assert_int_equal(ipc_decode_status(buf, n, &hr, NULL, 0), -EBADMSG);
	n = make_reply(buf, 0xFF, 0xFF, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, NULL, 0), -EBADMSG);
	n = make_reply(buf, 0xFF, 0x17, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_status(buf, n, &hr, NULL, 0), -EBADMSG);
	n = make_reply(buf, 0xFF, 0x00, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_status(buf, n - 1, &hr, NULL, 0), -EBADMSG);
}

/* ProcessInfo payload built field by field. */
static size_t process_info_payload(uint8_t *pl, int level, uint32_t version)
{
	size_t p = 0;

	if (level == 3) {
		memcpy(pl, &version, 4); /* little-endian host (x86-64, arm64) */
		p = 4;
	}
	uint64_t pid = 4242;
	memcpy(pl + p, &pid, 8);
	p += 8;
	for (int i = 0; i < 16; i++)
		pl[p++] = (uint8_t)i;
	p += put_str(pl + p, "/usr/bin/dotnet MarkerApp.dll 12345");
	p += put_str(pl + p, "Linux");
	p += put_str(pl + p, "x64");
	if (level >= 2) {
		p += put_str(pl + p, "MarkerApp");
		p += put_str(pl + p, "10.0.12+abc");
	}
	if (level == 3 && version >= 1)
		p += put_str(pl + p, "linux-x64");
	return p;
}

static void test_process_info(void **state)
{
	uint8_t buf[1024], pl[1024];
	struct ipc_process_info info;
	size_t n, p;

	(void)state;
	for (int level = 1; level <= 3; level++) {
		p = process_info_payload(pl, level, 1);
		n = make_reply(buf, 0xFF, 0x00, pl, p);
		assert_int_equal(ipc_decode_process_info(buf, n, level, &info), 0);
		assert_int_equal(info.level, level);
		assert_int_equal(info.pid, 4242);
		assert_int_equal(info.cookie[15], 15);
		assert_string_equal(info.command_line, "/usr/bin/dotnet MarkerApp.dll 12345");
		assert_string_equal(info.os, "Linux");
		assert_string_equal(info.arch, "x64");
		assert_string_equal(info.entry_assembly, level >= 2 ? "MarkerApp" : "");
		assert_string_equal(info.runtime_version, level >= 2 ? "10.0.12+abc" : "");
		assert_string_equal(info.runtime_id, level == 3 ? "linux-x64" : "");
		/* every truncation of the payload is rejected, never read past */
		for (size_t cut = 0; cut < p; cut++) {
			n = make_reply(buf, 0xFF, 0x00, pl, cut);
			assert_int_equal(ipc_decode_process_info(buf, n, level, &info), -EBADMSG);
		}
	}
	/* ProcessInfo3 version 0 has no runtime id */
	p = process_info_payload(pl, 3, 0);
	n = make_reply(buf, 0xFF, 0x00, pl, p);
	assert_int_equal(ipc_decode_process_info(buf, n, 3, &info), 0);
	assert_int_equal(info.info_version, 0);
	assert_string_equal(info.runtime_id, "");
	/* an error reply is not process info */
	n = make_reply(buf, 0xFF, 0xFF, "\x85\x13\x13\x80", 4);
	assert_int_equal(ipc_decode_process_info(buf, n, 2, &info), -EBADMSG);
	assert_int_equal(ipc_decode_process_info(buf, n, 4, &info), -EINVAL);
}

static void test_environment(void **state)
{
	uint8_t buf[64], blob[512];
	uint32_t incoming = 0, count = 3;
	char value[16];
	bool found;
	size_t p = 4, n;

	(void)state;
	n = make_reply(buf, 0xFF, 0x00, "\x10\x00\x00\x00\x00\x00", 6);
	assert_int_equal(n, 26);
	assert_int_equal(ipc_decode_env_header(buf, n, &incoming), 0);
	assert_int_equal(incoming, 16);
	/* a continuation bigger than the cap is refused before anything is read */
	n = make_reply(buf, 0xFF, 0x00, "\x00\x00\x00\x7F\x00\x00", 6);
	assert_int_equal(ipc_decode_env_header(buf, n, &incoming), -EBADMSG);
	n = make_reply(buf, 0xFF, 0x00, "\x10\x00\x00\x00", 4);
	assert_int_equal(ipc_decode_env_header(buf, n, &incoming), -EBADMSG);

	memcpy(blob, &count, 4);
	p += put_str(blob + p, "PATH=/bin");
	p += put_str(blob + p, "DOTNET_DbgDisablePagemapUse=1");
	p += put_str(blob + p, "DOTNET_DbgDisablePagemapUseX=9");
	assert_int_equal(ipc_env_lookup(blob, p, "DOTNET_DbgDisablePagemapUse", value, sizeof(value), &found), 0);
	assert_true(found);
	assert_string_equal(value, "1");
	assert_int_equal(ipc_env_lookup(blob, p, "HOME", value, sizeof(value), &found), 0);
	assert_false(found);
	assert_int_equal(ipc_env_lookup(blob, p, "PATH", value, 4, &found), -ENAMETOOLONG);
	/* count larger than the data can hold, truncated blob */
	count = 1000;
	memcpy(blob, &count, 4);
	assert_int_equal(ipc_env_lookup(blob, p, "PATH", value, sizeof(value), &found), -EBADMSG);
	count = 3;
	memcpy(blob, &count, 4);
	assert_int_equal(ipc_env_lookup(blob, p - 1, "PATH", value, sizeof(value), &found), -EBADMSG);
}

/* CollectTracing2: u32 buffer MB, u32 format 1, u8 rundown 0, u32 n, providers. */
static void test_collect_tracing2_layout(void **state)
{
	struct ipc_provider provs[2] = {
		{ .keywords = 0x1122334455667788ull, .level = 4, .name = "ab", .filter = "k=v" },
		{ .keywords = 2, .level = 5, .name = "c", .filter = NULL },
	};
	uint8_t buf[256];
	ssize_t n = ipc_encode_collect_tracing2(buf, sizeof(buf), 16, provs, 2);
	static const uint8_t payload[] = {
		16, 0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0,
		0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 4, 0, 0, 0,
		3, 0, 0, 0, 'a', 0, 'b', 0, 0, 0,
		4, 0, 0, 0, 'k', 0, '=', 0, 'v', 0, 0, 0,
		2, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0,
		2, 0, 0, 0, 'c', 0, 0, 0,
		1, 0, 0, 0, 0, 0, /* a missing filter is an empty string */
	};

	(void)state;
	assert_int_equal(n, IPC_HEADER_SIZE + sizeof(payload));
	assert_memory_equal(buf, magic, 14);
	assert_int_equal(buf[14] | buf[15] << 8, n);
	assert_int_equal(buf[16], 0x02);
	assert_int_equal(buf[17], 0x03);
	assert_memory_equal(buf + IPC_HEADER_SIZE, payload, sizeof(payload));
	assert_int_equal(ipc_encode_collect_tracing2(buf, sizeof(buf), 16, provs, 0), -EINVAL);
	assert_int_equal(ipc_encode_collect_tracing2(buf, 40, 16, provs, 2), -ENOSPC);
	provs[1].name = "";
	assert_int_equal(ipc_encode_collect_tracing2(buf, sizeof(buf), 16, provs, 2), -EINVAL);
}

static void test_stop_tracing_and_session_reply(void **state)
{
	uint8_t buf[64], reply[64];
	uint64_t id = 0;
	uint32_t hr = 1;
	static const uint8_t sid[8] = { 0x30, 0x15, 0, 0xe0, 0x1b, 0x7f, 0, 0 };
	static const uint8_t err[4] = { 0x85, 0x13, 0x13, 0x80 };
	size_t n;

	(void)state;
	assert_int_equal(ipc_encode_stop_tracing(buf, sizeof(buf), 0x7f1be0001530ull), 28);
	assert_int_equal(buf[16], 0x02);
	assert_int_equal(buf[17], 0x01);
	assert_memory_equal(buf + 20, sid, 8);

	/* the OK reply a .NET 10 runtime sent (captured) */
	n = make_reply(reply, 0xFF, 0x00, sid, 8);
	assert_int_equal(ipc_decode_session_reply(reply, n, &id, &hr), 0);
	assert_int_equal(id, 0x7f1be0001530ull);
	assert_int_equal(hr, 0);
	n = make_reply(reply, 0xFF, 0xFF, err, 4);
	assert_int_equal(ipc_decode_session_reply(reply, n, &id, &hr), 0);
	assert_int_equal(hr, IPC_HR_UNKNOWN_COMMAND);
	/* lies: OK without an id, an error that says OK, a reply of another command set */
	n = make_reply(reply, 0xFF, 0x00, sid, 4);
	assert_int_equal(ipc_decode_session_reply(reply, n, &id, &hr), -EBADMSG);
	n = make_reply(reply, 0xFF, 0xFF, "\0\0\0\0", 4);
	assert_int_equal(ipc_decode_session_reply(reply, n, &id, &hr), -EBADMSG);
	n = make_reply(reply, 0x02, 0x00, sid, 8);
	assert_int_equal(ipc_decode_session_reply(reply, n, &id, &hr), -EBADMSG);
	n = make_reply(reply, 0xFF, 0x00, sid, 8);
	assert_int_equal(ipc_decode_session_reply(reply, n - 1, &id, &hr), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string_ab),
		cmocka_unit_test(test_string_unicode),
		cmocka_unit_test(test_get_string_hostile),
		cmocka_unit_test(test_dump3_layout),
		cmocka_unit_test(test_too_long_message),
		cmocka_unit_test(test_set_env_layout),
		cmocka_unit_test(test_empty_command),
		cmocka_unit_test(test_guid_parse),
		cmocka_unit_test(test_attach_profiler_layout),
		cmocka_unit_test(test_header_decode),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_process_info),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_collect_tracing2_layout),
		cmocka_unit_test(test_stop_tracing_and_session_reply),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
