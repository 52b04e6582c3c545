// SPDX-License-Identifier: MIT
/* Unit tests of the pure parts of syscall injection and its x86-64 register set-up. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <cmocka.h>

#include "base/arch/inject_arch.h"
#include "base/ptrace_inject.h"

static void finds_the_first_instruction(void **state)
{
	const unsigned char buf[] = { 0x90, 0x0f, 0x0f, 0x05, 0xc3, 0x0f, 0x05 };
	const unsigned char insn[] = { 0x0f, 0x05 };

	(void)state;
	assert_int_equal(inject_find_insn(buf, sizeof(buf), insn, 2), 2);
	/* cut before the first complete copy: the second one */
	assert_int_equal(inject_find_insn(buf + 3, sizeof(buf) - 3, insn, 2), 2);
	/* half an instruction at the end is not one */
	assert_int_equal(inject_find_insn(buf, 3, insn, 2), -1);
	assert_int_equal(inject_find_insn(buf, 1, insn, 2), -1);
	assert_int_equal(inject_find_insn(buf, sizeof(buf), insn, 0), -1);
}

static void only_an_interrupt_stop_qualifies(void **state)
{
	siginfo_t si;

	(void)state;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTRAP;
	si.si_code = SIGTRAP | (PTRACE_EVENT_STOP << 8);
	assert_true(inject_is_interrupt_stop(&si));
	/* a group-stop of a seized thread: the stop signal, same event */
	si.si_signo = SIGSTOP;
	si.si_code = SIGSTOP | (PTRACE_EVENT_STOP << 8);
	assert_false(inject_is_interrupt_stop(&si));
	/* a clone event stop: the thread is inside clone(), whose return would overwrite ours */
	si.si_signo = SIGTRAP;
	si.si_code = SIGTRAP | (PTRACE_EVENT_CLONE << 8);
	assert_false(inject_is_interrupt_stop(&si));
	/* a signal-delivery-stop of a real SIGTRAP */
	si.si_code = 1; /* TRAP_BRKPT */
	assert_false(inject_is_interrupt_stop(&si));
}

static void setup_touches_only_the_call_registers(void **state)
{
	const unsigned long args[6] = { 11, 22, 33, 44, 55, 66 };
	inject_regs_t saved, r, want;

	(void)state;
	memset(&saved, 0xA5, sizeof(saved));
	saved.cs = 0x33;
	saved.orig_rax = 0;                 /* stopped inside read() ... */
	saved.rax = (unsigned long)-512L;   /* ... interrupted: -ERESTARTSYS */
	r = saved;
	inject_arch_setup(&r, 0x7fff1000, 323, args);
	assert_int_equal(inject_arch_pc(&r), 0x7fff1000);
	assert_int_equal(inject_arch_syscall_nr(&r), -1); /* no restart applied to the injected registers */
	/* the call's registers, the syscall ABI's (r10 is the fourth argument, not rcx) ... */
	want = saved;
	want.rip = 0x7fff1000;
	want.rax = 323;
	want.orig_rax = (unsigned long)-1L;
	want.rdi = 11;
	want.rsi = 22;
	want.rdx = 33;
	want.r10 = 44;
	want.r8 = 55;
	want.r9 = 66;
	/* ... and every other register the thread's own (rsp, rbx, rcx, eflags, fs_base...) */
	assert_memory_equal(&r, &want, sizeof(r));
}

static void result_and_abi(void **state)
{
	inject_regs_t r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.rax = (unsigned long)-9L; /* -EBADF */
	assert_int_equal(inject_arch_result(&r), -9);
	r.rax = 7;
	assert_int_equal(inject_arch_result(&r), 7);
	r.orig_rax = 3;
	assert_int_equal(inject_arch_syscall_nr(&r), 3);
	r.cs = 0x33;
	assert_true(inject_arch_native(&r));
	r.cs = 0x23; /* a 32-bit process: other syscall numbers */
	assert_false(inject_arch_native(&r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_the_first_instruction),
		cmocka_unit_test(only_an_interrupt_stop_qualifies),
		cmocka_unit_test(setup_touches_only_the_call_registers),
		cmocka_unit_test(result_and_abi),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
