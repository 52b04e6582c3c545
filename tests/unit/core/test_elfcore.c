// SPDX-License-Identifier: MIT
/* cmocka tests of the pure ELF core encoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/elfcore.h"

static void test_note_alignment_and_sizes(void **state)
{
	(void)state;
	unsigned char desc[5] = { 1, 2, 3, 4, 5 };
	struct elfcore_note core = { "CORE", NT_PRPSINFO, desc, sizeof(desc) };
	struct elfcore_note linux_ = { "LINUX", NT_X86_XSTATE, desc, 3 };
	unsigned char buf[64];
	Elf64_Nhdr h;

	/* 12 header + "CORE\0" padded to 8 + 5 desc padded to 8 */
	assert_int_equal(elfcore_note_size(&core), 12 + 8 + 8);
	/* "LINUX\0" is 6 bytes, padded to 8; desc 3 -> 4 */
	assert_int_equal(elfcore_note_size(&linux_), 12 + 8 + 4);

	memset(buf, 0xAA, sizeof(buf));
	assert_int_equal(elfcore_note_write(&core, buf), 28);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.n_namesz, 5);
	assert_int_equal(h.n_descsz, 5);
	assert_int_equal(h.n_type, NT_PRPSINFO);
	assert_memory_equal(buf + 12, "CORE\0\0\0\0", 8);
	assert_memory_equal(buf + 20, desc, 5);
	/* padding is zeroed, and nothing past the note is touched */
	assert_memory_equal(buf + 25, "\0\0\0", 3);
	assert_int_equal(buf[28], 0xAA);

	memset(buf, 0xAA, sizeof(buf));
	elfcore_note_write(&linux_, buf);
	memcpy(&h, buf, sizeof(h));
	assert_int_equal(h.n_namesz, 6);
	assert_int_equal(h.n_type, NT_X86_XSTATE);
	assert_memory_equal(buf + 12, "LINUX\0\0\0", 8);
	assert_int_equal(buf[23], 0);
}

/* Walk the encoded notes and return their types in order. */
static size_t note_types(const unsigned char *p, size_t len, uint32_t *types, size_t max)
{
	size_t at = 0, n = 0;

	while (at + sizeof(Elf64_Nhdr) <= len && n < max) {
		Elf64_Nhdr h;

		memcpy(&h, p + at, sizeof(h));
		assert_int_equal(at % 4, 0);
		types[n++] = h.n_type;
		at += sizeof(h) + ((h.n_namesz + 3) & ~3u) + ((h.n_descsz + 3) & ~3u);
	}
	assert_int_equal(at, len);
	return n;
}

static void test_notes_order_first_thread_first(void **state)
{
	(void)state;
	struct elf_prstatus st[2];
	unsigned char fp[512] = { 0 }, xs[7] = { 0 };
	struct elfcore_thread_notes threads[2];
	struct elfcore_note proc[4] = {
		{ "CORE", NT_PRPSINFO, "x", 1 },
		{ "CORE", NT_SIGINFO, "yy", 2 },
		{ "CORE", NT_AUXV, "zzz", 3 },
		{ "CORE", NT_FILE, "wwww", 4 },
	};
	uint32_t types[32];
	uint32_t want[] = { NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO, NT_AUXV, NT_FILE,
			    NT_PRFPREG,  NT_X86_XSTATE, NT_PRSTATUS, NT_PRFPREG, NT_X86_XSTATE };
	size_t size, n;
	unsigned char *buf;

	memset(threads, 0, sizeof(threads));
	for (int t = 0; t < 2; t++) {
		threads[t].prstatus = (struct elfcore_note){ "CORE", NT_PRSTATUS, &st[t], sizeof(st[t]) };
		threads[t].regsets[0] = (struct elfcore_note){ "CORE", NT_PRFPREG, fp, sizeof(fp) };
		threads[t].regsets[1] = (struct elfcore_note){ "LINUX", NT_X86_XSTATE, xs, sizeof(xs) };
		threads[t].nregsets = 2;
	}
	size = elfcore_notes_write(threads, 2, proc, 4, NULL);
	buf = malloc(size);
	assert_non_null(buf);
	assert_int_equal(elfcore_notes_write(threads, 2, proc, 4, buf), size);
	n = note_types(buf, size, types, 32);
	assert_int_equal(n, 10);
	assert_memory_equal(types, want, sizeof(want));
	free(buf);
}

