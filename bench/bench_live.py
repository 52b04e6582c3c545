#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Live dumps: what a dump costs a service that keeps working. coretrap live
(the default), coretrap stop-the-world (-live off) and gdb's gcore, side by
side in one run, on 256 MiB, 1 GiB and 4 GiB targets that keep writing
their memory.

Target: tests/targets/heartbeat MIB 16 — every page resident (THP where the
system gives it), a writer thread writing 16 pages per ms in a scrambled
order, and a heartbeat thread that wakes every 1 ms and records its longest
gap. For each tool, RUNS dumps after IDLE_S s of quiet each; per dump:
  stall      the heartbeat's longest gap during the dump (ms): how long the
             service stood still, whoever stopped it
  writes     pages the target wrote per ms during the dump, against its
             rate in the second before (1.00 = unhindered; writes missed
             while it was held up are lost, not made up)
  peak RSS   the tool's own maximum resident set (getrusage of the child)
  wall       the command, start to exit
  copied     (coretrap live) pages the fault handler copied before the
             target's first write to them, and MiB write-protected
  target RSS growth: VmRSS after the dump minus before (must stay ~0)
  steal      the share of the VM's CPU time the host took for itself while
             the dump ran (/proc/stat steal): how much the host interfered
  pace       (coretrap live) the freezes coretrap's own watchdog saw (a 1 ms
             sleep that woke 6 ms late or later: user/core/write_pace.h), the
             worst, and the slowest pace its writers were held to
  outside    the longest gap, over the same window, of a second heartbeat
             process that is not dumped and writes nothing (16 MiB, rate 0):
             when it stands still as long as the target, the whole VM
             stood still, not the target alone
A row "live unpaced" is the live dump with that pace turned off
(CORETRAP_LIVE_PACE=off), as coretrap wrote before it had one.
A row "nothing" waits as long as the last live dump took with no
dump at all: the heartbeat's longest gap there is the VM's own noise, the
floor under every stall figure. Before the first size, the bench writes
1 GiB with O_DIRECT into its directory and prints the rate: the disk every
dump writes to, as fast as it was in this run.
Medians are printed; the stall column also gives the worst run.
Run: /usr/bin/python3 bench/bench_live.py [MiB ...]
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
HEARTBEAT = os.path.join(ROOT, "build", "targets", "heartbeat")
WRITEFLOOR = os.path.join(ROOT, "build", "tests", "writefloor")
CORETRAP = os.path.join(ROOT, "coretrap")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
IDLE_S = float(os.environ.get("BENCH_IDLE_S", "3"))
RATE = 16  # pages per ms, as issue 13 asks


