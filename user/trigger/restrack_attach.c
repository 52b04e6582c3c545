// SPDX-License-Identifier: MIT
/* Attaching the allocator probes to one process; see restrack_attach.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "base/log.h"
#include "base/proc.h"
#include "trigger/restrack_attach.h"
#include "trigger/restrack_libc.h"
#include "trigger/restrack_sym.h"
#include "restrack_events.h"
#include "restrack.skel.h"

/* How long a dynamically linked process may take to map its libc after exec. */
#define RT_LOADER_WAIT_MS 1000

struct probe_spec {
	const char *func;
	bool has_return;
	bool required;
};

/* In the order of the programs below (entry_prog). */
static const struct probe_spec specs[] = {
	{ "malloc", true, true },
	{ "calloc", true, true },
	{ "realloc", true, true },
	{ "free", false, true },
	{ "posix_memalign", true, false },
	{ "aligned_alloc", true, false },
	{ "memalign", true, false },
	{ "valloc", true, false },
	{ "pvalloc", true, false },
	{ "mmap", true, false },
	{ "munmap", false, false },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static struct bpf_program *entry_prog(struct restrack_bpf *skel, size_t i)
{
	struct bpf_program *p[NSPECS] = {
		skel->progs.rt_malloc, skel->progs.rt_calloc, skel->progs.rt_realloc, skel->progs.rt_free,
		skel->progs.rt_posix_memalign, skel->progs.rt_memalign, skel->progs.rt_memalign,
		skel->progs.rt_malloc, skel->progs.rt_malloc, skel->progs.rt_mmap, skel->progs.rt_munmap,
	};

	return p[i];
}

void rt_probes_detach(struct rt_probes *p)
{
	/* entries first: a call that entered always meets its return probe */
	for (int i = p->nentry; i-- > 0;)
		bpf_link__destroy(p->entry_links[i]);
	for (int i = p->nret; i-- > 0;)
		bpf_link__destroy(p->ret_links[i]);
	p->nentry = p->nret = 0;
}

static int attach_one(struct bpf_program *prog, pid_t pid, const char *path, size_t off, bool ret,
		      struct bpf_link **out)
{
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = ret);
	struct bpf_link *l = bpf_program__attach_uprobe_opts(prog, pid, path, off, &opts);

	if (!l)
		return -errno ? -errno : -EINVAL;
	*out = l;
	return 0;
}

/* The dynamic loader (the kernel maps it at exec): libc is on its way. */
static bool has_interpreter(const struct maps *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *base = strrchr(m->v[i].path, '/');

		if (base && strncmp(base + 1, "ld-linux", 8) == 0)
			return true;
	}
	return false;
}

/*
 * pid's maps once its libc is mapped: a process that -w saw at its exec is
 * still in the dynamic loader, which maps libc within milliseconds. 0 with
 * *idx, -ENOENT (none coming) or another negative errno.
 */
static int maps_with_libc(pid_t pid, struct maps *maps, size_t *idx)
{
	for (int waited_ms = 0;; waited_ms++) {
		int err = proc_read_maps(pid, false, maps);

		if (err)
			return err;
		if (restrack_find_libc(maps, idx) == 0)
			return 0;
		if (!has_interpreter(maps) || waited_ms >= RT_LOADER_WAIT_MS) {
			maps_free(maps);
			return -ENOENT;
		}
		maps_free(maps);
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
}

int rt_probes_attach(struct restrack_bpf *skel, pid_t pid, struct rt_probes *out, char *why, size_t why_len)
{
	struct maps maps;
	struct elf_symbols syms;
	uint64_t offs[NSPECS];
	bool have[NSPECS] = { false };
	size_t idx;
	int err;

	memset(out, 0, sizeof(*out));
	err = maps_with_libc(pid, &maps, &idx);
	if (err && err != -ENOENT) {
		snprintf(why, why_len, "cannot read the maps of process %d: %s", (int)pid, strerror(-err));
		return err;
	}
	if (err) {
		snprintf(why, why_len,
			 "process %d maps no shared C library (a static binary?): -restrack follows libc's malloc",
			 (int)pid);
		return -ENOENT;
	}
	snprintf(out->libc, sizeof(out->libc), "%s", maps.v[idx].path);
	err = restrack_object_load(pid, &maps.v[idx], &syms, out->opened, sizeof(out->opened));
	maps_free(&maps);
	if (err) {
		snprintf(why, why_len, "cannot read the libc of process %d (%s): %s", (int)pid, out->libc,
			 strerror(-err));
		return err;
	}
	for (size_t i = 0; i < NSPECS; i++) {
		const struct elf_sym *sym;

		if (elf_symbols_find(&syms, specs[i].func, &sym) == 0 && !sym->ifunc &&
		    elf_vaddr_to_offset(&syms, sym->value, &offs[i]) == 0)
			have[i] = true;
		/* aliases (memalign = aligned_alloc in glibc): one probe per address */
		for (size_t j = 0; have[i] && j < i; j++)
			if (have[j] && offs[j] == offs[i])
				have[i] = false;
		if (!have[i] && specs[i].required && elf_symbols_find(&syms, specs[i].func, &sym)) {
			elf_symbols_free(&syms);
			snprintf(why, why_len, "the libc of process %d (%s) has no %s", (int)pid, out->libc,
				 specs[i].func);
			return -ENOENT;
		}
	}
	elf_symbols_free(&syms);

	for (size_t i = 0; i < NSPECS && !err; i++)
		if (have[i] && specs[i].has_return)
			err = attach_one(skel->progs.rt_alloc_ret, pid, out->opened, offs[i], true,
					 &out->ret_links[out->nret++]);
	if (err)
		out->nret--;
	for (size_t i = 0; i < NSPECS && !err; i++)
		if (have[i])
			err = attach_one(entry_prog(skel, i), pid, out->opened, offs[i], false,
					 &out->entry_links[out->nentry++]);
	if (err) {
		if (out->nentry)
			out->nentry--;
		rt_probes_detach(out);
		snprintf(why, why_len, "cannot attach uprobes to the libc of process %d (%s): %s", (int)pid,
			 out->libc, strerror(-err));
		return err;
	}
	log_debug("restrack: process %d: %d entry and %d return probes on %s (read through %s)", (int)pid,
		  out->nentry, out->nret, out->libc, out->opened);
	return 0;
}
