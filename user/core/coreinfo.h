/* SPDX-License-Identifier: MIT */
/*
 * What a core is, from its first bytes: the ELF header, the program
 * headers and the notes (NT_PRPSINFO: pid and name; one NT_PRSTATUS per
 * thread; the coretrap note: trigger and time), and how long the whole
 * file must be (the end of the last segment). Pure and fed untrusted bytes
 * (any file a user points -info at): fuzzed (tests/fuzz/fuzz_coreinfo.c).
 *
 * The coretrap note (owner "CORETRAP", type CORETRAP_NOTE_INFO) is text,
 * one key=value per line: trigger=<trigger name token>, time=<UTC, ISO
 * 8601>, writer=coretrap. gdb, readelf and the kernel ignore notes of
 * owners they do not know.
 */
#ifndef CORETRAP_CORE_COREINFO_H
#define CORETRAP_CORE_COREINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CORETRAP_NOTE_NAME "CORETRAP"
#define CORETRAP_NOTE_INFO 0x43540001u /* "CT", 1: a type no reader of "CORE" notes knows */
/* Headers and notes beyond this are not looked at (a core's notes are a few MiB at most). */
#define COREINFO_MAX_HEAD (64u << 20)

struct coreinfo {
	uint16_t machine;
	uint64_t expected_bytes; /* end of the furthest segment: the core's full size */
	unsigned segments;       /* PT_LOAD */
	unsigned threads;        /* NT_PRSTATUS notes */
	int signal;              /* pr_cursig of the first thread (0: none) */
	bool has_psinfo;
	int pid;
	char name[17];           /* pr_fname */
	char args[81];           /* pr_psargs */
	char trigger[32];        /* from the coretrap note, "" without one */
	char time[40];
};

/*
 * Parse a core whose first `len` bytes are b. 0 when everything needed was
 * there; -EAGAIN with *need set (bytes from the start) when more is needed;
 * -EINVAL when b is no ELF64 little-endian core; -E2BIG when its headers
 * and notes would exceed COREINFO_MAX_HEAD.
 */
int coreinfo_parse(const unsigned char *b, size_t len, struct coreinfo *ci, size_t *need);

/*
 * The coretrap note's text for trigger at unix time t (UTC), in buf.
 * Returns its length (without the NUL), truncated to len - 1.
 */
size_t coreinfo_note_text(char *buf, size_t len, const char *trigger, int64_t t);

#endif
