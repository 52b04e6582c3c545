/* SPDX-License-Identifier: MIT */
/*
 * The leak report (pure, unit-tested): outstanding blocks grouped by call
 * stack, the biggest total first, then written as text or JSON. The frames
 * come from a callback (restrack_sym.c names them from the target's maps
 * and ELF symbols), so this module does no I/O beyond the FILE it is given.
 */
#ifndef CORETRAP_TRIGGER_RESTRACK_REPORT_H
#define CORETRAP_TRIGGER_RESTRACK_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* One outstanding block. */
struct rt_record {
	int32_t stack_id;     /* < 0: no stack was kept */
	uint64_t size;
	uint64_t ts_ns;       /* CLOCK_MONOTONIC at the allocation */
};

struct rt_group {
	int32_t stack_id;
	uint64_t count, bytes;
	uint64_t oldest_ts_ns;
};

/*
 * Group records by stack id: biggest total bytes first, then more blocks,
 * then the lower stack id (a stable order for equal groups). *out is
 * malloc'd (NULL when n is 0). Returns 0 or -ENOMEM.
 */
int rt_group_records(const struct rt_record *rec, size_t n, struct rt_group **out, size_t *nout);

/* One frame, as the symbolizer names it. */
struct rt_frame {
	uint64_t ip;
	const char *module;   /* path of the mapped object, NULL when no file maps ip */
	const char *sym;      /* function, NULL when no symbol covers ip */
	uint64_t off;         /* from sym, or the object's own address when sym is NULL */
};

#define RT_MAX_FRAMES 64

/* Fill up to max frames of stack_id, innermost first; returns how many. */
typedef size_t (*rt_frames_fn)(void *ctx, int32_t stack_id, struct rt_frame *frames, size_t max);

/* Counters of the in-kernel tracker (bpf/restrack_events.h, copied). */
struct rt_counters {
	uint64_t allocs, sampled, freed, map_full, stack_lost, calls_lost;
};

struct rt_report_head {
	pid_t pid;
	const char *name;         /* process name */
	const char *trigger;      /* the dump's trigger token */
	const char *dump_path;    /* the dump this report goes with (its name when -restrack nodump) */
	unsigned sample_rate;     /* -sr */
	uint64_t now_ns;          /* CLOCK_MONOTONIC when the blocks were read */
	uint64_t tracked_ns;      /* how long the process has been tracked */
	struct rt_counters counters;
};

/*
 * Write the report: the head, then one entry per group with its count,
 * bytes, the age of its oldest block and its frames. Returns 0 or -EIO.
 * Text:
 *   #1 1000 blocks, 4096000 bytes, oldest 2.500 s
 *       leak_blocks+0x1d (/usr/bin/app)
 *       app+0x1234 (/usr/bin/app)          no symbol covers the address
 *       0x7f0012345678                      no file maps it
 */
int rt_report_write(FILE *f, bool json, const struct rt_report_head *h, const struct rt_group *g, size_t n,
		    rt_frames_fn frames, void *ctx);

/* "name+0xoff", "module+0xoff" (basename) or "0xip" into buf; returns buf. */
const char *rt_frame_text(const struct rt_frame *fr, char *buf, size_t len);

#endif
