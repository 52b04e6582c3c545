# SPDX-License-Identifier: MIT
"""-z: compressed native cores (gzip members / zstd frames written while the core is written),
-info FILE, and compressed .NET dumps (issue 14). Every compressed core is unpacked with the
standard tools, as the README tells users to, and opened in gdb."""
import errno
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coretest import DUMPEE, ROOT, dump, dumpee, gdb, gdb_threads, start_dump, tmpfs

CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
MARKER = 0xC0DEDBADC0FFEE
FORMATS = {"gzip": ".gz", "zstd": ".zst"}


def assert_released(t):
    st = t.status()
    assert int(st["TracerPid"]) == 0
    assert st["State"].split()[0] not in ("T", "t")
    assert t.proc.poll() is None


@pytest.fixture
def target():
    with dumpee("--anon-mb", 64, "--touch-mb", 8, "--zero-mb", 8) as t:
        yield t


def unpack(packed, out):
    """The README's way back to a sparse core: zstd -d --sparse, or gunzip -c | cp --sparse=always."""
    if str(packed).endswith(".zst"):
        subprocess.run(["zstd", "-q", "-d", "--sparse", str(packed), "-o", str(out)], check=True)
    else:
        subprocess.run("gunzip -c '%s' | cp --sparse=always /dev/stdin '%s'" % (packed, out),
                       shell=True, check=True)
    return out


def info(path):
    p = subprocess.run([CORETRAP, "-info", str(path)], capture_output=True, text=True, timeout=300)
    fields = dict(l.split(": ", 1) for l in p.stdout.splitlines() if ": " in l)
    return p.returncode, fields, p.stdout + p.stderr


def check_core_in_gdb(t, core):
    out = gdb(DUMPEE, core, "info threads", "thread apply all bt", "p/x marker")
    assert sorted(gdb_threads(out).values()) == t.tids(), out
    for func in ("worker_alpha", "worker_beta", "worker_gamma", "main_wait"):
        assert re.search(r"in %s \(" % func, out), func
    assert "$1 = %#x" % MARKER in out


