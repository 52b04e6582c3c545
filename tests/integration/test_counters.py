# SPDX-License-Identifier: MIT
""".NET counter triggers -pc/-pcl (issue 15) against a real .NET 10 target.

tests/targets/dotnet/CounterApp publishes a settable gauge as an EventCounter
(Coretrap.Counters:level) and as a System.Diagnostics.Metrics gauge
(Coretrap.Meter:queue), a custom EventCounter (Coretrap.Counters:work-ms), a
counter, an up-down counter and a histogram (Coretrap.Meter:latency-ms). It
answers "state" with its EventSource's enabled flag and the Enable/Disable
commands it received: a session that is stopped shows as a Disable.
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dotnet"))
import dotnet_support as ds  # noqa: E402
from counter_app import CounterApp  # noqa: E402

CORETRAP = Path(os.environ.get("CORETRAP") or ds.ROOT / "coretrap")


@pytest.fixture(scope="session")
def built():
    if not ds.dotnet_available():
        pytest.skip("SKIPPED LOUDLY: the dotnet SDK is not installed; .NET tests cannot run")
    if os.geteuid() != 0:
        pytest.skip("SKIPPED LOUDLY: counter tests need root (BPF monitor)")
    ds.build_project("CounterApp")
    return True


@pytest.fixture
def workdir(tmp_path):
    os.chmod(tmp_path, 0o700)
    return tmp_path


@pytest.fixture
def app(built, workdir):
    a = CounterApp(workdir)
    yield a
    a.kill()


def start(args, workdir, env=None):
    full = dict(os.environ, **(env or {}))
    return subprocess.Popen([str(CORETRAP), "-json"] + [str(a) for a in args] + [str(workdir) + "/"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full)


def events(out):
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def wait_started(p, timeout=15):
    """Read -json lines until "start"; returns them."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        seen.append(json.loads(line))
        if seen[-1]["event"] == "start":
            return seen
    raise AssertionError(f"no start event: {seen}")


def finish(p, timeout=30):
    out, err = p.communicate(timeout=timeout)
    return p.returncode, events(out), err


def session_threads(pid):
    """Threads a session adds: the EventPipe streaming thread (the diagnostics
    server is the other ".NET EventPipe") and the Metrics aggregation thread."""
    names = [Path(f"/proc/{pid}/task/{t}/comm").read_text().strip() for t in os.listdir(f"/proc/{pid}/task")]
    return names.count(".NET EventPipe"), names.count("MetricsEventSou"), len(names)


def assert_session_gone(app, enables):
    """The runtime told our EventSource that the last session went away, and
    the session's threads are gone (give the runtime a moment to end them)."""
    deadline = time.monotonic() + 10
    while True:
        st = app.state()
        pipe, metrics, _ = session_threads(app.pid)
        if (not st["enabled"] and st["disables"] == enables and pipe == 1 and metrics == 0) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not st["enabled"] and st["enables"] == enables and st["disables"] == enables, st
    assert (pipe, metrics) == (1, 0), session_threads(app.pid)


def test_above_event_counter(app, workdir):
    """-pc on an EventCounter: nothing while the gauge is below, one dump
    once it is at or above; the lines name the counter and its value."""
    p = start(["-pc", "Coretrap.Counters:level", "50", app.pid], workdir)
    wait_started(p)
    time.sleep(2.5)  # two intervals with the gauge at 10: no trigger
    assert p.poll() is None
    app.set_gauge(75)
    rc, evs, err = finish(p)
    assert rc == 0, err
    trig = [e for e in evs if e["event"] == "trigger"]
    assert len(trig) == 1, evs
    assert trig[0]["trigger"] == "perfcounter" and trig[0]["counter"] == "Coretrap.Counters:level"
    assert trig[0]["value"] == 75 and trig[0]["threshold"] == 50
    assert "Trigger: Coretrap.Counters:level value:75 threshold:>=50" in trig[0]["message"]
    dumps = [e for e in evs if e["event"] == "dump"]
    assert len(dumps) == 1 and "_perfcounter_" in Path(dumps[0]["path"]).name
    assert Path(dumps[0]["path"]).stat().st_size > 1 << 20
    assert_session_gone(app, 1)


