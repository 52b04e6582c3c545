# SPDX-License-Identifier: MIT
"""-restrack / -sr: leak reports from allocator uprobes. A target leaks known
blocks from named functions while churning many others (tests/targets/
restrack_leaker.c); coretrap reports on a trigger and each test reads the
.restrack file. Needs root (uprobes)."""

import json
import os
import re
import select
import shutil
import signal
import subprocess
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CORETRAP = os.environ.get("CORETRAP") or os.path.join(ROOT, "coretrap")
TARGETS = os.path.join(ROOT, "build", "targets")
LEAKER = os.path.join(TARGETS, "restrack_leaker")
HOST_LIBC = "/lib/x86_64-linux-gnu/libc.so.6"

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="uprobes need root (SKIPPED, not passed)")


class Proc:
    """A child whose output lines can be awaited with a timeout."""

    def __init__(self, argv, stdin=subprocess.PIPE, stderr=subprocess.STDOUT):
        self.p = subprocess.Popen([str(a) for a in argv], stdin=stdin, stdout=subprocess.PIPE, stderr=stderr,
                                  start_new_session=True)
        self.buf = b""
        self.lines = []

    @property
    def pid(self):
        return self.p.pid

    def _fill(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return False
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            return None
        self.buf += chunk
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.lines.append(line.decode(errors="replace"))
        return True

    def wait(self, pattern, timeout=30):
        """The match of the first line (seen so far or arriving in time) matching pattern."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for line in self.lines[seen:]:
                m = re.search(pattern, line)
                if m:
                    return m
            seen = len(self.lines)
            left = deadline - time.monotonic()
            if left <= 0 or self._fill(left) is None:
                raise AssertionError("no line %r in %r" % (pattern, self.lines[-30:]))

    def send(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def finish(self, timeout=60):
        rc = self.p.wait(timeout=timeout)
        while self._fill(0.1):
            pass
        return rc

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
        self.p.wait()


@pytest.fixture
def procs():
    started = []
    yield started
    for p in reversed(started):
        p.kill()


def start_leaker(procs, churn, argv_prefix=()):
    t = Proc(list(argv_prefix) + [LEAKER, churn], stderr=None)
    procs.append(t)
    pid = int(t.wait(r"^ready (\d+)$").group(1))
    return t, pid


def coretrap(procs, *args):
    ct = Proc([CORETRAP] + [str(a) for a in args], stdin=subprocess.DEVNULL)
    procs.append(ct)
    return ct


def wait_attached(ct, pid, timeout=30):
    """The debug line saying the probes are on (-log stdout): what they were read through."""
    return ct.wait(r"restrack: process %d: (\d+) entry and (\d+) return probes on (\S+) \(read through (\S+)\)"
                   % pid, timeout)


def parse_text_report(path):
    """[(blocks, bytes, [frame, ...])], in file order, and the head lines."""
    with open(path) as f:
        text = f.read()
    groups = []
    for block in text.split("\n\n")[1:]:
        lines = block.strip("\n").split("\n")
        m = re.match(r"#\d+ (\d+) blocks, (\d+) bytes, oldest ([\d.]+) s$", lines[0])
        assert m, block
        frames = [l.strip().split(" ")[0] for l in lines[1:]]
        groups.append((int(m.group(1)), int(m.group(2)), frames))
    return text.split("\n\n")[0], groups


def first_function(frames):
    return frames[0].split("+")[0] if frames else None


def by_function(groups, name):
    """Blocks and bytes of the groups whose innermost frame is in function `name`."""
    sel = [g for g in groups if first_function(g[2]) == name]
    return sum(g[0] for g in sel), sum(g[1] for g in sel)


def leak_at_signal(procs, tmp_path, churn, extra=(), prefix=()):
    """Attach with -sig 10 nodump, run the target's work, signal it: (report path, head, groups, coretrap)."""
    t, pid = start_leaker(procs, churn, prefix)
    ct = coretrap(procs, "-restrack", "nodump", "-sig", "10", "-log", "stdout", *extra, pid, str(tmp_path) + "/")
    attached = wait_attached(ct, pid)
    ct.wait(r"Starting monitor for process")   # the signal trap holds it: SIGUSR1 cannot come too early
    t.send("go")
    t.wait(r"^done$", timeout=600)
    os.kill(pid, signal.SIGUSR1)
    path = ct.wait(r"Leak report 1 generated: (\S+)", timeout=60).group(1)
    assert ct.finish() == 0, ct.lines[-20:]
    head, groups = parse_text_report(path)
    return path, head, groups, ct, t, pid, attached


def test_sr1_finds_the_leak_exactly_among_a_million_churned_blocks(tmp_path, procs):
    # 500000 pairs: 1,000,000 blocks allocated and freed around the leaks.
    path, head, groups, ct, t, pid, _ = leak_at_signal(procs, tmp_path, 500000)
    assert os.path.basename(path).startswith("restrack_leaker_signal_") and path.endswith(".%d.restrack" % pid)
    # nodump: the report alone, under the dump's name
    assert os.listdir(tmp_path) == [os.path.basename(path)]
    blocks, nbytes, frames = groups[0]
    assert first_function(frames) == "leak_blocks", groups[:3]
    assert 990 <= blocks <= 1010 and nbytes == blocks * 4096, groups[0]
    assert frames[1].startswith("work+"), frames
    # realloc: the new 8 KiB blocks are outstanding, the 64-byte ones they replaced are not
    assert by_function(groups, "grow_blocks") == (100, 100 * 8192)
    assert by_function(groups, "zeroed_blocks") == (50, 50 * 2048)           # calloc
    assert by_function(groups, "aligned_blocks") == (20, 20 * 1024)          # posix_memalign, aligned_alloc
    assert by_function(groups, "map_blocks") == (10, 10 * 65536)             # anonymous mmap
    assert by_function(groups, "churn") == (0, 0)                            # all freed
    m = re.search(r"counters: (\d+) allocations, (\d+) recorded, (\d+) freed, (\d+) lost \(map full\)", head)
    assert m, head
    allocs, recorded, freed, lost = map(int, m.groups())
    assert allocs >= 1001180 and recorded == allocs and freed >= 1000000 and lost == 0, head
    assert "sample rate 1 in 1\n" in head


def test_sr10_samples_about_one_in_ten(tmp_path, procs):
    path, head, groups, *_ = leak_at_signal(procs, tmp_path, 100000, extra=("-sr", "10"))
    blocks, nbytes, frames = groups[0]
    assert first_function(frames) == "leak_blocks", groups[:3]
    # 1000 leaked, one in ten recorded: 100 expected, sd about 9.5
    assert 40 <= blocks <= 250 and nbytes == blocks * 4096, groups[0]
    m = re.search(r"counters: (\d+) allocations, (\d+) recorded, (\d+) freed", head)
    allocs, recorded, freed = map(int, m.groups())
    assert allocs >= 201180 and allocs / 20 < recorded < allocs / 5, head
    # the churned blocks that were sampled were freed, and their removal seen
    assert by_function(groups, "churn")[0] <= 2
    assert "sample rate 1 in 10" in head


def test_timer_report_beside_the_dump_in_json(tmp_path, procs):
    t, pid = start_leaker(procs, 10000)
    ct = coretrap(procs, "-restrack", "-json", "-s", "4", pid, str(tmp_path) + "/")
    ct.wait(r'"event":"start"')
    t.send("go")
    t.wait(r"^done$", timeout=120)
    dump = json.loads(ct.wait(r'^\{.*"event":"dump".*').group(0))
    report = json.loads(ct.wait(r'^\{.*"event":"restrack".*').group(0))
    assert ct.finish() == 0
    assert report["path"] == dump["path"] + ".restrack" and report["trigger"] == "time"
    assert os.path.getsize(dump["path"]) > 0
    with open(report["path"]) as f:
        r = json.load(f)
    assert r["pid"] == pid and r["trigger"] == "time" and r["sample_rate"] == 1
    top = r["stacks"][0]
    assert top["frames"][0]["symbol"] == "leak_blocks" and top["blocks"] == 1000 and top["bytes"] == 4096000
    assert top["frames"][0]["module"] == LEAKER and top["oldest_s"] > 0
    assert set(r["counters"]) == {"allocations", "recorded", "freed", "map_full", "stack_lost", "calls_lost"}
    assert os.stat(report["path"]).st_mode & 0o777 == 0o600


def our_links(pid):
    """The uprobe and uretprobe BPF link ids that process pid holds (its fds' fdinfo)."""
    ids = set()
    fddir = "/proc/%d/fdinfo" % pid
    for fd in os.listdir(fddir):
        try:
            with open(os.path.join(fddir, fd)) as f:
                info = f.read()
        except OSError:
            continue
        m = re.search(r"^link_id:\s*(\d+)", info, re.M)
        if m and re.search(r"^event_type:\s*u(ret)?probe$", info, re.M):
            ids.add(int(m.group(1)))
    return ids


def link_exists(link_id):
    return subprocess.run(["bpftool", "link", "show", "id", str(link_id)], capture_output=True).returncode == 0


def malloc_bytes(pid, n=16):
    """The first bytes of malloc in pid's memory (its libc mapping) and in the libc file it maps."""
    with open("/proc/%d/maps" % pid) as f:
        maps = [l.split() for l in f if l.rstrip().endswith("libc.so.6")]
    path = "/proc/%d/map_files/%s" % (pid, maps[0][0])
    syms = subprocess.run(["readelf", "-W", "--dyn-syms", path], capture_output=True, text=True).stdout
    vaddr = next(int(l.split()[1], 16) for l in syms.splitlines() if re.search(r"\smalloc@@GLIBC", l))
    segs = subprocess.run(["readelf", "-W", "-l", path], capture_output=True, text=True).stdout
    for l in segs.splitlines():
        p = l.split()
        if p and p[0] == "LOAD":
            off, va, fsz = int(p[1], 16), int(p[2], 16), int(p[4], 16)
            if va <= vaddr < va + fsz:
                fileoff = vaddr - va + off
    for m in maps:
        start, end = (int(x, 16) for x in m[0].split("-"))
        moff = int(m[2], 16)
        if moff <= fileoff < moff + (end - start):
            addr = start + fileoff - moff
    with open("/proc/%d/mem" % pid, "rb") as f:
        f.seek(addr)
        live = f.read(n)
    with open(path, "rb") as f:
        f.seek(fileoff)
        disk = f.read(n)
    return live, disk


def test_w_follows_a_later_process_on_m_and_detaches_at_its_exit_and_ours(tmp_path, procs):
    ct = coretrap(procs, "-restrack", "nodump", "-w", "restrack_leaker", "-m", "60", "-n", "2", "-s", "60",
                  "-log", "stdout",
                  str(tmp_path) + "/")
    ct.wait(r"Waiting for process 'restrack_leaker' to launch")
    t, pid = start_leaker(procs, 10000)
    attached = wait_attached(ct, pid)
    links = our_links(ct.pid)
    # malloc calloc realloc free ...: every entry and return probe
    assert len(links) == int(attached.group(1)) + int(attached.group(2)) >= 12, (links, attached.group(0))
    live, disk = malloc_bytes(pid)
    assert live[0] == 0xCC and live[1:] == disk[1:]   # the uprobe's breakpoint is in the target
    t.send("go")
    t.wait(r"^done$", timeout=120)
    t.send("grow")
    path = ct.wait(r"Leak report 1 generated: (\S+)", timeout=60).group(1)
    assert "_commit_" in os.path.basename(path)
    _, groups = parse_text_report(path)
    # the 64 MiB that crossed -m 60 first, then the leak
    assert first_function(groups[0][2]) == "cue_grow_mb" and groups[0][:2] == (1, 64 << 20), groups[:2]
    assert first_function(groups[1][2]) == "leak_blocks" and groups[1][0] == 1000, groups[:2]
    # the target exits: its probes go, coretrap keeps waiting for the next match
    t.p.stdin.close()
    assert t.p.wait(timeout=30) == 0
    ct.wait(r"Target process %d is no longer alive" % pid, timeout=30)
    deadline = time.monotonic() + 10
    while our_links(ct.pid) & links and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not our_links(ct.pid) & links
    assert not any(link_exists(i) for i in links)
    ct.p.send_signal(signal.SIGINT)
    assert ct.finish() == 0


def test_sigterm_detaches_every_probe(tmp_path, procs):
    t, pid = start_leaker(procs, 1000)
    ct = coretrap(procs, "-restrack", "-n", "3", "-s", "60", "-log", "stdout", pid, str(tmp_path) + "/")
    wait_attached(ct, pid)
    links = our_links(ct.pid)
    assert len(links) >= 12
    assert malloc_bytes(pid)[0][0] == 0xCC
    ct.p.send_signal(signal.SIGTERM)
    assert ct.finish() == 0
    assert not any(link_exists(i) for i in links), links
    live, disk = malloc_bytes(pid)
    assert live == disk                      # the breakpoint is gone from the running target
    assert os.listdir(tmp_path) == []       # stopped before the first report: nothing written
    t.send("go")                            # and the target still runs normally
    t.wait(r"^done$", timeout=60)


def test_static_binary_is_refused_with_one_line(tmp_path, procs):
    t = Proc([os.path.join(TARGETS, "static_sleeper")], stderr=None)
    procs.append(t)
    pid = int(t.wait(r"^ready (\d+)$").group(1))
    ct = Proc([CORETRAP, "-restrack", "nodump", str(pid), str(tmp_path) + "/"], stdin=subprocess.DEVNULL,
              stderr=subprocess.PIPE)
    procs.append(ct)
    rc = ct.finish(timeout=30)
    err = ct.p.stderr.read().decode()
    assert rc == 1
    assert err == ("coretrap: process %d maps no shared C library (a static binary?): "
                   "-restrack follows libc's malloc\n" % pid), err
    assert os.listdir(tmp_path) == []


def test_libc_of_another_mount_namespace(tmp_path, procs):
    # The target runs with its own copy of libc bind-mounted over the host's
    # path in a private mount namespace: the same path names another file.
    copy = tmp_path / "libc.so.6"
    shutil.copy(HOST_LIBC, copy)
    os.chmod(copy, 0o755)
    prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c",
              'mount --bind "$0" %s && exec "$@"' % HOST_LIBC, str(copy)]
    out = tmp_path / "out"
    out.mkdir()
    path, head, groups, ct, t, pid, attached = leak_at_signal(procs, out, 20000, prefix=prefix)
    assert first_function(groups[0][2]) == "leak_blocks" and groups[0][0] == 1000, groups[:2]
    with open("/proc/%d/maps" % pid) as f:
        inodes = {int(l.split()[4]) for l in f if l.rstrip().endswith("libc.so.6")}
    assert inodes == {os.stat(copy).st_ino} and os.stat(HOST_LIBC).st_ino not in inodes
    assert attached.group(4).startswith("/proc/%d/map_files/" % pid)


