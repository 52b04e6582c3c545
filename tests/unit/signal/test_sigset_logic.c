// SPDX-License-Identifier: MIT
/* Unit tests of the signal trigger's pure rules. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <cmocka.h>

#include "signal/sigset_logic.h"

static void crash_mask_is_the_core_dumping_signals(void **state)
{
	(void)state;
	sigmask64_t m = sigset_crash_mask();
	const int in[] = { SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGQUIT, SIGXCPU, SIGXFSZ };

	for (unsigned i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_true(m & sigmask64_bit(in[i]));
	assert_int_equal(__builtin_popcountll(m), 10);
	assert_false(m & sigmask64_bit(SIGTERM));
	assert_false(m & sigmask64_bit(SIGKILL));
}

static void config_list_and_crash_merge(void **state)
{
	(void)state;
	struct config cfg = { .signal_count = 2, .signals = { SIGUSR1, SIGTERM }, .crash = true };
	sigmask64_t m = 0;
	int bad = 0;

	assert_int_equal(sigset_from_config(&cfg, &m, &bad), 0);
	assert_int_equal(m, sigset_crash_mask() | sigmask64_bit(SIGUSR1) | sigmask64_bit(SIGTERM));

	cfg.crash = false;
	cfg.signal_count = 1;
	cfg.signals[0] = 64;
	assert_int_equal(sigset_from_config(&cfg, &m, &bad), 0);
	assert_int_equal(m, (sigmask64_t)1 << 63);
}

static void sigkill_and_out_of_range_are_refused(void **state)
{
	(void)state;
	struct config cfg = { .signal_count = 2, .signals = { SIGUSR1, SIGKILL } };
	sigmask64_t m = 123;
	int bad = 0;

	assert_int_equal(sigset_from_config(&cfg, &m, &bad), -EINVAL);
	assert_int_equal(bad, SIGKILL);
	assert_int_equal(m, 123); /* untouched on error */
	cfg.signals[1] = 65;
	assert_int_equal(sigset_from_config(&cfg, &m, &bad), -EINVAL);
	assert_int_equal(bad, 65);
	cfg.signals[1] = 0;
	assert_int_equal(sigset_from_config(&cfg, &m, &bad), -EINVAL);
}

static void names(void **state)
{
	(void)state;
	char b[32];

	assert_string_equal(sigset_name(SIGSEGV, b, sizeof(b)), "SIGSEGV");
	assert_string_equal(sigset_name(SIGUSR1, b, sizeof(b)), "SIGUSR1");
	assert_string_equal(sigset_name(SIGRTMIN + 3, b, sizeof(b)), "SIGRTMIN+3");
	assert_string_equal(sigset_name(99, b, sizeof(b)), "signal 99");
}

static void default_actions(void **state)
{
	(void)state;
	assert_true(sigset_default_kills(SIGSEGV));
	assert_true(sigset_default_kills(SIGTERM));
	assert_true(sigset_default_kills(SIGUSR1));
	assert_true(sigset_default_kills(SIGRTMIN));
	assert_false(sigset_default_kills(SIGCHLD));
	assert_false(sigset_default_kills(SIGCONT));
	assert_false(sigset_default_kills(SIGTSTP));
}

static void decide_count_and_cooldown(void **state)
{
	(void)state;
	sigmask64_t set = sigmask64_bit(SIGUSR1);
	struct sig_budget b = { .max_dumps = 2, .interval_s = 10 };
	const uint64_t s = 1000000000ull;

	assert_int_equal(sigset_decide(set, SIGUSR2, &b, 0), SIG_PASS_UNLISTED);
	assert_int_equal(sigset_decide(set, SIGUSR1, &b, 5 * s), SIG_DUMP);
	b.dumps_done = 1;
	b.have_last = true;
	b.last_dump_ns = 5 * s;
	assert_int_equal(sigset_decide(set, SIGUSR1, &b, 14 * s), SIG_PASS_COOLDOWN);
	assert_int_equal(sigset_decide(set, SIGUSR1, &b, 15 * s), SIG_DUMP);
	b.dumps_done = 2;
	assert_int_equal(sigset_decide(set, SIGUSR1, &b, 100 * s), SIG_PASS_LIMIT);
	/* -s 0: back to back */
	b.max_dumps = 100;
	b.interval_s = 0;
	assert_int_equal(sigset_decide(set, SIGUSR1, &b, 5 * s), SIG_DUMP);
}

static void dispositions(void **state)
{
	/* SigIgn and SigCgt as proc_dispositions reads them */
	sigmask64_t ign = sigmask64_bit(SIGPIPE), cgt = sigmask64_bit(SIGUSR1);

	(void)state;
	assert_false(sigset_delivery_kills(SIGUSR1, ign, cgt)); /* handled */
	assert_false(sigset_delivery_kills(SIGPIPE, ign, cgt)); /* ignored */
	assert_true(sigset_delivery_kills(SIGSEGV, ign, cgt));  /* default: core */
	assert_false(sigset_delivery_kills(SIGCHLD, ign, cgt)); /* default: ignore */
}