class Service:
    def __init__(self, mib, rate=RATE):
        self.p = subprocess.Popen([HEARTBEAT, str(mib), str(rate)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        if not self.p.stdout.readline().startswith("ready"):
            raise RuntimeError("heartbeat did not start")

    def ask(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        return self.p.stdout.readline().split()

    def stats(self):
        _, gap_us, pages, elapsed_us = self.ask("stats")
        return int(gap_us) / 1000.0, int(pages) / (int(elapsed_us) / 1000.0)

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def close(self):
        self.p.kill()
        self.p.wait()


def cpu_times():
    """The VM's cpu line of /proc/stat: (all ticks, ticks the host stole)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return sum(ticks), ticks[7]


def steal_share(before, after):
    total, stolen = after[0] - before[0], after[1] - before[1]
    return 100.0 * stolen / total if total > 0 else 0.0


def direct_write_rate(directory, mib=1024):
    """MB/s of mib MiB written with O_DIRECT in 8 MiB writes by one writer, as `dd oflag=direct`
    would (tests/tools/writefloor.c, bench_dump.py's write floor); None with writefloor's error
    when the filesystem refuses."""
    p = subprocess.run([WRITEFLOOR, directory, str(mib), "direct", "1"], capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "writefloor failed"
    return mib * (1 << 20) / 1e6 / json.loads(p.stdout)["wall"], None


def peak_rss_of(argv):
    """Run argv with stdin, stdout and stderr on /dev/null; its exit code and peak RSS in KiB (wait4's
    ru_maxrss of that child, which covers the children it waited for: gcore's gdb)."""
    pid = os.fork()
    if pid == 0:
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)  # gcore/gdb talk; coretrap's output goes to its own log (sh -c below)
            os.dup2(devnull, 2)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), ru.ru_maxrss


def one_dump(svc, tool, outdir, window_s=1.0, outside=None):
    """One dump of svc by tool (or, for "none", a window as long with no dump). outside: a second
    heartbeat, not dumped, whose longest gap over the same window goes in "outside"."""
    dest = tempfile.mkdtemp(prefix="live.", dir=outdir)
    svc.ask("reset")
    time.sleep(1.0)
    _, rate_before = svc.stats()
    rss0 = svc.rss_kib()
    svc.ask("reset")
    if outside:
        outside.ask("reset")
    logf = os.path.join(dest, "log")
    cpu0 = cpu_times()
    if tool == "none":
        # the same window with nothing dumping: what this VM's scheduling alone costs the heartbeat
        time.sleep(window_s)
        stall, rate_during = svc.stats()
        steal = steal_share(cpu0, cpu_times())
        shutil.rmtree(dest)
        return {"stall": stall, "writes": rate_during / max(rate_before, 1e-9), "rss": 0.0,
                "wall": window_s, "copied": None, "protected": None, "growth": (svc.rss_kib() - rss0) / 1024.0,
                "steal": steal, "outside": outside.stats()[0] if outside else None}
    if tool == "gcore":
        argv = ["/usr/bin/gcore", "-o", os.path.join(dest, "core"), str(svc.p.pid)]
    else:
        argv = ["/bin/sh", "-c", 'exec "$0" "$@" > %s 2>&1' % logf, CORETRAP, "-log", "stdout"] + \
               (["-live", "off"] if tool == "stopped" else []) + [str(svc.p.pid), dest]
    if tool == "unpaced":
        argv = ["/usr/bin/env", "CORETRAP_LIVE_PACE=off"] + argv
    t0 = time.monotonic()
    rc, maxrss = peak_rss_of(argv)
    wall = time.monotonic() - t0
    steal = steal_share(cpu0, cpu_times())
    stall, rate_during = svc.stats()
    outside_gap = outside.stats()[0] if outside else None
    rss1 = svc.rss_kib()
    log = open(logf).read() if os.path.exists(logf) else ""
    cores = [f for f in os.listdir(dest) if f != "log"]
    if rc != 0 or len(cores) != 1:
        raise RuntimeError("%s failed (rc %d): %s" % (tool, rc, log[-600:]))
    m = re.search(r"live: (\d+) MiB write-protected, (\d+) pages copied at their first write", log)
    pace = re.search(r"writes paced: (\d+) VM freezes \(worst ([\d.]+) ms\), slowest (\d+) MB/s", log)
    if tool in ("live", "unpaced") and not m:
        raise RuntimeError("coretrap did not dump live: " + log[-600:])
    shutil.rmtree(dest)
    return {"stall": stall, "writes": rate_during / max(rate_before, 1e-9), "rss": maxrss / 1024.0,
            "wall": wall, "copied": int(m.group(2)) if m else None,
            "protected": int(m.group(1)) if m else None, "growth": (rss1 - rss0) / 1024.0, "steal": steal,
            "outside": outside_gap, "freezes": int(pace.group(1)) if pace else None,
            "worst_freeze": float(pace.group(2)) if pace else None, "slowest": int(pace.group(3)) if pace else None}


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    sizes = [int(a) for a in sys.argv[1:] if not a.startswith("-")] or [256, 1024, 4096]
    for tool in (HEARTBEAT, CORETRAP, WRITEFLOOR, "/usr/bin/gcore"):
        if not os.access(tool, os.X_OK):
            sys.exit("bench_live: %s missing (make targets tools; gdb for gcore)" % tool)
    outdir = tempfile.mkdtemp(prefix="bench_live.", dir=os.environ.get("BENCH_DIR", "/tmp"))
    rows = []
    try:
        rate, why = direct_write_rate(outdir)
        disk = "%.0f MB/s" % rate if rate is not None else "not measured (%s)" % why
        for mib in sizes:
            svc = Service(mib)
            outside = Service(16, 0)
            try:
                res = {"live": [], "unpaced": [], "stopped": [], "gcore": [], "none": []}
                order = list(res)
                for i in range(RUNS):
                    for tool in order[i % len(order):] + order[:i % len(order)]:
                        time.sleep(IDLE_S)
                        # "none" waits as long as the last live dump took
                        window = res["live"][-1]["wall"] if res["live"] else 1.0
                        res[tool].append(one_dump(svc, tool, outdir, window, outside))
                rows.append((mib, res))
            finally:
                outside.close()
                svc.close()
    finally:
        shutil.rmtree(outdir, ignore_errors=True)

    print("\n### Live dumps: a target writing %d pages/ms, heartbeat every 1 ms (median of %d, %g s idle before each)\n"
          % (RATE, RUNS, IDLE_S))
    print("Disk under the dumps: %s for 1 GiB written with O_DIRECT before the first dump.\n" % disk)
    print("| RSS | tool | longest stall ms (worst) | writes during / before | tool peak RSS MiB | wall s "
          "| target RSS growth MiB | pages copied before a write (MiB protected) | host steal % "
          "| longest gap of a process outside ms | pace: freezes seen (worst ms), slowest MB/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    names = {"live": "coretrap live", "unpaced": "coretrap live unpaced", "stopped": "coretrap -live off",
             "gcore": "gcore", "none": "nothing (same window, no dump)"}
    for mib, res in rows:
        for tool in ("live", "unpaced", "stopped", "gcore", "none"):
            r = res[tool]
            copied = "%d (%d)" % (med(r, "copied"), med(r, "protected")) if tool in ("live", "unpaced") else "-"
            paced = [x for x in r if x.get("freezes") is not None]
            pace = "%d (%.1f), %d" % (med(paced, "freezes"), max(x["worst_freeze"] for x in paced),
                                      min(x["slowest"] for x in paced)) if paced else "-"
            print("| %d MiB | %s | %.1f (%.1f) | %.2f | %.1f | %.3f | %+.1f | %s | %.0f | %.1f | %s |" % (
                mib, names[tool], med(r, "stall"), max(x["stall"] for x in r), med(r, "writes"),
                med(r, "rss"), med(r, "wall"), med(r, "growth"), copied, med(r, "steal"), med(r, "outside"),
                pace))
    print("\n| RSS | stall live (target < 10 ms at 4 GiB, < 15 at 1 GiB) | stall with no dump | stall -live off "
          "| stall gcore | peak RSS live (target < 128 MiB) | wall live / wall -live off (target <= 1) "
          "| stall live unpaced | wall live unpaced / wall -live off |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for mib, res in rows:
        print("| %d MiB | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f MiB | %.2f | %.1f ms | %.2f |" % (
            mib, med(res["live"], "stall"), med(res["none"], "stall"), med(res["stopped"], "stall"),
            med(res["gcore"], "stall"), med(res["live"], "rss"),
            med(res["live"], "wall") / med(res["stopped"], "wall"), med(res["unpaced"], "stall"),
            med(res["unpaced"], "wall") / med(res["stopped"], "wall")))
    print("\n(2-core VM: the target's two threads and the tool share both cores. The heartbeat's gap "
          "includes this VM's own scheduling noise: the \"no dump\" column is the longest gap over a "
          "window as long as the live dump, measured in the same rotation. The last column is a second process "
          "that nobody dumps: a gap there as long as the target's is the whole VM standing still)")


if __name__ == "__main__":
    main()
