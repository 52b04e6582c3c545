# SPDX-License-Identifier: MIT
"""-log stdout|syslog: debug tracing goes where the user asked, and nowhere else."""
import os
import re
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORETRAP = str(ROOT / "coretrap")
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
