#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
-daemon: what the fleet agent costs while it waits, side by side in one run
with the command line watching the same processes.

  (a) idle: 100 idle processes, triggers c 90, m 1000, tc 1000, fc 1000;
      coretrap's utime+stime over IDLE_S seconds, % of one core.
      Rows: the command line (-pgid, one config) and the daemon (one rule
      matching them by name); the issue's target is under 0.1%.
  (b) exec storm: EXECS runs of /bin/true while each watches the idle set.
      The daemon hears every exec on the host (its rules match by name,
      exe and cgroup) and reads /proc for each; the command line's -pgid
      does not. Columns: coretrap CPU ms per 1000 execs, and the storm's
      wall time against no coretrap at all.
Run: /usr/bin/python3 bench/bench_daemon.py [--quick]
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
IDLE = os.path.join(ROOT, "build", "targets", "idle")
QUICK = "--quick" in sys.argv
IDLE_S = 10 if QUICK else 30
EXECS = 1000 if QUICK else 3000
N = 100
HZ = os.sysconf("SC_CLK_TCK")
TRIGGERS = ["-c", "90", "-m", "1000", "-tc", "1000", "-fc", "1000"]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def start_idle(tmp):
    exe = os.path.join(tmp, "bench_idle")
    shutil.copy(IDLE, exe)
    lead = subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, process_group=0)
    rest = [subprocess.Popen([exe], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, process_group=lead.pid)
            for _ in range(N - 1)]
    time.sleep(0.5)
    return [lead, *rest]


def start_coretrap(args):
    p = subprocess.Popen([CORETRAP, "-json", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    watched = 0
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        ev = json.loads(line)
        watched += ev.get("event") == "start"
        if watched == N:
            break
    return p, watched


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=30)


def storm():
    t0 = time.monotonic()
    for _ in range(EXECS):
        subprocess.run(["/bin/true"])
    return time.monotonic() - t0


def main():
    tmp = tempfile.mkdtemp(prefix="bench_daemon.")
    spool = os.path.join(tmp, "spool")
    cfg = os.path.join(tmp, "coretrap.yaml")
    with open(cfg, "w") as f:
        f.write(f"spool: {spool}\nrules:\n  - name: idle\n    match: {{ name: bench_idle }}\n"
                "    triggers: { c: 90, m: 1000, tc: 1000, fc: 1000 }\n")
    procs = start_idle(tmp)
    try:
        base = storm()
        modes = {
            "command line (-pgid)": TRIGGERS + ["-pgid", str(procs[0].pid), tmp],
            "daemon (1 rule by name)": ["-daemon", "-config", cfg],
        }
        rows = []
        for label, args in modes.items():
            p, watched = start_coretrap(args)
            time.sleep(1.0)
            t0, c0 = time.monotonic(), cpu_ticks(p.pid)
            time.sleep(IDLE_S)
            t1, c1 = time.monotonic(), cpu_ticks(p.pid)
            wall = storm()
            c2 = cpu_ticks(p.pid)
            stop(p)
            idle_pct = (c1 - c0) / HZ / (t1 - t0) * 100
            rows.append((label, watched, idle_pct, (c2 - c1) / HZ * 1000 / EXECS * 1000, wall / base))
        print(f"(a) idle {IDLE_S} s with {N} watched processes, (b) {EXECS} execs of /bin/true "
              f"({base:.2f} s without coretrap)\n")
        print("| mode | watched | idle CPU, % of one core | CPU ms per 1000 execs | exec storm wall vs none |")
        print("|---|---|---|---|---|")
        for label, watched, idle_pct, per_k, ratio in rows:
            print(f"| {label} | {watched} | {idle_pct:.3f}% | {per_k:.1f} | {ratio:.2f}x |")
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
