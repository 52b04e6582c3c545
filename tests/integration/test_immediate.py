# SPDX-License-Identifier: MIT
"""Timer mode (no trigger): immediate and repeated dumps of a real target.

These check names, counts, modes, messages and that the target is left
running and untraced; the core's content is the core writer's tests' job.
"""
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORETRAP = os.environ.get("CORETRAP") or str(ROOT / "coretrap")
SLEEPER = ROOT / "build" / "targets" / "sleeper"
TS = r"\d{6}_\d{6}"


def start(binary):
    proc = subprocess.Popen([str(binary)], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("ready"), line
    return proc


@pytest.fixture
def sleeper():
    proc = start(SLEEPER)
    yield proc
    proc.kill()
    proc.wait()


def run(*args, timeout=60):
    return subprocess.run([CORETRAP, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def status(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def assert_running_untraced(proc):
    assert proc.poll() is None
    st = status(proc.pid)
    assert st["TracerPid"] == "0"
    assert st["State"][0] in "SR", st["State"]


def files(d):
    return sorted(p.name for p in Path(d).iterdir())


def test_one_immediate_dump(sleeper, tmp_path):
    before = datetime.now().replace(microsecond=0)
    r = run(sleeper.pid, tmp_path)
    after = datetime.now()
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    names = files(tmp_path)
    assert len(names) == 1
    m = re.fullmatch(rf"sleeper_time_({TS})\.{sleeper.pid}", names[0])
    assert m, names[0]
    stamp = datetime.strptime(m.group(1), "%y%m%d_%H%M%S")
    assert before <= stamp <= after
    path = tmp_path / names[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert re.search(rf"^\[\d\d:\d\d:\d\d - INFO\]: Trigger: Timer:10\(s\) on process ID: {sleeper.pid}$",
                     r.stdout, re.M)
    assert re.search(rf"^\[\d\d:\d\d:\d\d - INFO\]: Core dump 0 generated: {re.escape(str(path))}$",
                     r.stdout, re.M)
    assert_running_untraced(sleeper)


def test_default_destination_is_cwd(sleeper, tmp_path):
    r = subprocess.run([CORETRAP, str(sleeper.pid)], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert [n for n in files(tmp_path) if re.fullmatch(rf"sleeper_time_{TS}\.{sleeper.pid}", n)]
    assert f"Core dump 0 generated: ./sleeper_time_" in r.stdout


def test_three_dumps_one_second_apart(sleeper, tmp_path):
    r = run("-n", 3, "-s", 1, sleeper.pid, f"{tmp_path}/")
    assert r.returncode == 0, r.stderr
    names = files(tmp_path)
    assert len(names) == 3
    assert all(re.fullmatch(rf"sleeper_time_{TS}(_\d+)?\.{sleeper.pid}", n) for n in names)
    for i in range(3):
        assert f"Core dump {i} generated: " in r.stdout
    assert "Press Ctrl-C to end monitoring without terminating the process(es)." in r.stdout
    assert f"Stopping monitor for process sleeper ({sleeper.pid})" in r.stdout
    assert_running_untraced(sleeper)


def test_same_second_default_names_get_a_suffix(sleeper, tmp_path):
    # -s 0: three dumps within (usually) one second must all be kept.
    r = run("-n", 3, "-s", 0, sleeper.pid, f"{tmp_path}/")
    assert r.returncode == 0, r.stderr
    names = files(tmp_path)
    assert len(names) == 3, names
    stems = {re.fullmatch(rf"(sleeper_time_{TS})(_\d+)?\.{sleeper.pid}", n).group(1) for n in names}
    if len(stems) == 1:  # all in one second: plain, _1, _2
        stem = stems.pop()
        assert names == sorted([f"{stem}.{sleeper.pid}", f"{stem}_1.{sleeper.pid}", f"{stem}_2.{sleeper.pid}"])
    for i in range(3):
        assert f"Core dump {i} generated: " in r.stdout


def test_custom_name_is_procdumps_drop_in(sleeper, tmp_path):
    # What ProcDump's own scripts do: `procdump -n 1 PID DIR/mine`, then look for DIR/mine.PID.
    r = run("-n", 1, sleeper.pid, tmp_path / "mine")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / f"mine.{sleeper.pid}").is_file()
    assert files(tmp_path) == [f"mine.{sleeper.pid}"]
    assert f"Core dump 0 generated: {tmp_path}/mine.{sleeper.pid}" in r.stdout


def test_custom_name_gets_counter_from_second_dump(sleeper, tmp_path):
    r = run("-n", 2, "-s", 0, sleeper.pid, tmp_path / "mine")
    assert r.returncode == 0, r.stderr
    assert files(tmp_path) == [f"mine.{sleeper.pid}", f"mine_1.{sleeper.pid}"]
    for n in files(tmp_path):
        assert stat.S_IMODE((tmp_path / n).stat().st_mode) == 0o600


def test_existing_file_needs_o(sleeper, tmp_path):
    existing = tmp_path / f"mine.{sleeper.pid}"
    existing.write_text("keep")
    os.chmod(existing, 0o644)
    r = run(sleeper.pid, tmp_path / "mine")
    assert r.returncode == 1
    assert r.stderr == f"coretrap: dump file {existing} already exists (use -o to overwrite)\n"
    assert existing.read_text() == "keep"
    assert files(tmp_path) == [existing.name]

    r = run("-o", sleeper.pid, tmp_path / "mine")
    assert r.returncode == 0, r.stderr
    assert existing.read_bytes() != b"keep"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o600
    assert files(tmp_path) == [existing.name]
    assert_running_untraced(sleeper)


def test_json_events(sleeper, tmp_path):
    r = run("-json", "-n", 2, "-s", 0, sleeper.pid, tmp_path / "j")
    assert r.returncode == 0, r.stderr
    events = [json.loads(line) for line in r.stdout.splitlines()]  # every line is JSON
    kinds = [e["event"] for e in events]
    assert kinds == ["start", "trigger", "dump", "trigger", "dump", "stop"]
    dumps = [e for e in events if e["event"] == "dump"]
    for i, e in enumerate(dumps):
        assert e["pid"] == sleeper.pid
        assert e["name"] == "sleeper"
        assert e["trigger"] == "time"
        assert e["index"] == i
        assert e["path"] == str(tmp_path / (f"j_{i}.{sleeper.pid}" if i else f"j.{sleeper.pid}"))
        assert Path(e["path"]).exists()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", e["time"])


def test_name_target_lowest_pid_case_insensitive(tmp_path):
    unique = f"ctsleep{uuid.uuid4().hex[:8]}"
    binary = tmp_path / unique
    shutil.copy(SLEEPER, binary)
    out = tmp_path / "out"
    out.mkdir()
    first, second = start(binary), start(binary)
    try:
        r = run(unique.upper(), out)
        assert r.returncode == 0, r.stderr
        names = files(out)
        lowest = min(first.pid, second.pid)
        assert len(names) == 1 and re.fullmatch(rf"{unique}_time_{TS}\.{lowest}", names[0]), names
    finally:
        for p in (first, second):
            p.kill()
            p.wait()


def test_sigint_ends_the_wait_at_once(sleeper, tmp_path):
    for sig in (signal.SIGINT, signal.SIGTERM):
        d = tmp_path / sig.name
        d.mkdir()
        proc = subprocess.Popen([CORETRAP, "-json", "-n", "3", "-s", "60", str(sleeper.pid), str(d)],
                                stdout=subprocess.PIPE, text=True)
        seen = []
        for line in proc.stdout:
            seen.append(json.loads(line)["event"])
            if seen[-1] == "dump":
                break
        t0 = time.monotonic()
        proc.send_signal(sig)
        rest, _ = proc.communicate(timeout=20)
        assert time.monotonic() - t0 < 10  # far below the 60 s interval
        assert proc.returncode == 0
        assert [json.loads(l)["event"] for l in rest.splitlines()] == ["stop"]
        assert len(files(d)) == 1
    assert_running_untraced(sleeper)


def test_target_exit_between_dumps(tmp_path):
    target = start(SLEEPER)
    proc = subprocess.Popen([CORETRAP, "-n", "3", "-s", "1", str(target.pid), str(tmp_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if "Core dump 0 generated" in line:
                break
        target.kill()
        target.wait()
        rest, _ = proc.communicate(timeout=30)
    finally:
        if target.poll() is None:
            target.kill()
    assert proc.returncode == 1
    assert re.search(rf"^\[\d\d:\d\d:\d\d - WARN\]: Target process {target.pid} is no longer alive$", rest, re.M)
    assert len(files(tmp_path)) == 1


def test_mc_mask_is_accepted(sleeper, tmp_path):
    r = run("-mc", "0x33", sleeper.pid, tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Core dump filter:           0x33" in r.stdout
    assert len(files(tmp_path)) == 1
    assert_running_untraced(sleeper)


def test_process_whose_main_thread_exited_is_dumped_through_its_live_thread(tmp_path):
    # pthread_exit in main leaves a zombie leader (no mm, no registers)
    # while the worker runs: the process is alive, its memory is read
    # through the worker, and the core holds the worker's thread.
    proc = subprocess.Popen([str(ROOT / "build" / "targets" / "leaderless")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().startswith("ready")
        deadline = time.monotonic() + 5
        while status(proc.pid)["State"][0] != "Z":
            assert time.monotonic() < deadline, "main thread did not exit"
            time.sleep(0.05)
        r = run(proc.pid, tmp_path)
        assert r.returncode == 0, r.stderr
        names = files(tmp_path)
        assert len(names) == 1, names
        gdb = subprocess.run(["gdb", "-batch", "-ex", "info threads", "-ex", "bt",
                              str(ROOT / "build" / "targets" / "leaderless"), str(tmp_path / names[0])],
                             capture_output=True, text=True, timeout=120)
        assert re.search(r"^\* 1 +.*LWP", gdb.stdout, re.M), gdb.stdout
        assert " worker (" in gdb.stdout, gdb.stdout
        # Still alive (the worker answers), untraced, not stopped.
        for tid in os.listdir(f"/proc/{proc.pid}/task"):
            st = Path(f"/proc/{proc.pid}/task/{tid}/status").read_text()
            assert re.search(r"^TracerPid:\t0$", st, re.M), st
            assert not re.search(r"^State:\t[tT]", st, re.M), st
        proc.stdin.write("open 3\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "ok"
    finally:
        proc.kill()
        proc.wait()
