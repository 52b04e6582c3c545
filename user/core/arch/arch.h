/* SPDX-License-Identifier: MIT */
/*
 * The per-architecture part of the core writer: the ELF machine and the
 * register sets to fetch with PTRACE_GETREGSET and to write as notes. The
 * general registers (NT_PRSTATUS) are common: PTRACE_GETREGSET returns them
 * in the elf_gregset_t layout on every Linux architecture.
 * Only user/arch_<arch>.c knows the rest; an arm64 port adds one such file.
 */
#ifndef CORETRAP_ARCH_H
#define CORETRAP_ARCH_H

#include <stddef.h>
#include <stdint.h>

struct arch_regset {
	uint32_t note_type;   /* NT_* used both for PTRACE_GETREGSET and the note */
	const char *note_name; /* "CORE" or "LINUX" */
	size_t max_len;       /* buffer offered to the kernel; it tells the real size */
	int optional;         /* absent on this CPU/kernel: skip the note, not an error */
};

extern const uint16_t arch_elf_machine;
extern const struct arch_regset arch_regsets[];
extern const size_t arch_nregsets;

#endif /* CORETRAP_ARCH_H */
