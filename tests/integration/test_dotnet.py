# SPDX-License-Identifier: MIT
""".NET targets: runtime dumps through the diagnostics IPC socket (issue 5).

Drives build/tests/dotnetdump (user/dotnet/runtime*.c + ipc.c alone) against a
real MarkerApp, and checks each dump with ClrMD (tests/dotnet/ClrmdCheck).
The CLI path (coretrap -dt ...) is covered in test_dotnet_cli below.
"""
import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dotnet"))
import dotnet_support as ds  # noqa: E402

ROOT = ds.ROOT
CORETRAP = Path(os.environ.get("CORETRAP") or ROOT / "coretrap")
MARKERS = 12345


@pytest.fixture(scope="session")
def dotnet_built():
    if not ds.dotnet_available():
        pytest.skip("SKIPPED LOUDLY: the dotnet SDK is not installed; .NET tests cannot run")
    if os.geteuid() != 0:
        pytest.skip("SKIPPED LOUDLY: .NET dump tests need root (dumps are 0600 root files)")
    assert ds.DUMP_TOOL.exists(), "build/tests/dotnetdump missing: run make integration"
    ds.build_project("MarkerApp")
    ds.build_project("ClrmdCheck")
    return True


@pytest.fixture
def workdir(tmp_path):
    os.chmod(tmp_path, 0o700)
    return tmp_path


@pytest.fixture
def target(dotnet_built, workdir):
    t = ds.Target(workdir, markers=MARKERS)
    yield t
    t.kill()


def leftover_staging(where: Path):
    return [p for p in where.iterdir() if p.name.startswith(".coretrap-")]


def env_value(pid, name="DOTNET_DbgDisablePagemapUse"):
    r = ds.dump_tool(["-e", name, pid])
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


# ---------------------------------------------------------------- discovery

def test_detect_dotnet_and_not_native(target, workdir):
    assert ds.dump_tool(["-d", target.pid]).returncode == 0
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        assert ds.dump_tool(["-d", sleeper.pid]).returncode == 1
    finally:
        sleeper.kill()
        sleeper.wait()


def test_stale_socket_of_dead_pid_is_ignored(dotnet_built):
    """A socket with the pid but another start-time key (left by a dead
    process) must not make a native process look like .NET."""
    sleeper = subprocess.Popen(["sleep", "60"], env=dict(os.environ, TMPDIR="/tmp"))
    stale = Path(f"/tmp/dotnet-diagnostic-{sleeper.pid}-1-socket")
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(stale))
        assert ds.dump_tool(["-d", sleeper.pid]).returncode == 1
    finally:
        s.close()
        stale.unlink(missing_ok=True)
        sleeper.kill()
        sleeper.wait()


def test_process_info(target):
    r = ds.dump_tool(["-i", target.pid])
    assert r.returncode == 0, r.stderr
    info = dict(line.split("=", 1) for line in r.stdout.splitlines())
    assert info["level"] == "3"
    assert info["entry"] == "MarkerApp"
    assert info["version"].startswith("10.")
    assert int(info["pid"]) == target.pid
    assert "MarkerApp.dll" in info["command_line"]


# ---------------------------------------------------------------- dumps

@pytest.mark.parametrize("dump_type", ["heap", "full"])
def test_heap_and_full_dumps_have_every_marker(target, workdir, dump_type):
    path = workdir / f"{dump_type}.dmp"
    before = ds.proc_status(target.pid)
    r = ds.dump_tool(["-t", dump_type, target.pid, path])
    assert r.returncode == 0, r.stderr
    assert f"({'.NET 10.'}" in r.stdout and f"entry MarkerApp, {dump_type} dump)" in r.stdout
    st = path.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_uid == os.geteuid()
    # the target runs on, untraced, and its runtime has the variable back
    assert target.alive()
    after = ds.proc_status(target.pid)
    assert after["TracerPid"] == "0"
    assert after["State"][0] in "SR"
    assert env_value(target.pid) == "DOTNET_DbgDisablePagemapUse=1"  # was unset: runtime default
    assert leftover_staging(workdir) == [] and leftover_staging(Path("/tmp")) == []
    report = ds.clrmd_check(path)
    assert report["ok"], report
    assert report["marker_count"] == MARKERS, report
    assert report["untyped_objects"] == 0
    assert report["threads"] >= 1
    print(f"{dump_type}: {st.st_size} bytes, RSS {before['VmRSS']} -> {after['VmRSS']}, ClrMD {report}")


