# SPDX-License-Identifier: MIT
"""Live dumps (user/core/live*.c), driven through build/tests/dumpcore against
tests/targets/livewriter, which keeps writing its memory during the dump: the core must be of the
moment of the pause (checked page by page, and with gdb), the target must never hang, and every
path that cannot stay live must fall back to a stopped dump and say why."""
import errno
import json
import os
import pwd
import re
import signal
import struct
import subprocess
import time

import pytest

from coretest import BUILD, CORETRAP, CommandTarget, dump, gdb, start_dump, tmpfs

LIVEWRITER = os.path.join(BUILD, "targets", "livewriter")
PS = 4096
HOLD = "CORETRAP_LIVE_HOLD_MS"


class Writer(CommandTarget):
    """livewriter, as `user` when given."""

    def __init__(self, *args, user=None):
        kw = {}
        if user is not None:
            pw = pwd.getpwnam(user)
            kw = dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])
        super().__init__([LIVEWRITER] + list(args), **kw)

    def answer(self, prefix, timeout=10):
        return self.expect(re.escape(prefix) + ".*", timeout).group(0)

    def progress(self):
        self.send("progress")
        return int(self.answer("progress").split()[1])

    def protected(self):
        """Whether any mapping is still registered for userfaultfd write-protect (VmFlags uw)."""
        with open("/proc/%d/smaps" % self.pid) as f:
            return any(l.startswith("VmFlags:") and " uw" in l for l in f)


class Core:
    """The PT_LOAD segments of a core, to read the target's memory as the core has it."""

    def __init__(self, path):
        self.f = open(path, "rb")
        eh = self.f.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phnum, = struct.unpack_from("<H", eh, 56)
        self.f.seek(phoff)
        self.loads = []
        for _ in range(phnum):
            ptype, _fl, off, vaddr, _pa, filesz, memsz, _al = struct.unpack("<IIQQQQQQ", self.f.read(56))
            if ptype == 1:
                self.loads.append((vaddr, memsz, off, filesz))

    def word(self, addr):
        """The 8 bytes at addr, or None when no segment covers it."""
        for vaddr, memsz, off, filesz in self.loads:
            if vaddr <= addr < vaddr + memsz:
                if addr + 8 > vaddr + filesz:
                    return 0
                self.f.seek(off + addr - vaddr)
                return struct.unpack("<Q", self.f.read(8))[0]
        return None

    def bytes(self, addr, n):
        for vaddr, _memsz, off, filesz in self.loads:
            if vaddr <= addr and addr + n <= vaddr + filesz:
                self.f.seek(off + addr - vaddr)
                return self.f.read(n)
        return None


def gdb_value(out, name):
    m = re.search(r"^\$\d+ = (\d+)$", out.split("VALUE " + name, 1)[1], re.M)
    return int(m.group(1))


def check_point_in_time(core_path, info, may_be_gone=(), region="region"):
    """Every page of the region holds what the writer had written at one moment: the one its
    progress counter shows in the core. Returns that progress. may_be_gone: pages the target
    unmapped or discarded itself (absent or zero in the core). region: the info key of the
    region to check ("shmem", "huge": the copies --shmem and --hugetlb keep)."""
    out = gdb(LIVEWRITER, core_path, 'echo VALUE progress\\n', "p/d ctl->progress",
              'echo VALUE g_progress\\n', "p/d g_progress")
    n = gdb_value(out, "progress")
    # g_progress (.bss, copied in the pause) follows ctl->progress (protected) by at most a store
    assert gdb_value(out, "g_progress") in (n, n - 1), out
    core = Core(core_path)
    pages, k, region, base = info["pages"], info["perm_k"], info[region], info["base"]
    gen, at = divmod(n, pages)
    gen += base
    bad = []
    for j in range(pages):
        page = j * k % pages
        addr = region + page * PS
        first, last = core.word(addr), core.word(addr + PS - 8)
        if page in may_be_gone and (first is None or (first, last) == (0, 0)):
            continue
        want = gen if j < at else gen - 1
        if j == at:  # the write in progress at the pause, maybe half done
            ok = (first, last) in ((want, want), (gen, want), (gen, gen))
        else:
            ok = (first, last) == (want, want)
        if not ok:
            bad.append((j, page, first, last, want))
    assert not bad, "%d pages not of the pause (progress %d): %r" % (len(bad), n, bad[:5])
    return n