def test_below_meter_gauge(app, workdir):
    """-pcl on a System.Diagnostics.Metrics ObservableGauge."""
    p = start(["-pcl", "Coretrap.Meter:queue", "5", app.pid], workdir)
    wait_started(p)
    time.sleep(2.5)
    assert p.poll() is None
    app.set_gauge(2)
    rc, evs, err = finish(p)
    assert rc == 0, err
    trig = [e for e in evs if e["event"] == "trigger"]
    assert len(trig) == 1 and trig[0]["counter"] == "Coretrap.Meter:queue", evs
    assert trig[0]["value"] == 2 and "threshold:<5" in trig[0]["message"]
    # only the Metrics source was in the session: our EventSource never saw it
    assert_session_gone(app, 0)


def test_sustain_needs_the_condition_to_hold(app, workdir):
    """-sustain 3000: a 1 s excursion does not dump; one that holds does,
    and not before 3 s."""
    p = start(["-pc", "Coretrap.Meter:queue", "50", "-sustain", "3000", "-pf", "500", app.pid], workdir)
    wait_started(p)
    time.sleep(1.5)
    app.set_gauge(80)
    time.sleep(1.0)
    app.set_gauge(10)
    time.sleep(4.0)
    assert p.poll() is None, "a 1 s excursion dumped despite -sustain 3000"
    t0 = time.monotonic()
    app.set_gauge(80)
    rc, evs, err = finish(p)
    took = time.monotonic() - t0
    assert rc == 0, err
    assert [e["counter"] for e in evs if e["event"] == "trigger"] == ["Coretrap.Meter:queue"]
    assert took >= 3.0, took
    assert took < 8.0, took


def test_histogram_percentile(app, workdir):
    """Provider:Instrument:p95 reads the histogram's 0.95 quantile."""
    p = start(["-pc", "Coretrap.Meter:latency-ms:p95", "40", app.pid], workdir)
    wait_started(p)
    time.sleep(2.5)  # latency 1 ms
    assert p.poll() is None
    app.cmd("latency 55", r"^latency 55$")
    rc, evs, err = finish(p)
    assert rc == 0, err
    trig = [e for e in evs if e["event"] == "trigger"]
    assert len(trig) == 1 and trig[0]["counter"] == "Coretrap.Meter:latency-ms:p95", evs
    assert trig[0]["value"] == 55, trig


@pytest.mark.parametrize("spec", ["Nope.Provider:nothing", "Coretrap.Counters:no-such-counter"])
def test_unknown_provider_or_counter_is_an_error(app, workdir, spec):
    """No value within the grace (two intervals + 1 s): one error line,
    exit 1, and the session is stopped anyway."""
    t0 = time.monotonic()
    p = start(["-pc", spec, "1", app.pid], workdir)
    rc, evs, err = finish(p)
    took = time.monotonic() - t0
    assert rc == 1, (evs, err)
    errors = [e for e in evs if e["event"] == "error"]
    assert len(errors) == 1, evs
    assert f"sent no value of counter {spec} within 3000 ms" in errors[0]["message"]
    assert took < 10, took
    assert not [e for e in evs if e["event"] in ("trigger", "dump")]
    # the EventSource was enabled only when the session named it
    st = app.state()
    assert not st["enabled"]
    assert session_threads(app.pid)[:2] == (1, 0)


