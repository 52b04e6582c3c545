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

#include "sigset_logic.h"

/* Build wait statuses the way the kernel encodes them. */
#define ST_EXITED(code) (((code) & 0xff) << 8)
#define ST_KILLED(sig, core) ((sig) | ((core) ? 0x80 : 0))
#define ST_STOPPED(sig, event) (0x7f | ((sig) << 8) | ((event) << 16))

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
	assert_true(sigset_is_stop_signal(SIGTTOU));
	assert_false(sigset_is_stop_signal(SIGCONT));
}

static void classify_statuses(void **state)
{
	(void)state;
	struct stop_desc d;

	d = sigset_classify(ST_EXITED(3));
	assert_int_equal(d.kind, STOP_EXITED);
	assert_int_equal(d.sig, 3);

	d = sigset_classify(ST_KILLED(SIGSEGV, 1));
	assert_int_equal(d.kind, STOP_KILLED);
	assert_int_equal(d.sig, SIGSEGV);
	assert_true(d.core_dumped);
	d = sigset_classify(ST_KILLED(SIGTERM, 0));
	assert_false(d.core_dumped);

	d = sigset_classify(ST_STOPPED(SIGUSR1, 0));
	assert_int_equal(d.kind, STOP_SIGNAL);
	assert_int_equal(d.sig, SIGUSR1);
	/* SIGSTOP at delivery is a signal-delivery-stop, not a group-stop. */
	assert_int_equal(sigset_classify(ST_STOPPED(SIGSTOP, 0)).kind, STOP_SIGNAL);

	assert_int_equal(sigset_classify(ST_STOPPED(SIGSTOP, PTRACE_EVENT_STOP)).kind, STOP_GROUP);
	assert_int_equal(sigset_classify(ST_STOPPED(SIGTSTP, PTRACE_EVENT_STOP)).kind, STOP_GROUP);
	assert_int_equal(sigset_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_STOP)).kind, STOP_EVENT);
	assert_int_equal(sigset_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_CLONE)).kind, STOP_CLONE);
	assert_int_equal(sigset_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_EXEC)).kind, STOP_OTHER_EVENT);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(crash_mask_is_the_core_dumping_signals),
		cmocka_unit_test(config_list_and_crash_merge),
		cmocka_unit_test(sigkill_and_out_of_range_are_refused),
		cmocka_unit_test(names),
		cmocka_unit_test(default_actions),
		cmocka_unit_test(classify_statuses),
		cmocka_unit_test(decide_count_and_cooldown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
