// SPDX-License-Identifier: MIT
/* ELF function symbols and load segments from a buffer; see elf_symbols.h. */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>

#include "base/elf_symbols.h"

static int add_name(struct elf_symbols *s, const char *name, uint32_t *at)
{
	size_t n = strlen(name) + 1;

	if (s->names_len + n > UINT32_MAX)
		return -EINVAL;
	if (s->names_len + n > s->names_cap) {
		size_t cap = s->names_cap ? s->names_cap * 2 : 4096;
		char *p;

		while (cap < s->names_len + n)
			cap *= 2;
		p = realloc(s->names, cap);
		if (!p)
			return -ENOMEM;
		s->names = p;
		s->names_cap = cap;
	}
	memcpy(s->names + s->names_len, name, n);
	*at = (uint32_t)s->names_len;
	s->names_len += n;
	return 0;
}

static int read_symtab(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, size_t len, struct elf_symbols *s)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t count, cap = s->nsyms;

	if (!data || !data->d_buf || sh->sh_entsize == 0 || sh->sh_size > len)
		return 0; /* nothing usable here; other sections may still be fine */
	count = data->d_size / sh->sh_entsize;
	if (count > len / sizeof(Elf32_Sym) + 1)
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		GElf_Sym sym;
		const char *name;
		int type, err;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || sym.st_shndx == SHN_UNDEF || !sym.st_value)
			continue;
		name = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (s->nsyms == cap) {
			struct elf_sym *v;

			cap = cap ? cap * 2 : 256;
			v = realloc(s->syms, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			s->syms = v;
		}
		struct elf_sym *e = &s->syms[s->nsyms];

		err = add_name(s, name, &e->name);
		if (err)
			return err;
		e->value = sym.st_value;
		e->size = sym.st_size;
		e->ifunc = type == STT_GNU_IFUNC;
		s->nsyms++;
	}
	return 0;
}

static int read_segments(Elf *elf, struct elf_symbols *s)
{
	size_t n;

	if (elf_getphdrnum(elf, &n) || n > 65536)
		return -EINVAL;
	s->segs = calloc(n ? n : 1, sizeof(*s->segs));
	if (!s->segs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph))
			return -EINVAL;
		if (ph.p_type != PT_LOAD)
			continue;
		s->segs[s->nsegs++] = (struct elf_load_seg){ .vaddr = ph.p_vaddr, .memsz = ph.p_memsz,
							     .offset = ph.p_offset, .filesz = ph.p_filesz };
	}
	return 0;
}

static int by_value(const void *a, const void *b)
{
	const struct elf_sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	/* the bigger first at one address: it covers what the smaller covers */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return 0;
}

int elf_symbols_parse(void *image, size_t len, struct elf_symbols *out)
{
	Elf *elf;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	elf = elf_memory(image, len);
	if (!elf)
		return -EINVAL;
	if (elf_kind(elf) != ELF_K_ELF || elf_getshdrstrndx(elf, &shstrndx)) {
		err = -EINVAL;
		goto done;
	}
	err = read_segments(elf, out);
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh)) {
			err = -EINVAL;
			break;
		}
		if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM)
			err = read_symtab(elf, scn, &sh, len, out);
	}
	if (!err && out->nsyms)
		qsort(out->syms, out->nsyms, sizeof(*out->syms), by_value);
done:
	elf_end(elf);
	if (err)
		elf_symbols_free(out);
	return err;
}

void elf_symbols_free(struct elf_symbols *s)
{
	free(s->syms);
	free(s->names);
	free(s->segs);
	memset(s, 0, sizeof(*s));
}

const char *elf_symbols_at(const struct elf_symbols *s, uint64_t vaddr, uint64_t *off)
{
	size_t lo = 0, hi = s->nsyms;

	/* the first symbol above vaddr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* Sized symbols that cover vaddr win; a few steps back finds an enclosing one. */
	for (size_t i = lo, steps = 0; i-- > 0 && steps < 16; steps++) {
		const struct elf_sym *e = &s->syms[i];

		if (e->size && vaddr - e->value < e->size) {
			*off = vaddr - e->value;
			return s->names + e->name;
		}
	}
	/* An unsized symbol (assembly) right below vaddr, with no sized one covering it. */
	if (s->syms[lo - 1].size == 0) {
		*off = vaddr - s->syms[lo - 1].value;
		return s->names + s->syms[lo - 1].name;
	}
	return NULL;
}

int elf_symbols_find(const struct elf_symbols *s, const char *name, const struct elf_sym **out)
{
	for (size_t i = 0; i < s->nsyms; i++)
		if (strcmp(s->names + s->syms[i].name, name) == 0) {
			*out = &s->syms[i];
			return 0;
		}
	return -ENOENT;
}

int elf_offset_to_vaddr(const struct elf_symbols *s, uint64_t off, uint64_t *vaddr)
{
	for (size_t i = 0; i < s->nsegs; i++) {
		const struct elf_load_seg *g = &s->segs[i];

		if (off >= g->offset && off - g->offset < g->filesz) {
			*vaddr = g->vaddr + (off - g->offset);
			return 0;
		}
	}
	return -ENOENT;
}

int elf_vaddr_to_offset(const struct elf_symbols *s, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < s->nsegs; i++) {
		const struct elf_load_seg *g = &s->segs[i];

		if (vaddr >= g->vaddr && vaddr - g->vaddr < g->filesz) {
			*off = g->offset + (vaddr - g->vaddr);
			return 0;
		}
	}
	return -ENOENT;
}
