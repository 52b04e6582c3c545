# SPDX-License-Identifier: MIT
"""The CounterApp test target (tests/targets/dotnet/CounterApp): start it,
send it commands on stdin and read each answer from its output file."""
import os
import re
import subprocess
import time
from pathlib import Path

import dotnet_support as ds


class CounterApp:
    def __init__(self, tmp: Path, gauge=10, timeout=60, apphost=False):
        """apphost: run build/dotnet/CounterApp/CounterApp, a process named
        CounterApp (not dotnet), for -w tests."""
        self.log = tmp / f"counterapp-{time.monotonic_ns()}.out"
        env = dict(os.environ, **ds.DOTNET_ENV)
        cmd = ([str(ds.BUILD / "dotnet/CounterApp/CounterApp")] if apphost else
               ["dotnet", str(ds.BUILD / "dotnet/CounterApp/CounterApp.dll")])
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(cmd + [str(gauge)],
                                         stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True, text=True)
        self.pid = self.proc.pid
        self.wait_line(r"^ready (\d+)$", timeout)
        stat_line = Path(f"/proc/{self.pid}/stat").read_text()
        key = stat_line.rsplit(")", 1)[1].split()[19]
        tmpdir = os.environ.get("TMPDIR") or "/tmp"
        self.leftovers = [Path(tmpdir) / f"dotnet-diagnostic-{self.pid}-{key}-socket",
                          Path(tmpdir) / f"clr-debug-pipe-{self.pid}-{key}-in",
                          Path(tmpdir) / f"clr-debug-pipe-{self.pid}-{key}-out"]

    def lines(self):
        return self.log.read_text().splitlines()

    def wait_line(self, pattern, timeout=10, after=0):
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            lines = self.lines()
            for i, line in enumerate(lines[after:], after):
                m = rx.search(line)
                if m:
                    return m, i
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"CounterApp never printed {pattern!r}:\n" + "\n".join(lines[-20:]))
            time.sleep(0.02)

    def cmd(self, text, answer):
        """Send one command; returns the match of its answer line."""
        start = len(self.lines())
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self.wait_line(answer, after=start)[0]

    def set_gauge(self, v):
        """Returns the target's CLOCK_MONOTONIC ns at the change."""
        return int(self.cmd(f"set {v}", r"^set \S+ at (\d+)$").group(1))

    def state(self):
        m = self.cmd("state", r"^state enabled=(\w+) enables=(\d+) disables=(\d+) threads=(\d+)$")
        return {"enabled": m.group(1) == "True", "enables": int(m.group(2)),
                "disables": int(m.group(3)), "threads": int(m.group(4))}

    def threads(self):
        return int(ds.proc_status(self.pid)["Threads"])

    def kill(self):
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for p in self.leftovers:
            try:
                p.unlink()
            except OSError:
                pass
