/* SPDX-License-Identifier: MIT */
/*
 * Pure ELF core encoding: ELF header, program headers (with the PN_XNUM
 * extension), note records and the note contents a kernel core carries.
 * Everything works on caller-owned buffers; nothing here does I/O, so the
 * encoder is unit-tested byte by byte.
 *
 * File layout produced by the caller with elfcore_layout():
 *   Elf64_Ehdr | Elf64_Phdr x (1 + loads) | [Elf64_Shdr for PN_XNUM] | notes |
 *   page-aligned PT_LOAD data, one after the other.
 */
#ifndef CORETRAP_ELFCORE_H
#define CORETRAP_ELFCORE_H

#include <elf.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/procfs.h>
#include <sys/types.h>

#define ELFCORE_MAX_REGSETS 4

/* One note record: "name" is "CORE" or "LINUX"; desc is copied verbatim. */
struct elfcore_note {
	const char *name;
	uint32_t type;
	const void *desc;
	size_t desc_len;
};

/* Size of one encoded note: header, name and desc each padded to 4 bytes. */
size_t elfcore_note_size(const struct elfcore_note *n);
/* Encode one note at out (elfcore_note_size bytes); returns bytes written. */
size_t elfcore_note_write(const struct elfcore_note *n, void *out);

/* The notes of one thread: NT_PRSTATUS, then its extra register sets. */
struct elfcore_thread_notes {
	struct elfcore_note prstatus;
	struct elfcore_note regsets[ELFCORE_MAX_REGSETS];
	size_t nregsets;
};

/*
 * The note segment in the kernel's order: first thread's NT_PRSTATUS, the
 * process notes (PRPSINFO, SIGINFO, AUXV, FILE), the first thread's other
 * register sets, then every other thread's PRSTATUS and register sets.
 * With out == NULL only the size is computed.
 */
size_t elfcore_notes_write(const struct elfcore_thread_notes *threads, size_t nthreads,
			   const struct elfcore_note *proc, size_t nproc, void *out);

/* ---- note contents ---- */

struct elfcore_thread_info {
	pid_t tid, ppid, pgrp, sid;
	int cursig;                  /* signal that stopped it (first thread), else 0 */
	const siginfo_t *siginfo;    /* for pr_info, may be NULL */
	unsigned long sigpend, sighold;
	uint64_t utime_us, stime_us, cutime_us, cstime_us;
};
/* gregs: the NT_PRSTATUS register set as PTRACE_GETREGSET returns it. */
void elfcore_fill_prstatus(struct elf_prstatus *out, const struct elfcore_thread_info *ti,
			   const void *gregs, size_t gregs_len, int fpvalid);

struct elfcore_proc_info {
	char state;                  /* /proc/PID/stat state letter */
	int nice;
	unsigned long flags;
	uid_t uid;
	gid_t gid;
	pid_t pid, ppid, pgrp, sid;
	const char *comm;
	const char *cmdline;         /* NUL-separated argv as /proc/PID/cmdline */
	size_t cmdline_len;
};
void elfcore_fill_prpsinfo(struct elf_prpsinfo *out, const struct elfcore_proc_info *pi);

/* One file-backed mapping for NT_FILE. offset is in bytes (scaled here). */
struct elfcore_file_entry {
	uint64_t start, end, offset;
	const char *path;
};
/*
 * Encode the NT_FILE desc: count, page size, count x {start, end, offset in
 * pages}, then the NUL-terminated paths. With out == NULL returns the size.
 */
size_t elfcore_file_note(const struct elfcore_file_entry *files, size_t n, uint64_t page_size,
			 void *out);

/* ---- headers and layout ---- */

struct elfcore_segment {
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t filesz;             /* bytes of data in the file (0 = none) */
	uint32_t flags;              /* PF_R | PF_W | PF_X */
	uint64_t offset;             /* set by elfcore_layout */
};

struct elfcore_layout {
	uint64_t phoff, shoff;       /* shoff 0 unless PN_XNUM is needed */
	uint64_t notes_offset, notes_size;
	uint64_t data_offset;        /* first PT_LOAD byte, page-aligned */
	uint64_t file_size;          /* end of the last PT_LOAD data */
	size_t phnum;                /* real count: 1 + loads */
};

/* Assign segment offsets; returns 0 or -EOVERFLOW. */
int elfcore_layout(struct elfcore_segment *segs, size_t nsegs, uint64_t notes_size,
		   uint64_t page_size, struct elfcore_layout *out);
/* Bytes before the notes: ehdr + phdrs (+ one shdr with PN_XNUM). */
size_t elfcore_headers_size(size_t nsegs);
/* Encode ehdr, PT_NOTE + PT_LOAD phdrs and the PN_XNUM shdr at out. */
size_t elfcore_headers_write(const struct elfcore_layout *lay, const struct elfcore_segment *segs,
			     size_t nsegs, uint16_t machine, uint64_t page_size, void *out);

#endif /* CORETRAP_ELFCORE_H */