def start_live_dump(w, core, hold_ms, env=None):
    """A dump held hold_ms after its pause (the test hooks), and once the pause is over: the
    target then runs with its memory write-protected. (The protection is set once before the
    pause too, so "protected" alone does not tell the pause is over.)"""
    note = str(core) + ".live"
    d = start_dump(w.pid, core, env=dict(env or {}, **{HOLD: str(hold_ms), "CORETRAP_LIVE_HOLD_FILE": note}))
    deadline = time.time() + 20
    while not os.path.exists(note):
        assert time.time() < deadline and d.poll() is None, "the dump never reached its live phase"
        time.sleep(0.001)
    os.unlink(note)
    assert int(w.status()["TracerPid"]) == 0 and w.protected()
    return d


def assert_released(w):
    st = w.status()
    assert int(st["TracerPid"]) == 0
    assert st["State"].split()[0] not in ("T", "t")
    assert not w.protected()
    a = w.progress()
    time.sleep(0.05)
    assert w.progress() > a  # it writes on


def test_core_is_of_the_moment_of_the_pause(tmp_path):
    """The target writes 16 pages per ms during a dump held open 300 ms: the pages it writes are
    copied by the fault handler before each first write, the rest by the reader, all as of the
    pause."""
    with Writer("--mb", 64, "--rate", 16) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={HOLD: "300"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        assert res["live_fault_pages"] > 1000, res  # ~4800 page writes in 300 ms
        assert res["live_protected_bytes"] >= 64 << 20
        n = check_point_in_time(core, w.info)
        assert n > w.info["pages"]
        out = gdb(LIVEWRITER, core, "info threads", "thread apply all bt")
        assert "writer" in out and "main" in out
        assert_released(w)


POOL = "CORETRAP_LIVE_POOL_PAGES"


@pytest.mark.parametrize("case", ["scratch", "scratch budget", "buffered core"])
def test_copies_the_pool_cannot_hold(tmp_path, case):
    """A pool of 256 pages while the target writes ~4800 protected pages: the copies it cannot
    hold wait in a scratch file beside a direct core and go out inside their window's write;
    past the scratch budget, and for a core written through the page cache (tmpfs), they go to
    their place alone. Either way the core is of the pause, and nothing else is left behind."""
    env = {HOLD: "300", POOL: "256"}
    if case == "scratch budget":
        env["CORETRAP_LIVE_SCRATCH_PAGES"] = "50"
    with Writer("--mb", 64, "--rate", 16) as w, tmpfs(tmp_path / "shm", "256m") as shm:
        where = shm if case == "buffered core" else tmp_path / "disk"
        where.mkdir(exist_ok=True)
        core = where / "core"
        if case != "buffered core":
            env["CORETRAP_DIRECT_IO"] = "1"
        rc, res, err = dump(w.pid, core, env=env)
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        assert res["direct_io"] == (case != "buffered core"), res
        parked, placed = res["live_parked_pages"], res["live_placed_pages"]
        assert res["live_fault_pages"] > 1000, res
        if case == "scratch":
            # all but the pool's last 256, save the few that raced their window
            assert parked > 1000 and placed < 50, res
        elif case == "scratch budget":
            assert 0 < parked <= 50 and placed > 1000, res
        else:
            assert parked == 0 and placed > 1000, res
        check_point_in_time(core, w.info)
        assert os.listdir(where) == ["core"]  # the scratch file had no name, and is gone
        assert_released(w)


def test_a_writer_at_full_speed(tmp_path):
    """No pacing, no hold: the writer races the reader through the whole dump."""
    with Writer("--mb", 128, "--rate", 0) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core)
        assert rc == 0, err
        assert res["live"] == 1, res
        # the target does not wait for the copy: a small ring to overlap copy and write
        assert res["ring_wanted_bytes"] <= 32 << 20, res
        check_point_in_time(core, w.info)
        assert_released(w)


PACE = "CORETRAP_LIVE_PACE"
WRITE_PACE_SLOW_START = 300e6  # user/core/write_pace.h: where a cautious pace starts


