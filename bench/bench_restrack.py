#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
-restrack: what the allocator probes cost the target, and how fast a report
is written. Side by side in one run: no probes, -sr 1, -sr 10, -sr 100.

Target: tests/targets/restrack_leaker CHURN — on "go" a new thread allocates
and frees CHURN pairs of blocks (malloc + malloc + free + free per pair),
leaks 1,180 blocks from named functions, then prints "done".
  ns/pair    time from "go" to "done" divided by CHURN (the leaks are <0.1%
             of the calls), medians of RUNS; "vs none" is the slowdown
  coretrap CPU  coretrap's utime+stime over that window, % of one core (its
             ring-buffer reader; the probes themselves run in the target)
  report ms  SIGUSR1 (a -sig 10 trigger, nodump) to coretrap's "Leak report
             generated" line: stopping at the trigger, reading the BPF maps,
             symbolizing and writing the file
  report KiB size of that report (1,180 outstanding blocks in 6 stacks, plus
             the sampled churn still live at the signal: none)
No probes: the same target and churn, coretrap not running; a larger CHURN
is used there so that the figure is not lost in the thread's start-up.
Run: /usr/bin/python3 bench/bench_restrack.py
"""
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from test_restrack import LEAKER, Proc, wait_attached  # noqa: E402

CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
CHURN_PROBED = int(os.environ.get("BENCH_RESTRACK_CHURN", "200000"))
CHURN_PLAIN = CHURN_PROBED * 10
TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def churn_once(t, ct_pid=None):
    """(seconds from go to done, coretrap CPU seconds meanwhile)."""
    c0 = cpu_s(ct_pid) if ct_pid else 0.0
    t0 = time.monotonic()
    t.send("go")
    t.wait(r"^done$", timeout=900)
    dt = time.monotonic() - t0
    return dt, (cpu_s(ct_pid) - c0) if ct_pid else 0.0


def run_plain():
    t = Proc([LEAKER, CHURN_PLAIN], stderr=None)
    try:
        t.wait(r"^ready (\d+)$")
        dt, _ = churn_once(t)
        return dt / CHURN_PLAIN * 1e9, 0.0, None, None
    finally:
        t.kill()


def run_probed(sr, out):
    t = Proc([LEAKER, CHURN_PROBED], stderr=None)
    ct = None
    try:
        pid = int(t.wait(r"^ready (\d+)$").group(1))
        ct = Proc([CORETRAP, "-restrack", "nodump", "-sr", sr, "-sig", "10", "-log", "stdout", pid, out + "/"],
                  stdin=subprocess.DEVNULL)
        wait_attached(ct, pid)
        ct.wait(r"Starting monitor for process")
        dt, ct_cpu = churn_once(t, ct.pid)
        t0 = time.monotonic()
        os.kill(pid, signal.SIGUSR1)
        path = ct.wait(r"Leak report 1 generated: (\S+)", timeout=120).group(1)
        report_ms = (time.monotonic() - t0) * 1e3
        if ct.finish() != 0:
            raise RuntimeError("coretrap failed: %r" % ct.lines[-10:])
        size = os.path.getsize(path)
        os.unlink(path)
        return dt / CHURN_PROBED * 1e9, 100.0 * ct_cpu / dt, report_ms, size / 1024
    finally:
        if ct:
            ct.kill()
        t.kill()


def main():
    out = tempfile.mkdtemp(prefix="bench_restrack.", dir=os.environ.get("BENCH_DIR", "/tmp"))
    rows = [("none (no probes)", None), ("-restrack -sr 1", 1), ("-restrack -sr 10", 10),
            ("-restrack -sr 100", 100)]
    results = {name: [] for name, _ in rows}
    for _ in range(RUNS):            # rotate, so drift in the machine's load is shared by every row
        for name, sr in rows:
            results[name].append(run_plain() if sr is None else run_probed(sr, out))
    os.rmdir(out)
    med = {name: [statistics.median(r[i] for r in results[name]) if results[name][0][i] is not None else None
                  for i in range(4)] for name, _ in rows}
    base = med[rows[0][0]][0]
    print("### -restrack: allocator probe cost (median of %d, %d pairs probed, %d without)\n"
          % (RUNS, CHURN_PROBED, CHURN_PLAIN))
    print("| probes | ns per malloc/free pair | vs none | coretrap CPU % of a core | report ms | report KiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, sr in rows:
        ns, cpu, rep, kib = med[name]
        print("| %s | %.0f | %.1fx | %s | %s | %s |" % (
            name, ns, ns / base, "-" if sr is None else "%.1f" % cpu,
            "-" if rep is None else "%.0f" % rep, "-" if kib is None else "%.1f" % kib))
    print("\n(2-core VM. A pair is four probed calls: two mallocs and two frees, each an entry uprobe and, for "
          "the allocations, a return uprobe. -sr decides in the kernel which allocations are recorded; every "
          "call still takes its uprobe trap, which is what the slowdown is.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
