#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Trigger bench (issue 3 item 8), side by side in one run.

(a) Catch rate and detection latency of short CPU and RSS spikes:
    coretrap (BPF, event-driven) vs a /proc delta poller at 1000 ms (ProcDump's
    default -pf) and at 100 ms, vs ProcDump itself when `procdump` is on PATH.
    Latency = time the trigger is seen minus the spike start the target
    reports (both CLOCK_MONOTONIC). CPU: -c 30 -pf 100, i.e. 30 ms of CPU
    within a 100 ms sliding window. RSS: -m 50 against spikes of 80 MB held
    10 / 50 ms (latency includes the time the target needs to touch 50 MB).
(b) Cost while waiting: coretrap's own CPU time over IDLE_S seconds with 1
    and 100 idle targets, and the slowdown of `perf bench sched pipe` with
    each switch set attached (and -fc with the exact hooks forced, for
    comparison), then of `perf bench syscall basic` (syscalls without
    context switches) with the -fc flavours and all defaults.

Usage: bench/bench_triggers.py [--quick] [--overhead-only] [--defaults-only]   (needs root; run from the repo root)
  --defaults-only: only the pipe slowdown of all four triggers at their defaults, 31 rounds.
  --overhead-only: part (b) only. Through the runner:
  bench/run.py bench_triggers --overhead-only
