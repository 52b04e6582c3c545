/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for user/base/elf_symbols.c: the leak tracker reads the ELF
 * objects a target maps, which the target's owner controls. Any bytes must
 * give 0 or one error, and every answer must point inside what was parsed.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/elf_symbols.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static void check_answers(const struct elf_symbols *s)
{
	static const uint64_t probes[] = { 0, 1, 0x1000, 0x1010, 0x1040, 0x2000, UINT64_MAX };
	const struct elf_sym *sym;
	uint64_t off, v;

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const char *name = elf_symbols_at(s, probes[i], &off);

		if (name && (name < s->names || name >= s->names + s->names_len || off > probes[i]))
			abort();
		if (elf_offset_to_vaddr(s, probes[i], &v) == 0 && elf_vaddr_to_offset(s, v, &off) != 0)
			abort();
	}
	if (elf_symbols_find(s, "malloc", &sym) == 0 && strcmp(s->names + sym->name, "malloc"))
		abort();
	for (size_t i = 1; i < s->nsyms; i++)
		if (s->syms[i].value < s->syms[i - 1].value || s->syms[i].name >= s->names_len)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libelf may write to the image (elf_memory): a copy of exactly size bytes */
	uint8_t *image = malloc(size ? size : 1);
	struct elf_symbols s;
	int rc;

	if (!image)
		return 0;
	memcpy(image, data, size);
	rc = elf_symbols_parse(image, size, &s);
	if (rc != 0 && rc != -EINVAL && rc != -ENOMEM)
		abort();
	if (rc == 0) {
		check_answers(&s);
		elf_symbols_free(&s);
	}
	free(image);
	return 0;
}

/*
 * A small valid ELF64 shared object for the standalone driver to mutate:
 * one PT_LOAD, .symtab with malloc/free/leak, .strtab, .shstrtab.
 */
size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const char strtab[] = "\0malloc\0free\0leak";
	static const char shstrtab[] = "\0.symtab\0.strtab\0.shstrtab\0.text";
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		Elf64_Sym syms[4];
		char strtab[sizeof(strtab)];
		char shstrtab[sizeof(shstrtab)];
		Elf64_Shdr sh[5];
	} __attribute__((packed)) o;
	size_t syms_off = offsetof(__typeof__(o), syms), str_off = offsetof(__typeof__(o), strtab),
	       shstr_off = offsetof(__typeof__(o), shstrtab);

	if (cap < sizeof(o))
		return 0;
	memset(&o, 0, sizeof(o));
	memcpy(o.eh.e_ident, ELFMAG, SELFMAG);
	o.eh.e_ident[EI_CLASS] = ELFCLASS64;
	o.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	o.eh.e_ident[EI_VERSION] = EV_CURRENT;
	o.eh.e_type = index % 2 ? ET_DYN : ET_EXEC;
	o.eh.e_machine = EM_X86_64;
	o.eh.e_version = EV_CURRENT;
	o.eh.e_phoff = offsetof(__typeof__(o), ph);
	o.eh.e_shoff = offsetof(__typeof__(o), sh);
	o.eh.e_ehsize = sizeof(Elf64_Ehdr);
	o.eh.e_phentsize = sizeof(Elf64_Phdr);
	o.eh.e_phnum = 1;
	o.eh.e_shentsize = sizeof(Elf64_Shdr);
	o.eh.e_shnum = 5;
	o.eh.e_shstrndx = 3;
	o.ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = 0x1000,
			     .p_filesz = sizeof(o), .p_memsz = sizeof(o), .p_align = 0x1000 };
	o.syms[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 4,
				 .st_value = 0x1010, .st_size = 0x20 };
	o.syms[2] = (Elf64_Sym){ .st_name = 8, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), .st_shndx = 4,
				 .st_value = 0x1030, .st_size = 0 };
	o.syms[3] = (Elf64_Sym){ .st_name = 13, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_GNU_IFUNC),
				 .st_shndx = 4, .st_value = 0x1040, .st_size = 8 };
	memcpy(o.strtab, strtab, sizeof(strtab));
	memcpy(o.shstrtab, shstrtab, sizeof(shstrtab));
	o.sh[1] = (Elf64_Shdr){ .sh_name = 1, .sh_type = SHT_SYMTAB, .sh_offset = syms_off,
				.sh_size = sizeof(o.syms), .sh_link = 2, .sh_info = 1, .sh_entsize = sizeof(Elf64_Sym),
				.sh_addralign = 8 };
	o.sh[2] = (Elf64_Shdr){ .sh_name = 9, .sh_type = SHT_STRTAB, .sh_offset = str_off,
				.sh_size = sizeof(strtab), .sh_addralign = 1 };
	o.sh[3] = (Elf64_Shdr){ .sh_name = 17, .sh_type = SHT_STRTAB, .sh_offset = shstr_off,
				.sh_size = sizeof(shstrtab), .sh_addralign = 1 };
	o.sh[4] = (Elf64_Shdr){ .sh_name = 27, .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
				.sh_addr = 0x1000, .sh_offset = 0, .sh_size = 0x100, .sh_addralign = 16 };
	memcpy(buf, &o, sizeof(o));
	return sizeof(o);
}
