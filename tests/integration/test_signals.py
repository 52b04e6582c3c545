# SPDX-License-Identifier: MIT
"""Signal trigger (-sig / -crash): dump at delivery, then the signal happens as without coretrap.

Each test starts a target from tests/targets, attaches ./coretrap to it, drives the target through
stdin and signals, and checks the dump with gdb and the target's own reports.
"""
import ctypes
import os
import queue
import re
import resource
import signal
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
TARGETS = os.path.join(ROOT, "build", "targets")
TIMEOUT = 30

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="SKIPPED LOUDLY: needs root for ptrace and BPF")


class Lines:
    """Lines of a pipe, read by a thread so a test can wait for one with a timeout."""

    def __init__(self, stream):
        self.q = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream):
        for line in stream:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def wait(self, pattern, timeout=TIMEOUT):
        rx = re.compile(pattern)
        for line in self.seen:
            m = rx.search(line)
            if m:
                self.seen.remove(line)
                return m
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; seen %r" % (pattern, self.seen[-20:]))
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError("stream ended waiting for %r; seen %r" % (pattern, self.seen[-20:]))
            m = rx.search(line)
            if m:
                return m
            self.seen.append(line)

    def rest(self, timeout=TIMEOUT):
        """Every line until the stream ends."""
        out = list(self.seen)
        deadline = time.monotonic() + timeout
        while True:
            line = self.q.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                return out
            out.append(line)


def core_enabled():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class Target:
    def __init__(self, name, cwd, ready=r"^ready (\d+)", args=()):
        self.p = subprocess.Popen([os.path.join(TARGETS, name)] + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, cwd=cwd, preexec_fn=core_enabled)
        self.out = Lines(self.p.stdout)
        self.pid = self.p.pid
        self.ready = self.out.wait(ready)

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def close_stdin(self):
        self.p.stdin.close()

    def wait_status(self):
        """The raw wait status, so WCOREDUMP can be compared."""
        _, status = os.waitpid(self.p.pid, 0)
        self.p.returncode = 0  # reaped here; keep Popen from trying again
        return status

    def kill(self):
        if self.p.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.wait_status()