def test_writes_slow_down_while_the_machine_stands_still(tmp_path):
    """A direct core's writers keep a pace their watchdog sets: stopping the whole dumper for
    80 ms (as a host that caps the VM's CPU stops every vCPU) is a freeze its 1 ms watchdog sees
    when it runs again; the pace is cut below where it started (it cannot have climbed while
    nothing was written), and the dump completes, of the
    pause, with the target released."""
    with Writer("--mb", 64, "--rate", 16) as w:
        core = tmp_path / "core"
        d = start_live_dump(w, core, 400, env={PACE: "cautious", "CORETRAP_DIRECT_IO": "1"})
        d.send_signal(signal.SIGSTOP)
        time.sleep(0.08)
        d.send_signal(signal.SIGCONT)
        out, err = d.communicate(timeout=120)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode == 0, err
        assert res["live"] == 1 and res["direct_io"] == 1, res
        assert res["live_paced"] == 1 and res["live_freezes"] >= 1, res
        assert res["live_worst_freeze_ns"] >= 60e6, res
        # held: nothing written, so the pace did not climb, and the freeze cut it
        assert 0 < res["live_slowest_pace"] < WRITE_PACE_SLOW_START, res
        check_point_in_time(core, w.info)
        assert_released(w)


@pytest.mark.parametrize("mode,direct,paced", [("off", "1", 0), ("eager", "1", 1), ("cautious", "0", 0)])
def test_pace_is_for_live_dumps_to_a_disk_unless_turned_off(tmp_path, mode, direct, paced):
    """Paced: a live dump written with direct I/O (the disk's emulation is what the host
    counts); not one through the page cache, nor with the pace off. An eager pace starts
    unlimited: never below it unless it met a freeze."""
    with Writer("--mb", 32, "--rate", 16) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={PACE: mode, "CORETRAP_DIRECT_IO": direct, HOLD: "100"})
        assert rc == 0, err
        assert res["live"] == 1 and res["direct_io"] == int(direct), res
        assert res["live_paced"] == paced, res
        if mode == "eager":
            assert (res["live_slowest_pace"] == 0) == (res["live_freezes"] == 0), res
        check_point_in_time(core, w.info)
        assert_released(w)


@pytest.mark.parametrize("mode,said", [
    ("cautious", r"; writes paced: \d+ VM freezes \(worst \d+\.\d ms\), slowest [1-9]\d* MB/s$"),
    ("off", r"pages copied at their first write$"),
])
def test_coretrap_debug_line_says_how_the_writes_were_paced(tmp_path, mode, said):
    """./coretrap's DEBUG line of a live dump to a disk ends with the pace: the freezes seen and
    the slowest pace (a cautious pace starts at 300 MB/s), nothing when the pace is off."""
    with Writer("--mb", 32, "--rate", 16) as w:
        env = dict(os.environ, CORETRAP_LIVE_PACE=mode, CORETRAP_DIRECT_IO="1")
        p = subprocess.run([CORETRAP, "-log", "stdout", str(w.pid), str(tmp_path)], capture_output=True,
                           text=True, timeout=300, env=env)
        assert p.returncode == 0, p.stdout + p.stderr
        debug = [l for l in p.stdout.splitlines() if "DEBUG" in l and "direct I/O" in l]
        assert len(debug) == 1 and re.search(said, debug[0]), p.stdout
        check_point_in_time(next(tmp_path.iterdir()), w.info)
        assert_released(w)


def test_live_off_stops_the_target_for_the_whole_copy(tmp_path):
    with Writer("--mb", 64, "--rate", 16) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, "--live", "off")
        assert rc == 0, err
        assert res["live"] == 0 and res["live_why"] == "" and res["live_fault_pages"] == 0, res
        check_point_in_time(core, w.info)
        assert_released(w)


