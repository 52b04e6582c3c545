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
            takes first..last sample in state 't'/'T'. For coretrap the
            writer's own figure (dump_result.stopped_ns) is shown too.
  apparent  st_size of the core; allocated = st_blocks * 512
The machine is shared (2 cores, other jobs running): numbers are noisy.
Run: /usr/bin/python3 bench/bench_dump.py [MiB ...]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RSSFILL = os.path.join(ROOT, "build", "targets", "rssfill")
# Until ./coretrap PID DEST writes native cores with -json results, the
# test driver is the writer's command line (same code, no CLI around it).
DUMPCORE = os.path.join(ROOT, "build", "tests", "dumpcore")
RUNS = 3


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


def sizes(path):
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512


def run_coretrap(pid, outdir):
    core = os.path.join(outdir, "core.coretrap")
    sampler = StopSampler(pid)
    t0 = time.monotonic()
    p = subprocess.run([DUMPCORE, str(pid), core], capture_output=True, text=True)
    wall = time.monotonic() - t0
    sampled = sampler.stop()
    if p.returncode != 0:
        raise RuntimeError("coretrap dump failed: " + p.stderr)
    res = json.loads(p.stdout.strip().splitlines()[-1])
    app, alloc = sizes(core)
    os.unlink(core)
    return {"wall": wall, "stopped": sampled, "stopped_self": res["stopped_ns"] / 1e9,
            "apparent": app, "allocated": alloc}


def run_gcore(pid, outdir):
    prefix = os.path.join(outdir, "core.gcore")
    sampler = StopSampler(pid)
    t0 = time.monotonic()
    p = subprocess.run(["gcore", "-o", prefix, str(pid)], capture_output=True, text=True)
    wall = time.monotonic() - t0
    sampled = sampler.stop()
    core = "%s.%d" % (prefix, pid)
    if p.returncode != 0 or not os.path.exists(core):
        raise RuntimeError("gcore failed: " + p.stderr[-500:])
    app, alloc = sizes(core)
    os.unlink(core)
    return {"wall": wall, "stopped": sampled, "apparent": app, "allocated": alloc}


def median(runs, key):
    return statistics.median(r[key] for r in runs)


def bench_size(mib, outdir):
    target = subprocess.Popen([RSSFILL, str(mib)], stdout=subprocess.PIPE, text=True)
    try:
        if target.stdout.readline().strip() != "ready":
            raise RuntimeError("rssfill did not start")
        results = {"coretrap": [], "gcore": []}
        run_coretrap(target.pid, outdir)  # warm-up: page cache, binaries, THP pools
        run_gcore(target.pid, outdir)
        for _ in range(RUNS):  # interleaved so both see the same machine state
            results["coretrap"].append(run_coretrap(target.pid, outdir))
            results["gcore"].append(run_gcore(target.pid, outdir))
        return results
    finally:
        target.kill()
        target.wait()


def main():
    sizes_mib = [int(a) for a in sys.argv[1:]] or [1024, 4096]
    for tool in (RSSFILL, DUMPCORE):
        if not os.access(tool, os.X_OK):
            sys.exit("bench_dump: %s missing; run make targets tools" % tool)
    if not shutil.which("gcore"):
        sys.exit("bench_dump: gcore (gdb) not installed; nothing to compare with")
    outdir = tempfile.mkdtemp(prefix="bench_dump.", dir=os.environ.get("BENCH_DIR", "/tmp"))
    rows = []
    try:
        for mib in sizes_mib:
            r = bench_size(mib, outdir)
            c, g = r["coretrap"], r["gcore"]
            rows.append((mib, c, g))
    finally:
        shutil.rmtree(outdir, ignore_errors=True)

    print("\n### Dump speed: coretrap vs gcore (median of %d warm runs)\n" % RUNS)
    print("| RSS | tool | wall s | stopped s (sampled) | stopped s (self) | apparent MiB | allocated MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for mib, c, g in rows:
        print("| %d MiB | coretrap | %.3f | %.3f | %.3f | %.0f | %.0f |" % (
            mib, median(c, "wall"), median(c, "stopped"), median(c, "stopped_self"),
            median(c, "apparent") / 2**20, median(c, "allocated") / 2**20))
        print("| %d MiB | gcore | %.3f | %.3f | - | %.0f | %.0f |" % (
            mib, median(g, "wall"), median(g, "stopped"),
            median(g, "apparent") / 2**20, median(g, "allocated") / 2**20))
    print("\n| RSS | wall gcore/coretrap (target >= 5) | stopped coretrap/gcore (target < 0.5) |")
    print("|---|---:|---:|")
    for mib, c, g in rows:
        print("| %d MiB | %.2fx | %.2f |" % (mib, median(g, "wall") / median(c, "wall"),
                                          median(c, "stopped") / max(median(g, "stopped"), 1e-9)))
    print("\n(shared 2-core machine: figures are noisy; stopped = /proc/PID/stat 't'/'T' sampled every ~0.5 ms)")


if __name__ == "__main__":
    main()
