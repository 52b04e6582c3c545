# SPDX-License-Identifier: MIT
"""coretrap's CLR profiler against a real .NET target (tests/targets/dotnet/ThrowApp).

Every test checks the end state too: the profiler .so is gone from
/proc/PID/maps and the target still answers commands.
"""
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
BUILD = os.path.join(ROOT, "build", "dotnet")
DOTNET = shutil.which("dotnet") or "/usr/share/dotnet/dotnet"
ENV = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1")
SO_NAME = "libcoretrap_profiler.so"

pytestmark = pytest.mark.skipif(not os.path.exists(DOTNET), reason="SKIPPED LOUDLY: no dotnet SDK on this machine")


def dotnet_build(project, name):
    out = os.path.join(BUILD, name)
    subprocess.run([DOTNET, "build", "-c", "Release", "-o", out, os.path.join(ROOT, project)],
                   check=True, env=ENV, stdout=subprocess.DEVNULL, timeout=600)
    return os.path.join(out, name + ".dll")


@pytest.fixture(scope="session")
def throwapp():
    return dotnet_build("tests/targets/dotnet/ThrowApp", "ThrowApp")


@pytest.fixture(scope="session")
def clrmdcheck():
    return dotnet_build("tests/dotnet/ClrmdCheck", "ClrmdCheck")