static void test_prstatus_fields(void **state)
{
	(void)state;
	struct elf_prstatus st;
	siginfo_t si;
	elf_gregset_t regs;
	struct elfcore_thread_info ti = {
		.tid = 1234, .ppid = 1, .pgrp = 1200, .sid = 1100, .cursig = 11,
		.siginfo = &si, .sigpend = 0x5, .sighold = 0x100, .utime_us = 2500001,
	};

	assert_int_equal(sizeof(st), 336); /* the x86-64 kernel layout gdb expects */
	memset(&si, 0, sizeof(si));
	si.si_signo = 11;
	si.si_code = 1;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		regs[i] = 0x1000 + i;
	elfcore_fill_prstatus(&st, &ti, regs, sizeof(regs), 1);
	assert_int_equal(st.pr_pid, 1234);
	assert_int_equal(st.pr_cursig, 11);
	assert_int_equal(st.pr_info.si_signo, 11);
	assert_int_equal(st.pr_info.si_code, 1);
	assert_int_equal(st.pr_sigpend, 0x5);
	assert_int_equal(st.pr_sighold, 0x100);
	assert_int_equal(st.pr_utime.tv_sec, 2);
	assert_int_equal(st.pr_utime.tv_usec, 500001);
	assert_int_equal(st.pr_fpvalid, 1);
	assert_memory_equal(st.pr_reg, regs, sizeof(regs));
}

static void test_prpsinfo_fields(void **state)
{
	(void)state;
	struct elf_prpsinfo ps;
	static const char cmd[] = "/bin/dumpee\0--flag\0value\0";
	struct elfcore_proc_info pi = {
		.state = 'S', .nice = -5, .uid = 1000, .gid = 100, .pid = 42, .ppid = 1,
		.pgrp = 42, .sid = 40, .comm = "a-very-long-command-name",
		.cmdline = cmd, .cmdline_len = sizeof(cmd) - 1,
	};

	elfcore_fill_prpsinfo(&ps, &pi);
	assert_int_equal(ps.pr_state, 1);
	assert_int_equal(ps.pr_sname, 'S');
	assert_int_equal(ps.pr_zomb, 0);
	assert_int_equal(ps.pr_nice, -5);
	assert_int_equal(ps.pr_uid, 1000);
	assert_int_equal(ps.pr_pid, 42);
	assert_int_equal(ps.pr_sid, 40);
	assert_string_equal(ps.pr_fname, "a-very-long-com"); /* 15 chars + NUL */
	assert_string_equal(ps.pr_psargs, "/bin/dumpee --flag value");
}

static void test_prpsinfo_long_cmdline_truncated(void **state)
{
	(void)state;
	struct elf_prpsinfo ps;
	char cmd[200];
	struct elfcore_proc_info pi = { .state = 'R', .cmdline = cmd, .cmdline_len = sizeof(cmd) };

	memset(cmd, 'a', sizeof(cmd));
	elfcore_fill_prpsinfo(&ps, &pi);
	assert_int_equal(strlen(ps.pr_psargs), ELF_PRARGSZ - 1);
	assert_int_equal(ps.pr_state, 0);
}

static void test_file_note_encoding(void **state)
{
	(void)state;
	struct elfcore_file_entry files[2] = {
		{ 0x400000, 0x401000, 0, "/bin/a" },
		{ 0x7f0000000000, 0x7f0000003000, 0x3000, "/lib/libc.so.6" },
	};
	size_t size = elfcore_file_note(files, 2, 4096, NULL);
	unsigned char *buf;
	uint64_t w[8];

	assert_int_equal(size, 16 + 2 * 24 + 7 + 15);
	buf = calloc(1, size);
	assert_int_equal(elfcore_file_note(files, 2, 4096, buf), size);
	memcpy(w, buf, sizeof(w));
	assert_int_equal(w[0], 2);
	assert_int_equal(w[1], 4096);
	assert_int_equal(w[2], 0x400000);
	assert_int_equal(w[3], 0x401000);
	assert_int_equal(w[4], 0);
	assert_int_equal(w[5], 0x7f0000000000);
	assert_int_equal(w[6], 0x7f0000003000);
	assert_int_equal(w[7], 3); /* offset scaled to pages */
	assert_string_equal((char *)buf + 64, "/bin/a");
	assert_string_equal((char *)buf + 71, "/lib/libc.so.6");
	free(buf);
}

