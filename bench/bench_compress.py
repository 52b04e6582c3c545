#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""
Compressed dumps (-z): what compression costs and saves, beside compressing
the uncompressed file afterwards with the standard tools, in one run.

Native: tests/targets/mixedfill 1024 — 1 GiB, in 64 KiB runs: half zero
pages (resident), a quarter log-like text, a quarter random bytes. Dumped by
build/tests/dumpcore (the core writer alone, which reports the stop) live
(the default) and with -live off, uncompressed and with -z gzip level 1,
zstd levels 1 and 3. Beside them, `gzip -1` and `zstd -1 -T0` run on the
uncompressed core, timed on their own and added to the uncompressed dump's
wall ("dump, then compress").
.NET: the runtime's heap dump of MarkerApp with a 200 MiB ballast, through
coretrap (-z compresses the runtime's file once it is complete), and the
same two tools on the uncompressed dump.

Per row: size (MiB), ratio (compressed / uncompressed core), wall (s, the
command start to exit), CPU (s, user + system of the command and its
threads, from wait4), stop (ms: the target stopped; for .NET the runtime's
own dump, during which createdump suspends it), and "after copy" (s: the
compressor's work left once the core was complete). Median of BENCH_RUNS
(default 3), each after BENCH_IDLE_S (default 3) s of quiet.
Run: /usr/bin/python3 bench/bench_compress.py [--native-only|--dotnet-only]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dotnet"))
import dotnet_support as ds  # noqa: E402

MIXEDFILL = ROOT / "build" / "targets" / "mixedfill"
DUMPCORE = ROOT / "build" / "tests" / "dumpcore"
CORETRAP = ROOT / "coretrap"
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
IDLE_S = float(os.environ.get("BENCH_IDLE_S", "3"))
MIB = 1024
CONFIGS = [("none", None, 0), ("gzip 1", "gzip", 1), ("zstd 1", "zstd", 1), ("zstd 3", "zstd", 3)]


def timed(argv, stdout=subprocess.DEVNULL, env=None):
    """Run argv; (exit code, wall s, CPU s of it and its threads/children, stdout text)."""
    out = tempfile.TemporaryFile(mode="w+")
    t0 = time.monotonic()
    p = subprocess.Popen([str(a) for a in argv], stdout=out if stdout is None else stdout,
                         stderr=subprocess.DEVNULL, env=dict(os.environ, **(env or {})))
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    out.seek(0)
    return p.returncode, wall, ru.ru_utime + ru.ru_stime, out.read()


def drop_file(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def native_dump(pid, dest, fmt, level, live):
    argv = [DUMPCORE, pid, dest] + (["--z", fmt, "--z-level", level] if fmt else []) + \
           ([] if live else ["--live", "off"])
    rc, wall, cpu, out = timed(argv, stdout=None)
    res = json.loads(out.strip().splitlines()[-1])
    if rc:
        raise RuntimeError("dumpcore failed: %s" % res.get("error"))
    size = res["compressed_bytes"] if fmt else res["allocated_bytes"]
    return {"size": size, "core": res["apparent_bytes"], "wall": wall, "cpu": cpu,
            "stop": res["stopped_ns"] / 1e6, "after": res["compress_tail_ns"] / 1e9}


def tool_rows(core, work, base_wall):
    """gzip -1 and zstd -1 -T0 on an uncompressed core: their own figures, and dump + tool wall."""
    rows = {}
    for name, argv, out in (("gzip -1", ["gzip", "-1", "-c", core], work / "t.gz"),
                            ("zstd -1 -T0", ["zstd", "-q", "-f", "-1", "-T0", core, "-o", work / "t.zst"],
                             work / "t.zst")):
        with open(work / "t.gz", "w") if name.startswith("gzip") else open(os.devnull, "w") as f:
            rc, wall, cpu, _ = timed(argv, stdout=f)
        if rc:
            raise RuntimeError("%s failed" % name)
        rows[name] = {"size": os.path.getsize(out), "wall": wall, "cpu": cpu, "total": base_wall + wall}
        drop_file(out)
    return rows


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def bench_native(work):
    p = subprocess.Popen([MIXEDFILL, str(MIB)], stdout=subprocess.PIPE, text=True)
    try:
        if not p.stdout.readline().startswith("ready"):
            raise RuntimeError("mixedfill did not start")
        res = {}
        for i in range(RUNS):
            for live in (True, False):
                for label, fmt, level in CONFIGS:
                    time.sleep(IDLE_S)
                    dest = work / ("core" + ({"gzip": ".gz", "zstd": ".zst"}.get(fmt, "")))
                    r = native_dump(p.pid, dest, fmt, level, live)
                    key = (live, label)
                    res.setdefault(key, []).append(r)
                    if not fmt and live:
                        for name, t in tool_rows(dest, work, r["wall"]).items():
                            res.setdefault((live, name), []).append(dict(t, core=r["core"], stop=r["stop"],
                                                                         after=t["wall"]))
                    drop_file(dest)
        return res
    finally:
        p.kill()
        p.wait()


DOTNET_LINE = re.compile(r"\.NET dump (\S+): (\d+) bytes \((\d+) allocated\).*?, ([\d.]+) ms")
DOTNET_Z = re.compile(r"\.NET dump \S+: \w+, (\d+) bytes of (\d+), compressed in ([\d.]+) ms")


def bench_dotnet(work):
    if not ds.dotnet_available():
        return None
    ds.build_project("MarkerApp")
    t = ds.Target(work, markers=12345, ballast_mib=200)
    res = {}
    try:
        for i in range(RUNS):
            for label, fmt, level in CONFIGS:
                time.sleep(IDLE_S)
                dest = work / ("d%d" % i)
                dest.mkdir()
                argv = [CORETRAP, "-log", "stdout"] + (["-z", fmt] if fmt else []) + [t.pid, dest]
                rc, wall, cpu, out = timed(argv, stdout=None, env={"CORETRAP_Z_LEVEL": str(level)})
                m = DOTNET_LINE.search(out)
                if rc or not m:
                    raise RuntimeError(".NET dump failed: " + out[-500:])
                z = DOTNET_Z.search(out)
                row = {"stop": float(m.group(4)), "wall": wall, "cpu": cpu, "core": int(m.group(2)),
                       "size": int(z.group(1)) if z else int(m.group(3)),
                       "after": float(z.group(3)) / 1e3 if z else 0.0}
                res.setdefault(label, []).append(row)
                if not fmt:
                    core = next(dest.iterdir())
                    for name, tr in tool_rows(core, work, wall).items():
                        res.setdefault(name, []).append(dict(tr, core=row["core"], stop=row["stop"],
                                                             after=tr["wall"]))
                shutil.rmtree(dest)
    finally:
        t.kill()
    return res


def print_rows(title, rows):
    print("\n### %s (median of %d, %g s idle before each)\n" % (title, RUNS, IDLE_S))
    print("| dump | size MiB | ratio | wall s | CPU s | stop ms | compressing after the copy s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, runs in rows:
        wall = med(runs, "wall")
        if "total" in runs[0]:
            label = "uncompressed dump, then `%s`" % label
            wall_txt = "%.2f (tool alone %.2f)" % (med(runs, "total"), wall)
        else:
            wall_txt = "%.2f" % wall
        print("| %s | %.1f | %.3f | %s | %.2f | %.1f | %.2f |" % (
            label, med(runs, "size") / 2**20, med(runs, "size") / med(runs, "core"), wall_txt,
            med(runs, "cpu"), med(runs, "stop"), med(runs, "after")))


def main():
    for tool in (MIXEDFILL, DUMPCORE, CORETRAP):
        if not os.access(tool, os.X_OK):
            sys.exit("bench_compress: %s missing (make all targets tools)" % tool)
    for tool in ("gzip", "zstd"):
        if not shutil.which(tool):
            sys.exit("bench_compress: %s missing (make deps)" % tool)
    work = Path(tempfile.mkdtemp(prefix="bench_compress.", dir=os.environ.get("BENCH_DIR", "/var/tmp")))
    try:
        if "--dotnet-only" not in sys.argv:
            res = bench_native(work)
            for live in (True, False):
                rows = [("-z " + l if l != "none" else "uncompressed", res[(live, l)]) for l, _f, _v in CONFIGS]
                if live:
                    rows += [(n, res[(live, n)]) for n in ("gzip -1", "zstd -1 -T0")]
                print_rows("Native core of a 1 GiB target (half zero pages, text, random), %s"
                           % ("live" if live else "-live off"), rows)
        if "--native-only" not in sys.argv:
            res = bench_dotnet(work)
            if res is None:
                print("\n(.NET part not run: no dotnet SDK)")
            else:
                rows = [("-z " + l if l != "none" else "uncompressed", res[l]) for l, _f, _v in CONFIGS]
                rows += [(n, res[n]) for n in ("gzip -1", "zstd -1 -T0")]
                print_rows(".NET heap dump (MarkerApp, 200 MiB ballast)", rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("\n(2-core VM; the compressor's workers take both cores once the target runs again. "
          "Sizes of uncompressed dumps are allocated bytes: they are sparse.)")


if __name__ == "__main__":
    main()