class Lines:
    """A child process whose output lines are collected by a thread."""

    def __init__(self, argv, **kw):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  bufsize=1, env=ENV, **kw)
        self.q = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.p.stdout:
            self.q.put(line.rstrip("\n"))
        self.q.put(None)

    def wait_for(self, pattern, timeout=30):
        """The first new line matching pattern (its match object); fails on timeout or EOF."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no line matching {pattern!r} in {timeout}s; got: {self.seen[-15:]}")
            try:
                line = self.q.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"EOF before {pattern!r}; got: {self.seen[-15:]}")
            self.seen.append(line)
            m = re.search(pattern, line)
            if m:
                return m

    def drain(self):
        """Every line so far; once the process has exited, every line up to EOF."""
        exited = self.p.poll() is not None
        while True:
            try:
                line = self.q.get(timeout=10) if exited else self.q.get_nowait()
            except queue.Empty:
                return self.seen
            if line is None:
                return self.seen
            self.seen.append(line)

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait(timeout=10)


class App(Lines):
    def __init__(self, dll):
        super().__init__([DOTNET, dll], stdin=subprocess.PIPE)
        self.pid = int(self.wait_for(r"^ready pid=(\d+)").group(1))

    def cmd(self, line, timeout=60):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        word = line.split()[0]
        return self.wait_for(rf"^ok {word} ", timeout).string

    def stop(self):
        if self.p.poll() is None:
            try:
                self.p.stdin.write("quit\n")
                self.p.stdin.flush()
                self.p.wait(timeout=5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                pass
        super().stop()


def profiler_mapped(pid):
    with open(f"/proc/{pid}/maps") as f:
        return SO_NAME in f.read()


def wait_unmapped(pid, timeout=15):
    deadline = time.monotonic() + timeout
    while profiler_mapped(pid):
        assert time.monotonic() < deadline, f"profiler still mapped in {pid} after {timeout}s"
        time.sleep(0.1)


def dumps(d):
    return sorted(f for f in os.listdir(d) if not f.startswith("."))


@pytest.fixture
def app(throwapp):
    a = App(throwapp)
    yield a
    a.stop()


@pytest.fixture
def outdir():
    d = tempfile.mkdtemp(prefix="ct-prof-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def coretrap(args, pid, outdir):
    return Lines([CORETRAP, *args, str(pid), outdir])


def assert_detached_and_alive(app):
    wait_unmapped(app.pid)
    assert "thrown=" in app.cmd("alpha 1"), "target must keep running after coretrap"
    assert not profiler_mapped(app.pid)


def clrmd_stacks(check, path):
    env = dict(ENV, CLRMDCHECK_STACKS="1")
    r = subprocess.run([DOTNET, check, path], capture_output=True, text=True, env=env, timeout=180)
    data = json.loads(r.stdout)
    assert data["ok"], data
    return data


def test_include_filter_dumps_only_matching_exception_with_throw_on_stack(app, outdir, clrmdcheck):
    ct = coretrap(["-e", "1", "-f", "ARGUMENTexception: *beta"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached to %d" % app.pid)
        assert profiler_mapped(app.pid)
        app.cmd("alpha 3")  # does not match: no dump, the threads are not held
        assert dumps(outdir) == []
        app.cmd("beta 1")
        tid = int(ct.wait_for(r"Exception on thread (\d+): System.ArgumentException: marker beta").group(1))
        ct.wait_for(r"Core dump 0 generated")
        assert ct.p.wait(timeout=30) == 0, ct.drain()
        assert "Profiler unloaded" in "\n".join(ct.drain())
    finally:
        ct.stop()
    files = dumps(outdir)
    assert len(files) == 1 and "_exception_" in files[0], files
    assert_detached_and_alive(app)

    data = clrmd_stacks(clrmdcheck, os.path.join(outdir, files[0]))
    thrower = [t for t in data["stacks"] if t["os_thread_id"] == tid]
    assert thrower, data["stacks"]
    assert any("Program.ThrowBeta" in f for f in thrower[0]["frames"]), thrower[0]
    assert thrower[0]["exception_type"] == "System.ArgumentException"
    assert thrower[0]["exception_message"] == "marker beta"


def test_json_events(app, outdir):
    ct = coretrap(["-json", "-e", "1", "-f", "beta"], app.pid, outdir)
    try:
        ct.wait_for(r'"event":"profiler".*Profiler attached', timeout=30)
        app.cmd("beta 1")
        assert ct.p.wait(timeout=30) == 0
        events = [json.loads(l) for l in ct.drain() if l.startswith("{")]
    finally:
        ct.stop()
    trig = [e for e in events if e.get("event") == "trigger"]
    dump = [e for e in events if e.get("event") == "dump"]
    assert len(trig) == 1 and trig[0]["trigger"] == "exception" and trig[0]["pid"] == app.pid, events
    assert "System.ArgumentException: marker beta" in trig[0]["message"]
    assert len(dump) == 1 and os.path.dirname(dump[0]["path"]) == outdir, events
    assert any(e.get("event") == "profiler" and "unloaded" in e["message"] for e in events), events
    assert_detached_and_alive(app)


def test_dumps_per_filter_and_exclude(app, outdir):
    # "marker" matches both types; -fx drops alpha; 2 dumps per filter, then coretrap ends itself.
    ct = coretrap(["-e", "2", "-f", "marker", "-fx", "*alpha"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        app.cmd("alpha 2")
        app.cmd("beta 1")
        ct.wait_for(r"Core dump 0 generated")
        time.sleep(1.1)  # default names have one-second resolution
        app.cmd("beta 1")
        ct.wait_for(r"Core dump 1 generated")
        assert ct.p.wait(timeout=30) == 0
        out = "\n".join(ct.drain())
    finally:
        ct.stop()
    assert "InvalidOperationException" not in out
    assert out.count("Exception on thread") == 2, out
    assert len(dumps(outdir)) == 2
    assert_detached_and_alive(app)


def test_two_filters_one_dump_each(app, outdir):
    ct = coretrap(["-e", "1", "-f", "*alpha,beta"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        app.cmd("alpha 3")  # the filter is spent after the first
        ct.wait_for(r"Core dump 0 generated")
        time.sleep(1.1)
        assert ct.p.poll() is None, "beta's filter is still open"
        app.cmd("beta 2")
        ct.wait_for(r"Core dump 1 generated")
        assert ct.p.wait(timeout=30) == 0
        out = "\n".join(ct.drain())
    finally:
        ct.stop()
    assert out.count("InvalidOperationException: marker alpha") == 1, out
    assert out.count("ArgumentException: marker beta") == 1, out
    assert len(dumps(outdir)) == 2
    assert_detached_and_alive(app)


def test_gc_memory_threshold_fires_at_the_right_size(app, outdir):
    ct = coretrap(["-gcm", "60"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        app.cmd("small 30")
        app.cmd("gc")
        time.sleep(1)
        assert dumps(outdir) == [], "30 MB must not cross a 60 MB threshold"
        app.cmd("small 40")
        app.cmd("gc")
        mb = int(ct.wait_for(r"Managed heap (\d+) MB >= 60 MB").group(1))
        ct.wait_for(r"Core dump 0 generated")
        assert ct.p.wait(timeout=30) == 0
    finally:
        ct.stop()
    assert 60 <= mb <= 80, mb
    assert len(dumps(outdir)) == 1
    assert_detached_and_alive(app)


def test_gcgen_dumps_at_start_and_end(app, outdir):
    ct = coretrap(["-gcgen", "2"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        app.cmd("gc 0")  # a gen-0 GC is not the one asked for
        time.sleep(0.5)
        assert dumps(outdir) == []
        app.cmd("gc 2")
        ct.wait_for(r"Generation 2 GC started")
        ct.wait_for(r"Generation 2 GC finished")
        assert ct.p.wait(timeout=30) == 0
    finally:
        ct.stop()
    files = dumps(outdir)
    assert len(files) == 2, files
    assert any("_gc_start_" in f for f in files) and any("_gc_end_" in f for f in files), files
    assert_detached_and_alive(app)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_profiler_detaches_when_coretrap_ends(app, outdir, sig):
    ct = coretrap(["-e", "-f", "never matches"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        assert profiler_mapped(app.pid)
        app.cmd("alpha 5")
        ct.p.send_signal(sig)
        rc = ct.p.wait(timeout=30)
        if sig != signal.SIGKILL:
            assert rc == 0
            ct.wait_for(r"Profiler unloaded from %d" % app.pid)
        wait_unmapped(app.pid, timeout=10)  # kill -9: the profiler sees EOF and detaches itself
    finally:
        ct.stop()
    assert dumps(outdir) == []
    assert_detached_and_alive(app)


def test_target_exit_ends_coretrap(app, outdir):
    ct = coretrap(["-e", "-f", "never matches"], app.pid, outdir)
    try:
        ct.wait_for(r"Profiler attached")
        app.p.stdin.write("quit\n")
        app.p.stdin.flush()
        assert app.p.wait(timeout=30) == 0, "the target exits normally with the profiler loaded"
        assert ct.p.wait(timeout=30) == 0
        assert f"Target process {app.pid} exited" in "\n".join(ct.drain())
    finally:
        ct.stop()


def test_second_coretrap_is_refused(app, outdir):
    first = coretrap(["-e", "-f", "never matches"], app.pid, outdir)
    try:
        first.wait_for(r"Profiler attached")
        second = Lines([CORETRAP, "-e", "1", str(app.pid), outdir])
        assert second.p.wait(timeout=60) == 1
        out = "\n".join(second.drain())
        assert f"{app.pid} already has a profiler attached (another coretrap?)" in out, out
        assert profiler_mapped(app.pid), "the first profiler stays"
        first.p.send_signal(signal.SIGTERM)
        assert first.p.wait(timeout=30) == 0
    finally:
        first.stop()
    assert_detached_and_alive(app)
    # nothing of ours left in the target's /tmp
    assert not [f for f in os.listdir(f"/proc/{app.pid}/root/tmp") if f.startswith(f"coretrap-{first.p.pid}-")]


def test_non_dotnet_target_is_refused(outdir):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        ct = Lines([CORETRAP, "-e", "1", str(sleeper.pid), outdir])
        assert ct.p.wait(timeout=30) == 1
        assert "is not a .NET process" in "\n".join(ct.drain())
    finally:
        sleeper.kill()
        sleeper.wait()


class AppHost(App):
    """ThrowApp started through its apphost, so its process name (comm) is ThrowApp, not dotnet."""

    def __init__(self, dll):
        Lines.__init__(self, [os.path.splitext(dll)[0]], stdin=subprocess.PIPE, cwd=os.path.dirname(dll))
        self.pid = int(self.wait_for(r"^ready pid=(\d+)").group(1))


def test_the_daemon_runs_an_exception_rule(throwapp, tmp_path):
    """-daemon with an `e` rule: a one-shot run attaches the profiler to the matched .NET process, the
    first matching exception is dumped into the spool (relayed with the rule), and SIGTERM unloads the
    profiler and leaves the process running."""
    spool = tmp_path / "spool"
    cfg = tmp_path / "coretrap.yaml"
    cfg.write_text(f"spool: {spool}\nrules:\n  - name: exc\n    match: {{ name: ThrowApp }}\n"
                   "    triggers: { e: 1, f: [beta] }\n    action: { n: 1 }\n")
    d = Lines([CORETRAP, "-daemon", "-config", str(cfg), "-json"])
    app = None
    try:
        d.wait_for(r'"event":"rules"')
        app = AppHost(throwapp)
        assert '"rule":"exc"' in d.wait_for(r'"event":"profiler".*Profiler attached', timeout=60).string
        app.cmd("alpha 1")  # not the filter: no dump
        app.cmd("beta 1")
        ev = json.loads(d.wait_for(r'"event":"dump"', timeout=60).string)
        assert ev["rule"] == "exc" and ev["pid"] == app.pid and ev["trigger"] == "exception", ev
        assert os.path.dirname(ev["path"]) == str(spool) and os.path.getsize(ev["path"]) > 0
        assert dumps(spool) == [os.path.basename(ev["path"])]
        assert_detached_and_alive(app)  # -n 1 reached: the run ended and unloaded the profiler
        d.p.send_signal(signal.SIGTERM)
        assert d.p.wait(timeout=60) == 0
    finally:
        d.stop()
        if app:
            app.stop()
