# SPDX-License-Identifier: MIT
"""-daemon: fleet rules on one BPF program set. Two rules on three targets (one started later),
throttling by the window, a reload with a bad file, SIGTERM mid-dump, and what it refuses."""
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from coretest import CORETRAP, ROOT, RSSFILL, Target, wait_traced
from test_metrics import free_port, parse_exposition, scrape, value


class Daemon:
    """coretrap -daemon -json, its events read on a thread."""

    def __init__(self, config, *extra):
        self.proc = subprocess.Popen([CORETRAP, "-daemon", "-config", str(config), "-json", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            try:
                self.events.put(json.loads(line))
            except ValueError:
                self.events.put({"event": "unparsed", "message": line})

    def expect(self, timeout=30, **want):
        """The next event with every field of want (earlier ones are kept in seen)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                ev = self.events.get(timeout=max(0.05, deadline - time.time()))
            except queue.Empty:
                break
            self.seen.append(ev)
            if all(ev.get(k) == v for k, v in want.items()):
                return ev
        pytest.fail(f"no event {want} within {timeout} s; seen: {self.seen[-15:]}; "
                    f"rc={self.proc.poll()}")

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        time.sleep(0.2)  # let the pump take the last lines
        while not self.events.empty():
            self.seen.append(self.events.get())
        return rc


_started = []


@pytest.fixture(autouse=True)
def _no_target_outlives_its_test():
    """A failing assertion must not leave the targets of a test running."""
    yield
    while _started:
        _started.pop().kill()


def target_named(tmp_path, name, mb=4):
    """rssfill started as a binary called name (its comm), filling mb MiB."""
    exe = tmp_path / name
    if not exe.exists():
        shutil.copy(RSSFILL, exe)
    t = Target([str(exe), str(mb)])
    _started.append(t)
    return t


def assert_released(t):
    st = t.status()
    assert int(st["TracerPid"]) == 0
    assert st["State"].split()[0] not in ("T", "t")
    assert t.proc.poll() is None


def dumps_in(spool):
    """The dumps of a spool, without its hidden bookkeeping (.slots, .uploaded)."""
    return sorted(f for f in os.listdir(spool) if not f.startswith("."))


def rules_file(tmp_path, body, spool=None):
    spool = spool or tmp_path / "spool"
    path = tmp_path / "coretrap.yaml"
    path.write_text(f"spool: {spool}\nrules:\n{body}")
    return path, spool


def test_two_rules_three_targets_one_later_and_the_window(tmp_path):
    cfg, spool = rules_file(tmp_path, f"""\
  - name: by-name
    match: {{ name: fleet_a }}
    triggers: {{ m: 2 }}
  - name: by-exe
    match: {{ exe: {tmp_path}/fleet_b }}
    triggers: {{ m: 2 }}
    limits: {{ dumps: 1, window: 600 }}
""")
    a = target_named(tmp_path, "fleet_a")
    b1 = target_named(tmp_path, "fleet_b")
    other = target_named(tmp_path, "fleet_c")  # matched by no rule
    d = Daemon(cfg)
    b2 = None
    try:
        starts = {}
        for _ in range(2):
            ev = d.expect(event="start")
            starts[ev["pid"]] = ev["rule"]
        assert starts == {a.pid: "by-name", b1.pid: "by-exe"}
        dumps = {}
        for _ in range(2):
            ev = d.expect(event="dump")
            dumps[ev["pid"]] = ev["path"]
        assert set(dumps) == {a.pid, b1.pid}
        for path in dumps.values():
            assert os.path.dirname(path) == str(spool) and os.path.getsize(path) > 0
        # started after the daemon: found at its exec, then held back by the rule's window
        b2 = target_named(tmp_path, "fleet_b")
        ev = d.expect(event="start", pid=b2.pid)
        assert ev["rule"] == "by-exe"
        ev = d.expect(event="throttled", pid=b2.pid)
        assert ev["rule"] == "by-exe" and ev["trigger"] == "commit"
        assert "dumps per window" in ev["message"]
        assert d.stop() == 0
        assert not [e for e in d.seen if e.get("pid") == other.pid]
        assert dumps_in(spool) == sorted(os.path.basename(p) for p in dumps.values())
        for t in (a, b1, b2, other):
            assert_released(t)
    finally:
        d.stop()
        for t in (a, b1, other, b2):
            if t:
                t.kill()


class Cgroup2:
    """A cgroup v2 hierarchy mounted for the test (this host's own is v1), with groups named like a
    container runtime's scope and a systemd unit's; processes are moved in and back out."""

    def __init__(self, tmp_path):
        self.root = tmp_path / "cg2"
        self.root.mkdir()
        r = subprocess.run(["mount", "-t", "cgroup2", "none", str(self.root)], capture_output=True, text=True)
        assert r.returncode == 0, f"cannot mount a cgroup2 hierarchy: {r.stderr}"
        self.made = []

    def group(self, path):
        g = self.root / path.strip("/")
        g.mkdir(parents=True)
        self.made.append(g)
        return g

    def move(self, group, pid):
        (group / "cgroup.procs").write_text(str(pid))

    def close(self):
        for g in reversed(self.made):
            for pid in (g / "cgroup.procs").read_text().split():
                (self.root / "cgroup.procs").write_text(pid)
        for g in reversed(self.made):
            while g != self.root:
                try:
                    g.rmdir()
                except OSError:
                    break
                g = g.parent
        subprocess.run(["umount", str(self.root)], check=True)


def test_match_by_container_id_and_by_systemd_unit(tmp_path):
    cid = "4f1755f0c81be5fd686a28b6579b9c0ffee0123456789abcdef0123456789ab"
    cfg, spool = rules_file(tmp_path, f"""\
  - name: by-container
    match: {{ container: {cid[:12]} }}
    triggers: {{ m: 2 }}
  - name: by-unit
    match: {{ unit: ct-api.service }}
    triggers: {{ m: 2 }}
""")
    cg = Cgroup2(tmp_path)
    targets = []
    d = None
    try:
        in_container = target_named(tmp_path, "fleet_ctr")
        in_unit = target_named(tmp_path, "fleet_unit")
        elsewhere = target_named(tmp_path, "fleet_else")
        targets += [in_container, in_unit, elsewhere]
        cg.move(cg.group(f"kubepods.slice/cri-containerd-{cid}.scope"), in_container.pid)
        cg.move(cg.group("system.slice/ct-api.service"), in_unit.pid)
        cg.move(cg.group("system.slice/ct-api.service2"), elsewhere.pid)  # a longer name is not the unit
        d = Daemon(cfg)
        rules = {}
        for _ in range(2):
            ev = d.expect(event="dump")
            rules[ev["pid"]] = ev["rule"]
        assert rules == {in_container.pid: "by-container", in_unit.pid: "by-unit"}
        assert d.stop() == 0
        assert not [e for e in d.seen if e.get("pid") == elsewhere.pid]
    finally:
        if d:
            d.stop()
        for t in targets:
            t.kill()
        cg.close()


def test_a_bad_reload_keeps_the_old_rules(tmp_path):
    cfg, spool = rules_file(tmp_path, """\
  - name: first
    match: { name: fleet_r1 }
    triggers: { m: 2 }
""")
    d = Daemon(cfg)
    try:
        d.expect(event="rules", message=f"coretrap daemon: 1 rule(s) from {cfg} (1 file(s)), dumps to {spool}")
        cfg.write_text("rules:\n  - name: first\n    match: { name: fleet_r1 }\n    triggers: { c: 200000 }\n")
        d.proc.send_signal(signal.SIGHUP)
        ev = d.expect(event="error")
        assert ev["message"] == ("reload refused, the old rules keep running: "
                                 f"{cfg}:4:17: rule 'first': -c must be between 0 and 100000, got 200000")
        t = target_named(tmp_path, "fleet_r1")  # the old rule still dumps it
        d.expect(event="dump", pid=t.pid)
        # a good file is taken: a new rule for a new name
        cfg.write_text(f"spool: {spool}\nrules:\n  - name: second\n    match: {{ name: fleet_r2 }}\n"
                       "    triggers: { m: 2 }\n")
        d.proc.send_signal(signal.SIGHUP)
        d.expect(event="rules", message=f"coretrap daemon: 1 rule(s) from {cfg} (1 file(s)), dumps to {spool}")
        t2 = target_named(tmp_path, "fleet_r2")
        ev = d.expect(event="dump", pid=t2.pid)
        assert d.stop() == 0
        assert_released(t)
        assert_released(t2)
        t.kill()
        t2.kill()
    finally:
        d.stop()


def test_sigterm_mid_dump_leaves_no_file_and_no_stopped_target(tmp_path):
    cfg, spool = rules_file(tmp_path, """\
  - name: big
    match: { name: fleet_big }
    triggers: { m: 100 }
    action: { live: off }
""")
    for attempt in range(3):
        shutil.rmtree(spool, ignore_errors=True)
        t = target_named(tmp_path, "fleet_big", mb=768)
        d = Daemon(cfg)
        try:
            if not wait_traced(t, timeout=30):
                d.stop()
                continue  # the dump was over before we saw it: again
            assert d.stop() == 0
            assert os.listdir(spool) in ([], [".slots"])  # no dump, no hidden file being written
            assert_released(t)
            assert not [e for e in d.seen if e.get("event") == "dump"]
            return
        finally:
            d.stop()
            t.kill()
    pytest.fail("never saw the dump in progress")


def test_a_file_that_does_not_check_is_refused_at_start(tmp_path):
    cfg, _ = rules_file(tmp_path, "  - name: x\n    match: { name: y }\n    triggers: { tc: -3 }\n")
    r = subprocess.run([CORETRAP, "-daemon", "-config", str(cfg)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr == f"coretrap: {cfg}:5:17: rule 'x': -tc must be 0 or more, got -3\n"
    r = subprocess.run([CORETRAP, "-daemon", "-config", str(tmp_path / "none.yaml")], capture_output=True,
                       text=True, timeout=20)
    assert r.returncode == 1
    assert r.stderr == f"coretrap: cannot read {tmp_path}/none.yaml: No such file or directory\n"


class CueTarget:
    """A tests/targets program that prints 'ready PID' and reads cues on stdin, run as a binary called name."""

    def __init__(self, tmp_path, program, name, *args):
        exe = tmp_path / name
        shutil.copy(os.path.join(ROOT, "build", "targets", program), exe)
        self.proc = subprocess.Popen([str(exe), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        _started.append(self)
        self.pid = self.proc.pid
        assert self.proc.stdout.readline().startswith("ready")

    def tracer(self):
        with open(f"/proc/{self.pid}/status") as f:
            return int(re.search(r"^TracerPid:\s+(\d+)", f.read(), re.M).group(1))

    def wait_tracer(self, want_traced, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if (self.tracer() != 0) == want_traced:
                return
            time.sleep(0.05)
        pytest.fail(f"process {self.pid} {'never' if want_traced else 'still'} traced")

    def cue(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


def test_sig_and_crash_rules_run_as_one_shot_runs_under_the_rules_limits(tmp_path):
    """Rules that attach to a process get one coretrap run each, relayed with the rule's name: a crash
    started after the daemon is dumped before it dies; a handled signal is dumped until the rule's window
    is full, then the process is let go (no tracer) and its signals pass without dumps."""
    cfg, spool = rules_file(tmp_path, """\
  - name: crashes
    match: { name: fleet_segv }
    triggers: { crash: true }
  - name: usr1
    match: { name: fleet_usr1 }
    triggers: { sig: [SIGUSR1] }
    action: { n: 5, s: 0 }
    limits: { dumps: 2, window: 600 }
""")
    port = free_port()
    d = Daemon(cfg, "-metrics", f"127.0.0.1:{port}")
    targets = []
    try:
        d.expect(event="rules")
        usr1 = CueTarget(tmp_path, "usr1_handler", "fleet_usr1")
        targets.append(usr1)
        assert d.expect(event="start", pid=usr1.pid)["rule"] == "usr1"
        usr1.wait_tracer(True)
        paths = []
        for i in range(2):
            os.kill(usr1.pid, signal.SIGUSR1)
            ev = d.expect(event="dump", pid=usr1.pid)
            assert ev["rule"] == "usr1" and ev["trigger"] == "signal" and ev["index"] == i
            paths.append(ev["path"])
            assert usr1.proc.stdout.readline().strip() == f"usr1={i + 1} usr2=0"
        ev = d.expect(event="throttled", pid=usr1.pid)
        assert ev["message"] == (f"Rule usr1 holds back its next dump for 600 s: process {usr1.pid} is let go "
                                 "until then")
        usr1.wait_tracer(False)
        os.kill(usr1.pid, signal.SIGUSR1)  # passes untouched, no dump
        assert usr1.proc.stdout.readline().strip() == "usr1=3 usr2=0"
        # a crash of a process started later: dumped before the kernel ends it
        segv = CueTarget(tmp_path, "segv_in_func", "fleet_segv")
        targets.append(segv)
        assert d.expect(event="start", pid=segv.pid)["rule"] == "crashes"
        segv.wait_tracer(True)
        segv.cue("crash")
        ev = d.expect(event="dump", pid=segv.pid)
        assert ev["rule"] == "crashes" and ev["trigger"] == "signal"
        assert segv.proc.wait(timeout=30) == -signal.SIGSEGV
        paths.append(ev["path"])
        for p in paths:
            assert os.path.dirname(p) == str(spool) and os.path.getsize(p) > 0
        gdb = subprocess.run(["gdb", "-batch", "-ex", "bt", str(tmp_path / "fleet_segv"), paths[-1]],
                             capture_output=True, text=True)
        assert "crash_here" in gdb.stdout, gdb.stdout
        fams = parse_exposition(scrape(port))
        assert value(fams, "coretrap_dumps_total", rule="usr1", result="ok") == 2
        assert value(fams, "coretrap_dumps_total", rule="crashes", result="ok") == 1
        assert value(fams, "coretrap_throttled_total", rule="usr1") == 1
        assert d.stop() == 0
        assert dumps_in(spool) == sorted(os.path.basename(p) for p in paths)
        assert usr1.tracer() == 0 and usr1.proc.poll() is None
        assert not [e for e in d.seen if e.get("event") in ("error", "dump_failed")], d.seen
    finally:
        d.stop()
        for t in targets:
            t.kill()


def test_a_restrack_rule_writes_its_leak_report_into_the_spool(tmp_path):
    cfg, spool = rules_file(tmp_path, """\
  - name: leaks
    match: { name: fleet_leak }
    triggers: { sig: [SIGUSR1] }
    action: { restrack: nodump }
""")
    d = Daemon(cfg)
    t = None
    try:
        d.expect(event="rules")
        t = CueTarget(tmp_path, "restrack_leaker", "fleet_leak", "1000")
        d.expect(event="start", pid=t.pid)  # the probes are on and the signal trap holds it
        t.cue("go")
        assert t.proc.stdout.readline().strip() == "done"
        os.kill(t.pid, signal.SIGUSR1)
        ev = d.expect(event="restrack", pid=t.pid, timeout=60)
        assert ev["rule"] == "leaks" and os.path.dirname(ev["path"]) == str(spool)
        with open(ev["path"]) as f:
            report = f.read()
        assert "leak_blocks" in report, report[:2000]
        assert d.stop() == 0
        assert t.tracer() == 0 and t.proc.poll() is None
    finally:
        d.stop()
        if t:
            t.kill()


def test_sigterm_ends_the_one_shot_runs_and_releases_their_targets(tmp_path):
    cfg, spool = rules_file(tmp_path, """\
  - name: usr1
    match: { name: fleet_usr1b }
    triggers: { sig: [SIGUSR1] }
""")
    d = Daemon(cfg)
    t = None
    try:
        d.expect(event="rules")
        t = CueTarget(tmp_path, "usr1_handler", "fleet_usr1b")
        d.expect(event="start", pid=t.pid)
        t.wait_tracer(True)
        assert d.stop() == 0
        assert t.tracer() == 0 and t.proc.poll() is None
        ev = [e for e in d.seen if e.get("event") == "stop" and e.get("pid") == t.pid]
        assert ev and ev[0]["rule"] == "usr1"  # the run's own stop, relayed
        os.kill(t.pid, signal.SIGUSR1)  # its handler still runs as before
        assert t.proc.stdout.readline().strip() == "usr1=1 usr2=0"
        assert subprocess.run(["pgrep", "-f", "--", f"-json {t.pid} "], capture_output=True).returncode == 1
    finally:
        d.stop()
        if t:
            t.kill()


@pytest.mark.parametrize("args,msg", [
    (["-daemon", "1234"], "-daemon takes no target (the rules match processes)"),
    (["-daemon", "-c", "5"], "-daemon takes its triggers from the rules file"),
    (["-config", "/x.yaml", "1234"], "-config only applies to -daemon"),
])
def test_daemon_usage_errors(args, msg):
    r = subprocess.run([CORETRAP, *args], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr.startswith("coretrap: " + msg)


def test_no_rules_watches_nothing_until_a_reload(tmp_path):
    cfg = tmp_path / "coretrap.yaml"
    spool = tmp_path / "spool"
    cfg.write_text(f"spool: {spool}\nrules: []\n")
    d = Daemon(cfg)
    try:
        ev = d.expect(event="warning")
        assert ev["message"] == f"{cfg}: no rules: watching nothing until a reload brings some"
        d.expect(event="rules", message=f"coretrap daemon: 0 rule(s) from {cfg} (1 file(s)), dumps to {spool}")
        cfg.write_text(f"spool: {spool}\nrules:\n  - name: late\n    match: {{ name: fleet_late }}\n"
                       "    triggers: { m: 2 }\n")
        d.proc.send_signal(signal.SIGHUP)
        d.expect(event="reload")
        t = target_named(tmp_path, "fleet_late")
        d.expect(event="dump", pid=t.pid)
        assert d.stop() == 0
        t.kill()
    finally:
        d.stop()


# ---- storage caps and upload (the exec hook; see docs/fleet.md "Upload") ----

SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY"

HOOK = """#!/bin/sh
# A stand-in object store: the "bucket" is a directory, down while DOWN exists in it,
# hanging while HANG does. It says the secret on failure, as a careless client might.
bucket=$1
if [ -e "$bucket/HANG" ]; then sleep 601; fi
if [ -e "$bucket/DOWN" ]; then echo "PUT refused: connection refused (key $AWS_SECRET_ACCESS_KEY)" >&2; exit 7; fi
[ "$CORETRAP_DUMP_NAME" = "$(basename "$2")" ] || exit 9
cat > "$bucket/.part" && mv "$bucket/.part" "$bucket/$CORETRAP_DUMP_NAME"
echo "file://$bucket/$CORETRAP_DUMP_NAME"
"""


def hook_setup(tmp_path):
    hook = tmp_path / "hook.sh"
    hook.write_text(HOOK)
    hook.chmod(0o755)
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    env = tmp_path / "upload.env"
    env.write_text(f"AWS_SECRET_ACCESS_KEY={SECRET}\n")
    env.chmod(0o600)
    return hook, bucket, env


def all_text(d):
    return "\n".join(json.dumps(e) for e in d.seen) + d.proc.stderr.read()


def test_caps_with_a_small_spool_evict_uploaded_dumps_then_skip(tmp_path):
    hook, bucket, env = hook_setup(tmp_path)
    cfg, spool = rules_file(tmp_path, f"""\
  - name: capped
    match: {{ name: cap_t }}
    triggers: {{ m: 8 }}  # once the 8 MiB are filled: the estimate is the resident memory
storage: {{ max-use: 15M, keep-free: 0 }}
upload: {{ exec: {hook}, args: [{bucket}], env-file: {env}, backoff: 1, max-backoff: 1 }}
""")
    port = free_port()
    d = Daemon(cfg, "-metrics", f"127.0.0.1:{port}")
    targets = []
    try:
        ev = d.expect(event="storage")
        assert ev["message"] == (f"storage: max-use 15 MiB, keep-free none, max-dump none, max-concurrent 1; "
                                 f"upload: {hook}")
        # 1: a dump (about 9 MiB on disk), uploaded and kept, marked as uploaded
        targets.append(target_named(tmp_path, "cap_t", mb=8))
        first = d.expect(event="dump", pid=targets[-1].pid)["path"]
        d.expect(event="uploaded", path=first)
        assert (spool / ".uploaded" / os.path.basename(first)).exists()
        # 2: with the first one it would pass 15 MiB: the uploaded one is evicted, oldest first
        targets.append(target_named(tmp_path, "cap_t", mb=8))
        ev = d.expect(event="evicted")
        assert ev["path"] == first and ev["message"].startswith(f"Evicted uploaded dump {first} (")
        second = d.expect(event="dump", pid=targets[-1].pid)["path"]
        d.expect(event="uploaded", path=second)
        assert not os.path.exists(first) and (bucket / os.path.basename(first)).exists()
        # 3: the store goes down; the second (uploaded) is evicted for the third, which cannot be uploaded
        (bucket / "DOWN").touch()
        targets.append(target_named(tmp_path, "cap_t", mb=8))
        d.expect(event="evicted", path=second)
        third = d.expect(event="dump", pid=targets[-1].pid)["path"]
        d.expect(event="upload_failed", path=third)
        # 4: only a dump not uploaded yet is in the way: nothing may be evicted, the dump is skipped, loudly
        targets.append(target_named(tmp_path, "cap_t", mb=8))
        ev = d.expect(event="dump_skipped", pid=targets[-1].pid)
        assert ev["rule"] == "capped" and ev["trigger"] == "commit"
        assert re.fullmatch(rf"Dump of process {targets[-1].pid} \(cap_t\) on commit trigger skipped: it would "
                            r"need about \d+(\.\d)? MiB and the spool may grow by \d+(\.\d)? MiB \(max-use 15 MiB, "
                            r"no uploaded dump to evict\)", ev["message"]), ev["message"]
        assert dumps_in(spool) == [os.path.basename(third)]
        assert_released(targets[-1])
        # the store is back: the third is uploaded, nothing was lost
        (bucket / "DOWN").unlink()
        d.expect(event="uploaded", path=third, timeout=30)
        assert (bucket / os.path.basename(third)).read_bytes() == open(third, "rb").read()
        fams = parse_exposition(scrape(port))
        assert value(fams, "coretrap_dumps_total", rule="capped", result="ok") == 3
        assert value(fams, "coretrap_dumps_total", rule="capped", result="skipped") == 1
        assert value(fams, "coretrap_uploads_total", result="ok") == 3
        assert value(fams, "coretrap_uploads_total", result="failed") >= 1
        assert value(fams, "coretrap_spool_bytes") == sum(
            os.stat(spool / f).st_blocks * 512 for f in os.listdir(spool) if not f.startswith("."))
        assert d.stop() == 0
        assert SECRET not in all_text(d)
    finally:
        d.stop()
        for t in targets:
            t.kill()


def test_max_dump_skips_a_dump_too_big_for_the_spool(tmp_path):
    cfg, spool = rules_file(tmp_path, """\
  - name: big
    match: { name: cap_big }
    triggers: { m: 2 }
storage: { max-dump: 16M }
""")
    d = Daemon(cfg)
    t = target_named(tmp_path, "cap_big", mb=64)
    try:
        ev = d.expect(event="dump_skipped", pid=t.pid)
        assert re.fullmatch(rf"Dump of process {t.pid} \(cap_big\) on commit trigger skipped: it would need about "
                            r"\d+ MiB, over max-dump 16 MiB", ev["message"]), ev["message"]
        assert d.stop() == 0
        assert dumps_in(spool) == []
        assert_released(t)
        assert not [e for e in d.seen if e.get("event") == "dump"]
    finally:
        d.stop()
        t.kill()


def test_upload_retries_until_the_store_is_back_across_a_restart(tmp_path):
    """The store is down, then hangs past the hook's timeout; the daemon is stopped mid-upload and
    started again; once the store is back the dump is stored, removed from the spool (delete-after),
    and the credentials never appear in what the daemon said."""
    hook, bucket, env = hook_setup(tmp_path)
    cfg, spool = rules_file(tmp_path, f"""\
  - name: up
    match: {{ name: up_t }}
    triggers: {{ m: 2 }}
upload: {{ exec: {hook}, args: [{bucket}], env-file: {env}, backoff: 1, max-backoff: 2, timeout: 2,
          delete-after: true }}
""")
    (bucket / "DOWN").touch()
    t = target_named(tmp_path, "up_t", mb=4)
    d = Daemon(cfg)
    try:
        dump = d.expect(event="dump", pid=t.pid)["path"]
        fails = [d.expect(event="upload_failed", path=dump) for _ in range(3)]
        assert [e["index"] for e in fails] == [1, 2, 3]  # the attempt
        assert fails[0]["message"] == (f"Upload of dump {dump} failed (attempt 1): the hook exited with status 7: "
                                       "PUT refused: connection refused (key ***); trying again in 1 s")
        assert fails[2]["message"].endswith("trying again in 2 s")  # doubled, capped by max-backoff
        # the store hangs: the hook is ended at its timeout
        (bucket / "HANG").touch()
        deadline = time.time() + 20
        while time.time() < deadline:
            ev = d.expect(event="upload_failed", path=dump)
            if "timeout" in ev["message"]:
                break
        assert "the hook took longer than its timeout and was ended" in ev["message"]
        # stopped while a hook hangs: the daemon ends it and leaves at once; the dump stays queued
        time.sleep(0.5)
        t0 = time.time()
        assert d.stop() == 0
        assert time.time() - t0 < 5
        for leftover in (str(hook), "sleep 601"):  # the hook and its child: its whole group was ended
            assert subprocess.run(["pgrep", "-f", leftover], capture_output=True).returncode == 1, leftover
        assert os.path.exists(dump)
        assert SECRET not in all_text(d)
    finally:
        d.stop()
    # the store is back; a new daemon finds the dump in the spool and uploads it first
    (bucket / "HANG").unlink()
    (bucket / "DOWN").unlink()
    size = os.path.getsize(dump)
    d = Daemon(cfg)
    try:
        ev = d.expect(event="uploaded", path=dump)
        assert ev["message"].endswith(f" to file://{bucket}/{os.path.basename(dump)}; removed from the spool")
        assert not os.path.exists(dump)
        assert (bucket / os.path.basename(dump)).stat().st_size == size
        info = subprocess.run([CORETRAP, "-info", str(bucket / os.path.basename(dump))], capture_output=True,
                              text=True)
        assert info.returncode == 0, info.stderr
        assert d.stop() == 0
        assert SECRET not in all_text(d)
        assert_released(t)
    finally:
        d.stop()
        t.kill()


class WebDav:
    """A real object server on loopback: rclone serve webdav over a directory, with a password."""

    def __init__(self, root, port, password):
        self.root, self.port, self.password, self.proc = root, port, password, None

    def start(self):
        self.proc = subprocess.Popen(["rclone", "serve", "webdav", str(self.root), "--addr", f"127.0.0.1:{self.port}",
                                      "--user", "coretrap", "--pass", self.password],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail("rclone serve webdav did not listen")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


@pytest.mark.skipif(not shutil.which("rclone"), reason="rclone missing: run make deps")
def test_the_shipped_rclone_hook_retries_until_the_server_is_back(tmp_path):
    """packaging/hooks/upload-rclone and rclone itself against a WebDAV server on loopback
    (`rclone serve webdav`; no S3 server is packaged for Debian 12, and the hook reaches S3 the same
    way with an s3 remote). The server is down when the dump is written, then started: the dump
    arrives intact, the password never appears in what the daemon said."""
    hook = os.path.join(ROOT, "packaging", "hooks", "upload-rclone")
    served = tmp_path / "served"
    served.mkdir()
    password = "dav-" + SECRET
    obscured = subprocess.run(["rclone", "obscure", password], capture_output=True, text=True,
                              check=True).stdout.strip()
    port = free_port()
    env = tmp_path / "upload.env"
    env.write_text(f"RCLONE_CONFIG_DAV_TYPE=webdav\nRCLONE_CONFIG_DAV_URL=http://127.0.0.1:{port}\n"
                   f"RCLONE_CONFIG_DAV_USER=coretrap\nRCLONE_CONFIG_DAV_PASS={obscured}\n"
                   "RCLONE_RETRIES=1\nRCLONE_LOW_LEVEL_RETRIES=1\nRCLONE_CONTIMEOUT=2s\n")
    env.chmod(0o600)
    cfg, spool = rules_file(tmp_path, f"""\
  - name: rc
    match: {{ name: rc_t }}
    triggers: {{ m: 2 }}
upload: {{ exec: {hook}, args: ["dav:dumps"], env-file: {env}, backoff: 1, max-backoff: 2 }}
""")
    server = WebDav(served, port, password)
    t = target_named(tmp_path, "rc_t", mb=4)
    d = Daemon(cfg)
    try:
        dump = d.expect(event="dump", pid=t.pid)["path"]
        ev = d.expect(event="upload_failed", path=dump, timeout=60)
        assert ev["message"].startswith(f"Upload of dump {dump} failed (attempt 1): the hook exited with status ")
        server.start()
        ev = d.expect(event="uploaded", path=dump, timeout=60)
        stored = served / "dumps" / os.uname().nodename / os.path.basename(dump)
        assert ev["message"].endswith(f" to dav:dumps/{os.uname().nodename}/{os.path.basename(dump)}")
        assert stored.read_bytes() == open(dump, "rb").read()
        assert (spool / ".uploaded" / os.path.basename(dump)).exists()  # kept: no delete-after
        assert d.stop() == 0
        text = all_text(d)
        assert password not in text and obscured not in text
    finally:
        d.stop()
        server.stop()
        t.kill()


def test_upload_settings_are_checked_at_start(tmp_path):
    cfg = tmp_path / "coretrap.yaml"
    cfg.write_text(f"spool: {tmp_path}/s\nrules: []\nupload: {{ exec: {tmp_path}/nohook }}\n")
    r = subprocess.run([CORETRAP, "-daemon", "-config", str(cfg)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr == (f"coretrap: {cfg}:3:1: upload 'exec' {tmp_path}/nohook cannot be run: "
                        "No such file or directory\n")
    hook, _, env = hook_setup(tmp_path)
    env.write_text(f"GOOD=1\nAWS_SECRET_ACCESS_KEY {SECRET}\n")
    cfg.write_text(f"spool: {tmp_path}/s\nrules: []\nupload: {{ exec: {hook}, env-file: {env} }}\n")
    r = subprocess.run([CORETRAP, "-daemon", "-config", str(cfg)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr == f"coretrap: {env}:2: not a KEY=VALUE line (at most 32 of them)\n"
    assert SECRET not in r.stderr