static void test_layout_and_headers(void **state)
{
	(void)state;
	struct elfcore_segment segs[3] = {
		{ .vaddr = 0x1000, .memsz = 0x2000, .filesz = 0x2000, .flags = PF_R | PF_W },
		{ .vaddr = 0x8000, .memsz = 0x1000, .filesz = 0, .flags = 0 },
		{ .vaddr = 0x10000, .memsz = 0x5000, .filesz = 0x1000, .flags = PF_R | PF_X },
	};
	struct elfcore_layout lay;
	unsigned char buf[4096];
	Elf64_Ehdr eh;
	Elf64_Phdr ph[4];

	assert_int_equal(elfcore_layout(segs, 3, 100, 4096, &lay), 0);
	assert_int_equal(lay.phnum, 4);
	assert_int_equal(lay.shoff, 0);
	assert_int_equal(lay.notes_offset, 64 + 4 * 56);
	assert_int_equal(lay.data_offset, 4096);
	assert_int_equal(segs[0].offset, 4096);
	assert_int_equal(segs[1].offset, 4096 + 0x2000);
	assert_int_equal(segs[2].offset, 4096 + 0x2000);
	assert_int_equal(lay.file_size, 4096 + 0x3000);

	assert_int_equal(elfcore_headers_write(&lay, segs, 3, EM_X86_64, 4096, buf),
			 elfcore_headers_size(3));
	memcpy(&eh, buf, sizeof(eh));
	assert_memory_equal(eh.e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh.e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh.e_ident[EI_DATA], ELFDATA2LSB);
	assert_int_equal(eh.e_type, ET_CORE);
	assert_int_equal(eh.e_machine, EM_X86_64);
	assert_int_equal(eh.e_phoff, 64);
	assert_int_equal(eh.e_phnum, 4);
	assert_int_equal(eh.e_phentsize, 56);
	assert_int_equal(eh.e_shnum, 0);
	memcpy(ph, buf + 64, sizeof(ph));
	assert_int_equal(ph[0].p_type, PT_NOTE);
	assert_int_equal(ph[0].p_offset, lay.notes_offset);
	assert_int_equal(ph[0].p_filesz, 100);
	assert_int_equal(ph[1].p_type, PT_LOAD);
	assert_int_equal(ph[1].p_vaddr, 0x1000);
	assert_int_equal(ph[1].p_flags, PF_R | PF_W);
	assert_int_equal(ph[1].p_offset % 4096, 0);
	assert_int_equal(ph[2].p_filesz, 0);
	assert_int_equal(ph[2].p_memsz, 0x1000);
	assert_int_equal(ph[3].p_memsz, 0x5000);
	assert_int_equal(ph[3].p_filesz, 0x1000);
	assert_int_equal(ph[3].p_align, 4096);
}

static void test_pn_xnum(void **state)
{
	(void)state;
	size_t nsegs = 70000;
	struct elfcore_segment *segs = calloc(nsegs, sizeof(*segs));
	struct elfcore_layout lay;
	size_t hsize = elfcore_headers_size(nsegs);
	unsigned char *buf = malloc(hsize);
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	Elf64_Phdr last;

	for (size_t i = 0; i < nsegs; i++) {
		segs[i].vaddr = 0x10000 + i * 0x1000;
		segs[i].memsz = segs[i].filesz = 0x1000;
	}
	assert_int_equal(hsize, 64 + (nsegs + 1) * 56 + 64);
	assert_int_equal(elfcore_layout(segs, nsegs, 40, 4096, &lay), 0);
	assert_int_equal(elfcore_headers_write(&lay, segs, nsegs, EM_X86_64, 4096, buf), hsize);
	memcpy(&eh, buf, sizeof(eh));
	assert_int_equal(eh.e_phnum, PN_XNUM);
	assert_int_equal(eh.e_shnum, 1);
	assert_int_equal(eh.e_shentsize, sizeof(Elf64_Shdr));
	assert_int_equal(eh.e_shoff, 64 + (nsegs + 1) * 56);
	memcpy(&sh, buf + eh.e_shoff, sizeof(sh));
	assert_int_equal(sh.sh_type, SHT_NULL);
	assert_int_equal(sh.sh_info, nsegs + 1);
	assert_int_equal(lay.notes_offset, hsize);
	memcpy(&last, buf + 64 + nsegs * 56, sizeof(last));
	assert_int_equal(last.p_vaddr, 0x10000 + (nsegs - 1) * 0x1000);
	free(buf);
	free(segs);
}

static void test_just_below_pn_xnum(void **state)
{
	(void)state;
	/* 65533 loads + 1 note = 65534 < PN_XNUM: plain e_phnum, no section header */
	size_t nsegs = 65533;
	struct elfcore_segment *segs = calloc(nsegs, sizeof(*segs));
	struct elfcore_layout lay;
	unsigned char *buf = malloc(elfcore_headers_size(nsegs));
	Elf64_Ehdr eh;

	assert_int_equal(elfcore_layout(segs, nsegs, 0, 4096, &lay), 0);
	elfcore_headers_write(&lay, segs, nsegs, EM_X86_64, 4096, buf);
	memcpy(&eh, buf, sizeof(eh));
	assert_int_equal(eh.e_phnum, 65534);
	assert_int_equal(eh.e_shnum, 0);
	assert_int_equal(eh.e_shoff, 0);
	free(buf);
	free(segs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_alignment_and_sizes),
		cmocka_unit_test(test_notes_order_first_thread_first),
		cmocka_unit_test(test_prstatus_fields),
		cmocka_unit_test(test_prpsinfo_fields),
		cmocka_unit_test(test_prpsinfo_long_cmdline_truncated),
		cmocka_unit_test(test_file_note_encoding),
		cmocka_unit_test(test_layout_and_headers),
		cmocka_unit_test(test_pn_xnum),
		cmocka_unit_test(test_just_below_pn_xnum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
