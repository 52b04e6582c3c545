// SPDX-License-Identifier: MIT
#include "core/coreinfo.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* x86-64 (and every 64-bit Linux) layouts of the two notes read here. */
#define PRSTATUS_CURSIG_OFF 12 /* after pr_info (3 ints) */
#define PRPSINFO_PID_OFF 24
#define PRPSINFO_FNAME_OFF 40
#define PRPSINFO_ARGS_OFF 56
#define PRPSINFO_SIZE 136

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const unsigned char *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Need [off, off + n) of the file: -EAGAIN (with *need) when it is not in b yet. */
static int have(uint64_t off, uint64_t n, size_t len, size_t *need)
{
	if (off > COREINFO_MAX_HEAD || n > COREINFO_MAX_HEAD - off)
		return -E2BIG;
	if (off + n > len) {
		*need = (size_t)(off + n);
		return -EAGAIN;
	}
	return 0;
}

/* A NUL-terminated copy of at most n bytes of text; bytes that cannot be printed become '?'. */
static void copy_text(char *dst, size_t cap, const unsigned char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap && src[i]; i++)
		dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? (char)src[i] : '?';
	dst[i] = '\0';
}

/* key=value in the coretrap note's text, copied into dst. */
static void note_value(const unsigned char *d, size_t n, const char *key, char *dst, size_t cap)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < n; ) {
		size_t e = i;

		while (e < n && d[e] != '\n' && d[e] != '\0')
			e++;
		if (e - i > klen && !memcmp(d + i, key, klen) && d[i + klen] == '=') {
			copy_text(dst, cap, d + i + klen + 1, e - i - klen - 1);
			return;
		}
		i = e + 1;
	}
}

static void one_note(struct coreinfo *ci, const unsigned char *name, uint32_t namesz, uint32_t type,
		     const unsigned char *desc, uint32_t descsz)
{
	bool core = namesz == 5 && !memcmp(name, "CORE", 5);

	if (core && type == NT_PRSTATUS) {
		if (ci->threads == 0 && descsz >= PRSTATUS_CURSIG_OFF + 2)
			ci->signal = rd16(desc + PRSTATUS_CURSIG_OFF);
		ci->threads++;
	} else if (core && type == NT_PRPSINFO && descsz >= PRPSINFO_SIZE && !ci->has_psinfo) {
		ci->has_psinfo = true;
		ci->pid = (int)rd32(desc + PRPSINFO_PID_OFF);
		copy_text(ci->name, sizeof(ci->name), desc + PRPSINFO_FNAME_OFF, 16);
		copy_text(ci->args, sizeof(ci->args), desc + PRPSINFO_ARGS_OFF, 80);
	} else if (namesz == sizeof(CORETRAP_NOTE_NAME) && !memcmp(name, CORETRAP_NOTE_NAME, namesz) &&
		   type == CORETRAP_NOTE_INFO) {
		note_value(desc, descsz, "trigger", ci->trigger, sizeof(ci->trigger));
		note_value(desc, descsz, "time", ci->time, sizeof(ci->time));
	}
}

static void parse_notes(struct coreinfo *ci, const unsigned char *p, uint64_t size)
{
	uint64_t off = 0;

	while (size - off >= 12) {
		uint32_t namesz = rd32(p + off), descsz = rd32(p + off + 4), type = rd32(p + off + 8);
		uint64_t name_off = off + 12, desc_off = name_off + (((uint64_t)namesz + 3) & ~3ull);
		uint64_t end = desc_off + (((uint64_t)descsz + 3) & ~3ull);

		if (desc_off > size || end > size)
			return; /* a note cut short: what came before stands */
		one_note(ci, p + name_off, namesz, type, p + desc_off, descsz);
		off = end;
	}
}

int coreinfo_parse(const unsigned char *b, size_t len, struct coreinfo *ci, size_t *need)
{
	uint64_t phoff, phnum, note_off = 0, note_size = 0;
	uint16_t phentsize;
	bool has_note = false;
	int err;

	memset(ci, 0, sizeof(*ci));
	*need = 0;
	if ((err = have(0, sizeof(Elf64_Ehdr), len, need)))
		return err;
	if (memcmp(b, ELFMAG, SELFMAG) || b[EI_CLASS] != ELFCLASS64 || b[EI_DATA] != ELFDATA2LSB ||
	    rd16(b + offsetof(Elf64_Ehdr, e_type)) != ET_CORE)
		return -EINVAL;
	ci->machine = rd16(b + offsetof(Elf64_Ehdr, e_machine));
	phoff = rd64(b + offsetof(Elf64_Ehdr, e_phoff));
	phnum = rd16(b + offsetof(Elf64_Ehdr, e_phnum));
	phentsize = rd16(b + offsetof(Elf64_Ehdr, e_phentsize));
	if (phentsize != sizeof(Elf64_Phdr))
		return -EINVAL;
	if (phnum == PN_XNUM) {
		/* the real count is sh_info of section header 0 */
		uint64_t shoff = rd64(b + offsetof(Elf64_Ehdr, e_shoff));

		if (!shoff)
			return -EINVAL;
		if ((err = have(shoff, sizeof(Elf64_Shdr), len, need)))
			return err;
		phnum = rd32(b + shoff + offsetof(Elf64_Shdr, sh_info));
	}
	ci->expected_bytes = sizeof(Elf64_Ehdr);
	if ((err = have(phoff, phnum * sizeof(Elf64_Phdr), len, need)))
		return err;
	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *ph = b + phoff + i * sizeof(Elf64_Phdr);
		uint32_t type = rd32(ph + offsetof(Elf64_Phdr, p_type));
		uint64_t off = rd64(ph + offsetof(Elf64_Phdr, p_offset));
		uint64_t filesz = rd64(ph + offsetof(Elf64_Phdr, p_filesz));

		if (off + filesz < off)
			return -EINVAL;
		if (filesz && off + filesz > ci->expected_bytes)
			ci->expected_bytes = off + filesz;
		if (type == PT_LOAD)
			ci->segments++;
		else if (type == PT_NOTE && !has_note) {
			has_note = true;
			note_off = off;
			note_size = filesz;
		}
	}
	if (phoff + phnum * sizeof(Elf64_Phdr) > ci->expected_bytes)
		ci->expected_bytes = phoff + phnum * sizeof(Elf64_Phdr);
	if (has_note) {
		if ((err = have(note_off, note_size, len, need)))
			return err;
		parse_notes(ci, b + note_off, note_size);
	}
	return 0;
}

size_t coreinfo_note_text(char *buf, size_t len, const char *trigger, int64_t t)
{
	char when[40] = "";
	time_t tt = (time_t)t;
	struct tm tm;
	int n;

	if (gmtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = snprintf(buf, len, "trigger=%s\ntime=%s\nwriter=coretrap\n", trigger ? trigger : "", when);
	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : (len ? len - 1 : 0);
}
