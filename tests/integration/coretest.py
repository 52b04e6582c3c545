# SPDX-License-Identifier: MIT
"""Helpers for the core writer tests: start targets, run the dump driver, ask gdb."""
import contextlib
import json
import os
import queue
import re
import signal
import subprocess
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
DUMPEE = os.path.join(BUILD, "targets", "dumpee")
RSSFILL = os.path.join(BUILD, "targets", "rssfill")
DUMPCORE = os.path.join(BUILD, "tests", "dumpcore")
# The man page `make` builds (test_install reads it; test_packaging shows it to systemd-analyze).
MANPAGE = os.path.join(BUILD, "coretrap.1")
# The binary under test: the tree's, or CORETRAP=/usr/bin/coretrap for an installed package.
CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")


class Target:
    """A target program that prints optional 'info {json}' then 'ready'."""

    def __init__(self, argv, timeout=60):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     text=True)
        self.info = {}
        deadline = time.time() + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("target exited before ready: %r" % argv)
            if line.startswith("info "):
                self.info = json.loads(line[5:])
            if line.strip() == "ready":
                return
        raise RuntimeError("target not ready in time")

    @property
    def pid(self):
        return self.proc.pid

    def status(self):
        with open("/proc/%d/status" % self.pid) as f:
            return dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)

    def state(self):
        return self.status()["State"].split()[0]

    def tracer(self):
        return int(self.status()["TracerPid"])

    def rss_kb(self):
        """Resident KiB, exact: smaps_rollup walks the page tables. VmRSS reads the
        kernel's per-CPU batched counters, which lag by up to 32 pages per CPU."""
        with open("/proc/%d/smaps_rollup" % self.pid) as f:
            return int(re.search(r"^Rss:\s+(\d+) kB", f.read(), re.M).group(1))

    def tids(self):
        return sorted(int(t) for t in os.listdir("/proc/%d/task" % self.pid))

    def syscall(self, tid):
        """(nr, args[6], sp, pc) of a thread blocked in a syscall, from /proc."""
        with open("/proc/%d/task/%d/syscall" % (self.pid, tid)) as f:
            parts = f.read().split()
        if len(parts) < 9:
            return None
        return int(parts[0]), [int(x, 16) for x in parts[1:7]], int(parts[7], 16), int(parts[8], 16)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


class CommandTarget:
    """A target driven with lines on stdin: prints "info {json}" and "ready", then answers.
    Its output lines after that wait in a queue; expect() takes them in order, keeping every
    line taken in .seen."""

    def __init__(self, argv, **popen_kw):
        self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1, **popen_kw)
        line = self.proc.stdout.readline()
        assert line.startswith("info "), line
        self.info = json.loads(line[5:])
        assert self.proc.stdout.readline().strip() == "ready"
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    @property
    def pid(self):
        return self.proc.pid

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, pattern, timeout=10):
        """The match of the first line matching the regular expression pattern."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.time()))
            except queue.Empty:
                break
            self.seen.append(line)
            m = re.match(pattern, line)
            if m:
                return m
        raise AssertionError("no line %r from the target in %r" % (pattern, self.seen))

    def status(self):
        with open("/proc/%d/status" % self.pid) as f:
            return dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def dumpee(*args):
    return Target([DUMPEE] + [str(a) for a in args])


@contextlib.contextmanager
def tmpfs(path, size):
    """A tmpfs of size (mount's size=, e.g. "2m") made at path for a test, unmounted after it:
    a small disk to fill, or a filesystem without direct I/O."""
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def dump(pid, path, *extra, timeout=300, env=None):
    """Run the driver (env: variables to add); returns (exit code, result dict)."""
    p = subprocess.run([DUMPCORE, str(pid), str(path)] + [str(a) for a in extra],
                       capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, **env) if env else None)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "{}"
    return p.returncode, json.loads(line), p.stderr


def start_dump(pid, path, *extra, env=None):
    return subprocess.Popen([DUMPCORE, str(pid), str(path)] + [str(a) for a in extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **env) if env else None)


def gdb(exe, core, *cmds):
    argv = ["gdb", "-nx", "-batch"]
    for c in cmds:
        argv += ["-ex", c]
    argv += [exe, str(core)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    return p.stdout + p.stderr


def gdb_threads(out):
    """{gdb thread id: lwp} from 'info threads' output."""
    return {int(m.group(1)): int(m.group(2))
            for m in re.finditer(r"^\*?\s+(\d+)\s+Thread 0x[0-9a-f]+ \(LWP (\d+)\)", out, re.M)}


def readelf_notes(core):
    out = subprocess.run(["readelf", "-n", "-W", str(core)], capture_output=True, text=True).stdout
    counts = {}
    for m in re.finditer(r"^\s+(CORE|LINUX)\s+0x[0-9a-f]+\s+(NT_\w+)", out, re.M):
        counts[m.group(2)] = counts.get(m.group(2), 0) + 1
    return counts


def load_segments(core):
    """[(vaddr, memsz, filesz)] of the PT_LOAD headers."""
    import struct
    with open(core, "rb") as f:
        eh = f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        f.seek(phoff)
        segs = []
        for _ in range(phnum):
            p_type, _flags, _off, vaddr, _pa, filesz, memsz, _al = struct.unpack("<IIQQQQQQ", f.read(56))
            if p_type == 1:
                segs.append((vaddr, memsz, filesz))
    return segs


def wait_traced(target, timeout=20):
    """Wait until the target is traced (the dump has stopped it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if target.tracer() != 0:
                return True
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.0005)
    return False