@pytest.mark.parametrize("dump_type", ["mini", "triage"])
def test_mini_and_triage_dumps_open_in_clrmd(target, workdir, dump_type):
    """Mini and triage dumps hold stacks and runtime data but no object
    memory: ClrMD must open them and list threads; no object count is
    asserted (there are no objects to count)."""
    path = workdir / f"{dump_type}.dmp"
    r = ds.dump_tool(["-t", dump_type, target.pid, path])
    assert r.returncode == 0, r.stderr
    assert f"{dump_type} dump)" in r.stdout
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    report = ds.clrmd_check(path)
    assert report["ok"], report
    assert report["threads"] >= 1
    assert report["managed_frames"] >= 1
    assert target.alive()


def test_heap_dump_smaller_than_full(target, workdir):
    sizes = {}
    for t in ("heap", "full"):
        r = ds.dump_tool(["-t", t, target.pid, workdir / t])
        assert r.returncode == 0, r.stderr
        sizes[t] = (workdir / t).stat().st_size
    assert sizes["heap"] < sizes["full"], sizes


def rss_anon_kib(pid):
    return int(ds.proc_status(pid)["RssAnon"].split()[0])


def test_pagemap_trick_keeps_target_and_dump_small(dotnet_built, workdir):
    """Without DOTNET_DbgDisablePagemapUse=0 createdump reads every page of
    every anonymous mapping, untouched ones included: on this kernel that maps
    the shared zero page into the target (not counted in RSS, but present in
    its page tables from then on) and writes the zeros into the dump. With
    the variable set around the dump it skips non-present pages. Separate
    targets per mode (a read-faulted page stays present for later dumps).
    Test hook CORETRAP_DOTNET_NO_PAGEMAP=1 turns the trick off."""
    growth, sizes = {}, {}
    for mode, env in (("trick", {}), ("no_trick", {"CORETRAP_DOTNET_NO_PAGEMAP": "1"})):
        t = ds.Target(workdir, markers=1000)
        try:
            time.sleep(0.5)  # let startup settle before measuring
            before = (ds.rss_kib(t.pid), rss_anon_kib(t.pid))
            path = workdir / f"{mode}.dmp"
            r = ds.dump_tool(["-t", "heap", t.pid, path], env=env)
            assert r.returncode == 0, r.stderr
            assert ("pagemap=1" in r.stdout) == (mode == "trick")
            growth[mode] = (ds.rss_kib(t.pid) - before[0], rss_anon_kib(t.pid) - before[1])
            sizes[mode] = path.stat().st_size
            assert ds.clrmd_check(path)["marker_count"] == 1000
            if mode == "trick":
                # the target is left as it was: a second dump is just as small
                r = ds.dump_tool(["-t", "heap", t.pid, workdir / "again.dmp"])
                assert r.returncode == 0, r.stderr
                assert (workdir / "again.dmp").stat().st_size < sizes["trick"] * 1.2
        finally:
            t.kill()
    print(f"growth (VmRSS KiB, RssAnon KiB) {growth}, dump bytes {sizes}")
    assert growth["trick"][1] < 4 * 1024, growth  # anonymous memory not grown
    assert growth["trick"][0] < 16 * 1024, growth  # file pages of dump code may come in
    assert sizes["trick"] * 3 < sizes["no_trick"], sizes


def test_previous_value_of_variable_restored(dotnet_built, workdir):
    t = ds.Target(workdir, markers=10, env={"DOTNET_DbgDisablePagemapUse": "01"})
    try:
        r = ds.dump_tool(["-t", "mini", t.pid, workdir / "d"])
        assert r.returncode == 0, r.stderr
        assert env_value(t.pid) == "DOTNET_DbgDisablePagemapUse=01"
    finally:
        t.kill()


