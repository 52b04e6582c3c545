#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cost of coretrap's CLR profiler on an exception-heavy .NET target.

ThrowApp throws and catches N InvalidOperationExceptions in a loop; we read
its own rate (exceptions/s) without a profiler and with coretrap attached
(-e with a filter that never matches, so every throw pays for the callback,
the type name and the message read, and the filter match, but no dump).
Rounds alternate so drift hits both sides. Also: attach time, time from
coretrap's exit to the .so leaving /proc/PID/maps, and how long a matching
throw holds the throwing thread (the dump). Medians of ROUNDS.
"""
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import test_profiler as tp  # noqa: E402  (reuses the process helpers)

N = 200000
ROUNDS = 5


def rate(app):
    line = app.cmd(f"bench {N}", timeout=300)
    return float(line.split("rate=")[1])


def main():
    if not os.path.exists(tp.DOTNET):
        print("bench_profiler: SKIPPED: no dotnet")
        return 0
    dll = tp.dotnet_build("tests/targets/dotnet/ThrowApp", "ThrowApp")
    out = tempfile.mkdtemp(prefix="ct-bench-prof-")
    app = tp.App(dll)
    base, prof, attach_ms, unload_ms = [], [], [], []
    try:
        rate(app)  # JIT/tiering warm-up
        for _ in range(ROUNDS):
            base.append(rate(app))
            t0 = time.monotonic()
            ct = tp.Lines([tp.CORETRAP, "-e", "-f", "never matches this", str(app.pid), out])
            ct.wait_for(r"Profiler attached")
            attach_ms.append((time.monotonic() - t0) * 1000)
            prof.append(rate(app))
            ct.p.send_signal(signal.SIGTERM)
            t0 = time.monotonic()
            tp.wait_unmapped(app.pid)
            unload_ms.append((time.monotonic() - t0) * 1000)
            ct.p.wait(timeout=30)
        # A matching throw: how long the throwing thread is held while the dump is written.
        ct = tp.Lines([tp.CORETRAP, "-e", "1", "-f", "alpha", str(app.pid), out])
        ct.wait_for(r"Profiler attached")
        t0 = time.monotonic()
        app.cmd("alpha 1")
        held_ms = (time.monotonic() - t0) * 1000
        ct.p.wait(timeout=60)
        tp.wait_unmapped(app.pid)
    finally:
        app.stop()
        shutil.rmtree(out, ignore_errors=True)

    b, p = statistics.median(base), statistics.median(prof)
    print(f"### .NET profiler cost (ThrowApp, {N} throw+catch per run, median of {ROUNDS})\n")
    print("| measure | value |")
    print("|---|---|")
    print(f"| exceptions/s, no profiler | {b:,.0f} |")
    print(f"| exceptions/s, coretrap -e -f <no match> attached | {p:,.0f} |")
    print(f"| ratio (with / without) | {p / b:.2f} |")
    print(f"| attach (coretrap start to 'Profiler attached') | {statistics.median(attach_ms):.0f} ms |")
    print(f"| unload (SIGTERM to .so gone from maps) | {statistics.median(unload_ms):.0f} ms |")
    print(f"| throwing thread held for one matching exception (heap dump) | {held_ms:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