def test_without_pagemap_scan_the_pause_protects_everything_itself(tmp_path):
    """Before 6.7 there is no PAGEMAP_SCAN: no protection ahead of the pause, which then
    write-protects every range itself. Still live, still of the moment of the pause."""
    with Writer("--mb", 64, "--rate", 16) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={HOLD: "300"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_two_phase"] == 1, res
        core2 = tmp_path / "core2"
        rc, res, err = dump(w.pid, core2, env={HOLD: "300", "CORETRAP_LIVE_NO_SCAN": "1"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_two_phase"] == 0 and res["live_why"] == "", res
        assert res["live_fault_pages"] > 1000 and res["live_protected_bytes"] >= 64 << 20, res
        check_point_in_time(core2, w.info)
        assert_released(w)


def test_kernel_without_write_protect_dumps_stopped_and_says_why(tmp_path):
    """Before 5.7 userfaultfd has no write-protect: a stop-the-world dump, and the reason."""
    with Writer("--mb", 16, "--rate", 16) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={"CORETRAP_LIVE_NO_WP": "1"})
        assert rc == 0, err
        assert res["live"] == 0 and res["live_fault_pages"] == 0, res
        assert res["live_why"] == "kernel without userfaultfd write-protect", res
        check_point_in_time(core, w.info)
        assert_released(w)


def test_kernel_write_into_a_protected_buffer_waits_and_gets_its_data(tmp_path):
    """read() into a write-protected page: the kernel's write faults, waits for the handler and
    completes; never EFAULT. The core keeps the buffer as it was at the pause."""
    with Writer("--mb", 16, "--rate", 16) as w:
        core = tmp_path / "core"
        d = start_live_dump(w, core, 3000)
        w.send("readbuf")
        time.sleep(0.1)
        w.send("hello")
        assert w.answer("readbuf", timeout=2) == "readbuf 6 0 hello"
        out, err = d.communicate(timeout=60)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode == 0, err
        assert res["live"] == 1
        assert Core(core).bytes(w.info["rbuf"], 8) == b"rrrrrrrr"
        check_point_in_time(core, w.info)
        assert_released(w)


def test_coretrap_killed_mid_dump_leaves_the_target_running_and_unprotected(tmp_path):
    """Our userfaultfd is the only one: its release on our death lifts every protection and
    wakes every waiting thread."""
    with Writer("--mb", 16, "--rate", 16) as w:
        d = start_live_dump(w, tmp_path / "core", 10000)
        w.send("readbuf")  # a kernel write waiting on a protected page when we die...
        time.sleep(0.2)
        d.send_signal(signal.SIGKILL)
        d.wait()
        w.send("after")
        assert w.answer("readbuf", timeout=2) == "readbuf 6 0 after"  # ...is served by the release
        assert_released(w)
        assert not os.listdir(tmp_path)


def test_sigint_mid_dump_abandons_it_and_lifts_the_protection(tmp_path):
    """Ctrl-C while the target runs protected: no file, every protection lifted, the waiting
    kernel write served."""
    with Writer("--mb", 16, "--rate", 16) as w:
        d = start_live_dump(w, tmp_path / "core", 10000)
        w.send("readbuf")
        time.sleep(0.1)
        d.send_signal(signal.SIGINT)
        out, _err = d.communicate(timeout=60)
        res = json.loads(out.strip().splitlines()[-1])
        assert res["rc"] == -errno.EINTR, res
        assert not os.listdir(tmp_path)
        w.send("after")
        assert w.answer("readbuf", timeout=2) == "readbuf 6 0 after"
        assert_released(w)


def test_disk_full_mid_dump_fails_it_and_releases_the_target(tmp_path):
    """The disk fills while the target runs protected and keeps writing (the fault handler's
    copies wait in its pool): the dump fails with ENOSPC, no core is left, every protection is
    lifted and a kernel write waiting on a protected page is served."""
    with tmpfs(tmp_path / "disk", "64m") as mnt:
        with Writer("--mb", 32, "--rate", 16) as w:
            d = start_live_dump(w, mnt / "core", 1500)
            subprocess.run(["dd", "if=/dev/zero", "of=%s" % (mnt / "filler"), "bs=1M"],
                           capture_output=True)
            w.send("readbuf")
            time.sleep(0.1)
            out, err = d.communicate(timeout=60)
            res = json.loads(out.strip().splitlines()[-1])
            assert d.returncode != 0 and res["rc"] == -errno.ENOSPC, out + err
            assert res["live_fault_pages"] > 0, res  # the handler was serving when the disk filled
            assert sorted(os.listdir(mnt)) == ["filler"]
            w.send("after")
            assert w.answer("readbuf", timeout=2) == "readbuf 6 0 after"
            assert_released(w)


@pytest.mark.parametrize("cmd", ["exit", "exec"])
def test_target_exiting_or_execing_mid_dump_fails_the_dump_cleanly(tmp_path, cmd):
    """After exit there is no memory left to copy; after exec the memory at the old addresses is
    another program's: no core either way, and the target goes on as it chose."""
    with Writer("--mb", 16, "--rate", 16) as w:
        d = start_live_dump(w, tmp_path / "core", 1000)
        w.send(cmd)
        out, _err = d.communicate(timeout=60)
        res = json.loads(out.strip().splitlines()[-1])
        assert res["rc"] == -errno.ESRCH, res
        assert not os.listdir(tmp_path)
        if cmd == "exit":
            assert w.proc.wait(timeout=5) == 0
        else:
            with open("/proc/%d/comm" % w.pid) as f:
                assert f.read().strip() == "sleep"
            assert int(w.status()["TracerPid"]) == 0


@pytest.mark.parametrize("cmd,what", [("dontneed", "discarded"), ("munmap", "unmapped"),
                                      ("mremap", "moved")])
def test_memory_taken_away_before_it_is_copied_restarts_the_dump_stopped(tmp_path, cmd, what):
    """madvise(DONTNEED), munmap or mremap of protected memory not copied yet would leave a core
    of no single moment: the live attempt is dropped, the dump is written stopped, and says why;
    the target's call completes."""
    with Writer("--mb", 16, "--rate", 16) as w:
        core = tmp_path / "core"
        first, count = 1000, 64
        d = start_live_dump(w, core, 1000)
        w.send("%s %d %d" % (cmd, first, count))
        assert w.answer(cmd, timeout=5) == "%s 0" % cmd
        out, err = d.communicate(timeout=60)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode == 0, err
        assert res["live"] == 0 and res["live_restarted"] == 1, res
        assert what in res["live_why"], res
        check_point_in_time(core, w.info, may_be_gone=set(range(first, first + count)))
        assert int(w.status()["TracerPid"]) == 0 and not w.protected()


def test_seccomp_target_is_dumped_stopped_and_says_why(tmp_path):
    """A seccomp filter could kill the target for our injected call: never tried."""
    with Writer("--mb", 16, "--rate", 16, "--seccomp") as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core)
        assert rc == 0, err
        assert res["live"] == 0 and "seccomp" in res["live_why"], res
        check_point_in_time(core, w.info)
        assert_released(w)


def test_range_with_the_targets_own_userfaultfd_is_copied_in_the_pause(tmp_path):
    """UFFDIO_REGISTER answers EBUSY for a range the target registered itself: that range is
    copied in the pause, the rest stays live."""
    with Writer("--mb", 16, "--rate", 16) as plain:
        rc, base, err = dump(plain.pid, tmp_path / "plain")
        assert rc == 0, err
    with Writer("--mb", 16, "--rate", 16, "--own-uffd") as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={HOLD: "200"})
        assert rc == 0, err
        assert res["live"] == 1, res
        assert res["live_copied_in_pause"] == base["live_copied_in_pause"] + 1, (res, base)
        assert Core(core).bytes(w.info["own"] + 12345, 16) == b"\x0e" * 16
        check_point_in_time(core, w.info)
        assert_released(w)