static struct signal_origin origin(int sig, int result, bool group, int target_tid, int sender)
{
	struct signal_origin o = { .sig = sig, .result = result, .group = group, .target_tid = target_tid,
				   .sender_tgid = sender, .sender_tid = sender, .code = SI_USER };
	strcpy(o.sender_comm, "kill");
	return o;
}

static void queue_matches_fifo_by_signal_and_thread(void **state)
{
	(void)state;
	static struct origin_queue q;
	struct signal_origin o, out;

	o = origin(SIGUSR1, 0, false, 101, 7); /* tgkill to thread 101 */
	origin_queue_push(&q, &o);
	o = origin(SIGUSR1, 0, true, 100, 8);  /* kill to the process */
	origin_queue_push(&q, &o);
	o = origin(SIGUSR1, 2, true, 100, 9);  /* merged with a pending one: never delivered */
	origin_queue_push(&q, &o);
	o = origin(SIGUSR2, 0, true, 100, 10);
	origin_queue_push(&q, &o);

	/* Delivery on thread 100: the thread-directed record for 101 is not it. */
	assert_true(origin_queue_take(&q, SIGUSR1, 100, 100, &out));
	assert_int_equal(out.sender_tgid, 8);
	assert_true(origin_queue_take(&q, SIGUSR1, 100, 101, &out));
	assert_int_equal(out.sender_tgid, 7);
	assert_false(origin_queue_take(&q, SIGUSR1, 100, 100, &out));
	assert_true(origin_queue_take(&q, SIGUSR2, 100, 102, &out));
	assert_int_equal(out.sender_tgid, 10);
	assert_int_equal(q.len, 1); /* the already-pending record stays */
}

static void queue_overwrites_oldest_when_full(void **state)
{
	(void)state;
	static struct origin_queue q;
	struct signal_origin o, out;

	for (int i = 0; i < ORIGIN_QUEUE_LEN + 3; i++) {
		o = origin(SIGUSR1, 0, true, 100, 1000 + i);
		origin_queue_push(&q, &o);
	}
	assert_int_equal(q.len, ORIGIN_QUEUE_LEN);
	assert_int_equal(q.overwritten, 3);
	assert_true(origin_queue_take(&q, SIGUSR1, 100, 100, &out));
	assert_int_equal(out.sender_tgid, 1003);
}

static void origin_descriptions(void **state)
{
	(void)state;
	char b[128];
	struct signal_origin o = origin(SIGUSR1, 0, true, 100, 42);

	assert_string_equal(signal_origin_describe(&o, 100, b, sizeof(b)), " (sent by pid 42 kill)");
	o.sender_tgid = 100;
	o.sender_tid = 105;
	o.code = SI_TKILL;
	assert_string_equal(signal_origin_describe(&o, 100, b, sizeof(b)), " (sent by the target itself, thread 105)");
	o.code = SEGV_MAPERR;
	assert_string_equal(signal_origin_describe(&o, 100, b, sizeof(b)), " (raised by thread 105 itself, si_code 1)");
	o.code = SIGINFO_CODE_NONE;
	assert_string_equal(signal_origin_describe(&o, 100, b, sizeof(b)), " (generated by the kernel)");
	o.code = SI_KERNEL;
	o.sender_tgid = 5;
	assert_string_equal(signal_origin_describe(&o, 100, b, sizeof(b)), " (generated by the kernel)");
	assert_string_equal(signal_result_name(1), "ignored");
	assert_string_equal(signal_result_name(2), "already pending");
	assert_string_equal(signal_result_name(9), "unknown");
}

static void siginfo_descriptions(void **state)
{
	(void)state;
	char b[128];

	assert_string_equal(siginfo_describe(SIGSEGV, SEGV_MAPERR, 0, (void *)0x10, 7, b, sizeof(b)),
			    " (fault at 0x10 in thread 7, si_code 1)");
	assert_string_equal(siginfo_describe(SIGSEGV, SI_USER, 42, NULL, 7, b, sizeof(b)), " (sent by pid 42)");
	assert_string_equal(siginfo_describe(SIGABRT, SI_TKILL, 7, NULL, 7, b, sizeof(b)), " (sent by pid 7)");
	assert_string_equal(siginfo_describe(SIGSEGV, SI_KERNEL, 0, NULL, 7, b, sizeof(b)),
			    " (generated by the kernel)");
	/* A positive si_code of a non-fault signal (e.g. SIGCHLD's CLD_EXITED) is not a fault. */
	assert_string_equal(siginfo_describe(SIGCHLD, 1, 0, NULL, 7, b, sizeof(b)), " (generated by the kernel)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crash_mask_is_the_core_dumping_signals),
		cmocka_unit_test(config_list_and_crash_merge),
		cmocka_unit_test(sigkill_and_out_of_range_are_refused),
		cmocka_unit_test(names),
		cmocka_unit_test(default_actions),
		cmocka_unit_test(decide_count_and_cooldown),
		cmocka_unit_test(dispositions),
		cmocka_unit_test(queue_matches_fifo_by_signal_and_thread),
		cmocka_unit_test(queue_overwrites_oldest_when_full),
		cmocka_unit_test(origin_descriptions),
		cmocka_unit_test(siginfo_descriptions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