class Coretrap:
    def __init__(self, args, target_pid, dump_dir, wait_start=True):
        self.p = subprocess.Popen([CORETRAP] + args + [str(target_pid), str(dump_dir)], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        self.out = Lines(self.p.stdout)
        if wait_start:
            self.out.wait(r"Starting monitor for process")

    def finish(self, timeout=TIMEOUT):
        rc = self.p.wait(timeout=timeout)
        return rc, self.out.rest()

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


@pytest.fixture
def procs():
    """Everything started by a test, killed at the end whatever happened."""
    started = []
    yield started
    for proc in reversed(started):
        proc.kill()


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def assert_untraced_and_running(pid):
    st = proc_status(pid)
    assert st["TracerPid"] == "0", st
    assert not st["State"].startswith(("T", "t")), st
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            text = f.read()
        assert "TracerPid:\t0\n" in text, (tid, text)


def gdb(exe, core, *commands):
    args = ["gdb", "-batch", "-nx"]
    for c in commands:
        args += ["-ex", c]
    return subprocess.run(args + [exe, core], capture_output=True, text=True, timeout=120).stdout


def first_thread_lwp(exe, core):
    out = gdb(exe, core, "info threads")
    m = re.search(r"^\*\s+1\s+.*?LWP (\d+)", out, re.M)
    assert m, out
    return int(m.group(1))


def dumps_of(ct_lines):
    return [m.group(1) for m in (re.search(r"Core dump \d+ generated: (.*)$", l) for l in ct_lines) if m]


def baseline_status(tmp_path, target, cue):
    """How the target ends without coretrap."""
    t = Target(target, tmp_path)
    try:
        t.send(cue)
        return t.wait_status()
    finally:
        t.kill()


def tgkill(pid, tid, sig):
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(234, pid, tid, sig) == 0  # SYS_tgkill on x86-64


def cue_under_coretrap(tmp_path, procs, target, args, cue):
    """Start target, watch it with coretrap ARGS, send the cue that makes it
    die, and wait for both: (target, its wait status, coretrap's exit code
    and lines)."""
    t = Target(target, tmp_path)
    procs.append(t)
    ct = Coretrap(args, t.pid, tmp_path)
    procs.append(ct)
    t.send(cue)
    status = t.wait_status()
    rc, lines = ct.finish()
    return t, status, rc, lines


def test_segv_in_crash_here_is_dumped_then_dies_as_without_coretrap(tmp_path, procs):
    exe = os.path.join(TARGETS, "segv_in_func")
    base = baseline_status(tmp_path, "segv_in_func", "crash")
    assert os.WIFSIGNALED(base) and os.WTERMSIG(base) == signal.SIGSEGV

    t, status, rc, lines = cue_under_coretrap(tmp_path, procs, "segv_in_func", ["-crash"], "crash")
    text = "\n".join(lines)

    assert status == base, (status, base)  # same signal, same core flag as the kernel reports it
    assert rc == 0, text
    assert "Trigger: Signal:11 on process ID: %d (fault at 0x10 in thread %d, si_code 1)" % (t.pid, t.pid) in text
    assert re.search(r"Target process %d was killed by signal 11%s" %
                     (t.pid, r" \(core dumped\)" if os.WCOREDUMP(base) else "$"), text, re.M), text
    dumps = dumps_of(lines)
    assert len(dumps) == 1, text
    bt = gdb(exe, dumps[0], "bt")
    assert "crash_here" in bt.split("\n#1")[0], bt  # the innermost frame
    assert first_thread_lwp(exe, dumps[0]) == t.pid
    si = gdb(exe, dumps[0], "p $_siginfo.si_signo", "p $_siginfo._sifields._sigfault.si_addr")
    assert re.search(r"\$1 = 11\b", si), si
    assert re.search(r"\$2 = \(void \*\) 0x10\b", si), si


def test_segv_in_a_thread_created_while_monitored_lists_that_thread_first(tmp_path, procs):
    exe = os.path.join(TARGETS, "segv_in_func")
    t, status, rc, lines = cue_under_coretrap(tmp_path, procs, "segv_in_func", ["-sig", "11"], "crash-thread")
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV
    dumps = dumps_of(lines)
    assert len(dumps) == 1, lines
    lwp = first_thread_lwp(exe, dumps[0])
    assert lwp != t.pid  # the worker, not the main thread
    assert "crash_here" in gdb(exe, dumps[0], "bt").split("\n#1")[0]


def test_abort_is_dumped_then_dies_with_sigabrt(tmp_path, procs):
    exe = os.path.join(TARGETS, "aborter")
    base = baseline_status(tmp_path, "aborter", "abort")
    t, status, rc, lines = cue_under_coretrap(tmp_path, procs, "aborter", ["-crash"], "abort")
    assert status == base and os.WTERMSIG(status) == signal.SIGABRT, (status, base)
    dumps = dumps_of(lines)
    assert len(dumps) == 1, lines
    assert "abort" in gdb(exe, dumps[0], "bt")
    assert re.search(r"\$1 = 6\b", gdb(exe, dumps[0], "p $_siginfo.si_signo"))


def test_handled_sigusr1_100_times_gives_100_dumps_and_100_handler_runs(tmp_path, procs):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10", "-n", "100", "-s", "0"], t.pid, tmp_path)
    procs.append(ct)
    for i in range(1, 101):
        os.kill(t.pid, signal.SIGUSR1)
        t.out.wait(r"^usr1=%d usr2=0$" % i)
    rc, lines = ct.finish()
    assert rc == 0
    dumps = dumps_of(lines)
    assert len(dumps) == 100 and len(set(dumps)) == 100
    assert all(os.path.getsize(d) > 0 for d in dumps)
    assert_untraced_and_running(t.pid)  # -n reached: detached, running
    os.kill(t.pid, signal.SIGUSR1)      # delivered without us
    t.out.wait(r"^usr1=101 usr2=0$")
    t.close_stdin()
    t.out.wait(r"^final usr1=101 usr2=0$")
    assert t.wait_status() == 0


def test_unlisted_signal_passes_through_unchanged(tmp_path, procs):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    for i in range(1, 6):
        os.kill(t.pid, signal.SIGUSR2)
        t.out.wait(r"^usr1=0 usr2=%d$" % i)
    assert ct.p.poll() is None
    assert not [f for f in os.listdir(tmp_path)]  # no dump for SIGUSR2
    os.kill(t.pid, signal.SIGUSR1)
    t.out.wait(r"^usr1=1 usr2=5$")
    rc, lines = ct.finish()
    assert rc == 0 and len(dumps_of(lines)) == 1
    # The BPF signal_generate record names the sender (this test process).
    assert any(re.search(r"Trigger: Signal:10 on process ID: %d \(sent by pid %d \S+\)$" % (t.pid, os.getpid()), l)
               for l in lines), lines


def test_every_coretrap_thread_blocks_sigchld_so_none_drops_it(tmp_path, procs):
    # Every ptrace stop is announced by a process-directed SIGCHLD, which
    # -sig reads from a signalfd in its main thread. A helper thread that
    # did not block it would take it and drop it (default action), and each
    # passed-through signal would then wait for the 1 s safety timeout.
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    tids = sorted(int(x) for x in os.listdir("/proc/%d/task" % ct.p.pid))
    assert len(tids) >= 2, "expected the stop-signal watcher thread too"
    sigchld = 1 << (signal.SIGCHLD - 1)
    for tid in tids:
        with open("/proc/%d/task/%d/status" % (ct.p.pid, tid)) as f:
            blocked = int(dict(l.split(":\t", 1) for l in f.read().splitlines() if ":\t" in l)["SigBlk"], 16)
        assert blocked & sigchld, "coretrap thread %d does not block SIGCHLD" % tid
    os.kill(ct.p.pid, signal.SIGINT)
    rc, _ = ct.finish()
    assert rc == 0


def test_json_events_for_an_abort(tmp_path, procs):
    import json
    t = Target("aborter", tmp_path)
    procs.append(t)
    ct = Coretrap(["-crash", "-json"], t.pid, tmp_path, wait_start=False)
    procs.append(ct)
    ct.out.wait(r'"event":"start"')
    t.send("abort")
    t.wait_status()
    rc, lines = ct.finish()
    events = [json.loads(l) for l in lines]
    assert rc == 0
    by = {e["event"]: e for e in events}
    assert by["trigger"]["trigger"] == "signal" and by["trigger"]["value"] == signal.SIGABRT
    assert by["trigger"]["pid"] == t.pid
    assert "sent by the target itself" in by["trigger"]["message"]  # abort() raises it with tgkill
    assert os.path.exists(by["dump"]["path"]) and by["dump"]["index"] == 0
    assert by["exit"]["value"] == signal.SIGABRT
    assert [e["event"] for e in events] == ["trigger", "dump", "exit", "stop"]


def test_signal_to_a_non_main_thread_dumps_that_thread_first(tmp_path, procs):
    exe = os.path.join(TARGETS, "thread_signal")
    t = Target("thread_signal", tmp_path, ready=r"^pid (\d+)")
    procs.append(t)
    worker = int(t.out.wait(r"^ready (\d+)").group(1))
    ct = Coretrap(["-sig", "10", "-n", "2", "-s", "0"], t.pid, tmp_path)
    procs.append(ct)
    tgkill(t.pid, worker, signal.SIGUSR1)
    t.out.wait(r"^handled %d$" % worker)
    # A thread born while monitored is seized by the kernel (PTRACE_O_TRACECLONE).
    t.send("spawn")
    spawned = int(t.out.wait(r"^spawned (\d+)").group(1))
    tgkill(t.pid, spawned, signal.SIGUSR1)
    t.out.wait(r"^handled %d$" % spawned)
    rc, lines = ct.finish()
    dumps = dumps_of(lines)
    assert rc == 0 and len(dumps) == 2, lines
    assert first_thread_lwp(exe, dumps[0]) == worker
    assert first_thread_lwp(exe, dumps[1]) == spawned
    t.close_stdin()
    t.out.wait(r"^final 2$")


def test_ignored_listed_signal_is_dumped_and_stays_ignored(tmp_path, procs):
    # A traced thread sees even SIG_IGN signals at delivery (the kernel keeps
    # them for the tracer), so coretrap dumps, then the kernel ignores it.
    exe = os.path.join(TARGETS, "ignored_signal")
    t = Target("ignored_signal", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    os.kill(t.pid, signal.SIGUSR1)
    rc, lines = ct.finish()
    dumps = dumps_of(lines)
    assert rc == 0 and len(dumps) == 1, lines
    assert re.search(r"\$1 = 10\b", gdb(exe, dumps[0], "p $_siginfo.si_signo"))
    assert_untraced_and_running(t.pid)
    t.close_stdin()
    t.out.wait(r"^alive$")
    assert t.wait_status() == 0


@pytest.mark.parametrize("stop_sig", [signal.SIGINT, signal.SIGTERM])
def test_stopping_coretrap_while_waiting_leaves_target_running_untraced(tmp_path, procs, stop_sig):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    assert proc_status(t.pid)["TracerPid"] == str(ct.p.pid)
    ct.p.send_signal(stop_sig)
    rc, lines = ct.finish()
    assert rc == 0, lines
    assert_untraced_and_running(t.pid)
    os.kill(t.pid, signal.SIGUSR1)
    t.out.wait(r"^usr1=1 usr2=0$")
    assert not os.listdir(tmp_path)


def start_big_dump(tmp_path, procs):
    """A 1 GiB target held at a SIGUSR1 delivery while coretrap writes its core."""
    t = Target("usr1_handler", tmp_path, args=["1024"])
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    os.kill(t.pid, signal.SIGUSR1)
    ct.out.wait(r"Trigger: Signal:10 on process ID: %d" % t.pid)
    return t, ct


def test_sigterm_mid_dump_hands_the_signal_back_and_leaves_no_file(tmp_path, procs):
    t, ct = start_big_dump(tmp_path, procs)
    ct.p.send_signal(signal.SIGTERM)
    rc, lines = ct.finish()
    assert rc == 0
    assert any("interrupted; no file written" in l for l in lines), lines
    assert not [f for f in os.listdir(tmp_path) if not f.startswith("core")]
    t.out.wait(r"^usr1=1 usr2=0$")  # the held SIGUSR1 was detached with the thread
    assert_untraced_and_running(t.pid)


def test_kill_9_of_coretrap_mid_dump_leaves_target_running_but_loses_the_held_signal(tmp_path, procs):
    # Documented limit: the kernel detaches the tracees of a dead tracer, but
    # the stop report of the held thread was already consumed by waitpid(), so
    # the signal it was stopped on is dropped (exit_code is 0 after the wait).
    t, ct = start_big_dump(tmp_path, procs)
    ct.p.kill()
    ct.p.wait()
    deadline = time.monotonic() + TIMEOUT
    while proc_status(t.pid)["TracerPid"] != "0" or proc_status(t.pid)["State"].startswith(("t", "T")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert_untraced_and_running(t.pid)
    os.kill(t.pid, signal.SIGUSR2)  # a fence: the first report line after the detach
    m = t.out.wait(r"^usr1=(\d+) usr2=1$")
    assert m.group(1) == "0" and not t.out.seen, t.out.seen  # the held SIGUSR1 never ran its handler
    os.kill(t.pid, signal.SIGUSR1)
    t.out.wait(r"^usr1=1 usr2=1$")  # and the target works normally


def test_job_control_still_works_while_monitored(tmp_path, procs):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    os.kill(t.pid, signal.SIGSTOP)
    deadline = time.monotonic() + TIMEOUT
    # Group-stopped under PTRACE_LISTEN: "t (tracing stop)" in /proc.
    while not proc_status(t.pid)["State"].startswith(("T", "t")):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    # The real parent sees the stop as with any stopped child.
    _, status = os.waitpid(t.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status) and os.WSTOPSIG(status) == signal.SIGSTOP
    os.kill(t.pid, signal.SIGCONT)
    os.kill(t.pid, signal.SIGUSR2)
    t.out.wait(r"^usr1=0 usr2=1$")  # running again, signals still pass
    assert not proc_status(t.pid)["State"].startswith(("T", "t"))
    os.kill(t.pid, signal.SIGUSR1)
    t.out.wait(r"^usr1=1 usr2=1$")
    rc, lines = ct.finish()
    assert rc == 0 and len(dumps_of(lines)) == 1


def test_sigkill_of_target_is_reported_with_its_sender(tmp_path, procs):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    os.kill(t.pid, signal.SIGKILL)
    status = t.wait_status()
    rc, lines = ct.finish()
    text = "\n".join(lines)
    assert os.WTERMSIG(status) == signal.SIGKILL
    assert rc == 0
    # ptrace never sees SIGKILL; the BPF signal_generate program does.
    assert re.search(r"received SIGKILL \(sent by pid %d " % os.getpid(), text), text
    assert "Target process %d was killed by signal 9" % t.pid in text


def test_sigkill_cannot_be_watched(tmp_path, procs):
    t = Target("usr1_handler", tmp_path)
    procs.append(t)
    ct = Coretrap(["-sig", "9"], t.pid, tmp_path, wait_start=False)
    procs.append(ct)
    rc, lines = ct.finish()
    assert rc != 0
    assert any("SIGKILL" in l and "cannot be intercepted" in l for l in lines), lines
    assert proc_status(t.pid)["TracerPid"] == "0"


def test_sigtrap_of_another_thread_during_a_dump_is_delivered_not_swallowed(tmp_path, procs):
    # Under PTRACE_SEIZE a SIGTRAP delivery-stop is a real signal (raise(SIGTRAP), a runtime's
    # own breakpoint). A worker raises SIGTRAP in a loop and counts its handler runs; while each
    # of three SIGUSR1 dumps holds the main thread, the core writer stops the worker, whose
    # SIGTRAP stop coretrap has not reaped yet. The writer must hand that SIGTRAP back.
    t = Target("trap_handler", tmp_path, args=["64"])
    procs.append(t)
    ct = Coretrap(["-sig", "10", "-n", "3", "-s", "0"], t.pid, tmp_path)
    procs.append(ct)
    t.send("start")
    t.out.wait(r"^started$")
    for i in range(1, 4):
        os.kill(t.pid, signal.SIGUSR1)
        t.out.wait(r"^usr1=%d$" % i)
    rc, lines = ct.finish()
    assert rc == 0 and len(dumps_of(lines)) == 3, lines
    assert_untraced_and_running(t.pid)
    t.send("stop")
    m = t.out.wait(r"^raised=(\d+) handled=(\d+)$")
    raised, handled = int(m.group(1)), int(m.group(2))
    assert raised > 0
    assert handled == raised, "%d SIGTRAP(s) swallowed" % (raised - handled)


def test_signal_dump_after_the_main_thread_exited_while_monitored(tmp_path, procs):
    # pthread_exit in main while coretrap holds the process: the leader is a traced zombie that
    # never reports a stop (its exit comes after every other thread's). The core writer must not
    # wait for it: it used to, for its 5 s timeout, and the dump failed with ETIMEDOUT.
    exe = os.path.join(TARGETS, "leaderless")
    t = Target("leaderless", tmp_path, args=["--on-cue"])
    procs.append(t)
    ct = Coretrap(["-sig", "10"], t.pid, tmp_path)
    procs.append(ct)
    t.send("exit main")
    deadline = time.monotonic() + TIMEOUT
    while proc_status(t.pid)["State"][0] != "Z" or len(os.listdir("/proc/%d/task" % t.pid)) < 2:
        assert time.monotonic() < deadline, "main thread did not exit"
        time.sleep(0.01)
    worker = [int(x) for x in os.listdir("/proc/%d/task" % t.pid) if int(x) != t.pid][0]
    start = time.monotonic()
    tgkill(t.pid, worker, signal.SIGUSR1)  # default action: the process dies after the dump
    status = t.wait_status()
    rc, lines = ct.finish()
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGUSR1
    dumps = dumps_of(lines)
    assert rc == 0 and len(dumps) == 1, lines[-4:]
    assert time.monotonic() - start < 4, "the writer waited for the zombie leader"
    assert first_thread_lwp(exe, dumps[0]) == worker