HUGE_MB = 32


@pytest.fixture
def hugepages():
    """HUGE_MB MiB of 2 MiB huge pages more in vm.nr_hugepages while the test runs."""
    path = "/proc/sys/vm/nr_hugepages"
    with open(path) as f:
        before = int(f.read())
    want = before + HUGE_MB // 2
    with open(path, "w") as f:
        f.write(str(want))
    try:
        with open(path) as f:
            got = int(f.read())
        assert got == want, "the kernel gave %d huge pages of %d" % (got, want)
        yield
    finally:
        with open(path, "w") as f:
            f.write(str(before))


def shared_and_huge_dump(tmp_path, env):
    """A plain writer's dump for comparison, then one of a writer with --shmem and --hugetlb
    regions, held 300 ms while it writes all three: each region is of the pause."""
    with Writer("--mb", HUGE_MB, "--rate", 16) as plain:
        rc, base, err = dump(plain.pid, tmp_path / "plain")
        assert rc == 0, err
    with Writer("--mb", HUGE_MB, "--rate", 16, "--shmem", "--hugetlb") as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env=dict(env, **{HOLD: "300"}))
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        n = check_point_in_time(core, w.info)
        assert n > w.info["pages"]
        assert w.progress() > n + 1000  # it wrote on during the 300 ms hold, 16 pages a ms
        for region in ("shmem", "huge"):
            assert check_point_in_time(core, w.info, region=region) == n
        assert_released(w)
    return base, res


def test_hugetlb_and_shmem_of_the_target_alone_are_write_protected(tmp_path, hugepages):
    """Private hugetlb memory goes the protect route (faults copy whole huge pages), and so does
    shared memory nobody else maps: nothing of either is copied in the pause."""
    base, res = shared_and_huge_dump(tmp_path, {})
    assert res["live_protected_bytes"] == base["live_protected_bytes"] + 2 * (HUGE_MB << 20), (res, base)
    assert res["live_copied_in_pause"] == base["live_copied_in_pause"], (res, base)
    # faults copy each huge page whole: 512 base pages a fault
    assert res["live_fault_pages"] > base["live_fault_pages"] + 512, (res, base)


