#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Dump speed: coretrap's native core writer vs gdb's gcore, side by side in one run.

Targets: tests/targets/rssfill with 1 GiB and 4 GiB of resident, non-zero
anonymous memory. Each tool gets one warm-up dump, then 3 measured dumps;
the median is reported. Figures:
  wall      whole command, start to exit
  stopped   time the target spent stopped. Both tools are measured the same
            way: a sampler thread reads /proc/PID/stat every ~0.5 ms and
            takes first..last sample in state 't'/'T'.
  apparent  st_size of the core; allocated = st_blocks * 512
coretrap runs as users run it: ./coretrap PID DIR (an immediate dump).
Also measured in the same run, interleaved: the write floors, i.e. the same
number of non-zero bytes written from our own memory into a new file
(tests/tools/writefloor.c: buffered with one writer, and direct I/O with two,
the two ways coretrap writes), which no dump can beat because it must write
those bytes too (and read them out of the target first). gcore over the
faster floor is the best wall ratio any dump tool could reach in this run.
Every measured run (of each tool and floor alike) starts after IDLE_S
seconds of quiet (BENCH_IDLE_S, default 6), as a dump triggered after a
quiet spell does: on this VM memory freed by the previous run has gone back
to the host by then (free page reporting), and whatever a run allocates
(ring, page cache) is backed anew; back to back, runs inherit warm memory
from each other and the figures swing. BENCH_IDLE_S=0 gives the
back-to-back figures.
Printed as a fixed line:
ProcDump 3.5.2's reference figures (measured once, not in this run).
Run: /usr/bin/python3 bench/bench_dump.py [MiB ...]
"""
import json
import resource
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RSSFILL = os.path.join(ROOT, "build", "targets", "rssfill")
CORETRAP = os.path.join(ROOT, "coretrap")
WRITEFLOOR = os.path.join(ROOT, "build", "tests", "writefloor")
RUNS = 3
IDLE_S = float(os.environ.get("BENCH_IDLE_S", "6"))
# /work/shared/reference/procdump-for-linux.md section 10: ProcDump 3.5.2's own
# writer, immediate 1 GiB dump, warm medians on this kind of machine (not this run).
PROCDUMP_REF = {"mib": 1024, "wall": 0.30, "stopped": 0.28}


class StopSampler:
    def __init__(self, pid):
        self.path = "/proc/%d/stat" % pid
        self.first = self.last = None
        self.done = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done:
            try:
                with open(self.path) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return
            now = time.monotonic()
            if state in ("t", "T"):
                if self.first is None:
                    self.first = now
                self.last = now
            time.sleep(0.0005)

    def stop(self):
        self.done = True
        self.thread.join()
        return (self.last - self.first) if self.first is not None else 0.0


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def sizes(path):
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512


def run_coretrap(pid, outdir):
    dest = tempfile.mkdtemp(prefix="coretrap.", dir=outdir)
    sampler = StopSampler(pid)
    cpu0 = children_cpu()
    t0 = time.monotonic()
    # -log stdout: the debug line of each dump names the I/O mode the
    # writer chose (direct or buffered), which decides most of the wall time.
    p = subprocess.run([CORETRAP, "-log", "stdout", str(pid), dest], capture_output=True, text=True)
    wall = time.monotonic() - t0
    cpu = children_cpu() - cpu0
    sampled = sampler.stop()
    cores = os.listdir(dest)
    if p.returncode != 0 or len(cores) != 1:
        raise RuntimeError("coretrap dump failed: " + p.stdout[-500:] + p.stderr[-500:])
    core = os.path.join(dest, cores[0])
    app, alloc = sizes(core)
    shutil.rmtree(dest)
    m = re.search(r"(direct|buffered) I/O, ring (\d+ of \d+) MiB \((4 KiB|huge) pages\) faulted in ([\d.]+) ms",
                  p.stdout)
    return {"wall": wall, "stopped": sampled, "apparent": app, "allocated": alloc, "cpu": cpu,
            "io": "%s, %s MiB ring of %s pages" % (m.group(1), m.group(2), m.group(3)) if m else "?",
            "fault": float(m.group(4)) / 1000 if m else float("nan")}


def run_write_floor(mib, outdir, mode):
    """The least any dump of mib MiB must do: write that many non-zero bytes,
    already resident in memory, into a new file on the same filesystem, the
    two ways coretrap can (tests/tools/writefloor.c): buffered, one 8 MiB
    writer; direct, two 8 MiB writers. A dump also has to read them out of
    the target first."""
    p = subprocess.run([WRITEFLOOR, outdir, str(mib), mode], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("writefloor failed: " + p.stderr[-500:])
    return json.loads(p.stdout)


def run_gcore(pid, outdir):
    prefix = os.path.join(outdir, "core.gcore")
    sampler = StopSampler(pid)
    cpu0 = children_cpu()
    t0 = time.monotonic()
    p = subprocess.run(["gcore", "-o", prefix, str(pid)], capture_output=True, text=True)
    wall = time.monotonic() - t0
    cpu = children_cpu() - cpu0
    sampled = sampler.stop()
    core = "%s.%d" % (prefix, pid)
    if p.returncode != 0 or not os.path.exists(core):
        raise RuntimeError("gcore failed: " + p.stderr[-500:])
    app, alloc = sizes(core)
    os.unlink(core)
    return {"wall": wall, "stopped": sampled, "apparent": app, "allocated": alloc, "cpu": cpu}


def io_modes(runs):
    """How the coretrap runs wrote (each distinct choice once) and their median ring fault-in."""
    modes = []
    for r in runs:
        if r["io"] not in modes:
            modes.append(r["io"])
    return "%s; ring fault-in before the stop %.3f s" % ("; ".join(modes), median(runs, "fault"))


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def bench_size(mib, outdir):
    target = subprocess.Popen([RSSFILL, str(mib)], stdout=subprocess.PIPE, text=True)
    try:
        if target.stdout.readline().strip() != "ready":
            raise RuntimeError("rssfill did not start")
        results = {"coretrap": [], "gcore": [], "buffered": [], "direct": []}
        run_coretrap(target.pid, outdir)  # warm-up: page cache, binaries, THP pools
        run_gcore(target.pid, outdir)
        runners = [("coretrap", lambda: run_coretrap(target.pid, outdir)),
                   ("gcore", lambda: run_gcore(target.pid, outdir)),
                   ("buffered", lambda: run_write_floor(mib, outdir, "buffered")),
                   ("direct", lambda: run_write_floor(mib, outdir, "direct"))]
        for i in range(RUNS):
            # Interleaved, and rotated: what the previous run freed (this VM
            # hands freed memory back to the host) weighs on all alike.
            for name, run in runners[i % 4:] + runners[:i % 4]:
                time.sleep(IDLE_S)
                results[name].append(run())
        return results
    finally:
        target.kill()
        target.wait()


def main():
    sizes_mib = [int(a) for a in sys.argv[1:]] or [1024, 4096]
    for tool in (RSSFILL, CORETRAP, WRITEFLOOR):
        if not os.access(tool, os.X_OK):
            sys.exit("bench_dump: %s missing; run make targets tools" % tool)
    if not shutil.which("gcore"):
        sys.exit("bench_dump: gcore (gdb) not installed; nothing to compare with")
    outdir = tempfile.mkdtemp(prefix="bench_dump.", dir=os.environ.get("BENCH_DIR", "/tmp"))
    rows = []
    try:
        for mib in sizes_mib:
            r = bench_size(mib, outdir)
            rows.append((mib, r["coretrap"], r["gcore"], r["buffered"], r["direct"]))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)

    print("\n### Dump speed: coretrap vs gcore (median of %d runs, each after %g s idle)\n" % (RUNS, IDLE_S))
    print("| RSS | tool | wall s | CPU s (user+sys) | stopped s (sampled) | apparent MiB | allocated MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mib, c, g, b, d in rows:
        for name, runs in (("coretrap (I/O: %s)" % io_modes(c), c), ("gcore", g)):
            print("| %d MiB | %s | %.3f | %.3f | %.3f | %.0f | %.0f |" % (
                mib, name, median(runs, "wall"), median(runs, "cpu"), median(runs, "stopped"),
                median(runs, "apparent") / 2**20, median(runs, "allocated") / 2**20))
        for name, runs in (("buffered, 1 writer", b), ("direct I/O, 2 writers", d)):
            print("| %d MiB | write floor, %s: the bytes from memory into a new file | %.3f | %.3f | - | %d | %d |"
                  % (mib, name, median(runs, "wall"), median(runs, "cpu"), mib, mib))
        if mib == PROCDUMP_REF["mib"]:
            print("| %d MiB | ProcDump 3.5.2 (reference measurement, not this run) | %.2f | - | %.2f | %d | %d |"
                  % (mib, PROCDUMP_REF["wall"], PROCDUMP_REF["stopped"], mib, mib))
    print("\n| RSS | wall gcore/coretrap (target >= 5) | stopped coretrap/gcore (target < 0.5) "
          "| best possible wall ratio: gcore/faster floor | coretrap/faster floor |")
    print("|---|---:|---:|---:|---:|")
    for mib, c, g, b, d in rows:
        floor = min(median(b, "wall"), median(d, "wall"))
        print("| %d MiB | %.2fx | %.2f | %.2fx | %.2f |" % (
            mib, median(g, "wall") / median(c, "wall"),
            median(c, "stopped") / max(median(g, "stopped"), 1e-9),
            median(g, "wall") / floor, median(c, "wall") / floor))
    print("\n(2-core VM; stopped = /proc/PID/stat 't'/'T' sampled every ~0.5 ms for both tools; "
          "CPU = the tool's user+sys time, coretrap's on two threads: reader and writer)")


if __name__ == "__main__":
    main()
