# SPDX-License-Identifier: MIT
"""Helpers shared by tests/integration/test_dotnet.py and bench/bench_dotnet.py:
build the C# projects once (cached in build/dotnet/<name>), start MarkerApp,
read /proc figures, run the ClrMD checker."""
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
DOTNET_ENV = {
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
}
PROJECTS = {
    "MarkerApp": ROOT / "tests/targets/dotnet/MarkerApp",
    "ClrmdCheck": ROOT / "tests/dotnet/ClrmdCheck",
    "CounterApp": ROOT / "tests/targets/dotnet/CounterApp",
}
DUMP_TOOL = BUILD / "tests/dotnetdump"


def dotnet_available():
    return shutil.which("dotnet") is not None


def _newest_source(src: Path) -> float:
    return max(p.stat().st_mtime for p in src.rglob("*")
               if p.is_file() and "obj" not in p.parts and "bin" not in p.parts)


def build_project(name: str) -> Path:
    """dotnet build -c Release -o build/dotnet/NAME, skipped when up to date."""
    src = PROJECTS[name]
    out = BUILD / "dotnet" / name
    dll = out / f"{name}.dll"
    if dll.exists() and dll.stat().st_mtime >= _newest_source(src):
        return dll
    env = dict(os.environ, **DOTNET_ENV)
    r = subprocess.run(["dotnet", "build", "-c", "Release", "-o", str(out), str(src)],
                       env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"dotnet build {name} failed:\n{r.stdout[-4000:]}\n{r.stderr[-2000:]}")
    os.utime(dll)
    return dll


def proc_status(pid: int) -> dict:
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def rss_kib(pid: int) -> int:
    return int(proc_status(pid)["VmRSS"].split()[0])


class Target:
    """A running MarkerApp. prefix lets a test wrap it (unshare, setpriv)."""

    def __init__(self, tmp: Path, markers=12345, ballast_mib=0, env=None, prefix=(), timeout=60):
        self.log = tmp / f"markerapp-{time.monotonic_ns()}.out"
        self.markers = markers
        full_env = dict(os.environ, **DOTNET_ENV)
        full_env.update(env or {})
        cmd = list(prefix) + ["dotnet", str(BUILD / "dotnet/MarkerApp/MarkerApp.dll"),
                              str(markers), str(ballast_mib)]
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                                         stderr=subprocess.STDOUT, env=full_env,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            text = self.log.read_text()
            if "ready " in text:
                self.ns_pid = int(text.split("ready ", 1)[1].split()[0])
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"MarkerApp did not start:\n{text}")
            time.sleep(0.05)
        self.pid = self._host_pid()
        # the runtime leaves its socket and debug pipes behind when killed:
        # remember their names to remove them in kill()
        stat_line = Path(f"/proc/{self.pid}/stat").read_text()
        key = stat_line.rsplit(")", 1)[1].split()[19]
        tmp = (env or {}).get("TMPDIR") or os.environ.get("TMPDIR") or "/tmp"
        self.leftovers = [Path(tmp) / f"dotnet-diagnostic-{self.ns_pid}-{key}-socket",
                          Path(tmp) / f"clr-debug-pipe-{self.ns_pid}-{key}-in",
                          Path(tmp) / f"clr-debug-pipe-{self.ns_pid}-{key}-out"]

    def _host_pid(self) -> int:
        """The dotnet process: the Popen child itself, or its descendant
        when wrapped (unshare --fork)."""
        todo = [self.proc.pid]
        while todo:
            pid = todo.pop(0)
            try:
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                if comm == "dotnet":
                    return pid
                for task in Path(f"/proc/{pid}/task").iterdir():
                    kids = (task / "children").read_text().split()
                    todo.extend(int(k) for k in kids)
            except FileNotFoundError:
                continue
        raise RuntimeError("no dotnet process under the target")

    def output(self) -> str:
        return self.log.read_text()

    def alive(self) -> bool:
        try:
            state = proc_status(self.pid)["State"]
        except FileNotFoundError:
            return False
        return not state.startswith(("Z", "X"))

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for p in getattr(self, "leftovers", []):
            try:
                p.unlink()
            except OSError:
                pass


def dump_tool(args, env=None, timeout=600):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([str(DUMP_TOOL)] + [str(a) for a in args], capture_output=True,
                          text=True, env=full_env, timeout=timeout)


def clrmd_check(dump: Path, marker="CoretrapMarker") -> dict:
    env = dict(os.environ, **DOTNET_ENV)
    r = subprocess.run(["dotnet", str(BUILD / "dotnet/ClrmdCheck/ClrmdCheck.dll"), str(dump), marker],
                       capture_output=True, text=True, env=env, timeout=300)
    try:
        return json.loads(r.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        raise AssertionError(f"ClrmdCheck printed no JSON: {r.stdout!r} {r.stderr!r}")
