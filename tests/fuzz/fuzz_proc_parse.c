/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/base/proc_parse.c and proc_maps.c. /proc text is
 * written by the kernel, but much of it is chosen by the target (comm,
 * cmdline, environ, mapped file names), so every parser must answer 0 or its
 * one error on any bytes without reading outside them. Text parsers get the
 * input NUL-terminated, as proc_read gives it; cmdline, environ and maps get
 * the raw bytes with their length.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/proc_maps.h"
#include "base/proc_parse.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static void check(int rc)
{
	if (rc != 0 && rc != -EINVAL)
		abort();
}

/* A field's value points into the text, at or before its NUL. */
static void check_field(const char *text, size_t len, const char *key)
{
	const char *v = proc_field(text, key);

	if (v && (v < text || v > text + len))
		abort();
}

static void fuzz_text(const char *text, size_t len)
{
	static const char *const keys[] = { "Name", "State", "Uid", "Gid", "NSpid", "Threads", "SigIgn",
					    "TracerPid", "MemAvailable", "" };
	struct proc_stat st;
	uint64_t v, rss;
	uint32_t threads;
	pid_t pid;
	char state;
	int rc;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		check_field(text, len, keys[i]);
		for (unsigned index = 0; index < 5; index++)
			check(proc_field_num(text, keys[i], index, &v));
		check(proc_field_hex(text, keys[i], &v));
	}
	check(proc_parse_number(text, 10, &v));
	check(proc_parse_number(text, 16, &v));
	if (proc_status_nspid(text, &pid) == 0 && pid <= 0)
		abort();
	check(proc_status_counts(text, 4096, &rss, &threads));
	rc = proc_parse_stat(text, &st);
	check(rc);
	if (rc == 0 && (strnlen(st.comm, sizeof(st.comm)) == sizeof(st.comm) || !isalpha((unsigned char)st.state)))
		abort();
	state = proc_stat_state(text);
	if (state && !isalpha((unsigned char)state))
		abort();
}

static void fuzz_bytes(const char *data, size_t size)
{
	static const char *const names[] = { "TMPDIR", "A", "" };
	struct maps maps;
	unsigned long filter;
	char name[16];
	int rc;

	rc = proc_name_from_cmdline(data, size, name, sizeof(name));
	if (rc != 0 && rc != -ENOENT)
		abort();
	if (rc == 0 && (!name[0] || strnlen(name, sizeof(name)) == sizeof(name)))
		abort();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *value = proc_environ_get(data, size, names[i]);

		/* a value is inside the block and ends with a NUL inside it */
		if (value && (value < data || value >= data + size ||
			      strnlen(value, (size_t)(data + size - value)) == (size_t)(data + size - value)))
			abort();
	}
	rc = maps_parse(data, size, &maps);
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	for (size_t i = 0; rc == 0 && i < maps.n; i++) {
		if (maps.v[i].end < maps.v[i].start || !maps.v[i].path)
			abort();
		/* the holder lookup over the same text, for each object it names (ASan checks the reads) */
		if (mapping_is_unnamed_shared(&maps.v[i]))
			(void)maps_text_has_object(data, size, maps.v[i].inode, maps.v[i].path);
	}
	if (rc == 0)
		maps_free(&maps);
	check(maps_parse_filter(data, size, &filter));
	(void)maps_text_has_object(data, size, 0, "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exact size plus the NUL: ASan sees any read past the text */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_text(text, strlen(text));
	free(text);
	fuzz_bytes((const char *)data, size);
	return 0;
}

static size_t put(uint8_t *buf, size_t cap, const char *s, size_t len)
{
	if (len > cap)
		len = cap;
	memcpy(buf, s, len);
	return len;
}
#define PUT(lit) put(buf, cap, lit, sizeof(lit) - 1)

/* Real /proc texts for the standalone driver to mutate. */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	switch (index % 6) {
	case 0:
		return PUT("Name:\tdotnet\nState:\tS (sleeping)\nTracerPid:\t0\n"
			   "Uid:\t1000\t65534\t65534\t65534\nGid:\t1000\t65533\t1\t1\n"
			   "NSpid:\t14485\t7\t1\nRssAnon:\t  1024 kB\nRssFile:\t  2048 kB\n"
			   "RssShmem:\t 4 kB\nThreads:\t7\nSigPnd:\t0000000000000000\n"
			   "SigIgn:\t0000000000001000\nSigCgt:\t0000000000000200\n");
	case 1:
		return PUT("9286 (dot net) x) S 1 9286 9287 0 -1 4194560 5961 0 0 0 23 6 2 3 20 -5 "
			   "18 0 78657 3463417856 7950 18446744073709551615\n");
	case 2:
		return PUT("MemTotal:       16318480 kB\nMemAvailable:    8000000 kB\n"
			   "Dirty:               124 kB\nWriteback:             0 kB\n");
	case 3:
		return PUT("/usr/bin/sudo\0/opt/app/bin/server\0--port\0" "80\0");
	case 4:
		return PUT("A=1\0TMPDIR=/t1\0TMPDIRX=no\0TMPDIR=/t2\0");
	default:
		return PUT("55d4c6a00000-55d4c6a02000 r--p 00000000 fd:01 1835 /usr/bin/sleep\n"
			   "Size:                  8 kB\nRss:                   8 kB\n"
			   "Anonymous:             0 kB\nVmFlags: rd mr mw me dw sd dd\n"
			   "7ffc2e5f6000-7ffc2e5f8000 r-xp 00000000 00:00 0 [vdso]\n");
	}
}
