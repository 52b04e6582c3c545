# SPDX-License-Identifier: MIT
"""Syscall injection (user/base/ptrace_inject.c) through build/tests/injectsys, against
tests/targets/syscall_waiter: the call runs in the thread, the registers come back exactly, and
every interrupted call keeps its semantics afterwards (read and pause restart, nanosleep sleeps
its full time), whether the thread is then detached or resumed with PTRACE_CONT."""
import json
import os
import re
import signal
import subprocess
import time

import pytest

from coretest import BUILD, CommandTarget

WAITER = os.path.join(BUILD, "targets", "syscall_waiter")
INJECTSYS = os.path.join(BUILD, "tests", "injectsys")
SYS_PAUSE = 34


class Waiter(CommandTarget):
    def __init__(self):
        super().__init__([WAITER])

    def syscall_nr(self, tid):
        with open("/proc/%d/task/%d/syscall" % (self.pid, tid)) as f:
            return int(f.read().split()[0])


def inject(pid, *extra):
    p = subprocess.run([INJECTSYS, str(pid)] + [str(a) for a in extra], capture_output=True,
                       text=True, timeout=30)
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    return p.returncode, rows, p.stderr


def threads_settled(w):
    """Every waiting thread is inside its blocking call (so the injection interrupts it there)."""
    deadline = time.time() + 5
    while time.time() < deadline:
        if w.syscall_nr(w.info["pauser"]) == SYS_PAUSE and w.syscall_nr(w.info["reader"]) == 0:
            return
        time.sleep(0.01)


@pytest.mark.parametrize("resume", ["detach", "cont"])
def test_call_runs_in_each_thread_and_every_interrupted_call_keeps_its_semantics(resume):
    with Waiter() as w:
        threads_settled(w)
        t0 = time.time()
        extra = ("--cont", 3500) if resume == "cont" else ()
        # cont: the driver stays attached 3.5 s with the threads resumed by PTRACE_CONT
        rc, rows, err = inject(w.pid, *extra)
        assert rc == 0, (rows, err)
        tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % w.pid))
        assert sorted(r["tid"] for r in rows) == tids
        for r in rows:
            # gettid() answered with the thread's own id: the call ran in that thread
            assert r["ran"] == 1 and r["ret"] == r["tid"] and r["stop"] == "event", r
            assert r["regs_same"] == 1, r
        # nanosleep was interrupted, restarted through restart_syscall, and slept its 3 s
        m = w.expect(r"slept (-?\d+) (\d+) (\d+)$")
        assert (int(m.group(1)), int(m.group(2))) == (0, 0), w.seen
        assert int(m.group(3)) >= 2990
        assert time.time() - t0 < 6
        # read went back to reading
        w.send("write hello")
        w.expect(r"read 5 0 hello$")
        # pause() went back to sleep; the spinner spins
        assert w.syscall_nr(w.info["pauser"]) == SYS_PAUSE
        assert not [l for l in w.seen if l.startswith("pause")]
        w.send("spins")
        a = int(w.expect(r"spins (\d+)$").group(1))
        time.sleep(0.05)
        w.send("spins")
        assert int(w.expect(r"spins (\d+)$").group(1)) > a


def test_a_signal_that_comes_first_is_handed_back_and_delivered():
    """A signal queued while the thread is stopped is met before the call: the thread is handed
    back in that signal's delivery stop, registers as they were, and the signal is delivered."""
    with Waiter() as w:
        threads_settled(w)
        rc, rows, err = inject(w.pid, "--signal", int(signal.SIGUSR1))
        assert rc == 0, (rows, err)
        for r in rows:
            assert r["err"] == 0 and r["ran"] == 0, r
            assert r["stop"] == "signal" and r["sig"] == signal.SIGUSR1, r
            assert r["regs_same"] == 1, r
        # every thread ran the handler; what it does to each call: pause and nanosleep end with
        # EINTR, read (SA_RESTART) goes on reading
        want = {"usr1 %d" % r["tid"] for r in rows} | {"pause -1 4"}
        def slept_eintr():
            return [l for l in w.seen if re.match(r"slept -1 4 \d+$", l)]

        # the lines come from four threads in any order: wait for all of them, the sleeper's too
        deadline = time.time() + 5
        while not (want <= set(w.seen) and slept_eintr()) and time.time() < deadline:
            w.expect(r".*", timeout=deadline - time.time())
        assert want <= set(w.seen), w.seen
        assert slept_eintr(), w.seen
        w.send("write again")
        w.expect(r"read 5 0 again$")
