// SPDX-License-Identifier: MIT
/* Symbolizing a tracked process's frames; see restrack_sym.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/proc.h"
#include "trigger/restrack_sym.h"

/* Object files bigger than this are not read (a sanity bound, not a limit in practice). */
#define RT_OBJECT_MAX (1ull << 31)

static int load_path(const char *path, struct elf_symbols *out)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > RT_OBJECT_MAX) {
		close(fd);
		return -EINVAL;
	}
	/* private and writable: libelf may write to its image; nothing reaches the file */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	err = elf_symbols_parse(p, (size_t)st.st_size, out);
	munmap(p, (size_t)st.st_size);
	return err;
}

int restrack_object_load(pid_t pid, const struct mapping *m, struct elf_symbols *out, char *path_out,
			 size_t path_len)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	err = load_path(path, out);
	if (err) {
		/* map_files needs CAP_SYS_ADMIN; the target's root is the next best view */
		snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, m->path);
		err = load_path(path, out);
	}
	if (!err && path_out)
		snprintf(path_out, path_len, "%s", path);
	return err;
}

int rt_symbolizer_open(struct rt_symbolizer *s, pid_t pid)
{
	memset(s, 0, sizeof(*s));
	s->pid = pid;
	return proc_read_maps(pid, false, &s->maps);
}

static const struct mapping *mapping_at(const struct rt_symbolizer *s, uint64_t addr)
{
	size_t lo = 0, hi = s->maps.n;

	while (lo < hi) { /* /proc lists mappings in address order */
		size_t mid = lo + (hi - lo) / 2;

		if (s->maps.v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->maps.n && s->maps.v[lo].start <= addr)
		return &s->maps.v[lo];
	return NULL;
}

static struct rt_module *module_for(struct rt_symbolizer *s, const struct mapping *m)
{
	struct rt_module *mods;

	for (size_t i = 0; i < s->nmods; i++)
		if (strcmp(s->mods[i].path, m->path) == 0)
			return &s->mods[i];
	mods = realloc(s->mods, (s->nmods + 1) * sizeof(*mods));
	if (!mods)
		return NULL;
	s->mods = mods;
	struct rt_module *mod = &mods[s->nmods];

	memset(mod, 0, sizeof(*mod));
	mod->path = strdup(m->path);
	if (!mod->path)
		return NULL;
	mod->err = restrack_object_load(s->pid, m, &mod->syms, NULL, 0);
	s->nmods++;
	return mod;
}

void rt_symbolizer_frame(struct rt_symbolizer *s, uint64_t ip, struct rt_frame *out)
{
	/* ip is a return address: the call is the byte before, and may end its function */
	uint64_t at = ip ? ip - 1 : 0, vaddr, off;
	const struct mapping *m = mapping_at(s, at);
	struct rt_module *mod;
	const char *name;

	*out = (struct rt_frame){ .ip = ip };
	if (!m || !mapping_is_file(m))
		return;
	mod = module_for(s, m);
	if (!mod)
		return;
	out->module = mod->path;
	out->off = at - m->start + m->offset + 1; /* file offset, when the object cannot be read */
	if (mod->err || elf_offset_to_vaddr(&mod->syms, at - m->start + m->offset, &vaddr))
		return;
	out->off = vaddr + 1;
	name = elf_symbols_at(&mod->syms, vaddr, &off);
	if (name) {
		out->sym = name;
		out->off = off + 1;
	}
}

void rt_symbolizer_close(struct rt_symbolizer *s)
{
	for (size_t i = 0; i < s->nmods; i++) {
		free(s->mods[i].path);
		if (!s->mods[i].err)
			elf_symbols_free(&s->mods[i].syms);
	}
	free(s->mods);
	maps_free(&s->maps);
	memset(s, 0, sizeof(*s));
}
