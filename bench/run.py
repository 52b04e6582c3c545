#!/usr/bin/env python3
"""make bench: run every bench/bench_*.py in turn, print their tables, and
append them to bench/RESULTS.md under the date and commit of this run.

Each bench script measures coretrap and its competitors side by side in one
run and prints a markdown table with figures and ratios; this runner only
collects. Figures are medians on a 2-core machine and are noisy: read the
ratios, not the last digit.
"""
import datetime
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def commit():
    try:
        out = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    # Words are script filters; options (--x) are passed on to every script.
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    passed = [a for a in sys.argv[1:] if a.startswith("--")]
    scripts = sorted(f for f in os.listdir(HERE)
                     if f.startswith("bench_") and f.endswith(".py"))
    if only:
        scripts = [s for s in scripts if any(o in s for o in only)]
    if not scripts:
        print("bench: no bench script matches " + " ".join(only), file=sys.stderr)
        return 2
    stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    sections = []
    failed = []
    for script in scripts:
        print(f"== {script}", flush=True)
        proc = subprocess.run([sys.executable, os.path.join(HERE, script), *passed],
                              cwd=ROOT, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)
        opts = f" ({' '.join(passed)})" if passed else ""
        body = proc.stdout.strip()
        if proc.returncode != 0:
            failed.append(script)
            # A failed script's partial table must not read as a result: say so, and why.
            why = (proc.stderr.strip().splitlines() or ["no message"])[-1]
            body = f"**FAILED** (exit {proc.returncode}): {why}\n\n{body}".rstrip()
        sections.append(f"### {script}{opts}\n\n{body}\n")
    with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
        f.write(f"\n## {stamp} — commit {commit()}\n\n")
        f.write("\n".join(sections))
    if failed:
        print("bench scripts that failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
