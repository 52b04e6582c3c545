/* SPDX-License-Identifier: MIT */
/*
 * The per-architecture part of syscall injection (base/ptrace_inject.c):
 * which registers carry the number, the arguments and the result, what the
 * system-call instruction looks like, and whether a thread runs the native
 * ABI. Pure: unit-tested (tests/unit/base/test_ptrace_inject.c). One file
 * per architecture (inject_x86_64.c); an arm64 port adds inject_arm64.c.
 */
#ifndef CORETRAP_BASE_INJECT_ARCH_H
#define CORETRAP_BASE_INJECT_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/user.h>

/* The general registers as PTRACE_GETREGSET(NT_PRSTATUS) returns them. */
typedef struct user_regs_struct inject_regs_t;

/* The system-call instruction, searched for in the target's vdso. */
extern const unsigned char inject_arch_syscall_insn[];
extern const size_t inject_arch_syscall_insn_len;

/*
 * Turn a copy of the saved registers into those that run syscall nr with
 * args at pc (the instruction's address). No restart of an interrupted
 * call may be applied to them: the syscall number slot says "not in a
 * syscall" (orig_rax = -1 on x86-64). Everything else is left as it was.
 */
void inject_arch_setup(inject_regs_t *regs, uint64_t pc, long nr, const unsigned long args[6]);

/* The raw return value in the registers at syscall exit (-4095..-1 is -errno). */
long inject_arch_result(const inject_regs_t *regs);

/* The syscall number slot (orig_rax on x86-64): -1 outside a syscall. */
long inject_arch_syscall_nr(const inject_regs_t *regs);

/* The program counter. */
uint64_t inject_arch_pc(const inject_regs_t *regs);

/* The thread runs the native 64-bit ABI (the syscall numbers we use are its own). */
bool inject_arch_native(const inject_regs_t *regs);

#endif
