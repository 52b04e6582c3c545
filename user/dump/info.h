/* SPDX-License-Identifier: MIT */
/*
 * coretrap -info FILE: what a dump holds, without unpacking it to disk.
 * The file is decoded as a stream (base/zread.h: gzip, zstd or plain), the
 * headers and notes are parsed from its start (core/coreinfo.h), and the
 * rest is only counted, so a compressed file cut short or a core shorter
 * than its program headers say is reported as incomplete.
 */
#ifndef CORETRAP_DUMP_INFO_H
#define CORETRAP_DUMP_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/zblock.h"
#include "core/coreinfo.h"

struct dump_info {
	enum zformat fmt;
	uint64_t file_bytes;    /* on disk */
	uint64_t core_bytes;    /* decoded */
	uint64_t units;         /* gzip members / zstd frames */
	bool parsed;            /* ELF core headers and notes were read */
	struct coreinfo ci;
	bool truncated;         /* the compressed stream stops inside a member/frame */
	bool corrupt;           /* bytes that are no valid member/frame */
	bool short_core;        /* fewer bytes than the core's own headers say */
};

/* Read and decode path. 0 (see info->* for what was found) or a negative errno (cannot read it). */
int dump_info_read(const char *path, struct dump_info *info);
/* The report, one "key: value" per line; returns whether the dump is complete. */
bool dump_info_print(FILE *out, const char *path, const struct dump_info *info);

#endif
