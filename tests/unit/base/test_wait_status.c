// SPDX-License-Identifier: MIT
/* Unit tests of the wait-status decoder of seized threads. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <cmocka.h>

#include "base/wait_status.h"

/* Build wait statuses the way the kernel encodes them. */
#define ST_EXITED(code) (((code) & 0xff) << 8)
#define ST_KILLED(sig, core) ((sig) | ((core) ? 0x80 : 0))
#define ST_STOPPED(sig, event) (0x7f | ((sig) << 8) | ((event) << 16))

static void stop_signals(void **state)
{
	(void)state;
	assert_true(wait_is_stop_signal(SIGSTOP));
	assert_true(wait_is_stop_signal(SIGTSTP));
	assert_true(wait_is_stop_signal(SIGTTIN));
	assert_true(wait_is_stop_signal(SIGTTOU));
	assert_false(wait_is_stop_signal(SIGCONT));
	assert_false(wait_is_stop_signal(SIGTRAP));
}

static void classify_statuses(void **state)
{
	(void)state;
	struct stop_desc d;

	d = wait_status_classify(ST_EXITED(3));
	assert_int_equal(d.kind, STOP_EXITED);
	assert_int_equal(d.sig, 3);

	d = wait_status_classify(ST_KILLED(SIGSEGV, 1));
	assert_int_equal(d.kind, STOP_KILLED);
	assert_int_equal(d.sig, SIGSEGV);
	assert_true(d.core_dumped);
	d = wait_status_classify(ST_KILLED(SIGTERM, 0));
	assert_false(d.core_dumped);

	d = wait_status_classify(ST_STOPPED(SIGUSR1, 0));
	assert_int_equal(d.kind, STOP_SIGNAL);
	assert_int_equal(d.sig, SIGUSR1);
	/* SIGSTOP at delivery is a signal-delivery-stop, not a group-stop. */
	assert_int_equal(wait_status_classify(ST_STOPPED(SIGSTOP, 0)).kind, STOP_SIGNAL);

	assert_int_equal(wait_status_classify(ST_STOPPED(SIGSTOP, PTRACE_EVENT_STOP)).kind, STOP_GROUP);
	assert_int_equal(wait_status_classify(ST_STOPPED(SIGTSTP, PTRACE_EVENT_STOP)).kind, STOP_GROUP);
	assert_int_equal(wait_status_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_STOP)).kind, STOP_EVENT);
	assert_int_equal(wait_status_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_CLONE)).kind, STOP_CLONE);
	assert_int_equal(wait_status_classify(ST_STOPPED(SIGTRAP, PTRACE_EVENT_EXEC)).kind, STOP_OTHER_EVENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stop_signals),
		cmocka_unit_test(classify_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
