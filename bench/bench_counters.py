#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
.NET counter triggers (-pc): how fast a counter crossing is seen, and what
the EventPipe session costs the target.

Target: tests/targets/dotnet/CounterApp (a settable gauge published as an
EventCounter, Coretrap.Counters:level, and as a System.Diagnostics.Metrics
ObservableGauge, Coretrap.Meter:queue).

  latency   from the gauge change (the target's CLOCK_MONOTONIC, printed by
            the target as it sets the value) to coretrap's -json trigger line
            (read here, same clock), at -pf 1000 and -pf 250, for both
            publishers. The change falls at a random point of the interval,
            so the expected figure is half an interval plus the runtime's
            flush (its streaming thread wakes every 100 ms) plus our parse.
  overhead  the target's own work rate ("spin": a CPU loop on one thread,
            iterations per second) and its CPU while idle (utime+stime over
            IDLE_S), with a session attached (-pc on a threshold never
            reached) against without; alternating rounds, medians.
Run: /usr/bin/python3 bench/bench_counters.py
"""
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dotnet"))
import dotnet_support as ds  # noqa: E402
from counter_app import CounterApp  # noqa: E402

CORETRAP = ROOT / "coretrap"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SPIN_MS = 3000
IDLE_S = 5.0
TICK = os.sysconf("SC_CLK_TCK")


def start(args, out_dir):
    p = subprocess.Popen([str(CORETRAP), "-json", "-dt", "mini"] + [str(a) for a in args] + [out_dir + "/"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while True:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("coretrap ended before start: " + p.stderr.read())
        if json.loads(line)["event"] == "start":
            return p


def latency_once(app, spec, pf, out_dir):
    app.set_gauge(10)
    p = start(["-pc", spec, "50", "-pf", pf, app.pid], out_dir)
    # past the first interval, then a random point of one interval
    time.sleep(2 * pf / 1000 + 0.5 + random.random() * pf / 1000)
    changed = app.set_gauge(75)
    while True:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("no trigger: " + p.stderr.read())
        seen = time.monotonic_ns()
        if json.loads(line)["event"] == "trigger":
            break
    p.communicate(timeout=60)
    for f in Path(out_dir).iterdir():
        f.unlink()  # the dump: only the latency is measured
    return (seen - changed) / 1e6


def cpu_ticks(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def spin_rate(app):
    m = app.cmd(f"spin {SPIN_MS}", r"^spin (\d+) ")
    return int(m.group(1)) / (SPIN_MS / 1000)


def idle_cpu_pct(app):
    t0, c0 = time.monotonic(), cpu_ticks(app.pid)
    time.sleep(IDLE_S)
    return (cpu_ticks(app.pid) - c0) / TICK / (time.monotonic() - t0) * 100


def main():
    ds.build_project("CounterApp")
    work = tempfile.mkdtemp(prefix="bench-counters-")
    out_dir = os.path.join(work, "dumps")
    os.mkdir(out_dir, 0o700)
    app = CounterApp(Path(work))
    try:
        time.sleep(2)
        print("Detection latency, gauge change to the -json trigger line (ms), "
              f"{RUNS} runs each, change at a random point of the interval:\n")
        print("| publisher | -pf | median | min | max |")
        print("|---|---:|---:|---:|---:|")
        for label, spec in (("EventCounter (PollingCounter)", "Coretrap.Counters:level"),
                            ("Metrics ObservableGauge", "Coretrap.Meter:queue")):
            for pf in (1000, 250):
                lat = [latency_once(app, spec, pf, out_dir) for _ in range(RUNS)]
                print(f"| {label} | {pf} | {statistics.median(lat):.0f} | {min(lat):.0f} | {max(lat):.0f} |",
                      flush=True)

        print("\nTarget cost of an attached session (-pc on both publishers, never reached), "
              f"{ROUNDS} alternating rounds, medians:\n")
        print("| session | spin rate (iter/s) | vs none | idle CPU (% of a core) |")
        print("|---|---:|---:|---:|")
        rows = {"none": ([], []), "-pf 1000": ([], []), "-pf 250": ([], [])}
        for _ in range(ROUNDS):
            for name in rows:
                p = None
                if name != "none":
                    pf = name.split()[1]
                    p = start(["-pc", "Coretrap.Counters:level", "1e9", "-pc", "Coretrap.Meter:queue", "1e9",
                               "-pf", pf, app.pid], out_dir)
                    time.sleep(2.5)  # the session is up and publishing
                rows[name][0].append(spin_rate(app))
                rows[name][1].append(idle_cpu_pct(app))
                if p:
                    p.terminate()
                    p.communicate(timeout=30)
                    time.sleep(1)
        base = statistics.median(rows["none"][0])
        for name, (rates, cpu) in rows.items():
            r = statistics.median(rates)
            print(f"| {name} | {r:.0f} | {(r / base - 1) * 100:+.1f}% | {statistics.median(cpu):.2f} |")
        print("\nThe machine is shared (2 cores, other agents building and testing): "
              "single runs swing by several percent.")
    finally:
        app.kill()
        subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    sys.exit(main())