def test_existing_file_needs_overwrite(target, workdir):
    path = workdir / "exists.dmp"
    path.write_text("keep me")
    r = ds.dump_tool(["-t", "mini", target.pid, path])
    assert r.returncode != 0
    assert "File exists" in r.stderr
    assert path.read_text() == "keep me"
    r = ds.dump_tool(["-o", "-t", "mini", target.pid, path])
    assert r.returncode == 0, r.stderr
    assert path.stat().st_size > 1 << 20


def test_target_as_other_user(dotnet_built, workdir):
    """createdump writes as the target's uid: the dump is staged in the
    target's TMPDIR (it cannot enter our 0700 directory) and handed over."""
    t = ds.Target(workdir, markers=321, env={"HOME": "/tmp"},
                  prefix=["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"])
    try:
        assert ds.proc_status(t.pid)["Uid"].split()[1] == "65534"
        path = workdir / "nobody.dmp"
        r = ds.dump_tool(["-t", "heap", t.pid, path])
        assert r.returncode == 0, r.stderr
        st = path.stat()
        assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600
        assert ds.clrmd_check(path)["marker_count"] == 321
        assert leftover_staging(Path("/tmp")) == []
    finally:
        t.kill()


def test_custom_tmpdir(dotnet_built, workdir):
    tmpdir = workdir / "custom-tmp"
    tmpdir.mkdir()
    t = ds.Target(workdir, markers=222, env={"TMPDIR": str(tmpdir)})
    try:
        sockets = [p.name for p in tmpdir.iterdir() if p.name.startswith("dotnet-diagnostic-")]
        assert sockets, "runtime did not put its socket in TMPDIR"
        assert not list(Path("/tmp").glob(f"dotnet-diagnostic-{t.pid}-*"))
        path = workdir / "tmpdir.dmp"
        r = ds.dump_tool(["-t", "heap", t.pid, path])
        assert r.returncode == 0, r.stderr
        assert ds.clrmd_check(path)["marker_count"] == 222
    finally:
        t.kill()


def test_socket_path_longer_than_sun_path(dotnet_built, workdir):
    """TMPDIR fits the runtime's 108-byte sun_path, but /proc/PID/root +
    TMPDIR + name does not: we connect through /proc/self/fd/N/NAME."""
    base = Path("/tmp") / ("ct-" + "x" * 40)
    base.mkdir(exist_ok=True)
    try:
        tmpdir = Path(str(base) + "/" + "y" * (62 - len(str(base)) - 1))
        tmpdir.mkdir(exist_ok=True)
        t = ds.Target(workdir, markers=5, env={"TMPDIR": str(tmpdir)})
        try:
            sock = next(tmpdir.glob("dotnet-diagnostic-*"))
            assert len(str(sock)) < 108 <= len(f"/proc/{t.pid}/root{sock}")
            r = ds.dump_tool(["-t", "mini", t.pid, workdir / "long.dmp"])
            assert r.returncode == 0, r.stderr
        finally:
            t.kill()
    finally:
        subprocess.run(["rm", "-rf", str(base)])


