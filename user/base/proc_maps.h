/* SPDX-License-Identifier: MIT */
/*
 * Pure parser of /proc/PID/maps and /proc/PID/smaps text, and the kernel's
 * coredump_filter decision for one mapping. No I/O: callers pass the text.
 */
#ifndef CORETRAP_MAPS_H
#define CORETRAP_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* perms */
#define MAP_PERM_R 0x1u
#define MAP_PERM_W 0x2u
#define MAP_PERM_X 0x4u
#define MAP_PERM_SHARED 0x8u

/* smaps VmFlags we act on */
#define VMF_DONTDUMP 0x1u /* dd */
#define VMF_IO 0x2u       /* io */
#define VMF_HUGETLB 0x4u  /* ht */
#define VMF_SHARED 0x8u   /* sh */

/* coredump_filter bits (Documentation/filesystems/proc.rst) */
#define CDF_ANON_PRIVATE 0x01ul
#define CDF_ANON_SHARED 0x02ul
#define CDF_FILE_PRIVATE 0x04ul
#define CDF_FILE_SHARED 0x08ul
#define CDF_ELF_HEADERS 0x10ul
#define CDF_HUGETLB_PRIVATE 0x20ul
#define CDF_HUGETLB_SHARED 0x40ul
#define CDF_DEFAULT 0x33ul

struct mapping {
	uint64_t start, end, offset;
	unsigned perms;
	unsigned long inode;
	char *path;           /* "" for anonymous; may end with " (deleted)" */
	unsigned vmflags;
	bool has_smaps;       /* vmflags/anon_kb/rss_kb came from smaps */
	uint64_t anon_kb;     /* smaps Anonymous: (COW'd or anonymous pages) */
	uint64_t rss_kb;      /* smaps Rss: */
	uint64_t kpage_kb;    /* smaps KernelPageSize: (hugetlb: its huge page), 0 without smaps */
};

struct maps {
	struct mapping *v;
	size_t n, cap;
};

/* Parse maps or smaps text (not NUL-terminated). Returns 0 or -ENOMEM/-EINVAL. */
int maps_parse(const char *buf, size_t len, struct maps *out);
void maps_free(struct maps *m);

/*
 * Give the mappings of `now` (parsed from /proc/PID/maps) what an smaps
 * read of a moment before (`before`) says of them: VmFlags, Anonymous,
 * Rss, KernelPageSize. For a live dump's pause, which cannot wait for smaps' page walk
 * (about 12 ms per GiB of 4 KiB pages). Every mapping of `now` must be in
 * `before` with the same range, offset, inode, permissions and path, else
 * -ESTALE (read smaps instead). A writable private file mapping that had
 * no anonymous pages before may have been written since: it is left
 * without smaps data, which dumps it whole as a writable one.
 */
int maps_merge_smaps(struct maps *now, const struct maps *before);

/* Parse coredump_filter text ("00000033\n"); returns 0 or -EINVAL. */
int maps_parse_filter(const char *buf, size_t len, unsigned long *out);

/* True for a mapping backed by a real file (readable through map_files). */
bool mapping_is_file(const struct mapping *m);
/* Shared mapping of an unlinked file (shmem, /dev/zero, SysV): "anon shared". */
bool mapping_is_anon_shared(const struct mapping *m);
/*
 * Shared memory no other process can open by a name: MAP_SHARED|MAP_ANONYMOUS
 * ("/dev/zero (deleted)", "[anon_shmem:NAME]"), shared anonymous hugetlb
 * ("/anon_hugepage (deleted)") and memfd ("/memfd:NAME (deleted)"). Others
 * reach it only by inheriting the mapping (fork) or by being handed a file
 * descriptor (memfd); unlike a /dev/shm file or a SysV segment, which any
 * process allowed to may open or attach at any time.
 */
bool mapping_is_unnamed_shared(const struct mapping *m);
/*
 * Whether /proc/PID/maps text (not NUL-terminated) maps the object with
 * this inode and path (as /proc shows it, " (deleted)" included).
 */
bool maps_text_has_object(const char *buf, size_t len, unsigned long inode, const char *path);

enum dump_kind {
	DUMP_SKIP = 0,        /* segment header only, no data */
	DUMP_WHOLE,           /* all of it (absent pages still become holes) */
	DUMP_ELF_HEADER,      /* first page, if it starts with ELF magic */
};
/* The kernel's vma_dump_size() decision, expressed on what /proc shows. */
enum dump_kind maps_dump_kind(const struct mapping *m, unsigned long filter);

#endif /* CORETRAP_MAPS_H */
