/* SPDX-License-Identifier: MIT */
/* The pure /proc parsers on recorded buffers: status, stat, meminfo, cmdline, environ. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/proc_parse.h"

#define CMD(s) s, sizeof(s) - 1 /* keep embedded NULs, drop the literal's own */

/* Abridged from a live /proc/PID/status of a process in a PID namespace. */
static const char status_ns[] =
	"Name:\tdotnet\n"
	"Umask:\t0022\n"
	"State:\tS (sleeping)\n"
	"Tgid:\t14485\n"
	"TracerPid:\t0\n"
	"Uid:\t1000\t65534\t65534\t65534\n"
	"Gid:\t1000\t65533\t1\t1\n"
	"Groups:\t1 2 3 \n"
	"NSpid:\t14485\t7\t1\n"
	"VmRSS:\t  10240 kB\n"
	"RssAnon:\t  1024 kB\n"
	"RssFile:\t  2048 kB\n"
	"RssShmem:\t 4 kB\n"
	"Threads:\t7\n"
	"SigQ:\t0/62987\n"
	"SigPnd:\t0000000000000000\n"
	"ShdPnd:\t0000000000000100\n"
	"SigBlk:\t0000000000010000\n"
	"SigIgn:\t0000000000001000\n"
	"SigCgt:\t0000000000000200\n"
	"CapEff:\t000001ffffffffff\n";

static void test_field_finds_whole_keys_at_line_starts(void **state)
{
	(void)state;
	assert_int_equal(strncmp(proc_field(status_ns, "Name"), "dotnet\n", 7), 0);
	/* "Rss" is no key of its own; "Pid" is not "TracerPid" or "NSpid" */
	assert_null(proc_field(status_ns, "Rss"));
	assert_null(proc_field(status_ns, "Pid"));
	assert_null(proc_field(status_ns, "Missing"));
	assert_null(proc_field("", "Name"));
	/* the first line counts too, and a value can be empty */
	assert_string_equal(proc_field("Key:", "Key"), "");
	assert_string_equal(proc_field("Key:\t \tv", "Key"), "v");
	/* a key in the middle of a line is not a key */
	assert_null(proc_field("Name:\tUid: 5\n", "Uid"));
}