def test_five_counters_at_once(app, workdir):
    """Five triggers, both publishers, mixed -pc/-pcl: all five deliver
    values (no "no value" error after the grace), the one that crosses dumps."""
    p = start(["-pc", "Coretrap.Counters:level", "50",
               "-pc", "Coretrap.Counters:work-ms", "1000",
               "-pcl", "Coretrap.Meter:queue", "-5",
               "-pc", "Coretrap.Meter:requests", "100000",
               "-pc", "Coretrap.Meter:latency-ms:p99", "1000", app.pid], workdir)
    wait_started(p)
    time.sleep(4.5)  # past the 3 s grace: every counter has sent a value
    assert p.poll() is None, p.communicate()
    app.cmd("work 2000", r"^work 2000$")
    rc, evs, err = finish(p)
    assert rc == 0, err
    trig = [e for e in evs if e["event"] == "trigger"]
    assert [t["counter"] for t in trig] == ["Coretrap.Counters:work-ms"], evs
    # an EventCounter publishes the mean of its interval: old and new values mixed
    assert 1000 <= trig[0]["value"] <= 2000, trig
    assert_session_gone(app, 1)


def test_more_than_five_refused(built, workdir):
    args = []
    for i in range(6):
        args += ["-pc", f"P:c{i}", "1"]
    r = subprocess.run([str(CORETRAP)] + args + ["1"], capture_output=True, text=True)
    assert r.returncode == 2 and "at most 5 -pc/-pcl" in r.stderr


def test_bad_percentile_refused(built):
    r = subprocess.run([str(CORETRAP), "-pc", "M:h:p42", "1", "1"], capture_output=True, text=True)
    assert r.returncode == 2 and "p50, p95 or p99" in r.stderr


def test_not_a_dotnet_process(built, workdir):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        p = start(["-pc", "System.Runtime:cpu-usage", "50", sleeper.pid], workdir)
        rc, evs, err = finish(p)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert rc == 1
    assert [e["message"] for e in evs if e["event"] == "error"] == [
        f"process {sleeper.pid} is not a .NET process (no diagnostics socket): -pc/-pcl need one"]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
def test_stop_signal_stops_the_session(app, workdir, how):
    p = start(["-pc", "Coretrap.Counters:level", "500", app.pid], workdir)
    wait_started(p)
    time.sleep(2.0)
    st = app.state()
    assert st["enabled"] and st["enables"] == 1, st
    assert session_threads(app.pid)[0] == 2  # the streaming thread is there
    p.send_signal(getattr(signal, how))
    rc, evs, err = finish(p)
    assert rc == 0, err
    assert [e["event"] for e in evs][-2:] == ["stop", "health"]
    assert_session_gone(app, 1)
    # and the runtime takes a new session afterwards (nothing half-open left)
    p = start(["-pc", "Coretrap.Counters:level", "5", app.pid], workdir)
    rc, evs, err = finish(p)
    assert rc == 0 and [e["event"] for e in evs].count("dump") == 1, (evs, err)
    assert_session_gone(app, 2)
    # the counter poller thread is the runtime's own, kept after the first
    # EventCounters session; everything else is back
    threads_after_second = session_threads(app.pid)[2]
    p = start(["-pc", "Coretrap.Counters:level", "500", app.pid], workdir)
    wait_started(p)
    time.sleep(2.0)
    p.send_signal(signal.SIGTERM)
    finish(p)
    assert_session_gone(app, 3)
    assert session_threads(app.pid)[2] == threads_after_second


def test_target_exit_ends_the_watch(app, workdir):
    p = start(["-pc", "Coretrap.Counters:level", "500", app.pid], workdir)
    wait_started(p)
    time.sleep(2.0)
    app.proc.stdin.write("exit\n")
    app.proc.stdin.flush()
    rc, evs, err = finish(p)
    assert rc == 0, err
    assert "exit" in [e["event"] for e in evs], evs
    assert not [e for e in evs if e["event"] == "error"], evs


