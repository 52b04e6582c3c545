/* SPDX-License-Identifier: MIT */
/*
 * The daemon's storage caps, as systemd-coredump has them (MaxUse=,
 * KeepFree=, a per-dump maximum) plus a host-wide count of dumps at once,
 * and the decision they make before a dump starts: go, go after evicting
 * the oldest dumps already uploaded, or skip (and say which cap refused).
 * Pure: the caller passes the spool's files, the filesystem's figures and
 * the dump's estimated size, so every rule is unit-tested.
 */
#ifndef CORETRAP_DUMP_SPOOL_CAPS_H
#define CORETRAP_DUMP_SPOOL_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A size cap: bytes, or a percentage of the spool's filesystem (pct != 0). 0 and 0: no cap. */
struct spool_size {
	uint64_t bytes;
	unsigned pct; /* 1..100 */
};

struct spool_caps {
	struct spool_size max_use;   /* every file in the spool, blocks on disk */
	struct spool_size keep_free; /* free space the filesystem keeps after the dump */
	struct spool_size max_dump;  /* one dump */
	unsigned max_concurrent;     /* dumps at once on the host through this spool; 0 = no cap */
};

/* systemd-coredump's defaults: the spool may use 10% of its filesystem and must leave 15% free. */
#define SPOOL_DEFAULT_MAX_USE_PCT 10
#define SPOOL_DEFAULT_KEEP_FREE_PCT 15
#define SPOOL_DEFAULT_MAX_CONCURRENT 1

void spool_caps_default(struct spool_caps *c);

/*
 * "512M", "10G", "1T", "4096" (bytes), "15%": K M G T are powers of 1024
 * (KiB...), an optional trailing "B"/"iB" is allowed ("10GiB"). 0 or -EINVAL.
 * allow_pct: whether "N%" is accepted (not for max-dump).
 */
int spool_parse_size(const char *s, bool allow_pct, struct spool_size *out);

/* The cap in bytes on a filesystem of fs_bytes. */
uint64_t spool_size_bytes(const struct spool_size *s, uint64_t fs_bytes);

/* "812 MiB", "1.5 GiB", "4096 B": for messages. */
const char *spool_fmt_size(uint64_t bytes, char *buf, size_t len);

/*
 * The caps as one line, for the environment of the one-shot runs the
 * daemon supervises (CORETRAP_SPOOL_CAPS): "max-use=10%,keep-free=0,
 * max-dump=4294967296,max-concurrent=1". parse: 0 or -EINVAL.
 */
#define SPOOL_CAPS_ENV "CORETRAP_SPOOL_CAPS"
void spool_caps_format(const struct spool_caps *c, char *buf, size_t len);
int spool_caps_parse(const char *s, struct spool_caps *out);

/* One file of the spool, as the planner sees it. */
struct spool_entry {
	uint64_t bytes; /* blocks on disk */
	int64_t mtime;	/* seconds; the oldest goes first */
	bool uploaded;	/* only an uploaded dump may be evicted */
};

enum spool_verdict {
	SPOOL_GO,	 /* start the dump (after evicting the entries listed, if any) */
	SPOOL_TOO_BIG,	 /* over max-dump */
	SPOOL_MAX_USE,	 /* the spool would grow past max-use, even after eviction */
	SPOOL_KEEP_FREE, /* the filesystem would keep less than keep-free, even after eviction */
};

struct spool_fs {
	uint64_t total_bytes, avail_bytes; /* statvfs: f_blocks and f_bavail times f_frsize */
};

/*
 * The decision for a dump of about `estimate` bytes. On SPOOL_GO, evict[]
 * holds the indexes into e[] to remove first (oldest uploaded first), their
 * count in *nevict (evict has room for n). On a refusal nothing is to be
 * evicted (*nevict = 0) and why holds one sentence: "it would need about
 * 812 MiB and the spool may grow by 200 MiB (max-use 1 GiB)".
 */
enum spool_verdict spool_plan(const struct spool_caps *caps, const struct spool_fs *fs, const struct spool_entry *e,
			      size_t n, uint64_t estimate, size_t *evict, size_t *nevict, char *why, size_t why_len);

const char *spool_verdict_name(enum spool_verdict v);

#endif
