// SPDX-License-Identifier: MIT
/*
 * cmocka tests of core/coreinfo.c against cores made by the real encoder
 * (core/elfcore.c): pid, name, threads, signal, trigger and size come back;
 * a short buffer asks for exactly what it lacks; PN_XNUM is followed; other
 * files are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/coreinfo.h"
#include "core/elfcore.h"

#define PS 4096

/* A core's headers and notes (no segment data) for nsegs segments and nthreads threads. */
static unsigned char *make_core(size_t nsegs, size_t nthreads, const char *trigger, size_t *len,
				uint64_t *file_size)
{
	struct elfcore_segment *segs = calloc(nsegs, sizeof(*segs));
	struct elfcore_thread_notes *tn = calloc(nthreads, sizeof(*tn));
	struct elf_prstatus *pr = calloc(nthreads, sizeof(*pr));
	struct elfcore_proc_info pi = { .state = 'S', .pid = 4242, .comm = "myserver",
					.cmdline = "myserver\0--port\0" "80", .cmdline_len = 18 };
	struct elf_prpsinfo ps;
	struct elfcore_note proc[2];
	struct elfcore_layout lay;
	char text[160];
	size_t notes, hsize;
	unsigned char *buf;

	for (size_t i = 0; i < nsegs; i++)
		segs[i] = (struct elfcore_segment){ 0x400000 + i * 2 * PS, PS, i % 2 ? PS : 0, PF_R, 0 };
	for (size_t t = 0; t < nthreads; t++) {
		struct elfcore_thread_info ti = { .tid = (pid_t)(4242 + t), .cursig = t == 0 ? 11 : 0 };
		unsigned char gregs[sizeof(elf_gregset_t)] = { 0 };

		elfcore_fill_prstatus(&pr[t], &ti, gregs, sizeof(gregs), 1);
		tn[t].prstatus = (struct elfcore_note){ "CORE", NT_PRSTATUS, &pr[t], sizeof(pr[t]) };
	}
	elfcore_fill_prpsinfo(&ps, &pi);
	proc[0] = (struct elfcore_note){ "CORE", NT_PRPSINFO, &ps, sizeof(ps) };
	proc[1] = (struct elfcore_note){ CORETRAP_NOTE_NAME, CORETRAP_NOTE_INFO, text,
					 coreinfo_note_text(text, sizeof(text), trigger, 1764756900) };
	notes = elfcore_notes_write(tn, nthreads, proc, trigger ? 2 : 1, NULL);
	assert_int_equal(elfcore_layout(segs, nsegs, notes, PS, &lay), 0);
	hsize = elfcore_headers_size(nsegs);
	*len = hsize + notes;
	buf = calloc(1, *len);
	elfcore_headers_write(&lay, segs, nsegs, EM_X86_64, PS, buf);
	elfcore_notes_write(tn, nthreads, proc, trigger ? 2 : 1, buf + hsize);
	*file_size = lay.file_size;
	free(segs);
	free(tn);
	free(pr);
	return buf;
}

static void test_reads_what_the_writer_wrote(void **state)
{
	(void)state;
	size_t len, need;
	uint64_t size;
	unsigned char *b = make_core(10, 3, "cpu", &len, &size);
	struct coreinfo ci;

	assert_int_equal(coreinfo_parse(b, len, &ci, &need), 0);
	assert_int_equal(ci.machine, EM_X86_64);
	assert_int_equal(ci.pid, 4242);
	assert_string_equal(ci.name, "myserver");
	assert_string_equal(ci.args, "myserver --port 80");
	assert_int_equal(ci.threads, 3);
	assert_int_equal(ci.signal, 11);
	assert_int_equal(ci.segments, 10);
	assert_int_equal(ci.expected_bytes, size);
	assert_string_equal(ci.trigger, "cpu");
	assert_string_equal(ci.time, "2025-12-03T10:15:00Z");
	free(b);
}

static void test_short_buffer_asks_for_more(void **state)
{
	(void)state;
	size_t len, need, have = 0;
	uint64_t size;
	unsigned char *b = make_core(4, 2, NULL, &len, &size);
	struct coreinfo ci;
	int steps = 0;

	/* grow the buffer exactly as the parser asks: it reaches the whole head in a few steps */
	while (coreinfo_parse(b, have, &ci, &need) == -EAGAIN) {
		assert_true(need > have && need <= len);
		have = need;
		steps++;
	}
	assert_int_equal(have, len);
	assert_true(steps >= 2 && steps <= 3);
	assert_string_equal(ci.trigger, "");
	assert_int_equal(ci.threads, 2);
	free(b);
}

static void test_pn_xnum(void **state)
{
	(void)state;
	size_t len, need;
	uint64_t size;
	unsigned char *b = make_core(70000, 1, "signal", &len, &size);
	struct coreinfo ci;

	assert_int_equal(coreinfo_parse(b, len, &ci, &need), 0);
	assert_int_equal(ci.segments, 70000);
	assert_int_equal(ci.expected_bytes, size);
	assert_string_equal(ci.trigger, "signal");
	free(b);
}

static void test_refuses_other_files(void **state)
{
	(void)state;
	unsigned char b[128] = { 0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, 1 };
	struct coreinfo ci;
	size_t need;

	b[16] = ET_EXEC; /* an executable, not a core */
	assert_int_equal(coreinfo_parse(b, sizeof(b), &ci, &need), -EINVAL);
	assert_int_equal(coreinfo_parse((const unsigned char *)"#!/bin/sh\n", 10, &ci, &need), -EAGAIN);
	memset(b, 'x', sizeof(b));
	assert_int_equal(coreinfo_parse(b, sizeof(b), &ci, &need), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_what_the_writer_wrote),
		cmocka_unit_test(test_short_buffer_asks_for_more),
		cmocka_unit_test(test_pn_xnum),
		cmocka_unit_test(test_refuses_other_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
