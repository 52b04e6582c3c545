/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/ipc.c: every decoder gets the same hostile bytes and
 * must answer 0 or -EBADMSG without touching memory outside the input.
 * Decoded strings must stay NUL-terminated within their buffers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dotnet/ipc.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static void check(int rc)
{
	if (rc != 0 && rc != -EBADMSG && rc != -ENAMETOOLONG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_header h;
	struct ipc_process_info info;
	uint32_t hr, incoming;
	char text[64], value[32];
	bool found;
	size_t off = 0;

	check(ipc_decode_header(data, size, &h));
	check(ipc_decode_status(data, size, &hr, text, sizeof(text)));
	if (strnlen(text, sizeof(text)) == sizeof(text))
		abort();
	for (int level = 1; level <= 3; level++) {
		check(ipc_decode_process_info(data, size, level, &info));
		if (strnlen(info.command_line, sizeof(info.command_line)) == sizeof(info.command_line) ||
		    strnlen(info.runtime_version, sizeof(info.runtime_version)) == sizeof(info.runtime_version))
			abort();
	}
	check(ipc_decode_env_header(data, size, &incoming));
	check(ipc_env_lookup(data, size, "DOTNET_DbgDisablePagemapUse", value, sizeof(value), &found));
	/* strings straight from the start, and walking a sequence of them */
	while (ipc_get_string(data, size, &off, text, sizeof(text), NULL) == 0 && off < size)
		;
	return 0;
}

static size_t put_header(uint8_t *buf, size_t len, uint8_t set, uint8_t id)
{
	memcpy(buf, "DOTNET_IPC_V1", 14);
	buf[14] = len & 0xff;
	buf[15] = len >> 8;
	buf[16] = set;
	buf[17] = id;
	buf[18] = buf[19] = 0;
	return len;
}

/* Valid replies and blobs for the standalone driver to mutate. */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	size_t p = IPC_HEADER_SIZE;
	uint32_t v;

	if (cap < 1024)
		return 0;
	switch (index % 6) {
	case 0: /* OK status */
		memset(buf + p, 0, 4);
		return put_header(buf, p + 4, 0xFF, 0x00);
	case 1: /* Dump3 error with text */
		v = IPC_HR_FAIL;
		memcpy(buf + p, &v, 4);
		p += 4;
		p += (size_t)ipc_put_string(buf + p, cap - p, "[createdump] Could not create output file");
		return put_header(buf, p, 0xFF, 0xFF);
	case 2:
	case 3: { /* ProcessInfo3 (v1) or ProcessInfo2 */
		if (index % 6 == 2) {
			v = 1;
			memcpy(buf + p, &v, 4);
			p += 4;
		}
		memset(buf + p, 7, 24);
		p += 24;
		p += (size_t)ipc_put_string(buf + p, cap - p, "/usr/bin/dotnet App.dll");
		p += (size_t)ipc_put_string(buf + p, cap - p, "Linux");
		p += (size_t)ipc_put_string(buf + p, cap - p, "x64");
		p += (size_t)ipc_put_string(buf + p, cap - p, "App");
		p += (size_t)ipc_put_string(buf + p, cap - p, "10.0.12");
		if (index % 6 == 2)
			p += (size_t)ipc_put_string(buf + p, cap - p, "linux-x64");
		return put_header(buf, p, 0xFF, 0x00);
	}
	case 4: /* ProcessEnvironment header */
		v = 64;
		memcpy(buf + p, &v, 4);
		memset(buf + p + 4, 0, 2);
		return put_header(buf, p + 6, 0xFF, 0x00);
	default: /* environment continuation */
		v = 2;
		memcpy(buf, &v, 4);
		p = 4;
		p += (size_t)ipc_put_string(buf + p, cap - p, "A=1");
		p += (size_t)ipc_put_string(buf + p, cap - p, "DOTNET_DbgDisablePagemapUse=0");
		return p;
	}
}