@pytest.mark.parametrize("live", ["on", "off"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_decompressed_core_opens_in_gdb(target, tmp_path, fmt, live):
    packed = tmp_path / ("core" + FORMATS[fmt])
    extra = ["--z", fmt, "--trigger", "cpu"] + (["--live", "off"] if live == "off" else [])
    rc, res, err = dump(target.pid, packed, *extra)
    assert rc == 0, err
    assert res["live"] == (live == "on")
    # only the compressed file is left: the uncompressed core was an unnamed temporary file
    assert os.listdir(tmp_path) == [packed.name]
    assert packed.stat().st_size == res["compressed_bytes"]
    # 64 MiB mapped, 8 touched, 8 of them zero: mostly holes, which compress to nearly nothing
    assert res["compressed_bytes"] < res["apparent_bytes"] / 20
    core = unpack(packed, tmp_path / "core")
    st = core.stat()
    assert st.st_size == res["apparent_bytes"]
    assert st.st_blocks * 512 < st.st_size / 4, "the unpacked core is not sparse"
    check_core_in_gdb(target, core)
    rc, f, out = info(packed)
    assert rc == 0, out
    assert f["pid"] == str(target.pid) and f["name"] == "dumpee"
    assert f["threads"] == "4" and f["trigger"] == "cpu"
    assert f["size"] == "%d bytes uncompressed" % res["apparent_bytes"]
    assert f["complete"] == "yes"
    assert f["format"].startswith(fmt + ", ")
    assert_released(target)


def test_info_of_an_uncompressed_core_and_of_other_files(target, tmp_path):
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core, "--trigger", "signal")
    assert rc == 0, err
    rc, f, out = info(core)
    assert rc == 0, out
    assert f["format"] == "uncompressed, %d bytes" % res["apparent_bytes"]
    assert f["trigger"] == "signal" and f["threads"] == "4" and f["complete"] == "yes"
    # a core shorter than its headers say (a copy cut short)
    with open(core, "rb") as src, open(tmp_path / "short", "wb") as dst:
        dst.write(src.read(res["apparent_bytes"] // 2))
    rc, f, out = info(tmp_path / "short")
    assert rc == 1 and f["complete"] == "no, %d of %d bytes" % (res["apparent_bytes"] // 2,
                                                                  res["apparent_bytes"]), out
    rc, f, out = info("/etc/hostname")
    assert rc == 1 and f["complete"] == "no, not an ELF core dump", out
    p = subprocess.run([CORETRAP, "-info", str(tmp_path / "missing.gz")], capture_output=True, text=True)
    assert p.returncode == 1 and "cannot read" in p.stderr and "No such file" in p.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_compressed_file_is_reported(target, tmp_path, fmt):
    packed = tmp_path / ("core" + FORMATS[fmt])
    rc, res, err = dump(target.pid, packed, "--z", fmt)
    assert rc == 0, err
    data = packed.read_bytes()
    for keep in (len(data) - 1, len(data) // 2, 200):
        cut = tmp_path / ("cut" + FORMATS[fmt])
        cut.write_bytes(data[:keep])
        rc, f, out = info(cut)
        assert rc == 1, out
        assert f["complete"].startswith("no, the %s stream is cut short after " % fmt), out
    # and a damaged byte in the middle (CRC-32 / frame checksum)
    bad = bytearray(data)
    bad[len(bad) // 2] ^= 0x55
    (tmp_path / ("bad" + FORMATS[fmt])).write_bytes(bytes(bad))
    rc, f, out = info(tmp_path / ("bad" + FORMATS[fmt]))
    assert rc == 1 and f["complete"].startswith("no, "), out


def test_full_disk_before_the_copy_leaves_nothing(target, tmp_path):
    with tmpfs(tmp_path / "small", "2m") as mnt:
        rc, res, _err = dump(target.pid, mnt / "core.gz", "--z", "gzip")
        assert rc != 0 and res["rc"] == -errno.ENOSPC
        assert os.listdir(mnt) == []
        assert_released(target)


@pytest.mark.parametrize("fmt", FORMATS)
def test_disk_full_during_a_compressed_dump_leaves_no_file(target, tmp_path, fmt):
    """The disk fills while the target runs protected and the compressor follows the core
    (CORETRAP_LIVE_HOLD_FILE marks that moment): the dump fails with ENOSPC and nothing is
    left under the final name, nor any temporary file."""
    with tmpfs(tmp_path / "disk", "64m") as mnt:
        note = tmp_path / "holding"
        packed = mnt / ("core" + FORMATS[fmt])
        d = start_dump(target.pid, packed, "--z", fmt,
                       env={"CORETRAP_LIVE_HOLD_MS": "1500", "CORETRAP_LIVE_HOLD_FILE": str(note)})
        deadline = time.time() + 30
        while not note.exists() and time.time() < deadline and d.poll() is None:
            time.sleep(0.005)
        assert note.exists(), "the live dump never reached its hold"
        # fill the disk to the last block
        subprocess.run(["dd", "if=/dev/zero", "of=%s" % (mnt / "filler"), "bs=1M"],
                       capture_output=True)
        out, err = d.communicate(timeout=120)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode != 0 and res["rc"] == -errno.ENOSPC, out + err
        assert sorted(os.listdir(mnt)) == ["filler"]
        assert_released(target)


@pytest.mark.parametrize("fmt", FORMATS)
def test_coretrap_z_writes_the_compressed_name(target, tmp_path, fmt):
    """Through the CLI: -z [gzip|zstd] appends the suffix, the JSON event names that file, the
    core's note says it was a timer dump, and -live off works the same."""
    for live in ("on", "off"):
        d = tmp_path / live
        d.mkdir()
        argv = [CORETRAP, "-json", "-z", fmt] + (["-live", "off"] if live == "off" else []) + \
               [str(target.pid), str(d)]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        ev = next(json.loads(l) for l in p.stdout.splitlines() if '"event":"dump"' in l)
        path = Path(ev["path"])
        assert path.name.endswith("." + str(target.pid) + FORMATS[fmt])
        assert os.listdir(d) == [path.name]
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        rc, f, out = info(path)
        assert rc == 0 and f["trigger"] == "time" and f["pid"] == str(target.pid), out
        check_core_in_gdb(target, unpack(path, tmp_path / ("core-" + live)))
    assert_released(target)


def test_existing_compressed_file_needs_overwrite(target, tmp_path):
    name = tmp_path / "mine"
    argv = [CORETRAP, "-z", str(target.pid), str(name)]
    assert subprocess.run(argv, capture_output=True, timeout=300).returncode == 0
    packed = tmp_path / ("mine.%d.gz" % target.pid)
    first = packed.stat().st_ino
    p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    assert p.returncode == 1 and "already exists (use -o to overwrite)" in p.stdout + p.stderr
    assert subprocess.run(argv + ["-o"], capture_output=True, timeout=300).returncode == 0
    assert packed.stat().st_ino != first and sorted(os.listdir(tmp_path)) == [packed.name]


# ---------------------------------------------------------------- .NET

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dotnet"))
import dotnet_support as ds  # noqa: E402


@pytest.fixture
def dotnet_target(tmp_path):
    if not ds.dotnet_available():
        pytest.skip("SKIPPED LOUDLY: the dotnet SDK is not installed; .NET tests cannot run")
    ds.build_project("MarkerApp")
    ds.build_project("ClrmdCheck")
    os.chmod(tmp_path, 0o700)
    t = ds.Target(tmp_path, markers=1234)
    yield t
    t.kill()


@pytest.mark.parametrize("fmt", FORMATS)
def test_dotnet_dump_compressed_after_the_runtime_wrote_it(dotnet_target, tmp_path, fmt):
    out = tmp_path / "out"
    out.mkdir()
    p = subprocess.run([CORETRAP, "-z", fmt, str(dotnet_target.pid), str(out)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    line = next(l for l in p.stdout.splitlines() if "Core dump 0 generated:" in l)
    path = Path(line.split("generated: ", 1)[1].split(" (", 1)[0])
    assert path.name.endswith(FORMATS[fmt]) and "heap dump" in line
    # only the compressed file: the runtime's file under its hidden name is gone
    assert os.listdir(out) == [path.name]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    rc, f, text = info(path)
    assert rc == 0 and f["complete"] == "yes" and f["pid"] == str(dotnet_target.pid), text
    report = ds.clrmd_check(unpack(path, tmp_path / "dump"))
    assert report["ok"], report
    assert report["marker_count"] == 1234, report
    assert dotnet_target.alive() and ds.proc_status(dotnet_target.pid)["TracerPid"] == "0"


def test_interrupt_while_compressing_leaves_no_file(tmp_path):
    """SIGINT to the writer while gzip works through a 256 MiB mixed target (compressing takes
    seconds here, the copy a fraction of one): -EINTR, no file, the target runs on."""
    mixed = os.path.join(ROOT, "build", "targets", "mixedfill")
    p = subprocess.Popen([mixed, "256"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        packed = tmp_path / "core.gz"
        d = start_dump(p.pid, packed, "--z", "gzip")
        time.sleep(1.0)
        d.send_signal(2)
        out, err = d.communicate(timeout=120)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode != 0 and res["rc"] == -errno.EINTR, out + err
        assert os.listdir(tmp_path) == []
        with open("/proc/%d/status" % p.pid) as f:
            st = f.read()
        assert "TracerPid:\t0" in st and p.poll() is None
    finally:
        p.kill()
        p.wait()
