/* SPDX-License-Identifier: MIT */
/*
 * -z for a dump that something else wrote whole (the .NET runtime's own
 * dump): compress the finished file into an unnamed temporary file beside
 * it, link that under its final name only once it is complete, and remove
 * the uncompressed file whatever happens.
 */
#ifndef CORETRAP_DUMP_COMPRESS_FILE_H
#define CORETRAP_DUMP_COMPRESS_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/zblock.h"

struct compress_file_result {
	uint64_t in_bytes, out_bytes;
	uint64_t wall_ns, cpu_ns;
};

/*
 * Compress `raw` into `path` (-EEXIST when it exists and !overwrite), then
 * unlink raw (on failure too). 0 or a negative errno; on failure nothing is
 * left under path.
 */
int compress_file(const char *raw, const char *path, bool overwrite, enum zformat fmt, int level,
		  struct compress_file_result *res);

#endif