def test_shared_hugetlb_of_the_target_alone_is_write_protected_by_huge_pages(tmp_path, hugepages):
    """MAP_SHARED|MAP_ANONYMOUS|MAP_HUGETLB memory nobody else maps, dumped by its
    coredump_filter bit: protected (not copied in the pause), each fault copies its huge page
    whole from the object, and the core has it as it was at the pause."""
    with Writer("--mb", HUGE_MB, "--rate", 16) as plain:
        rc, base, err = dump(plain.pid, tmp_path / "plain")
        assert rc == 0, err
    with Writer("--mb", HUGE_MB, "--rate", 16, "--hugetlb-shared") as w:
        core = tmp_path / "core"
        with open("/proc/%d/coredump_filter" % w.pid, "w") as f:
            f.write("0x73")  # the default leaves shared hugetlb out (bit 6)
        rc, res, err = dump(w.pid, core, env={HOLD: "300"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        assert res["live_protected_bytes"] == base["live_protected_bytes"] + (HUGE_MB << 20), (res, base)
        assert res["live_copied_in_pause"] == base["live_copied_in_pause"], (res, base)
        assert res["live_fault_pages"] > base["live_fault_pages"] + 512, (res, base)
        n = check_point_in_time(core, w.info)
        assert check_point_in_time(core, w.info, region="huge") == n
        assert_released(w)


def test_without_hugetlb_write_protect_hugetlb_is_copied_in_the_pause(tmp_path, hugepages):
    """The handshake without UFFD_FEATURE_WP_HUGETLBFS_SHMEM (the test hook, as on a kernel
    without it): the hugetlb and shared regions are copied in the pause, still of the pause."""
    base, res = shared_and_huge_dump(tmp_path, {"CORETRAP_LIVE_NO_WP_SHMEM": "1"})
    assert res["live_protected_bytes"] == base["live_protected_bytes"], (res, base)
    assert res["live_copied_in_pause"] == base["live_copied_in_pause"] + 2, (res, base)


def test_coretrap_debug_line_counts_hugetlb_as_write_protected(tmp_path, hugepages):
    """./coretrap -log stdout: the dump's DEBUG line counts the hugetlb and shared regions among
    the write-protected MiB, and without the feature (the test hook) it does not."""
    coretrap = CORETRAP
    mib = {}
    for name, env in (("wp", {}), ("nowp", {"CORETRAP_LIVE_NO_WP_SHMEM": "1"})):
        out = tmp_path / name
        out.mkdir()
        with Writer("--mb", HUGE_MB, "--rate", 16, "--shmem", "--hugetlb") as w:
            p = subprocess.run([coretrap, "-log", "stdout", str(w.pid), str(out)], capture_output=True,
                               text=True, timeout=300, env=dict(os.environ, **env))
            assert p.returncode == 0, p.stdout + p.stderr
            debug = [l for l in p.stdout.splitlines() if "DEBUG" in l]
            m = re.search(r"live: (\d+) MiB write-protected", debug[-1])
            assert m, debug
            mib[name] = int(m.group(1))
            core, = list(out.iterdir())
            n = check_point_in_time(core, w.info)
            assert check_point_in_time(core, w.info, region="huge") == n
            assert check_point_in_time(core, w.info, region="shmem") == n
            assert_released(w)
    assert mib["wp"] - mib["nowp"] == 2 * HUGE_MB, mib


def plain_dump(tmp_path, mb):
    """The figures of a writer with no shared memory, to compare with."""
    with Writer("--mb", mb, "--rate", 16) as plain:
        rc, base, err = dump(plain.pid, tmp_path / "plain")
        assert rc == 0, err
    return base


def fds_of_every_process_readable():
    """Whether coretrap (root) may look at every process's fds. This sandbox's init refuses
    even root (ptrace access), and a process we cannot look at may have been handed a memfd."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                os.readlink("/proc/%s/fd/%s" % (pid, fd))
        except PermissionError:
            return False
        except FileNotFoundError:
            pass
    return True


@pytest.mark.parametrize("args", [["--shmem"], ["--memfd"]])
def test_shared_memory_the_target_alone_holds_is_write_protected(tmp_path, args):
    """MAP_SHARED|MAP_ANONYMOUS memory, and a memfd whose fd is closed, that no other process
    maps: only the target's own writes can change them, and those fault. They are
    write-protected like private memory (not copied in the pause) and the core has them as they
    were at the pause, while the target wrote on during a 300 ms hold. A memfd can be handed to
    any process: where some process's fds cannot be looked at (this sandbox's init), it counts
    as held there and is copied in the pause instead, still of the pause."""
    base = plain_dump(tmp_path, 32)
    alone = args == ["--shmem"] or fds_of_every_process_readable()
    with Writer("--mb", 32, "--rate", 16, *args) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={HOLD: "300"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        protected = (32 << 20) if alone else 0
        assert res["live_protected_bytes"] == base["live_protected_bytes"] + protected, (res, base)
        assert res["live_copied_in_pause"] == base["live_copied_in_pause"] + (not alone), (res, base)
        n = check_point_in_time(core, w.info)
        assert w.progress() > n + 1000
        assert check_point_in_time(core, w.info, region="shmem") == n
        assert_released(w)


@pytest.mark.parametrize("args", [["--shmem", "--shmem-child"], ["--memfd", "--keep-fd"]],
                         ids=["a-child-maps-it", "an-fd-reaches-it"])
def test_shared_memory_others_can_write_is_copied_in_the_pause(tmp_path, args):
    """Shared memory a child maps (its writes take no fault in the target), or a memfd the
    target keeps an fd on (write() into it takes none either): copied in the pause, and of the
    pause."""
    base = plain_dump(tmp_path, 32)
    with Writer("--mb", 32, "--rate", 16, *args) as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core, env={HOLD: "300"})
        assert rc == 0, err
        assert res["live"] == 1 and res["live_why"] == "", res
        assert res["live_protected_bytes"] == base["live_protected_bytes"], (res, base)
        assert res["live_copied_in_pause"] == base["live_copied_in_pause"] + 1, (res, base)
        n = check_point_in_time(core, w.info)
        assert check_point_in_time(core, w.info, region="shmem") == n
        assert_released(w)


@pytest.mark.parametrize("args,restarted", [([], False), (["--shmem"], True)],
                         ids=["private", "shared"])
def test_fork_mid_dump(tmp_path, args, restarted):
    """A child forked mid-dump starts unprotected (its userfaultfd, from the fork event, is
    closed at once): it writes every page and exits without waiting for us. Its private memory
    is its own copy, so the parent's core is still of the pause. Shared memory it would write
    unseen: when that is protected and not copied yet, the live attempt is dropped and the dump
    is written stopped, saying why. The fork completes either way."""
    with Writer("--mb", 16, "--rate", 16, *args) as w:
        core = tmp_path / "core"
        d = start_live_dump(w, core, 1500)
        w.send("fork")
        assert w.answer("forked", timeout=5) == "forked 0"
        out, err = d.communicate(timeout=60)
        res = json.loads(out.strip().splitlines()[-1])
        assert d.returncode == 0, err
        assert res["live"] == (0 if restarted else 1) and res["live_restarted"] == restarted, res
        assert ("forked" in res["live_why"]) == restarted, res
        check_point_in_time(core, w.info)
        assert_released(w)


def test_non_root_target(tmp_path):
    """userfaultfd() runs with the target's credentials: without CAP_SYS_PTRACE it needs
    vm.unprivileged_userfaultfd=1, else the dump is a stopped one that says why."""
    with open("/proc/sys/vm/unprivileged_userfaultfd") as f:
        allowed = f.read().strip() == "1"
    with Writer("--mb", 16, "--rate", 16, user="nobody") as w:
        core = tmp_path / "core"
        rc, res, err = dump(w.pid, core)
        assert rc == 0, err
        assert res["live"] == int(allowed), res
        if not allowed:
            assert "CAP_SYS_PTRACE" in res["live_why"] and "unprivileged_userfaultfd" in res["live_why"]
        check_point_in_time(core, w.info)
        assert_released(w)


@pytest.mark.parametrize("args,seccomp,said", [
    ((), False, r"live: \d+ MiB write-protected, \d+ pages copied at their first write"),
    (("-live", "off"), False, r"stopped for the copy$"),
    ((), True, r"stopped for the copy$"),
])
def test_coretrap_binary_is_live_by_default_and_says_why_when_not(tmp_path, args, seccomp, said):
    """./coretrap: live unless -live off; a dump that could not be live says why in one debug
    line (-live off needs no reason); the core is of one moment either way."""
    coretrap = CORETRAP
    extra = ("--seccomp",) if seccomp else ()
    with Writer("--mb", 32, "--rate", 16, *extra) as w:
        p = subprocess.run([coretrap, "-log", "stdout"] + list(args) + [str(w.pid), str(tmp_path)],
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stdout + p.stderr
        debug = [l for l in p.stdout.splitlines() if "DEBUG" in l]
        assert re.search(said, debug[-1]), debug
        why = [l for l in debug if "not live, written stopped:" in l]
        assert len(why) == (1 if seccomp else 0), debug
        if seccomp:
            assert why[0].endswith("not live, written stopped: the target runs under seccomp")
        cores = list(tmp_path.iterdir())
        assert len(cores) == 1
        check_point_in_time(cores[0], w.info)
        assert_released(w)


@pytest.mark.parametrize("sig,live", [(signal.SIGURG, 1), (signal.SIGSEGV, 0)])
def test_signal_trigger_holds_its_thread_and_lets_the_rest_run_unless_it_is_a_crash(tmp_path, sig, live):
    """-sig's path (dumpcore --seized-signal plays the trigger): the thread that got the signal
    stays in its stop for the whole dump; the others run live, unless the signal is a crash,
    which keeps the whole process stopped (another thread could end it before it is copied)."""
    import ctypes
    with Writer("--mb", 16, "--rate", 16) as w:
        writer_tid = max(int(t) for t in os.listdir("/proc/%d/task" % w.pid))
        core = tmp_path / "core"
        drv = start_dump(w.pid, core, "--seized-signal", env={HOLD: "300"})
        assert drv.stdout.readline().strip() == "seized"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.syscall(234, w.pid, w.pid, int(sig)) == 0  # tgkill to main: the held thread
        out, err = drv.communicate(timeout=120)
        res = json.loads(out.strip().splitlines()[-1])
        assert drv.returncode == 0, err
        assert res["first_tid"] == w.pid and res["first_still_stopped"] == 1, res
        assert res["live"] == live, res
        if live:
            assert res["live_fault_pages"] > 0  # the writer thread wrote during the dump
        else:
            assert res["live_why"] == "a crash (signal %d): the whole process stays stopped" % sig
        g = gdb(LIVEWRITER, core, "p $_siginfo.si_signo", "info threads")
        assert "$1 = %d" % int(sig) in g and "LWP %d" % writer_tid in g
        check_point_in_time(core, w.info)
        assert_released(w)  # the driver dropped the signal when it let go


def test_every_helper_thread_of_a_live_dump_blocks_every_signal(tmp_path):
    """The fault handler and the pool writer are started blocking every signal, like every other
    coretrap helper: -sig reads the SIGCHLD of each ptrace stop from a signalfd in its main thread,
    and a helper that took it would drop it (each passed-on signal then waits for a timeout)."""
    coretrap = CORETRAP
    note = str(tmp_path / "live.note")
    env = dict(os.environ, **{HOLD: "3000", "CORETRAP_LIVE_HOLD_FILE": note})
    dest = tmp_path / "out"
    dest.mkdir()
    with Writer("--mb", 16, "--rate", 16) as w:
        p = subprocess.Popen([coretrap, str(w.pid), str(dest)], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        while not os.path.exists(note):
            assert time.time() < deadline and p.poll() is None, "the dump never reached its live phase"
            time.sleep(0.001)
        helpers = [int(t) for t in os.listdir("/proc/%d/task" % p.pid) if int(t) != p.pid]
        assert len(helpers) >= 2, helpers  # at least the fault handler and the pool writer
        # every signal but SIGKILL, SIGSTOP and glibc's own 32 and 33, which it never lets a thread block
        every = sum(1 << (s - 1) for s in range(1, 65) if s not in (signal.SIGKILL, signal.SIGSTOP, 32, 33))
        for tid in helpers:
            with open("/proc/%d/task/%d/status" % (p.pid, tid)) as f:
                blk = int([l for l in f if l.startswith("SigBlk:")][0].split()[1], 16)
            assert blk & every == every, "coretrap thread %d blocks only %x" % (tid, blk)
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, out + err
        assert len(list(dest.iterdir())) == 1
        assert_released(w)
