# SPDX-License-Identifier: MIT
"""-daemon: fleet rules on one BPF program set. Two rules on three targets (one started later),
throttling by the window, a reload with a bad file, SIGTERM mid-dump, and what it refuses."""
import json
import os
import queue
import shutil
import signal
import subprocess
import threading
import time

import pytest

from coretest import CORETRAP, RSSFILL, Target, wait_traced


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


def target_named(tmp_path, name, mb=4):
    """rssfill started as a binary called name (its comm), filling mb MiB."""
    exe = tmp_path / name
    if not exe.exists():
        shutil.copy(RSSFILL, exe)
    return Target([str(exe), str(mb)])


def assert_released(t):
    st = t.status()
    assert int(st["TracerPid"]) == 0
    assert st["State"].split()[0] not in ("T", "t")
    assert t.proc.poll() is None


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
        assert sorted(os.listdir(spool)) == sorted(os.path.basename(p) for p in dumps.values())
        for t in (a, b1, b2, other):
            assert_released(t)
        b2.kill()
    finally:
        d.stop()
        for t in (a, b1, other):
            t.kill()


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
            assert os.listdir(spool) == []
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


def test_rules_the_daemon_cannot_run_yet_are_refused(tmp_path):
    cfg, _ = rules_file(tmp_path, "  - name: crashes\n    match: { name: y }\n    triggers: { crash: true }\n")
    r = subprocess.run([CORETRAP, "-daemon", "-config", str(cfg)], capture_output=True, text=True, timeout=20)
    assert r.returncode == 2
    assert r.stderr == (f"coretrap: {cfg}:3:5: rule 'crashes': the daemon does not run sig/crash rules yet "
                        "(use the command line)\n")


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
