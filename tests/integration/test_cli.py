# SPDX-License-Identifier: MIT
"""Command-line errors: exact one-line messages and exit codes (0 ok, 1 runtime, 2 usage)."""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORETRAP = os.environ.get("CORETRAP") or str(ROOT / "coretrap")
HINT = "Try 'coretrap -?' for usage.\n"
NO_SUCH_PID = "4194305"  # above the kernel's largest pid_max


def run(*args, timeout=20):
    return subprocess.run([CORETRAP, *args], capture_output=True, text=True, timeout=timeout)


USAGE_ERRORS = [
    ([], "no target given (a PID or a process name)"),
    (["-n", "3"], "no target given (a PID or a process name)"),
    (["-zz", "1"], "unknown switch '-zz'"),
    (["-n", "abc", "1"], "-n expects a number, got 'abc'"),
    (["-n", "101", "1"], "-n must be between 0 and 100, got 101"),
    (["-s", "-5", "1"], "-s must be between 0 and 86400, got -5"),
    (["-mc", "zz", "1"], "-mc expects a hex mask such as 33 or 0x33, got 'zz'"),
    (["-n", "2", "/N", "3", "1"], "-n given twice"),
    (["1", "/tmp", "extra"], "unexpected argument 'extra' (target and destination already given)"),
    (["-w", "1234"], "-w needs a process name, not a PID"),
    (["-w", "app", "/tmp/name"], "a dump file name cannot be used with -w (give a directory)"),
    (["-sig", "11", "-c", "90", "1"], "-sig cannot be combined with -c (it must be the only trigger)"),
    (["-e", "-gcm", "100", "1"], "only one .NET trigger can be used (-e, -gcm or -gcgen)"),
    (["-f", "Foo", "1"], "-f requires -e"),
    (["-m", "1,2", "-n", "2", "1"], "-n cannot be used with a -m list (one dump per threshold)"),
    (["-pf", "0", "-c", "5", "1"], "-pf must be between 1 and 3600000, got 0"),
    (["-pf", "100", "1"], "-pf only applies to -c, -cl, -m, -ml, -tc, -fc, -pc or -pcl"),
    (["1", "/nonexistent-dir/name"], "directory '/nonexistent-dir' for the dump name does not exist"),
    (["-log", "stdout", "-json", "1"], "-log stdout cannot be combined with -json (use -log syslog)"),
    # refused before anything starts, not by the run mode after the banner (a PID that
    # cannot exist, so that a parser that let them through could never touch a real process)
    (["-e", "-w", "app"], "-e watches one process: give its PID or name, not -w"),
    (["-gcm", "100", "-pgid", NO_SUCH_PID], "-gcm watches one process: give its PID or name, not -pgid"),
    (["-sig", "11", "-pgid", NO_SUCH_PID], "-sig watches one process: give its PID or name, not -pgid"),
    (["-crash", "-w", "app"], "-crash watches one process: give its PID or name, not -w"),
    # an empty list item, refused alike by every list switch
    (["-sig", ",SEGV", NO_SUCH_PID], "-sig expects S[,S...] (numbers 1..64 or names), got ',SEGV'"),
    (["-m", ",5", NO_SUCH_PID], "-m expects MB[,MB...], got ',5'"),
    (["-f", ",Foo", "-e", NO_SUCH_PID], "-f expects F[,F...], got ',Foo'"),
]


@pytest.mark.parametrize("args,message", USAGE_ERRORS, ids=[" ".join(a) or "(none)" for a, _ in USAGE_ERRORS])
def test_usage_error(args, message):
    r = run(*args)
    assert r.returncode == 2
    assert r.stderr == f"coretrap: {message}\n{HINT}"
    assert r.stdout == ""




def test_nonexistent_pid():
    r = run(NO_SUCH_PID)
    assert r.returncode == 1
    assert r.stderr == f"coretrap: no process with PID {NO_SUCH_PID}\n"


def test_error_line_has_one_prefix():
    """A run-time error of the monitor: "coretrap: " once, never "coretrap: coretrap: "."""
    r = run("-pgid", NO_SUCH_PID)
    assert r.returncode == 1
    assert r.stderr == f"coretrap: failed to find a process in group {NO_SUCH_PID}: No such process\n"


def test_error_event_has_no_prefix():
    r = run("-json", "-pgid", NO_SUCH_PID)
    assert r.returncode == 1
    errors = [json.loads(line) for line in r.stdout.splitlines() if '"error"' in line]
    assert [e["message"] for e in errors] == [f"failed to find a process in group {NO_SUCH_PID}: No such process"]
    assert r.stderr == ""


def test_unknown_name():
    r = run("no_such_process_coretrap_test")
    assert r.returncode == 1
    assert r.stderr == "coretrap: no process named 'no_such_process_coretrap_test'\n"


def test_unknown_name_json_error_event():
    r = run("-json", "no_such_process_coretrap_test")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["event"] == "error"
    assert event["message"] == "no process named 'no_such_process_coretrap_test'"
    assert r.stderr == ""


SWITCHES = ["-n", "-s", "-c", "-cl", "-m", "-ml", "-gcm", "-gcgen", "-restrack", "-sr", "-tc", "-fc", "-sig",
            "-pc", "-pcl", "-e", "-f", "-fx", "-mc", "-pf", "-o", "-log", "-w", "-pgid", "-?", "-crash",
            "-sustain", "-json", "-dt"]


@pytest.mark.parametrize("flag", ["-?", "/?", "-h", "--help", "-H"])
def test_help_lists_every_switch(flag):
    r = run(flag)
    assert r.returncode == 0
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    for sw in SWITCHES:
        assert any(line.startswith(f"  {sw} ") or line == f"  {sw}" for line in lines), sw
    assert "Exit status:\n  0   success\n  1   runtime failure" in r.stdout
