/* SPDX-License-Identifier: MIT */
/*
 * elf_symbols on real objects: this test binary (its own functions, found
 * by name and by address through its load segments) and garbage.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/elf_symbols.h"

/* A function with a known name and a body of some length. */
__attribute__((noinline)) int marker_function_for_symbols(int x)
{
	volatile int v = x;

	for (int i = 0; i < 8; i++)
		v = v * 31 + i;
	return v;
}

struct image {
	void *p;
	size_t len;
};

static struct image map_file(const char *path)
{
	struct image im = { 0 };
	struct stat st;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	im.len = (size_t)st.st_size;
	im.p = mmap(NULL, im.len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	assert_true(im.p != MAP_FAILED);
	close(fd);
	return im;
}

/* The load address of this binary's text, from /proc/self/maps: the mapping holding the marker. */
static void self_mapping(uint64_t addr, uint64_t *start, uint64_t *offset)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, off;

		if (sscanf(line, "%llx-%llx %*s %llx", &s, &e, &off) == 3 && addr >= s && addr < e) {
			*start = s;
			*offset = off;
			found = true;
			break;
		}
	}
	fclose(f);
	assert_true(found);
}

static void test_self(void **state)
{
	struct image im = map_file("/proc/self/exe");
	struct elf_symbols s;
	const struct elf_sym *sym;
	uint64_t addr = (uint64_t)(uintptr_t)&marker_function_for_symbols, start, moff, vaddr, off, back;
	const char *name;

	(void)state;
	assert_int_equal(elf_symbols_parse(im.p, im.len, &s), 0);
	assert_true(s.nsyms > 10);
	assert_true(s.nsegs >= 2);
	assert_int_equal(elf_symbols_find(&s, "marker_function_for_symbols", &sym), 0);
	assert_true(sym->size > 8);
	assert_false(sym->ifunc);
	assert_int_equal(elf_symbols_find(&s, "no_such_function_here", &sym), -ENOENT);

	/* the runtime address -> file offset (maps) -> vaddr is the symbol's value */
	self_mapping(addr, &start, &moff);
	assert_int_equal(elf_offset_to_vaddr(&s, addr - start + moff, &vaddr), 0);
	assert_int_equal(elf_symbols_find(&s, "marker_function_for_symbols", &sym), 0);
	assert_int_equal(vaddr, sym->value);
	assert_int_equal(elf_vaddr_to_offset(&s, vaddr, &back), 0);
	assert_int_equal(back, addr - start + moff);

	name = elf_symbols_at(&s, vaddr + 5, &off);
	assert_non_null(name);
	assert_string_equal(name, "marker_function_for_symbols");
	assert_int_equal(off, 5);
	/* past its end is something else (or nothing), never the marker */
	name = elf_symbols_at(&s, vaddr + sym->size, &off);
	assert_true(!name || strcmp(name, "marker_function_for_symbols") != 0 || off < sym->size);
	assert_null(elf_symbols_at(&s, 0, &off));
	assert_int_equal(elf_offset_to_vaddr(&s, UINT64_MAX - 1, &vaddr), -ENOENT);
	elf_symbols_free(&s);
	munmap(im.p, im.len);
	assert_int_equal(marker_function_for_symbols(1) != 0, 1);
}

/* The allocator the leak tracker attaches to: a real libc, .dynsym only. */
static void test_libc(void **state)
{
	struct image im = map_file("/lib/x86_64-linux-gnu/libc.so.6");
	struct elf_symbols s;
	const struct elf_sym *sym;
	uint64_t off, vaddr;
	const char *name;

	(void)state;
	assert_int_equal(elf_symbols_parse(im.p, im.len, &s), 0);
	static const char *const alloc[] = { "malloc", "calloc", "realloc", "free", "posix_memalign",
					     "aligned_alloc", "memalign", "mmap", "munmap" };
	for (size_t i = 0; i < sizeof(alloc) / sizeof(alloc[0]); i++) {
		assert_int_equal(elf_symbols_find(&s, alloc[i], &sym), 0);
		assert_false(sym->ifunc);
		assert_int_equal(elf_vaddr_to_offset(&s, sym->value, &off), 0);
		assert_int_equal(elf_offset_to_vaddr(&s, off, &vaddr), 0);
		assert_int_equal(vaddr, sym->value);
		name = elf_symbols_at(&s, sym->value, &off);
		assert_non_null(name);
		assert_int_equal(off, 0);
	}
	/* memcpy is an IFUNC in glibc: found, and marked */
	assert_int_equal(elf_symbols_find(&s, "memcpy", &sym), 0);
	assert_true(sym->ifunc);
	elf_symbols_free(&s);
	munmap(im.p, im.len);
}

static void test_garbage(void **state)
{
	char junk[256];
	struct elf_symbols s;

	(void)state;
	memset(junk, 0x41, sizeof(junk));
	assert_int_equal(elf_symbols_parse(junk, sizeof(junk), &s), -EINVAL);
	memcpy(junk, "\177ELF", 4); /* magic, then nonsense */
	assert_int_equal(elf_symbols_parse(junk, sizeof(junk), &s), -EINVAL);
	assert_int_equal(elf_symbols_parse(junk, 0, &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self),
		cmocka_unit_test(test_libc),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
