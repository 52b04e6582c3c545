// SPDX-License-Identifier: MIT
/* x86-64 register sets for the core writer. */
#if defined(__x86_64__)
#include "core/arch/arch.h"

#include <elf.h>

const uint16_t arch_elf_machine = EM_X86_64;

const struct arch_regset arch_regsets[] = {
	/* FXSAVE area, struct user_fpregs_struct */
	{ NT_PRFPREG, "CORE", 512, 0 },
	/* XSAVE area: its size depends on the CPU features (AVX-512, AMX...) */
	{ NT_X86_XSTATE, "LINUX", 32768, 1 },
};

const size_t arch_nregsets = sizeof(arch_regsets) / sizeof(arch_regsets[0]);
#endif
