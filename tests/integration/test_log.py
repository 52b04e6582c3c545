# SPDX-License-Identifier: MIT
"""-log stdout|syslog: debug tracing goes where the user asked, and nowhere else."""
import os
import re
import signal
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORETRAP = os.environ.get("CORETRAP") or str(ROOT / "coretrap")
SLEEPER = ROOT / "build" / "targets" / "sleeper"


@pytest.fixture
def sleeper():
    proc = subprocess.Popen([str(SLEEPER)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("ready")
    yield proc
    proc.kill()
    proc.wait()


def test_log_stdout_adds_debug_lines(sleeper, tmp_path):
    plain = subprocess.run([CORETRAP, str(sleeper.pid), str(tmp_path)], capture_output=True, text=True,
                           timeout=60)
    traced = subprocess.run([CORETRAP, "-o", "-log", "stdout", str(sleeper.pid), str(tmp_path / "x")],
                            capture_output=True, text=True, timeout=60)
    assert plain.returncode == 0 and traced.returncode == 0, plain.stderr + traced.stderr
    debug = re.compile(r"^\[\d\d:\d\d:\d\d - DEBUG\]: ", re.M)
    assert not debug.search(plain.stdout)
    # the dump step traces its size, thread count and stop time
    assert re.search(r"^\[\d\d:\d\d:\d\d - DEBUG\]: dump \S+: \d+ bytes .* threads, .* stopped ", traced.stdout,
                     re.M), traced.stdout


def test_log_syslog_sends_debug_lines_to_dev_log(sleeper, tmp_path):
    """A datagram socket stands in for the syslog daemon at /dev/log (created, or bind-mounted over
    an existing one in a private mount namespace, so the machine's logger is never touched)."""
    sockdir = tempfile.mkdtemp()
    sockpath = os.path.join(sockdir, "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(sockpath)
    server.settimeout(10)
    cmd = [CORETRAP, "-log", "syslog", str(sleeper.pid), str(tmp_path)]
    created = False
    try:
        if os.path.exists("/dev/log"):
            argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                    'mount --bind "$0" /dev/log && exec "$@"', sockpath, *cmd]
        else:
            os.symlink(sockpath, "/dev/log")
            created = True
            argv = cmd
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        messages = []
        server.settimeout(0.5)
        try:
            while True:
                messages.append(server.recv(65536).decode(errors="replace"))
        except socket.timeout:
            pass
    finally:
        if created:
            os.unlink("/dev/log")
        server.close()
        os.unlink(sockpath)
        os.rmdir(sockdir)
    # RFC 3164 style from glibc: <pri>timestamp coretrap[pid]: message; LOG_USER|LOG_DEBUG = 15
    ours = [m for m in messages if re.match(r"<15>.*coretrap\[\d+\]: ", m)]
    assert any(re.search(r"coretrap\[\d+\]: dump \S+: \d+ bytes", m) for m in ours), messages
    # debug lines went to syslog, not to the console
    assert "DEBUG" not in r.stdout


LIBBPF_DEBUG = re.compile(r"^\[\d\d:\d\d:\d\d - DEBUG\]: libbpf: ", re.M)
LIBBPF_WARN = re.compile(r"^\[\d\d:\d\d:\d\d - WARN\]: libbpf: ", re.M)
LIBBPF_ANY = re.compile(r"libbpf: ")  # not "libbpf": pytest's tmp_path holds the test's name


def run_monitor(*args, env=None):
    return subprocess.run([CORETRAP, *map(str, args)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def run_until_started(*args):
    """Start coretrap, wait for its "Starting monitor" line, stop it with SIGINT."""
    proc = subprocess.Popen([CORETRAP, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Starting monitor" in line:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    return proc.returncode, "".join(lines) + out, err


@pytest.mark.parametrize("mode", ["monitor", "signal trap"])
def test_libbpf_lines_are_debug_lines_of_log(sleeper, tmp_path, mode):
    """One libbpf policy for both BPF users: its debug chatter only under -log, as DEBUG lines on
    stdout (never raw on stderr), and nothing of it without -log."""
    trigger = ["-tc", 1] if mode == "monitor" else ["-sig", "USR2"]
    for log in ([], ["-log", "stdout"]):
        if mode == "monitor":
            r = run_monitor(*log, *trigger, sleeper.pid, tmp_path / f"d{len(log)}")
            rc, out, err = r.returncode, r.stdout, r.stderr
        else:
            rc, out, err = run_until_started(*log, *trigger, sleeper.pid, tmp_path)
        assert rc == 0, err
        assert not LIBBPF_ANY.search(err), err
        if log:
            assert LIBBPF_DEBUG.search(out), out[:2000]
        else:
            assert not LIBBPF_ANY.search(out), out


def test_libbpf_warnings_of_a_fallback_are_held(sleeper, tmp_path):
    """A -fc flavour that does not load is not news when the next one does: its libbpf warnings are
    debug lines. When no flavour loads, they are WARN lines before the error."""
    only = run_monitor("-fc", 1, sleeper.pid, tmp_path, env={"CORETRAP_FD_HOOK": "fexit"})
    if only.returncode == 0:
        pytest.skip("fexit loads on this kernel: no fallback to provoke")
    assert LIBBPF_WARN.search(only.stdout), only.stdout
    assert only.stderr.startswith("coretrap: failed to load the BPF programs: "), only.stderr
    # "exact": fexit first, then the syscall tracepoints, which load
    quiet = run_monitor("-fc", 1, sleeper.pid, tmp_path / "q", env={"CORETRAP_FD_HOOK": "exact"})
    assert quiet.returncode == 0, quiet.stderr
    assert not LIBBPF_ANY.search(quiet.stdout + quiet.stderr), quiet.stdout
    traced = run_monitor("-log", "stdout", "-fc", 1, sleeper.pid, tmp_path / "t", env={"CORETRAP_FD_HOOK": "exact"})
    assert traced.returncode == 0, traced.stderr
    assert not LIBBPF_WARN.search(traced.stdout)
    assert re.search(r"^\[\d\d:\d\d:\d\d - DEBUG\]: libbpf: .*fdx_", traced.stdout, re.M), traced.stdout[-3000:]
