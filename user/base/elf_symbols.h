/* SPDX-License-Identifier: MIT */
/*
 * The function symbols and load segments of one ELF object, read with
 * libelf from a buffer (pure: no I/O, fuzzed). Used by the leak tracker to
 * find the allocator in a target's libc and to name the frames of its
 * reports. The bytes are untrusted (a target's files): every size and
 * index is checked, and a malformed object gives -EINVAL, never a crash.
 *
 * Addresses are the object's own virtual addresses (st_value, p_vaddr);
 * a mapping's file offset converts to and from them through PT_LOAD.
 */
#ifndef CORETRAP_BASE_ELF_SYMBOLS_H
#define CORETRAP_BASE_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_sym {
	uint64_t value, size;
	uint32_t name;          /* offset in elf_symbols.names */
	bool ifunc;             /* STT_GNU_IFUNC: the address is a resolver, not the function */
};

struct elf_load_seg {
	uint64_t vaddr, memsz, offset, filesz;
};

struct elf_symbols {
	struct elf_sym *syms;   /* sorted by value */
	size_t nsyms;
	char *names;
	size_t names_len, names_cap;
	struct elf_load_seg *segs;
	size_t nsegs;
};

/*
 * Parse .symtab and .dynsym (defined FUNC and IFUNC symbols) and PT_LOAD.
 * libelf may write to `image` (map it MAP_PRIVATE, copy a const buffer).
 * Returns 0 (an object without symbols is fine), -EINVAL or -ENOMEM.
 */
int elf_symbols_parse(void *image, size_t len, struct elf_symbols *out);
void elf_symbols_free(struct elf_symbols *s);

/* The function covering vaddr and vaddr's offset in it, or NULL. */
const char *elf_symbols_at(const struct elf_symbols *s, uint64_t vaddr, uint64_t *off);
/* The first defined function called `name`: 0 with *out, or -ENOENT. */
int elf_symbols_find(const struct elf_symbols *s, const char *name, const struct elf_sym **out);

/* Through the PT_LOAD segment that holds it: 0, or -ENOENT outside every segment. */
int elf_offset_to_vaddr(const struct elf_symbols *s, uint64_t off, uint64_t *vaddr);
int elf_vaddr_to_offset(const struct elf_symbols *s, uint64_t vaddr, uint64_t *off);

#endif
