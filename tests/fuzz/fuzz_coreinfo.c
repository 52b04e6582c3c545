/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for what coretrap -info reads: any file a user names. The
 * bytes go through the stream decoder (base/zread.c) as the file's magic
 * says, and what comes out (or the bytes themselves) through the core
 * parser (core/coreinfo.c). Every call must answer one of its documented
 * results without reading outside its input; a parse that asks for more
 * must ask for more than it had; strings must be terminated.
 * Seeds: a small core made by the real encoder, plain, gzip and zstd.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/zblock.h"
#include "base/zread.h"
#include "core/coreinfo.h"
#include "core/elfcore.h"

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap);

static void parse(const unsigned char *b, size_t len)
{
	struct coreinfo ci;
	size_t need = 0;
	int r = coreinfo_parse(b, len, &ci, &need);

	if (r != 0 && r != -EAGAIN && r != -EINVAL && r != -E2BIG)
		abort();
	if (r == -EAGAIN && need <= len)
		abort();
	if (r == 0 && (strnlen(ci.name, sizeof(ci.name)) == sizeof(ci.name) ||
		       strnlen(ci.args, sizeof(ci.args)) == sizeof(ci.args) ||
		       strnlen(ci.trigger, sizeof(ci.trigger)) == sizeof(ci.trigger) ||
		       strnlen(ci.time, sizeof(ci.time)) == sizeof(ci.time)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char out[1 << 16];
	enum zformat fmt = zread_detect(data, size);
	size_t pos = 0, made_total = 0;
	struct zread r;

	parse(data, size);
	if (fmt == ZFORMAT_NONE || zread_init(&r, fmt))
		return 0;
	while (pos < size && made_total < sizeof(out)) {
		size_t used, made;

		if (zread_step(&r, data + pos, size - pos, &used, out + made_total, sizeof(out) - made_total,
			       &made))
			break;
		if (used > size - pos || made > sizeof(out) - made_total)
			abort();
		pos += used;
		made_total += made;
		if (!used && !made)
			break;
	}
	(void)zread_complete(&r);
	zread_fini(&r);
	parse(out, made_total);
	return 0;
}

/* A core's headers and notes: 2 threads, PRPSINFO, the coretrap note, 3 segments. */
static size_t seed_core(unsigned char *buf, size_t cap)
{
	struct elfcore_segment segs[3] = { { 0x1000, 4096, 4096, PF_R, 0 }, { 0x3000, 4096, 0, PF_R, 0 },
					   { 0x5000, 8192, 8192, PF_R | PF_W, 0 } };
	struct elf_prstatus pr[2];
	struct elf_prpsinfo ps;
	struct elfcore_thread_notes tn[2];
	struct elfcore_proc_info pi = { .state = 'R', .pid = 77, .comm = "seed", .cmdline = "seed\0-x", .cmdline_len = 7 };
	struct elfcore_note proc[2];
	struct elfcore_layout lay;
	unsigned char gregs[sizeof(elf_gregset_t)] = { 0 };
	char text[128];
	size_t notes, hsize;

	memset(tn, 0, sizeof(tn));
	for (int t = 0; t < 2; t++) {
		struct elfcore_thread_info ti = { .tid = 77 + t, .cursig = t ? 0 : 6 };

		elfcore_fill_prstatus(&pr[t], &ti, gregs, sizeof(gregs), 1);
		tn[t].prstatus = (struct elfcore_note){ "CORE", NT_PRSTATUS, &pr[t], sizeof(pr[t]) };
	}
	elfcore_fill_prpsinfo(&ps, &pi);
	proc[0] = (struct elfcore_note){ "CORE", NT_PRPSINFO, &ps, sizeof(ps) };
	proc[1] = (struct elfcore_note){ CORETRAP_NOTE_NAME, CORETRAP_NOTE_INFO, text,
					 coreinfo_note_text(text, sizeof(text), "time", 0) };
	notes = elfcore_notes_write(tn, 2, proc, 2, NULL);
	hsize = elfcore_headers_size(3);
	if (hsize + notes > cap || elfcore_layout(segs, 3, notes, 4096, &lay))
		return 0;
	memset(buf, 0, hsize + notes);
	elfcore_headers_write(&lay, segs, 3, EM_X86_64, 4096, buf);
	elfcore_notes_write(tn, 2, proc, 2, buf + hsize);
	return hsize + notes;
}

size_t fuzz_seed_input(unsigned index, uint8_t *buf, size_t cap)
{
	static const enum zformat fmts[] = { ZFORMAT_NONE, ZFORMAT_GZIP, ZFORMAT_ZSTD };
	enum zformat fmt = fmts[index % 3];
	unsigned char core[4096];
	size_t len = seed_core(core, sizeof(core)), n = 0;
	struct zblock z;

	if (!len)
		return 0;
	if (fmt == ZFORMAT_NONE) {
		if (len > cap)
			return 0;
		memcpy(buf, core, len);
		return len;
	}
	if (zblock_init(&z, fmt, 0))
		return 0;
	if (zblock_compress(&z, core, len, buf, cap, &n))
		n = 0;
	zblock_fini(&z);
	return n;
}
