// SPDX-License-Identifier: MIT
/* x86-64 registers of an injected system call; see inject_arch.h. */
#if defined(__x86_64__)
#include "base/arch/inject_arch.h"

/* `syscall`: 0f 05 */
const unsigned char inject_arch_syscall_insn[] = { 0x0f, 0x05 };
const size_t inject_arch_syscall_insn_len = sizeof(inject_arch_syscall_insn);

/* The user code segment of 64-bit processes (__USER_CS); 0x23 is the 32-bit one. */
#define USER64_CS 0x33

void inject_arch_setup(inject_regs_t *regs, uint64_t pc, long nr, const unsigned long args[6])
{
	regs->rip = pc;
	regs->rax = (unsigned long)nr;
	/*
	 * -1: "not in a system call". The kernel decides on orig_rax and rax
	 * whether to restart an interrupted call when the thread leaves its
	 * stop; with -1 it leaves these registers alone.
	 */
	regs->orig_rax = (unsigned long)-1L;
	regs->rdi = args[0];
	regs->rsi = args[1];
	regs->rdx = args[2];
	regs->r10 = args[3];
	regs->r8 = args[4];
	regs->r9 = args[5];
}

long inject_arch_result(const inject_regs_t *regs)
{
	return (long)regs->rax;
}

long inject_arch_syscall_nr(const inject_regs_t *regs)
{
	return (long)regs->orig_rax;
}

uint64_t inject_arch_pc(const inject_regs_t *regs)
{
	return regs->rip;
}

bool inject_arch_native(const inject_regs_t *regs)
{
	return regs->cs == USER64_CS;
}
#endif