def test_wait_for_name_opens_a_session_in_each_new_process(built, workdir):
    """-w: a process found at its exec has no diagnostics socket yet; the
    session is opened once the runtime has made it."""
    p = start(["-w", "CounterApp", "-pc", "Coretrap.Counters:level", "50", "-n", "1"], workdir)
    time.sleep(1.5)  # the monitor is up (BPF loaded) before the process starts
    a = CounterApp(workdir, gauge=75, apphost=True)
    try:
        deadline = time.monotonic() + 30
        out = []
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            out.append(json.loads(line))
            if out[-1]["event"] == "dump":
                break
        assert [e["event"] for e in out if e.get("pid") == a.pid][:3] == ["start", "trigger", "dump"], out
        assert out[-1]["trigger"] == "perfcounter"
        p.send_signal(signal.SIGINT)
        rc, evs, err = finish(p)
        assert rc == 0, err
        assert not [e for e in out + evs if e["event"] == "error"], out + evs
        assert_session_gone(a, 1)
    finally:
        a.kill()
        if p.poll() is None:
            p.kill()
            p.wait()


# ---------------------------------------------------------------- hostile peers

def ipc_message(set_, id_, payload=b""):
    return b"DOTNET_IPC_V1\0" + struct.pack("<HBBH", 20 + len(payload), set_, id_, 0) + payload


NETTRACE_HEAD = (b"Nettrace" + struct.pack("<I", 20) + b"!FastSerialization.1" +
                 b"\x05\x05\x01" + struct.pack("<III", 4, 4, 5) + b"Trace\x06" + bytes(48) + b"\x06")


class FakeRuntime:
    """Answers CollectTracing2 with OK and then a stream per mode; records
    every command and the session id of each StopTracing."""

    def __init__(self, path: Path, mode: str):
        self.mode, self.seen, self.stops = mode, [], []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stop = False
        self.keep = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(2)
            try:
                req = conn.recv(65536)
            except OSError:
                conn.close()
                continue
            key = (req[16], req[17]) if len(req) >= 20 else None
            self.seen.append(key)
            if key == (2, 1):
                sid = struct.unpack("<Q", req[20:28])[0]
                self.stops.append(sid)
                conn.sendall(ipc_message(0xFF, 0, struct.pack("<Q", sid)))
                conn.close()
                continue
            if key != (2, 3):
                conn.close()
                continue
            conn.sendall(ipc_message(0xFF, 0, struct.pack("<Q", 0x1234)))
            if self.mode == "garbage":
                conn.sendall(b"Nettrace" + os.urandom(64))
            elif self.mode == "huge_block":
                conn.sendall(NETTRACE_HEAD + b"\x05\x05\x01" + struct.pack("<III", 2, 2, 10) +
                             b"EventBlock\x06" + struct.pack("<I", 0x7FFFFFF0))
            elif self.mode == "closes":
                pass
            if self.mode == "silent":
                self.keep.append(conn)
            else:
                conn.close()

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        for c in self.keep:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("mode,text", [
    ("garbage", "the EventPipe stream of process {pid} is not valid: Bad message"),
    ("huge_block", "the EventPipe stream of process {pid} is not valid: Bad message"),
    ("closes", "the EventPipe session in process {pid} ended (the runtime closed it)"),
    ("silent", "process {pid} sent no value of counter P:c within 3000 ms: no such provider or counter"),
])
def test_lying_runtime_gets_stop_tracing(built, workdir, mode, text):
    """A stream that lies, closes or says nothing: one error, exit 1, and
    StopTracing for the session id the runtime gave, on a second connection."""
    sock = workdir / "fake.sock"
    server = FakeRuntime(sock, mode)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        p = start(["-pc", "P:c", "1", sleeper.pid], workdir, env={"CORETRAP_DOTNET_SOCKET": str(sock)})
        rc, evs, err = finish(p)
    finally:
        server.close()
        sleeper.kill()
        sleeper.wait()
    assert rc == 1, (evs, err)
    assert [e["message"] for e in evs if e["event"] == "error"] == [text.format(pid=sleeper.pid)]
    assert server.seen == [(2, 3), (2, 1)], server.seen
    assert server.stops == [0x1234]
