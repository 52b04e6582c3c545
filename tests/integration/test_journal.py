# SPDX-License-Identifier: MIT
"""journald entries of dumps, received on a fake journal socket.

No systemd as PID 1 here: the test binds its own datagram socket and
bind-mounts it over /run/systemd/journal/socket in a private mount
namespace (unshare -m) that only coretrap runs in, then reads what coretrap
sends with the journal's native protocol."""
import os
import shlex
import socket
import struct
import subprocess
import tempfile

import pytest

from coretest import CORETRAP


def parse_native(data):
    """Fields of one native-protocol datagram: KEY=VALUE\\n, or KEY\\n<le64 len><bytes>\\n."""
    fields, i = {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            k = line
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            v = data[nl + 9:nl + 9 + n]
            assert data[nl + 9 + n:nl + 10 + n] == b"\n", "binary field not closed by a line feed"
            i = nl + 10 + n
        key = k.decode()
        assert key.isupper() or key.replace("_", "").isalnum(), key
        assert key not in fields, "field %s twice" % key
        fields[key] = v.decode()
    return fields


def run_under_fake_journal(argv, env_extra, timeout=60):
    with tempfile.TemporaryDirectory(prefix="ct_journal_") as d:
        path = os.path.join(d, "socket")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        sock.settimeout(0)
        script = ("mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/journal && "
                  ": > /run/systemd/journal/socket && mount --bind %s /run/systemd/journal/socket && exec %s"
                  % (shlex.quote(path), " ".join(shlex.quote(str(a)) for a in argv)))
        env = {k: v for k, v in os.environ.items() if k not in ("INVOCATION_ID", "JOURNAL_STREAM")}
        env.update(env_extra)
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script],
                           capture_output=True, text=True, timeout=timeout, env=env)
        entries = []
        while True:
            try:
                entries.append(parse_native(sock.recv(65536)))
            except BlockingIOError:
                break
        sock.close()
        return r, entries


@pytest.fixture
def target():
    p = subprocess.Popen(["sleep", "300"])
    yield p
    p.kill()
    p.wait()


def test_a_dump_is_one_journal_entry_with_coredump_fields(target):
    with tempfile.TemporaryDirectory(prefix="ct_jout_") as out:
        r, entries = run_under_fake_journal([CORETRAP, "-tc", "1", target.pid, out], {"INVOCATION_ID": "0123abcd"})
        assert r.returncode == 0, r.stderr
        (dump,) = os.listdir(out)
        (e,) = entries
        assert e["MESSAGE_ID"] == "6090f9bce78748af8795e7a917b082ad"
        assert e["PRIORITY"] == "5"
        assert e["SYSLOG_IDENTIFIER"] == "coretrap"
        assert e["COREDUMP_PID"] == str(target.pid)
        assert e["COREDUMP_COMM"] == "sleep"
        assert e["COREDUMP_EXE"] == os.path.realpath("/proc/%d/exe" % target.pid)
        assert e["COREDUMP_FILENAME"] == os.path.join(out, dump)
        assert e["CORETRAP_TRIGGER"] == "thread"
        assert e["CORETRAP_RULE"] == "cmdline"
        assert e["CORETRAP_RESULT"] == "ok"
        assert e["CORETRAP_SIZE"] == str(os.path.getsize(os.path.join(out, dump)))
        assert "COREDUMP_SIGNAL" not in e  # not a signal trigger
        assert e["MESSAGE"] == "Process %d (sleep) dumped on thread trigger: %s" % (target.pid, e["COREDUMP_FILENAME"])


def test_a_failed_dump_is_an_error_entry(target):
    # /proc takes no new file, even from root: every dump fails, and the
    # monitor retries once a second until SIGINT ends it (timeout -s INT)
    r, entries = run_under_fake_journal(["timeout", "-s", "INT", "3", CORETRAP, "-tc", "1", target.pid, "/proc"],
                                        {"JOURNAL_STREAM": "8:1234"})
    assert "failed to write dump" in r.stderr
    assert entries
    for e in entries:
        assert e["PRIORITY"] == "3"
        assert e["CORETRAP_RESULT"] == "failed"
        assert e["COREDUMP_PID"] == str(target.pid)
        assert "COREDUMP_FILENAME" not in e and "CORETRAP_SIZE" not in e
        assert e["MESSAGE"].startswith("Process %d (sleep): dump on thread trigger failed: " % target.pid)


def test_no_entry_outside_a_systemd_service(target):
    with tempfile.TemporaryDirectory(prefix="ct_jout_") as out:
        r, entries = run_under_fake_journal([CORETRAP, "-tc", "1", target.pid, out], {})
        assert r.returncode == 0, r.stderr
        assert len(os.listdir(out)) == 1
        assert entries == []