"""

import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
CORETRAP = os.path.join(ROOT, "coretrap")
TARGETS = os.path.join(ROOT, "build", "targets")
QUICK = "--quick" in sys.argv
OVERHEAD_ONLY = "--overhead-only" in sys.argv
CPU_SPIKES_ONLY = "--cpu-spikes-only" in sys.argv
DEFAULTS_ONLY = "--defaults-only" in sys.argv  # (b) pipe: none / -m / all defaults, 31 rounds  # part (a) CPU only, reduced: 50/100/200 ms x 3
REPS = 3 if QUICK or CPU_SPIKES_ONLY else 5
IDLE_S = 10 if QUICK else 20
CPU_SPIKES_MS = [50, 100, 200] if CPU_SPIKES_ONLY else [50, 100, 200, 500]
CPU_ACCTS = ["sample", "exact"]  # CORETRAP_CPU_ACCT flavours, run side by side
RSS_HOLDS_MS = [10, 50]
WINDOW_MS = 100
CPU_PCT = 30
RSS_MB, RSS_THRESHOLD_MB = 80, 50
HZ = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def mono_ns():
    return time.monotonic_ns()


class Lines:
    """Reads a pipe on a thread; every line is kept with its arrival time."""

    def __init__(self, stream):
        self.items = []
        self.cv = threading.Condition()
        self.t = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self.t.start()

    def _run(self, stream):
        for raw in iter(stream.readline, b""):
            with self.cv:
                self.items.append((mono_ns(), raw.decode(errors="replace").rstrip("\n")))
                self.cv.notify_all()

    def wait(self, pred, timeout, start_index=0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while True:
                for i in range(start_index, len(self.items)):
                    if pred(self.items[i][1]):
                        return i, self.items[i]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, None
                self.cv.wait(left)


class Target:
    def __init__(self, name, *args, **kw):
        self.p = subprocess.Popen([os.path.join(TARGETS, name), *map(str, args)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, **kw)
        self.out = Lines(self.p.stdout)
        _, (_, line) = self.out.wait(lambda l: l.startswith("ready"), 10)
        self.pid = int(line.split()[1])

    def burst(self, cmd, timeout=10):
        n0 = len(self.out.items)
        self.p.stdin.write((cmd + "\n").encode())
        self.p.stdin.flush()
        _, (_, s) = self.out.wait(lambda l: l.startswith("start"), timeout, n0)
        _, (_, d) = self.out.wait(lambda l: l.startswith("done"), timeout, n0)
        peak = self.out.wait(lambda l: l.startswith("peak"), 0, n0)[1]
        return int(s.split()[1]), int(d.split()[1]), int(peak[1].split()[1]) if peak else None

    def stop(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


class Poller:
    """The /proc delta poller ProcDump-style tools use, done right: CPU% over
    the last interval = delta(utime+stime)/delta(wall); RSS from /proc/PID/stat."""

    def __init__(self, pid, interval_ms, cpu_pct=None, rss_mb=None):
        self.pid, self.interval = pid, interval_ms / 1000
        self.cpu_pct, self.rss_pages = cpu_pct, (rss_mb << 20) // PAGE if rss_mb else None
        self.hits = []
        self.stop_ev = threading.Event()
        self.t = threading.Thread(target=self._run, daemon=True)
        self.t.start()

    def _stat(self):
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12]), int(fields[21])  # utime+stime, rss

    def _run(self):
        last_cpu, _ = self._stat()
        last_t = mono_ns()
        while not self.stop_ev.wait(self.interval):
            try:
                cpu, rss = self._stat()
            except OSError:
                return
            now = mono_ns()
            pct = (cpu - last_cpu) / HZ / ((now - last_t) / 1e9) * 100
            if (self.cpu_pct is not None and pct >= self.cpu_pct) or \
               (self.rss_pages is not None and rss >= self.rss_pages):
                self.hits.append(now)
            last_cpu, last_t = cpu, now

    def stop(self):
        self.stop_ev.set()
        self.t.join()


class Coretrap:
    def __init__(self, outdir, *args, env=None):
        self.p = subprocess.Popen([CORETRAP, "-json", *map(str, args), outdir], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env)
        self.out = Lines(self.p.stdout)
        idx, _ = self.out.wait(lambda l: '"event":"start"' in l or '"event": "start"' in l, 15)
        if idx is None:
            raise RuntimeError("coretrap did not start")

    def triggers(self):
        out = []
        for t, line in list(self.out.items):
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            if ev.get("event") == "trigger":
                out.append(t)
        return out

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def first_after(times, start, end):
    hits = [t for t in times if start <= t <= end]
    return min(hits) if hits else None


def summarise(spikes, detectors, grace_ns):
    """spikes: list of (start, done, peak); detectors: name -> list of hit times."""
    rows = {}
    for name, hits in detectors.items():
        lat = []
        for s, d, _ in spikes:
            h = first_after(hits, s, d + grace_ns)
            if h is not None:
                lat.append((h - s) / 1e6)
        rows[name] = (len(lat), len(spikes), statistics.median(lat) if lat else None,
                      max(lat) if lat else None)
    return rows


def fmt_row(label, name, row):
    caught, total, med, mx = row
    m = f"{med:8.1f}" if med is not None else "     n/a"
    x = f"{mx:8.1f}" if mx is not None else "     n/a"
    return f"| {label:<14} | {name:<22} | {caught:>2}/{total:<2} | {m} | {x} |"


def bench_cpu(outdir):
    print(f"\n(a) CPU spikes, threshold {CPU_PCT}% of one core over a {WINDOW_MS} ms sliding window "
          f"(coretrap -c {CPU_PCT} -pf {WINDOW_MS}); {REPS} spikes per size")
    print("| spike          | detector               | caught | median ms | max ms |")
    print("|----------------|------------------------|-------|----------|--------|")
    results = {}
    for ms in CPU_SPIKES_MS:
        t = Target("cpuburst", ms)
        cts = {a: Coretrap(outdir, "-c", CPU_PCT, "-pf", WINDOW_MS, "-n", 100, "-s", 1, t.pid,
                           env=dict(os.environ, CORETRAP_CPU_ACCT=a)) for a in CPU_ACCTS}
        polls = {f"/proc poller {iv} ms": Poller(t.pid, iv, cpu_pct=CPU_PCT) for iv in (1000, 100)}
        spikes = []
        time.sleep(0.5)
        for _ in range(REPS):
            spikes.append(t.burst(f"go {ms}"))
            time.sleep(1.3)  # window drains, 1 s cool-down ends, 1000 ms poller sees a quiet interval
        time.sleep(1.0)
        for ct in cts.values():
            ct.stop()
        for p in polls.values():
            p.stop()
        t.stop()
        det = {**{f"coretrap ({a})": ct.triggers() for a, ct in cts.items()},
               **{k: p.hits for k, p in polls.items()}}
        rows = summarise(spikes, det, grace_ns=(WINDOW_MS + 1100) * 1000000)
        for name, row in rows.items():
            print(fmt_row(f"{ms} ms", name, row))
        results[ms] = rows
        for f in os.listdir(outdir):
            os.unlink(os.path.join(outdir, f))
    return results


def bench_rss(outdir):
    print(f"\n(a) RSS spikes of {RSS_MB} MB over -m {RSS_THRESHOLD_MB}; latency from the start of "
          f"the allocation (includes touching {RSS_THRESHOLD_MB} MB); {REPS} spikes per size")
    print("| spike          | detector               | caught | median ms | max ms |")
    print("|----------------|------------------------|-------|----------|--------|")
    for hold in RSS_HOLDS_MS:
        t = Target("rssspike", RSS_MB, hold)
        ct = Coretrap(outdir, "-m", RSS_THRESHOLD_MB, "-n", 100, "-s", 1, t.pid)
        polls = {f"/proc poller {iv} ms": Poller(t.pid, iv, rss_mb=RSS_THRESHOLD_MB) for iv in (1000, 100)}
        spikes, fills = [], []
        time.sleep(0.5)
        for _ in range(REPS):
            s, d, peak = t.burst(f"go {RSS_MB} {hold}")
            spikes.append((s, d, peak))
            fills.append((peak - s) / 1e6)
            time.sleep(1.2)
        time.sleep(0.5)
        ct.stop()
        for p in polls.values():
            p.stop()
        t.stop()
        det = {"coretrap": ct.triggers(), **{k: p.hits for k, p in polls.items()}}
        rows = summarise(spikes, det, grace_ns=200 * 1000000)
        for name, row in rows.items():
            print(fmt_row(f"held {hold} ms", name, row))
        print(f"|                | (time to touch {RSS_MB} MB: median {statistics.median(fills):.1f} ms) | | | |")
        for f in os.listdir(outdir):
            os.unlink(os.path.join(outdir, f))


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def bench_idle(outdir):
    print(f"\n(b) coretrap's own CPU time while waiting, {IDLE_S} s, triggers -c 90 -m 1000 -tc 1000 -fc 1000")
    print("| targets | coretrap CPU s | % of one core |")
    print("|---------|----------------|---------------|")
    for n in (1, 100):
        lead = subprocess.Popen([os.path.join(TARGETS, "idle")], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, process_group=0)
        pgid = lead.pid
        others = [subprocess.Popen([os.path.join(TARGETS, "idle")], stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, process_group=pgid) for _ in range(n - 1)]
        time.sleep(0.5)
        ct = Coretrap(outdir, "-c", 90, "-m", 1000, "-tc", 1000, "-fc", 1000, "-pgid", pgid)
        time.sleep(1.0)
        t0, c0 = mono_ns(), cpu_ticks(ct.p.pid)
        time.sleep(IDLE_S)
        t1, c1 = mono_ns(), cpu_ticks(ct.p.pid)
        watched = sum(1 for _, l in ct.out.items if '"start"' in l)
        ct.stop()
        for p in [lead, *others]:
            p.kill()
            p.wait()
        secs = (c1 - c0) / HZ
        print(f"| {watched:>7} | {secs:14.3f} | {secs / ((t1 - t0) / 1e9) * 100:12.3f}% |")


PIPE_LOOPS = 50000
PIPE_ROUNDS = 7 if QUICK else 15
PIPE_CMD = ["taskset", "-c", "1", "perf", "bench", "sched", "pipe", "-l", str(PIPE_LOOPS)]
# The other extreme: syscalls and no context switches (getppid in a loop).
SYSCALL_CMD = ["taskset", "-c", "1", "perf", "bench", "syscall", "basic", "-l", "3000000"]
SYSCALL_ROUNDS = 7 if QUICK else 11


def usecs_per_op(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if "usecs/op" in line:
            return float(line.split()[0])
    raise RuntimeError(out)


def fd_hook_used(outdir, pid):
    """Which -fc flavour coretrap picks here (its -log stdout debug line)."""
    p = subprocess.Popen([CORETRAP, "-log", "stdout", "-fc", "1000", str(pid), outdir],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    hook = "?"
    for line in p.stdout:
        if "-fc hook" in line and "attached" in line:
            hook = line.rsplit("-fc hook", 1)[1].split(",")[0].strip()
        if "Press Ctrl-C" in line:
            break
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=20)
    return hook


def slowdown_table(outdir, tgt, cmd, rounds, configs):
    """Slowdown of a load per switch set. Rounds run every configuration
    once, in an order reversed every other round, so a noisy neighbour hits
    all of them alike; each configuration's slowdown is the median over
    rounds of (its time / the same round's time without coretrap), with the
    interquartile range of those ratios."""
    print("| programs attached                         | median usecs/op | slowdown (median of paired ratios) | IQR | best run vs best run |")
    print("|-------------------------------------------|-----------------|-------------------|-----------------|------|")
    configs = [("none", None, None)] + configs
    runs = {name: [] for name, _, _ in configs}
    for r in range(rounds):
        for name, args, env_extra in (configs if r % 2 == 0 else configs[::-1]):
            ct = None
            if args:
                env = dict(os.environ, **env_extra) if env_extra else None
                ct = Coretrap(outdir, *args, tgt.pid, env=env)
            runs[name].append(usecs_per_op(cmd))
            if ct:
                ct.stop()
    base = runs["none"]
    for name, _, _ in configs:
        ratios = [a / b for a, b in zip(runs[name], base)]
        q = statistics.quantiles(ratios, n=4)
        best = min(runs[name]) / min(base) - 1  # the least disturbed run of each: a noise-robust check
        print(f"| {name:<41} | {statistics.median(runs[name]):15.3f} | "
              f"{(statistics.median(ratios) - 1) * 100:+16.2f}% | {(q[0] - 1) * 100:+6.2f}..{(q[2] - 1) * 100:+6.2f}% | "
              f"{best * 100:+.2f}% |")


def bench_pipe(outdir):
    """(b) The slowdown of two loads with the programs attached: a
    context-switch-heavy one (what the target is set for) and a
    syscall-heavy one, where hooks on syscalls cost the most."""
    if not shutil.which("perf"):
        print("\n(b) perf not found: slowdown not measured")
        return
    tgt = Target("idle")
    hook = fd_hook_used(outdir, tgt.pid)
    print(f"\n(b) `{' '.join(PIPE_CMD)}` (pinned: both ends on CPU 1, so every op is two context "
          f"switches and four syscalls), usecs/op; {PIPE_ROUNDS} alternating rounds; -fc picked the "
          f"`{hook}` hook here")
    slowdown_table(outdir, tgt, PIPE_CMD, PIPE_ROUNDS, [
        ("-c (sample, default -pf 1000: 100 Hz)", ["-c", 90], {"CORETRAP_CPU_ACCT": "sample"}),
        ("-c -pf 100 (sample, 1 kHz)", ["-c", 90, "-pf", 100], {"CORETRAP_CPU_ACCT": "sample"}),
        ("-c (exact: sched_stat_runtime)", ["-c", 90], {"CORETRAP_CPU_ACCT": "exact"}),
        ("-m (rss_stat)", ["-m", 1000], None),
        ("-tc (fork, exit)", ["-tc", 1000], None),
        (f"-fc ({hook})", ["-fc", 1000], None),
        # The idle target's fd table (64 slots or more) can hold 50: armed, sched_switch attached.
        (f"-fc 50 ({hook}, armed)", ["-fc", 50], None),
        ("-fc (exact, CORETRAP_FD_HOOK=exact)", ["-fc", 1000], {"CORETRAP_FD_HOOK": "exact"}),
        ("-fc (raw sys_exit, forced)", ["-fc", 1000], {"CORETRAP_FD_HOOK": "sys_exit"}),
        ("all: -c -m -tc -fc (defaults)", ["-c", 90, "-m", 1000, "-tc", 1000, "-fc", 1000], None)])
    print(f"\n(b) `{' '.join(SYSCALL_CMD)}` (getppid in a loop: syscalls, no context switches), "
          f"usecs/op; {SYSCALL_ROUNDS} alternating rounds")
    slowdown_table(outdir, tgt, SYSCALL_CMD, SYSCALL_ROUNDS, [
        (f"-fc ({hook})", ["-fc", 1000], None),
        ("-fc (exact, CORETRAP_FD_HOOK=exact)", ["-fc", 1000], {"CORETRAP_FD_HOOK": "exact"}),
        ("all: -c -m -tc -fc (defaults)", ["-c", 90, "-m", 1000, "-tc", 1000, "-fc", 1000], None)])
    tgt.stop()


def bench_defaults(outdir):
    """The issue's check, with enough rounds to see through this machine's
    noise: all four triggers at their defaults against nothing, and -m as
    a control (rss_stat never fires in a pipe ping-pong: its row is noise)."""
    tgt = Target("idle")
    rounds = 31
    print(f"\n(b) `{' '.join(PIPE_CMD)}`, usecs/op; {rounds} alternating rounds")
    slowdown_table(outdir, tgt, PIPE_CMD, rounds, [
        ("-m (control: nothing runs in a pipe)", ["-m", 1000], None),
        ("all: -c -m -tc -fc (defaults)", ["-c", 90, "-m", 1000, "-tc", 1000, "-fc", 1000], None)])
    tgt.stop()


def main():
    if os.geteuid() != 0:
        print("bench_triggers: needs root for BPF; skipped")
        return 0
    print("# bench_triggers: BPF triggers vs /proc polling (noisy shared 2-core machine: "
          "figures vary run to run)")
    if shutil.which("procdump"):
        print("procdump found on PATH but not driven by this bench (its CPU figure is a lifetime average)")
    else:
        print("procdump: not on PATH, not compared")
    outdir = tempfile.mkdtemp(prefix="coretrap-bench-")
    try:
        if CPU_SPIKES_ONLY:
            print("--cpu-spikes-only: reduced CPU part of (a), nothing else")
            bench_cpu(outdir)
            return 0
        if DEFAULTS_ONLY:
            print("--defaults-only: the pipe slowdown of the default program set, more rounds")
            bench_defaults(outdir)
            return 0
        if OVERHEAD_ONLY:
            print("--overhead-only: part (a) not run")
        else:
            bench_cpu(outdir)
            bench_rss(outdir)
        bench_idle(outdir)
        bench_pipe(outdir)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