def test_target_in_own_pid_and_mount_namespace(dotnet_built, workdir):
    """The target runs as pid 1 of its own PID namespace, in its own mount
    namespace where its TMPDIR is a private tmpfs: its socket is reachable
    only through /proc/PID/root and is named with its namespace pid. Our
    output directory is hidden from it by another tmpfs, so the dump is
    staged in its TMPDIR and copied out (other filesystem)."""
    if subprocess.run(["unshare", "--help"], capture_output=True).returncode != 0:
        pytest.skip("SKIPPED LOUDLY: unshare(1) missing")
    ns_tmp, out = workdir / "ns-tmp", workdir / "out"
    ns_tmp.mkdir()
    out.mkdir()
    script = ('mount -t tmpfs -o mode=1777 coretrap-test "$TMPDIR" && '
              'mount -t tmpfs coretrap-test "$CT_OUT" && exec "$@"')
    t = ds.Target(workdir, markers=4321, env={"TMPDIR": str(ns_tmp), "CT_OUT": str(out)},
                  prefix=["unshare", "--fork", "--pid", "--mount", "--mount-proc",
                          "sh", "-c", script, "sh"])
    try:
        nspid = ds.proc_status(t.pid)["NSpid"].split()
        assert len(nspid) == 2 and nspid[-1] == "1", nspid
        assert t.ns_pid == 1
        assert list(ns_tmp.iterdir()) == []  # invisible from here
        inside_tmp = Path(f"/proc/{t.pid}/root{ns_tmp}")
        assert list(inside_tmp.glob("dotnet-diagnostic-1-*-socket"))
        assert ds.dump_tool(["-d", t.pid]).returncode == 0
        path = out / "ns.dmp"
        r = ds.dump_tool(["-t", "heap", t.pid, path])
        assert r.returncode == 0, r.stderr
        assert "copied=1" in r.stdout
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert ds.clrmd_check(path)["marker_count"] == 4321
        assert not [p for p in inside_tmp.iterdir() if p.name.startswith(".coretrap-")]
        assert t.alive()
    finally:
        t.kill()


# ---------------------------------------------------------------- hostile peers

class FakeServer:
    """A Unix socket server that answers every connection per `mode`."""

    def __init__(self, path: Path, mode: str):
        self.path, self.mode = path, mode
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.stop = False
        self.conns = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def reply(self, conn):
        magic = b"DOTNET_IPC_V1\0"
        try:
            conn.settimeout(2)
            conn.recv(65536)
        except OSError:
            pass
        m = self.mode
        if m == "garbage":
            conn.sendall(os.urandom(200))
        elif m == "wrong_magic":
            conn.sendall(b"DOTNET_IPC_V2\0" + (24).to_bytes(2, "little") + b"\xff\x00\0\0" + b"\0" * 4)
        elif m == "lying_size":
            # claims 2000 bytes, sends 24, then closes
            conn.sendall(magic + (2000).to_bytes(2, "little") + b"\xff\x00\0\0" + b"\0" * 4)
        elif m == "huge_string":
            # ProcessInfo reply whose command line claims 2^31 code units
            payload = (1).to_bytes(4, "little") + b"\0" * 24 + (0x7FFFFFFF).to_bytes(4, "little") + b"a\0" * 10
            conn.sendall(magic + (20 + len(payload)).to_bytes(2, "little") + b"\xff\x00\0\0" + payload)
        elif m == "short_header":
            conn.sendall(magic[:9])
        elif m == "never_answers":
            self.conns.append(conn)  # keep it open, say nothing
            return
        conn.close()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.reply(conn)

    def close(self):
        self.stop = True
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.mark.parametrize("mode,errtext", [
    ("garbage", "Bad message"),
    ("wrong_magic", "Bad message"),
    ("lying_size", "Connection reset by peer"),
    ("huge_string", "Bad message"),
    ("short_header", "Connection reset by peer"),
    ("never_answers", "Connection timed out"),
])
def test_hostile_server_gives_clear_error(dotnet_built, workdir, mode, errtext):
    """Test hook CORETRAP_DOTNET_SOCKET points discovery at a fake server.
    Every malformed or missing answer ends in one clear line and a non-zero
    exit, within the 5 s command timeout; nothing is left behind."""
    sock_path = workdir / "fake.sock"
    server = FakeServer(sock_path, mode)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        start = time.monotonic()
        r = ds.dump_tool(["-t", "heap", sleeper.pid, workdir / "x.dmp"],
                         env={"CORETRAP_DOTNET_SOCKET": str(sock_path)}, timeout=60)
        took = time.monotonic() - start
    finally:
        server.close()
        sleeper.kill()
        sleeper.wait()
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("coretrap: failed to write .NET dump"), r.stderr
    assert errtext in lines[0], lines[0]
    assert took < 30, took  # bounded by the 5 s command timeout, generous margin
    assert not (workdir / "x.dmp").exists()
    assert leftover_staging(workdir) == [] and leftover_staging(Path("/tmp")) == []


