// SPDX-License-Identifier: MIT
/* Pure ELF core encoder; see elfcore.h for the layout. */
#include "core/elfcore.h"

#include <errno.h>
#include <string.h>

static size_t align4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static uint64_t align_up(uint64_t n, uint64_t a)
{
	return (n + a - 1) / a * a;
}

size_t elfcore_note_size(const struct elfcore_note *n)
{
	return sizeof(Elf64_Nhdr) + align4(strlen(n->name) + 1) + align4(n->desc_len);
}

size_t elfcore_note_write(const struct elfcore_note *n, void *out)
{
	unsigned char *p = out;
	size_t namesz = strlen(n->name) + 1;
	Elf64_Nhdr h = {
		.n_namesz = (Elf64_Word)namesz,
		.n_descsz = (Elf64_Word)n->desc_len,
		.n_type = n->type,
	};
	size_t size = elfcore_note_size(n);

	/* Padding bytes must be zero: readers hash and compare notes. */
	memset(p, 0, size);
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, n->name, namesz);
	p += align4(namesz);
	if (n->desc_len)
		memcpy(p, n->desc, n->desc_len);
	return size;
}

static size_t put_note(const struct elfcore_note *n, unsigned char *out, size_t at)
{
	if (out)
		return elfcore_note_write(n, out + at);
	return elfcore_note_size(n);
}

size_t elfcore_notes_write(const struct elfcore_thread_notes *threads, size_t nthreads,
			   const struct elfcore_note *proc, size_t nproc, void *out)
{
	unsigned char *o = out;
	size_t at = 0;

	for (size_t t = 0; t < nthreads; t++) {
		at += put_note(&threads[t].prstatus, o, at);
		/* The process-wide notes follow the first thread's status, as in a kernel core. */
		if (t == 0)
			for (size_t i = 0; i < nproc; i++)
				at += put_note(&proc[i], o, at);
		for (size_t i = 0; i < threads[t].nregsets; i++)
			at += put_note(&threads[t].regsets[i], o, at);
	}
	return at;
}

static void us_to_timeval(uint64_t us, struct timeval *tv)
{
	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
}

void elfcore_fill_prstatus(struct elf_prstatus *out, const struct elfcore_thread_info *ti,
			   const void *gregs, size_t gregs_len, int fpvalid)
{
	memset(out, 0, sizeof(*out));
	if (ti->siginfo) {
		out->pr_info.si_signo = ti->siginfo->si_signo;
		out->pr_info.si_code = ti->siginfo->si_code;
		out->pr_info.si_errno = ti->siginfo->si_errno;
	}
	out->pr_cursig = (short)ti->cursig;
	out->pr_sigpend = ti->sigpend;
	out->pr_sighold = ti->sighold;
	out->pr_pid = ti->tid;
	out->pr_ppid = ti->ppid;
	out->pr_pgrp = ti->pgrp;
	out->pr_sid = ti->sid;
	us_to_timeval(ti->utime_us, &out->pr_utime);
	us_to_timeval(ti->stime_us, &out->pr_stime);
	us_to_timeval(ti->cutime_us, &out->pr_cutime);
	us_to_timeval(ti->cstime_us, &out->pr_cstime);
	if (gregs_len > sizeof(out->pr_reg))
		gregs_len = sizeof(out->pr_reg);
	if (gregs)
		memcpy(&out->pr_reg, gregs, gregs_len);
	out->pr_fpvalid = fpvalid;
}