def test_z_compresses_the_dump_and_leaves_the_report_plain(tmp_path, procs):
    """-z names the core NAME.PID.zst; the report is text and keeps NAME.PID.restrack."""
    t, pid = start_leaker(procs, 1000)
    ct = coretrap(procs, "-restrack", "-z", "zstd", "-sig", "10", "-log", "stdout", pid, str(tmp_path) + "/")
    wait_attached(ct, pid)
    ct.wait(r"Starting monitor for process")
    t.send("go")
    t.wait(r"^done$", timeout=120)
    os.kill(pid, signal.SIGUSR1)
    report = ct.wait(r"Leak report 1 generated: (\S+)", timeout=60).group(1)
    assert ct.finish() == 0, ct.lines[-20:]
    names = sorted(os.listdir(tmp_path))
    base = os.path.basename(report)[:-len(".restrack")]
    assert base.endswith(".%d" % pid) and names == sorted([base + ".restrack", base + ".zst"]), names
    with open(report) as f:
        assert f.readline().startswith("coretrap leak report: process restrack_leaker (%d)" % pid)


def test_z_with_nodump_writes_only_the_plain_report(tmp_path, procs):
    path, head, groups, *_ = leak_at_signal(procs, tmp_path, 1000, extra=("-z", "zstd"))
    assert os.listdir(tmp_path) == [os.path.basename(path)] and path.endswith(".restrack")
    assert not path.endswith(".zst.restrack")
    assert first_function(groups[0][2]) == "leak_blocks"