def utf16(text):
    data = (text + "\0").encode("utf-16-le")
    return (len(data) // 2).to_bytes(4, "little") + data


def message(set_, id_, payload=b""):
    return b"DOTNET_IPC_V1\0" + (20 + len(payload)).to_bytes(2, "little") + bytes([set_, id_, 0, 0]) + payload


class ScriptedServer(FakeServer):
    """Answers like a runtime, per command, except where the script lies.
    Records every (set, id) it received."""

    def __init__(self, path, script):
        self.script, self.seen = script, []
        super().__init__(path, "scripted")

    def reply(self, conn):
        conn.settimeout(2)
        try:
            req = conn.recv(65536)
        except OSError:
            conn.close()
            return
        key = (req[16], req[17]) if len(req) >= 20 else (None, None)
        self.seen.append(key)
        ok = message(0xFF, 0, b"\0\0\0\0")
        if key == (4, 8):
            payload = ((1).to_bytes(4, "little") + (77).to_bytes(8, "little") + b"\1" * 16 +
                       utf16("/usr/bin/dotnet Fake.dll") + utf16("Linux") + utf16("x64") +
                       utf16("Fake") + utf16("10.0.99") + utf16("linux-x64"))
            out = message(0xFF, 0, payload)
        elif key == (4, 2):
            blob = (1).to_bytes(4, "little") + utf16("DOTNET_DbgDisablePagemapUse=1")
            out = message(0xFF, 0, len(blob).to_bytes(4, "little") + b"\0\0") + blob
        else:
            out = ok
        out = self.script.get(key, out)
        if out is not None:
            conn.sendall(out)
        conn.close()


UNKNOWN = message(0xFF, 0xFF, (0x80131385).to_bytes(4, "little"))


def run_against(server_script, workdir, dump_type="heap"):
    sock_path = workdir / "scripted.sock"
    server = ScriptedServer(sock_path, server_script)
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        r = ds.dump_tool(["-t", dump_type, sleeper.pid, workdir / "x.dmp"],
                         env={"CORETRAP_DOTNET_SOCKET": str(sock_path)}, timeout=60)
    finally:
        server.close()
        sleeper.kill()
        sleeper.wait()
    return r, server.seen


def test_ok_reply_without_file_is_an_error(dotnet_built, workdir):
    """An old runtime replied OK even when createdump failed: the file is checked."""
    r, seen = run_against({}, workdir)
    assert r.returncode == 1
    assert "answered OK but no dump file was written" in r.stderr
    assert (1, 3) in seen
    assert leftover_staging(Path("/tmp")) == []


def test_dump_command_falls_back_on_unknown_command(dotnet_built, workdir):
    r, seen = run_against({(1, 3): UNKNOWN, (1, 2): UNKNOWN}, workdir)
    dumps = [k for k in seen if k[0] == 1]
    assert dumps == [(1, 3), (1, 2), (1, 1)], seen
    # the pagemap variable: read, set to 0, restored to the previous "1"
    assert seen.count((4, 3)) == 2 and (4, 2) in seen, seen


def test_dump3_error_text_is_shown(dotnet_built, workdir):
    err = message(0xFF, 0xFF, (0x80004005).to_bytes(4, "little") +
                  utf16("[createdump] Could not create output file\n"))
    r, seen = run_against({(1, 3): err}, workdir)
    assert r.returncode == 1
    assert r.stderr.strip().endswith("[createdump] Could not create output file"), r.stderr
    assert seen.count((4, 3)) == 2, seen  # restored even though the dump failed


def test_environment_reply_lying_about_its_length(dotnet_built, workdir):
    lying = message(0xFF, 0, (100000).to_bytes(4, "little") + b"\0\0") + b"\1\0\0\0"
    r, seen = run_against({(4, 2): lying}, workdir)
    assert r.returncode == 1
    assert "Connection reset by peer" in r.stderr and "ProcessEnvironment" in r.stderr, r.stderr
    assert not [k for k in seen if k[0] == 1], "no dump may be asked after a broken reply"


def test_old_runtime_without_process_info3(dotnet_built, workdir):
    r, seen = run_against({(4, 8): UNKNOWN, (4, 4): UNKNOWN, (4, 0): UNKNOWN,
                           (4, 2): UNKNOWN}, workdir)
    assert seen[:3] == [(4, 8), (4, 4), (4, 0)], seen
    assert (4, 3) not in seen  # no environment command: dump without the trick
    assert "answered OK but no dump file was written" in r.stderr


def test_dead_socket_refused(dotnet_built, workdir):
    sock_path = workdir / "dead.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(sock_path))
    s.close()  # the file stays, nobody listens
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        r = ds.dump_tool(["-t", "heap", sleeper.pid, workdir / "x.dmp"],
                         env={"CORETRAP_DOTNET_SOCKET": str(sock_path)}, timeout=60)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert r.returncode == 1
    assert "Connection refused" in r.stderr


def test_bad_destination_directory(target, workdir):
    r = ds.dump_tool(["-t", "mini", target.pid, workdir / "missing" / "x.dmp"])
    assert r.returncode == 1
    assert "No such file or directory" in r.stderr
    assert target.alive()


# ---------------------------------------------------------------- through the CLI

@pytest.mark.parametrize("dump_type", ["heap", "triage"])
def test_dotnet_cli(target, workdir, dump_type):
    """coretrap PID DIR on a .NET target takes the runtime's dump, with -dt."""
    assert CORETRAP.exists(), "run make first"
    r = subprocess.run([str(CORETRAP), "-dt", dump_type, str(target.pid), str(workdir)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(l for l in r.stdout.splitlines() if "Core dump 0 generated:" in l)
    path = Path(line.split("generated: ", 1)[1].split(" (", 1)[0])
    assert re.search(rf"\(\.NET 10\.\d+\.\d+, entry MarkerApp, {dump_type} dump\)$", line), line
    assert path.parent == workdir and stat.S_IMODE(path.stat().st_mode) == 0o600
    report = ds.clrmd_check(path)
    assert report["ok"], report
    if dump_type == "heap":
        assert report["marker_count"] == MARKERS
    assert target.alive() and ds.proc_status(target.pid)["TracerPid"] == "0"


def test_dotnet_cli_json_and_native_target(target, workdir):
    import json
    r = subprocess.run([str(CORETRAP), "-json", str(target.pid), str(workdir)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    events = [json.loads(l) for l in r.stdout.splitlines() if l.startswith("{")]
    dump = next(e for e in events if e["event"] == "dump")
    assert "entry MarkerApp, heap dump)" in dump["message"]
    # a native process keeps the native writer: no .NET wording
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        r = subprocess.run([str(CORETRAP), str(sleeper.pid), str(workdir)],
                           capture_output=True, text=True, timeout=120)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert ".NET" not in r.stdout + r.stderr


@pytest.mark.parametrize("switches,trigger", [
    (["-tc", "1"], "thread"),
    (["-m", "1"], "commit"),
    (["-cl", "90", "-pf", "200"], "cpu"),
])
def test_bpf_triggers_on_a_dotnet_target_take_the_runtime_dump(target, workdir, switches, trigger):
    """Every trigger ends in the same dump step: on a .NET target that is the runtime's heap dump."""
    r = subprocess.run([str(CORETRAP), *switches, str(target.pid), str(workdir)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    line = next(l for l in r.stdout.splitlines() if "Core dump 0 generated:" in l)
    assert re.search(r"entry MarkerApp, heap dump\)$", line), line
    path = Path(line.split("generated: ", 1)[1].split(" (", 1)[0])
    assert re.fullmatch(rf"dotnet_{trigger}_\d{{6}}_\d{{6}}\.{target.pid}", path.name), path.name
    report = ds.clrmd_check(path)
    assert report["ok"] and report["marker_count"] == MARKERS, report
    assert target.alive() and ds.proc_status(target.pid)["TracerPid"] == "0"