static void test_field_numbers(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(proc_field_num(status_ns, "Uid", PROC_ID_REAL, &v), 0);
	assert_int_equal(v, 1000);
	assert_int_equal(proc_field_num(status_ns, "Uid", PROC_ID_EFFECTIVE, &v), 0);
	assert_int_equal(v, 65534);
	assert_int_equal(proc_field_num(status_ns, "Gid", PROC_ID_FS, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(proc_field_num(status_ns, "Gid", 4, &v), -EINVAL); /* only four */
	assert_int_equal(proc_field_num(status_ns, "RssAnon", 0, &v), 0);   /* "N kB" */
	assert_int_equal(v, 1024);
	assert_int_equal(proc_field_num(status_ns, "TracerPid", 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(proc_field_num("TracerPid:\t4321\n", "TracerPid", 0, &v), 0);
	assert_int_equal(v, 4321);
	/* no sign, no junk, no number from the next line */
	assert_int_equal(proc_field_num("Threads:\t-1\n", "Threads", 0, &v), -EINVAL);
	assert_int_equal(proc_field_num("Threads:\tmany\n", "Threads", 0, &v), -EINVAL);
	assert_int_equal(proc_field_num("Threads:\t3x\n", "Threads", 0, &v), -EINVAL);
	assert_int_equal(proc_field_num("Threads:\n3\n", "Threads", 0, &v), -EINVAL);
	assert_int_equal(proc_field_num("Uid:\t1\nGid:\t2\n", "Uid", 1, &v), -EINVAL);
	assert_int_equal(proc_field_num("Threads:\t99999999999999999999999\n", "Threads", 0, &v), -EINVAL);
}

static void test_field_hex_masks(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(proc_field_hex(status_ns, "SigIgn", &v), 0);
	assert_int_equal(v, 1u << (13 - 1)); /* SIGPIPE */
	assert_int_equal(proc_field_hex(status_ns, "SigCgt", &v), 0);
	assert_int_equal(v, 1u << (10 - 1)); /* SIGUSR1 */
	assert_int_equal(proc_field_hex(status_ns, "ShdPnd", &v), 0);
	assert_int_equal(v, 0x100);
	assert_int_equal(proc_field_hex(status_ns, "CapEff", &v), 0);
	assert_int_equal(v, 0x1ffffffffffull);
	assert_int_equal(proc_field_hex("SigIgn:\t0\n", "SigCgt", &v), -EINVAL);
	assert_int_equal(proc_field_hex("SigIgn:\tzz\nSigCgt:\t0\n", "SigIgn", &v), -EINVAL);
	assert_int_equal(proc_field_hex("SigIgn:\t-1\n", "SigIgn", &v), -EINVAL);
	assert_int_equal(proc_field_hex("", "SigIgn", &v), -EINVAL);
}

static void test_number_files(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(proc_parse_number("0\n", 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(proc_parse_number("268435456\n", 10, &v), 0);
	assert_int_equal(v, 268435456);
	assert_int_equal(proc_parse_number("00000033\n", 16, &v), 0);
	assert_int_equal(v, 0x33);
	assert_int_equal(proc_parse_number("", 10, &v), -EINVAL);
	assert_int_equal(proc_parse_number("12 13\n", 10, &v), -EINVAL);
	assert_int_equal(proc_parse_number("-5\n", 10, &v), -EINVAL);
	assert_int_equal(v, 0x33); /* untouched on failure */
}

static void test_nspid(void **state)
{
	pid_t pid = 0;

	(void)state;
	assert_int_equal(proc_status_nspid("Name:\tdotnet\nNSpid:\t4242\n", &pid), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(proc_status_nspid(status_ns, &pid), 0);
	assert_int_equal(pid, 1); /* innermost namespace: the last value */
	assert_int_equal(proc_status_nspid("Name:\tx\n", &pid), -EINVAL);
	assert_int_equal(proc_status_nspid("NSpid:\t\n", &pid), -EINVAL);
	assert_int_equal(proc_status_nspid("NSpid:\t12\tx\n", &pid), -EINVAL);
	assert_int_equal(proc_status_nspid("NSpid:\t0\n", &pid), -EINVAL);
}

static void test_status_counts(void **state)
{
	const char *kthread = "Name:\tkworker\nThreads:\t1\n";
	uint64_t rss;
	uint32_t threads;

	(void)state;
	assert_int_equal(proc_status_counts(status_ns, 4096, &rss, &threads), 0);
	assert_int_equal(rss, (1024 + 2048 + 4) / 4);
	assert_int_equal(threads, 7);
	assert_int_equal(proc_status_counts(kthread, 4096, &rss, &threads), 0);
	assert_int_equal(rss, 0);
	assert_int_equal(threads, 1);
	assert_int_equal(proc_status_counts("Name:\tx\n", 4096, &rss, &threads), -EINVAL);
	assert_int_equal(proc_status_counts(status_ns, 512, &rss, &threads), -EINVAL);
}

static void test_stat_fields(void **state)
{
	/* comm holds spaces and a ')'; tpgid is -1; nice is negative */
	const char *line = "9286 (dot net) x) S 1 9286 9287 0 -1 4194560 5961 0 0 0 23 6 2 3 20 -5 "
			   "18 0 78657 3463417856 7950 18446744073709551615\n";
	struct proc_stat st;

	(void)state;
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "dot net) x");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.pgrp, 9286);
	assert_int_equal(st.sid, 9287);
	assert_int_equal(st.flags, 4194560);
	assert_int_equal(st.utime, 23);
	assert_int_equal(st.stime, 6);
	assert_int_equal(st.cutime, 2);
	assert_int_equal(st.cstime, 3);
	assert_int_equal(st.nice, -5);
	assert_int_equal(st.starttime, 78657);
}

static void test_stat_malformed(void **state)
{
	struct proc_stat st;
	char longcomm[200];

	(void)state;
	assert_int_equal(proc_parse_stat("12 (x) S 1 2 3", &st), -EINVAL); /* ends before field 22 */
	assert_int_equal(proc_parse_stat("no parens", &st), -EINVAL);
	assert_int_equal(proc_parse_stat("1 (x)", &st), -EINVAL);
	assert_int_equal(proc_parse_stat("1 (x) ", &st), -EINVAL);
	assert_int_equal(proc_parse_stat("1 )x( S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", &st), -EINVAL);
	assert_int_equal(proc_parse_stat("1 (a) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 x", &st), -EINVAL);
	assert_int_equal(proc_parse_stat("1 (a) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19", &st), -EINVAL);
	/* a comm longer than the field is cut, the rest still parses */
	memset(longcomm, 0, sizeof(longcomm));
	strcpy(longcomm, "1 (");
	memset(longcomm + 3, 'c', 100);
	strcat(longcomm, ") R 0 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 1 0 77");
	assert_int_equal(proc_parse_stat(longcomm, &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.starttime, 77);
}

static void test_stat_state(void **state)
{
	(void)state;
	assert_int_equal(proc_stat_state("42 (sleeper) S 1 42 42 0"), 'S');
	assert_int_equal(proc_stat_state("42 (a) b) (c) Z 1"), 'Z');
	assert_int_equal(proc_stat_state("42 (x"), 0);
	assert_int_equal(proc_stat_state("42 (x)"), 0);
	assert_int_equal(proc_stat_state(""), 0);
	assert_true(proc_state_dead('Z'));
	assert_true(proc_state_dead('X'));
	assert_true(proc_state_dead(0));
	assert_false(proc_state_dead('S'));
	assert_false(proc_state_dead('t')); /* stopped by a tracer: alive */
}

static void test_stat_gone(void **state)
{
	(void)state;
	assert_false(proc_stat_gone("7 (a) R 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0"));
	/* in do_exit: still 'R', but PF_EXITING (0x4) in the flags */
	assert_true(proc_stat_gone("7 (a) R 1 7 7 0 -1 4194564 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0"));
	assert_true(proc_stat_gone("7 (a) Z 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0"));
	assert_true(proc_stat_gone("7 (a) R 1 7"));
	assert_true(proc_stat_gone(""));
}

static void test_meminfo_fields(void **state)
{
	const char *meminfo = "MemTotal:       16318480 kB\nMemFree:         1000000 kB\n"
			      "MemAvailable:    8000000 kB\nDirty:               124 kB\n"
			      "Writeback:             0 kB\nWritebackTmp:          8 kB\n";
	uint64_t kb = 1;

	(void)state;
	assert_int_equal(proc_field_num(meminfo, "MemAvailable", 0, &kb), 0);
	assert_int_equal(kb, 8000000);
	assert_int_equal(proc_field_num(meminfo, "Dirty", 0, &kb), 0);
	assert_int_equal(kb, 124);
	assert_int_equal(proc_field_num(meminfo, "Writeback", 0, &kb), 0);
	assert_int_equal(kb, 0);
	assert_int_equal(proc_field_num(meminfo, "Shmem", 0, &kb), -EINVAL);
}

static void test_cmdline_names(void **state)
{
	static const struct { const char *buf; size_t len; const char *want; } cases[] = {
		{ CMD("/usr/bin/sleep\0" "100\0"), "sleep" },
		{ CMD("sleeper\0"), "sleeper" },
		{ CMD("/usr/bin/sudo\0/opt/app/bin/server\0--port\0" "80\0"), "server" },
		{ CMD("sudo\0python3\0x.py\0"), "python3" },
		{ CMD("nginx: master process /usr/sbin/nginx\0"), "nginx:" },
		{ CMD("/usr/bin/dotnet\0app.dll\0"), "dotnet" },
		{ CMD("/a/b/c d e"), "c" },       /* no trailing NUL (setproctitle) */
		{ CMD("sudo"), "sudo" },          /* sudo alone */
		{ CMD("./rel/prog\0"), "prog" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(proc_name_from_cmdline(cases[i].buf, cases[i].len, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_cmdline_empty(void **state)
{
	char out[16], small[4];

	(void)state;
	assert_int_equal(proc_name_from_cmdline("", 0, out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("\0\0"), out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("/usr/bin/\0"), out, sizeof(out)), -ENOENT);
	assert_int_equal(proc_name_from_cmdline(CMD("sudo\0\0"), out, sizeof(out)), -ENOENT);
	/* truncated to the buffer */
	assert_int_equal(proc_name_from_cmdline(CMD("abcdef\0"), small, sizeof(small)), 0);
	assert_string_equal(small, "abc");
}

static void test_environ(void **state)
{
	static const char block[] = "A=1\0TMPDIR=/t1\0TMPDIRX=no\0TMPDIR=/t2\0B";

	(void)state;
	assert_string_equal(proc_environ_get(block, sizeof(block) - 1, "TMPDIR"), "/t2");
	assert_string_equal(proc_environ_get(block, sizeof(block) - 1, "A"), "1");
	assert_null(proc_environ_get(block, sizeof(block) - 1, "B"));
	assert_null(proc_environ_get(block, sizeof(block) - 1, "TMP"));
	/* a value cut by the end of the block without its NUL is not returned */
	assert_null(proc_environ_get("A=12", 4, "A"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_finds_whole_keys_at_line_starts),
		cmocka_unit_test(test_field_numbers),
		cmocka_unit_test(test_field_hex_masks),
		cmocka_unit_test(test_number_files),
		cmocka_unit_test(test_nspid),
		cmocka_unit_test(test_status_counts),
		cmocka_unit_test(test_stat_fields),
		cmocka_unit_test(test_stat_malformed),
		cmocka_unit_test(test_stat_state),
		cmocka_unit_test(test_stat_gone),
		cmocka_unit_test(test_meminfo_fields),
		cmocka_unit_test(test_cmdline_names),
		cmocka_unit_test(test_cmdline_empty),
		cmocka_unit_test(test_environ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
