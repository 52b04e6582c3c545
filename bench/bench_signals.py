#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Signal trigger cost, side by side in one run:

- round trip of a signal that coretrap does not watch (kill -> handler ran -> reported), without
  coretrap and with `coretrap -sig 10` attached (every signal then passes a ptrace stop);
- the same round trip for a watched signal with a dump each time (-n 100 -s 0);
- coretrap's own CPU while waiting for a signal.

Prints one markdown table. ProcDump 3.5.2 has no row: with -sig it misses faults in worker threads
and leaves the target stopped after a main-thread fault (reference §10), so there is no working
figure to compare with.
"""
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORETRAP = os.path.join(ROOT, "coretrap")
TARGET = os.path.join(ROOT, "build", "targets", "usr1_handler")
ROUNDS = 200


def start_target():
    p = subprocess.Popen([TARGET], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().startswith("ready")
    return p


def round_trips(p, sig, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        os.kill(p.pid, sig)
        p.stdout.readline()
        times.append(time.perf_counter() - t0)
    return times


def attach(args, pid, out_dir):
    ct = subprocess.Popen([CORETRAP] + args + [str(pid), out_dir], stdout=subprocess.PIPE, text=True)
    for line in ct.stdout:
        if "Starting monitor" in line:
            return ct
    raise RuntimeError("coretrap did not start")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def main():
    out_dir = tempfile.mkdtemp(prefix="bench_signals.")
    rows = []
    try:
        p = start_target()
        base = round_trips(p, signal.SIGUSR2, ROUNDS)
        ct = attach(["-sig", "10"], p.pid, out_dir)
        passed = round_trips(p, signal.SIGUSR2, ROUNDS)
        c0 = cpu_seconds(ct.pid)
        time.sleep(5)
        idle_cpu = (cpu_seconds(ct.pid) - c0) / 5 * 100
        stop(ct)
        stop(p)

        p = start_target()
        ct = attach(["-sig", "10", "-n", "100", "-s", "0"], p.pid, out_dir)
        dumped = round_trips(p, signal.SIGUSR1, 100)
        ct.wait(timeout=60)
        stop(p)

        b = statistics.median(base) * 1e6
        rows.append(("unwatched signal round trip, no coretrap", "%.0f us" % b, "1.00"))
        m = statistics.median(passed) * 1e6
        rows.append(("unwatched signal round trip, coretrap -sig 10 attached", "%.0f us" % m, "%.2f" % (m / b)))
        d = statistics.median(dumped) * 1e6
        rows.append(("watched signal round trip incl. core dump of a small target", "%.0f us" % d,
                     "%.2f" % (d / b)))
        rows.append(("coretrap CPU while waiting (5 s, % of one core)", "%.3f %%" % idle_cpu, "-"))
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    print("### Signal trigger (%d round trips, medians; bench_signals.py)\n" % ROUNDS)
    print("| what | figure | vs no coretrap |")
    print("|---|---|---|")
    for r in rows:
        print("| %s | %s | %s |" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