void elfcore_fill_prpsinfo(struct elf_prpsinfo *out, const struct elfcore_proc_info *pi)
{
	static const char states[] = "RSDTZW";
	const char *s = pi->state ? strchr(states, pi->state) : NULL;
	size_t n;

	memset(out, 0, sizeof(*out));
	/* pr_state is the kernel's index into "RSDTZW"; pr_sname the letter. */
	out->pr_state = s ? (char)(s - states) : 0;
	out->pr_sname = pi->state ? pi->state : '.';
	out->pr_zomb = pi->state == 'Z';
	out->pr_nice = (char)pi->nice;
	out->pr_flag = pi->flags;
	out->pr_uid = pi->uid;
	out->pr_gid = pi->gid;
	out->pr_pid = pi->pid;
	out->pr_ppid = pi->ppid;
	out->pr_pgrp = pi->pgrp;
	out->pr_sid = pi->sid;
	if (pi->comm)
		strncpy(out->pr_fname, pi->comm, sizeof(out->pr_fname) - 1);
	/* psargs: argv joined by spaces, truncated, always NUL-terminated. */
	n = pi->cmdline_len < sizeof(out->pr_psargs) - 1 ? pi->cmdline_len
							  : sizeof(out->pr_psargs) - 1;
	if (pi->cmdline && n)
		memcpy(out->pr_psargs, pi->cmdline, n);
	while (n > 0 && out->pr_psargs[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (out->pr_psargs[i] == '\0')
			out->pr_psargs[i] = ' ';
}

size_t elfcore_file_note(const struct elfcore_file_entry *files, size_t n, uint64_t page_size,
			 void *out)
{
	size_t size = 2 * sizeof(uint64_t) + n * 3 * sizeof(uint64_t);
	unsigned char *o = out;
	uint64_t w;

	if (o) {
		w = n;
		memcpy(o, &w, 8);
		memcpy(o + 8, &page_size, 8);
	}
	for (size_t i = 0; i < n; i++) {
		if (o) {
			uint64_t rec[3] = { files[i].start, files[i].end, files[i].offset / page_size };

			memcpy(o + 16 + i * 24, rec, sizeof(rec));
		}
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(files[i].path) + 1;

		if (o)
			memcpy(o + size, files[i].path, len);
		size += len;
	}
	return size;
}

size_t elfcore_headers_size(size_t nsegs)
{
	size_t phnum = nsegs + 1;
	size_t size = sizeof(Elf64_Ehdr) + phnum * sizeof(Elf64_Phdr);

	if (phnum >= PN_XNUM)
		size += sizeof(Elf64_Shdr);
	return size;
}

int elfcore_layout(struct elfcore_segment *segs, size_t nsegs, uint64_t notes_size,
		   uint64_t page_size, struct elfcore_layout *out)
{
	uint64_t off;

	if (nsegs + 1 > UINT32_MAX)
		return -EOVERFLOW;
	memset(out, 0, sizeof(*out));
	out->phnum = nsegs + 1;
	out->phoff = sizeof(Elf64_Ehdr);
	if (out->phnum >= PN_XNUM)
		out->shoff = out->phoff + out->phnum * sizeof(Elf64_Phdr);
	out->notes_offset = elfcore_headers_size(nsegs);
	out->notes_size = notes_size;
	off = align_up(out->notes_offset + notes_size, page_size);
	out->data_offset = off;
	for (size_t i = 0; i < nsegs; i++) {
		segs[i].offset = off;
		if (off + segs[i].filesz < off)
			return -EOVERFLOW;
		off += segs[i].filesz;
	}
	out->file_size = off;
	return 0;
}

size_t elfcore_headers_write(const struct elfcore_layout *lay, const struct elfcore_segment *segs,
			     size_t nsegs, uint16_t machine, uint64_t page_size, void *out)
{
	unsigned char *o = out;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t at;

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_CORE;
	eh.e_machine = machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = lay->phoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	if (lay->phnum >= PN_XNUM) {
		/* Real count lives in section header 0's sh_info (ELF extended numbering). */
		eh.e_phnum = PN_XNUM;
		eh.e_shoff = lay->shoff;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
		eh.e_shstrndx = SHN_UNDEF;
	} else {
		eh.e_phnum = (Elf64_Half)lay->phnum;
	}
	memcpy(o, &eh, sizeof(eh));
	at = sizeof(eh);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = lay->notes_offset;
	ph.p_filesz = lay->notes_size;
	ph.p_align = 4;
	memcpy(o + at, &ph, sizeof(ph));
	at += sizeof(ph);

	for (size_t i = 0; i < nsegs; i++) {
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = segs[i].flags;
		ph.p_offset = segs[i].offset;
		ph.p_vaddr = segs[i].vaddr;
		ph.p_filesz = segs[i].filesz;
		ph.p_memsz = segs[i].memsz;
		ph.p_align = page_size;
		memcpy(o + at, &ph, sizeof(ph));
		at += sizeof(ph);
	}
	if (lay->phnum >= PN_XNUM) {
		Elf64_Shdr sh;

		memset(&sh, 0, sizeof(sh));
		sh.sh_type = SHT_NULL;
		sh.sh_size = 1;            /* would-be e_shnum */
		sh.sh_link = SHN_UNDEF;    /* would-be e_shstrndx */
		sh.sh_info = (Elf64_Word)lay->phnum;
		memcpy(o + at, &sh, sizeof(sh));
		at += sizeof(sh);
	}
	return at;
}
