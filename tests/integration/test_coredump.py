# SPDX-License-Identifier: MIT
"""The native core writer, driven through build/tests/dumpcore and checked with gdb/readelf."""
import errno
import json
import os
import re
import signal
import stat
import subprocess
import time

import pytest

from coretest import (CORETRAP, DUMPEE, Target, dump, dumpee, gdb, gdb_threads, load_segments,
                      readelf_notes, start_dump, tmpfs, wait_traced)

MARKER = 0xC0DEDBADC0FFEE
# x86-64 syscall numbers of the calls each dumpee thread blocks in
SYS_READ, SYS_PAUSE, SYS_NANOSLEEP, SYS_RT_SIGSUSPEND, SYS_CLOCK_NANOSLEEP = 0, 34, 35, 130, 230
SYS_RESTART_SYSCALL = 219
FUNC_BY_SYSCALL = {SYS_READ: "worker_alpha", SYS_PAUSE: "worker_beta",
                   SYS_NANOSLEEP: "worker_gamma", SYS_CLOCK_NANOSLEEP: "worker_gamma",
                   SYS_RT_SIGSUSPEND: "main_wait"}


def assert_released(t):
    """The target runs on: not stopped, not traced, same threads."""
    st = t.status()
    assert int(st["TracerPid"]) == 0
    assert st["State"].split()[0] not in ("T", "t")
    assert t.proc.poll() is None


@pytest.fixture
def target():
    with dumpee("--anon-mb", 64, "--touch-mb", 8, "--zero-mb", 8) as t:
        yield t


SYSCALL_INSN = b"\x0f\x05"  # x86-64 `syscall`


def code_at(pid, addr, n):
    """n bytes of the target's memory at addr (its code, which the dump does not change)."""
    with open("/proc/%d/mem" % pid, "rb") as f:
        f.seek(addr)
        return f.read(n)


def blocked_threads(t):
    """{tid: (syscall nr, args, sp, pc)} once every thread sits in its blocking call."""
    deadline = time.time() + 10
    while True:
        info = {tid: t.syscall(tid) for tid in t.tids()}
        if all(v and v[0] in FUNC_BY_SYSCALL for v in info.values()) or time.time() > deadline:
            return info
        time.sleep(0.05)


# Filesystems that announce direct-I/O alignment (statx DIOALIGN), as `stat -f -c %T` names them.
DIRECT_IO_FS = ("ext2/ext3", "xfs", "btrfs")
# Forced either way: on its own a dump this small is written buffered (test_small_dump_is_buffered).
IO_MODES = {"direct": {"CORETRAP_DIRECT_IO": "1"}, "buffered": {"CORETRAP_DIRECT_IO": "0"}}


def expect_io_mode(mode, tmp_path):
    """Whether the dump should report direct I/O in this mode; skips where it cannot."""
    if mode == "buffered":
        return False
    fs = subprocess.run(["stat", "-f", "-c", "%T", str(tmp_path)], capture_output=True,
                        text=True).stdout.strip()
    if fs not in DIRECT_IO_FS:
        pytest.skip("SKIPPED LOUDLY: %s is on %s, which takes no direct writes" % (tmp_path, fs))
    return True


@pytest.mark.parametrize("mode", IO_MODES)
def test_core_reads_in_gdb_like_a_kernel_core(target, tmp_path, mode):
    direct = expect_io_mode(mode, tmp_path)
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core, env=IO_MODES[mode])
    assert rc == 0, err
    assert res["direct_io"] == direct
    assert res["threads"] == 4
    out = gdb(DUMPEE, core, "info threads", "thread apply all bt", "p/x marker")
    threads = gdb_threads(out)
    assert sorted(threads.values()) == target.tids()
    for func in ("worker_alpha", "worker_beta", "worker_gamma", "main_wait"):
        assert re.search(r"in %s \(" % func, out), func
    assert "$1 = %#x" % MARKER in out
    assert_released(target)


@pytest.mark.parametrize("live", ["on", "off"])
def test_registers_match_the_live_threads(target, tmp_path, live):
    """pc, sp and syscall arguments in the core equal what /proc shows for each blocked thread.
    A live dump stops the threads twice (test_live.py): the first stop restarts an interrupted
    nanosleep through restart_syscall, as any signal would, so the pause finds that number. And
    when the pause comes before a thread the first stop let go has re-entered its call, the
    kernel has already set the thread back onto its `syscall` instruction, 2 bytes before the
    return address /proc showed, to execute it again: that is where the core must show it."""
    before = blocked_threads(target)
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core, *(("--live", "off") if live == "off" else ()))
    assert rc == 0, err
    out = gdb(DUMPEE, core, "info threads",
              'thread apply all printf "R %d %#lx %#lx %#lx %#lx %#lx %#lx\\n", $_thread, '
              "$pc, $sp, $rdi, $rsi, $rdx, $orig_rax")
    threads = gdb_threads(out)
    regs = {}
    for m in re.finditer(r"^R (\d+) (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$", out, re.M):
        regs[threads[int(m.group(1))]] = [int(x, 16) for x in m.groups()[1:]]
    assert set(regs) == set(before)
    for tid, (nr, args, sp, pc) in before.items():
        r_pc, r_sp, rdi, rsi, rdx, orig_rax = regs[tid]
        assert code_at(target.pid, pc - 2, 2) == SYSCALL_INSN  # /proc's pc is just past it
        rewound = live == "on" and r_pc == pc - 2  # set back onto that `syscall`
        assert r_pc == pc or rewound, "thread %d (%s)" % (tid, FUNC_BY_SYSCALL[nr])
        assert r_sp == sp, "thread %d (%s)" % (tid, FUNC_BY_SYSCALL[nr])
        # (unless its sleep ended in between and it slept again)
        restartable = live == "on" and nr in (SYS_NANOSLEEP, SYS_CLOCK_NANOSLEEP)
        assert orig_rax in ((nr, SYS_RESTART_SYSCALL) if restartable else (nr,))
        assert [rdi, rsi, rdx] == args[:3]
    # and in gdb each thread's frames show the function blocked in that syscall
    bt = gdb(DUMPEE, core, "thread apply all bt")
    for tid, (nr, *_rest) in before.items():
        section = [sec for sec in bt.split("\nThread ") if "(LWP %d)):" % tid in sec]
        assert len(section) == 1 and FUNC_BY_SYSCALL[nr] in section[0]


def test_first_tid_is_listed_first(target, tmp_path):
    beta = [tid for tid, v in blocked_threads(target).items() if v[0] == SYS_PAUSE][0]
    core = tmp_path / "core"
    rc, _res, err = dump(target.pid, core, "--first-tid", beta)
    assert rc == 0, err
    out = gdb(DUMPEE, core, "info threads")
    assert gdb_threads(out)[1] == beta


@pytest.mark.parametrize("mode", IO_MODES)
def test_memory_content_dontdump_and_holes(target, tmp_path, mode):
    direct = expect_io_mode(mode, tmp_path)
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core, env=IO_MODES[mode])
    assert rc == 0, err
    assert res["direct_io"] == direct
    i = target.info
    anon, zero_at = i["anon"], i["anon"] + (i["touch_mb"] << 20)
    out = gdb(DUMPEE, core, "x/2gx %d" % anon, "x/2gx %d" % (anon + 4096 * 100),
              "x/gx %d" % zero_at, "x/gx %d" % i["dontdump"])
    assert "0x5a5a000000000000\t0x5a5a000000000008" in out
    assert "0x5a5a000000064000\t0x5a5a000000064008" in out
    assert re.search(r"%#x:\s+0x0000000000000000" % zero_at, out)
    # the MADV_DONTDUMP region has a header but no data (as in a kernel core):
    # gdb shows it as zero-filled, never the 0xdd the target wrote
    assert re.search(r"%#x:\s+0x0000000000000000" % i["dontdump"], out)
    assert "0xdddddddddddddddd" not in out
    dd = [s for s in load_segments(core) if s[0] == i["dontdump"]]
    assert dd and dd[0][2] == 0
    with open(core, "rb") as f:
        assert b"\xdd" * 4096 not in f.read()


def test_file_is_private_and_sparse(target, tmp_path):
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core)
    assert rc == 0, err
    st = os.stat(core)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert res["apparent_bytes"] == st.st_size
    # 64 MiB anon region with 8 MiB of data: the rest (zeros, untouched) are holes
    assert st.st_blocks * 512 < st.st_size - (48 << 20)
    assert res["allocated_bytes"] == st.st_blocks * 512


def test_readelf_lists_every_note(target, tmp_path):
    core = tmp_path / "core"
    rc, res, err = dump(target.pid, core)
    assert rc == 0, err
    notes = readelf_notes(core)
    assert notes.get("NT_PRSTATUS") == 4
    assert notes.get("NT_FPREGSET") == 4
    assert notes.get("NT_X86_XSTATE") == 4
    for single in ("NT_PRPSINFO", "NT_SIGINFO", "NT_AUXV", "NT_FILE"):
        assert notes.get(single) == 1, single
    # readelf here cannot decode NT_FILE ("32-bit build"); gdb reads it for 'info proc mappings'
    out = gdb(DUMPEE, core, "info proc mappings")
    with open("/proc/%d/maps" % target.pid) as f:
        live = [l.split() for l in f if len(l.split()) >= 6 and l.split()[5].startswith("/")]
    assert any(l[5] == DUMPEE for l in live)
    for rng, _perm, offset, path in ((l[0], l[1], l[2], " ".join(l[5:])) for l in live):
        start, end = rng.split("-")
        assert re.search(r"0x%s\s+0x%s\s+0x[0-9a-f]+\s+0x%x\s+(\S+\s+)?%s" % (
            start.lstrip("0"), end.lstrip("0"), int(offset, 16), re.escape(path)), out), path
    assert_released(target)


def test_rss_does_not_grow_even_with_file_pages(tmp_path):
    """Untouched anonymous and file pages are never faulted in; file pages come from the file."""
    data = tmp_path / "data.bin"
    data.write_bytes(os.urandom(16 << 20))
    with dumpee("--anon-mb", 512, "--touch-mb", 4, "--zero-mb", 0, "--file", data) as t:
        rss = t.rss_kb()
        core = tmp_path / "core"
        # 0x37 = default + file-backed private: the untouched file mapping is dumped
        rc, _res, err = dump(t.pid, core, "--filter", "37")
        assert rc == 0, err
        assert t.rss_kb() <= rss + 64
        off = 5 << 20
        out = gdb(DUMPEE, core, "x/2gx %d" % (t.info["file_map"] + off))
        want = data.read_bytes()[off:off + 16]
        words = [int.from_bytes(want[k:k + 8], "little") for k in (0, 8)]
        assert "%#018x\t%#018x" % tuple(words) in out
        assert_released(t)


def test_filter_zero_leaves_out_anonymous_memory(target, tmp_path):
    core = tmp_path / "core"
    rc, _res, err = dump(target.pid, core, "--filter", "0")
    assert rc == 0, err
    out = gdb(DUMPEE, core, "p/x marker", "x/gx %d" % target.info["anon"])
    # .bss is not in the core, so the value set at run time cannot appear
    assert re.search(r"\$1 = 0x[0-9a-f]+", out) and "%#x" % MARKER not in out
    # the region has only a header (filesz 0): zeros, not the 0x5a5a... pattern
    assert re.search(r"%#x:\s+0x0000000000000000" % target.info["anon"], out)
    assert all(s[2] == 0 for s in load_segments(core) if s[0] == target.info["anon"])


def test_existing_file_and_overwrite(target, tmp_path):
    core = tmp_path / "core"
    core.write_text("old")
    rc, res, _err = dump(target.pid, core)
    assert rc != 0 and res["rc"] == -errno.EEXIST
    assert core.read_text() == "old"
    assert_released(target)
    rc, _res, err = dump(target.pid, core, "--overwrite")
    assert rc == 0, err
    assert core.read_bytes()[:4] == b"\x7fELF"
    assert os.listdir(tmp_path) == ["core"]  # no temporary left behind


def test_nonexistent_pid_fails_cleanly(tmp_path):
    p = subprocess.Popen(["true"])
    p.wait()  # a pid that surely does not exist now
    rc, res, err = dump(p.pid, tmp_path / "core")
    assert rc != 0 and res["rc"] == -errno.ESRCH
    assert "No such process" in err
    assert os.listdir(tmp_path) == []


def test_small_dump_is_buffered(target, tmp_path):
    """A dump of at most 64 MiB, far under the dirty-page threshold, goes through the page cache."""
    rc, res, err = dump(target.pid, tmp_path / "core")
    assert rc == 0, err
    assert res["direct_io"] == 0


def test_dump_bigger_than_64_mib_goes_direct(tmp_path):
    """Over 64 MiB a dump is written with direct I/O even with dirty-page headroom to spare:
    no page cache evicted, no dirty pages left behind. The data still reads back in gdb."""
    expect_io_mode("direct", tmp_path)
    with dumpee("--anon-mb", 128, "--touch-mb", 96, "--zero-mb", 0) as t:
        # the ring is the stopped dump's (a live dump's is the small one: test_live.py)
        rc, res, err = dump(t.pid, tmp_path / "core", "--live", "off")
        assert rc == 0, err
        assert res["direct_io"] == 1
        # under the dirty threshold: a ring of three quarters, faulted in before the stop
        # (or as much of it as a quarter second gave, never under 64 MiB)
        assert res["ring_wanted_bytes"] >= 72 << 20 and res["ring_fault_ns"] > 0
        assert 64 << 20 <= res["ring_bytes"] <= res["ring_wanted_bytes"]
        assert os.stat(tmp_path / "core").st_blocks * 512 > 96 << 20
        out = gdb(DUMPEE, tmp_path / "core", "info threads", "p/x marker")
        assert len(gdb_threads(out)) == 4 and "$1 = %#x" % MARKER in out
        assert_released(t)


@pytest.mark.parametrize("mode", IO_MODES)
def test_ring_cut_short_by_the_fault_in_budget(tmp_path, mode):
    """When faulting the ring in takes too long it stops at the small ring (64 MiB); the copy then
    waits on the writers. Forced with the test hook (budget 0 ms); the core is still whole."""
    direct = expect_io_mode(mode, tmp_path)
    with dumpee("--anon-mb", 160, "--touch-mb", 150, "--zero-mb", 0) as t:
        env = dict(IO_MODES[mode], CORETRAP_RING_FAULT_BUDGET_MS="0")
        rc, res, err = dump(t.pid, tmp_path / "core", "--live", "off", env=env)
        assert rc == 0, err
        assert res["direct_io"] == direct
        assert res["ring_bytes"] == 64 << 20 < res["ring_wanted_bytes"]
        # the last touched MiB went through the ring after it had wrapped
        last = t.info["anon"] + (149 << 20)
        out = gdb(DUMPEE, tmp_path / "core", "info threads", "p/x marker", "x/2gx %d" % last)
        assert len(gdb_threads(out)) == 4 and "$1 = %#x" % MARKER in out
        assert "%#x\t%#x" % (0x5A5A000000000000 | (149 << 20), 0x5A5A000000000008 | (149 << 20)) in out
        assert_released(t)


def test_dump_beyond_the_dirty_threshold_goes_direct(target, tmp_path):
    """A dump bigger than what the page cache takes without throttling is written with direct I/O.
    The threshold is lowered to 1 MiB for the test (restored after) instead of dumping gigabytes."""
    expect_io_mode("direct", tmp_path)
    vm = "/proc/sys/vm/"
    saved = {k: open(vm + k).read().strip() for k in ("dirty_background_bytes", "dirty_background_ratio")}
    try:
        with open(vm + "dirty_background_bytes", "w") as f:
            f.write(str(1 << 20))
        rc, res, err = dump(target.pid, tmp_path / "core")
    finally:
        # writing one of the pair zeroes the other: restore the one that was set
        key = "dirty_background_bytes" if int(saved["dirty_background_bytes"]) else "dirty_background_ratio"
        with open(vm + key, "w") as f:
            f.write(saved[key])
    assert open(vm + key).read().strip() == saved[key]
    assert rc == 0, err
    assert res["direct_io"] == 1
    out = gdb(DUMPEE, tmp_path / "core", "info threads", "p/x marker")
    assert len(gdb_threads(out)) == 4 and "$1 = %#x" % MARKER in out
    assert_released(target)


def test_tmpfs_destination_is_written_buffered(target, tmp_path):
    """tmpfs announces no direct-I/O alignment: even when asked, the core goes through the page cache."""
    with tmpfs(tmp_path / "shm", "128m") as mnt:
        rc, res, err = dump(target.pid, mnt / "core", env={"CORETRAP_DIRECT_IO": "1"})
        assert rc == 0, err
        assert res["direct_io"] == 0
        out = gdb(DUMPEE, mnt / "core", "info threads", "p/x marker")
        assert len(gdb_threads(out)) == 4
        assert "$1 = %#x" % MARKER in out
        assert_released(target)


def test_full_disk_gives_enospc_and_no_file(target, tmp_path):
    with tmpfs(tmp_path / "small", "2m") as mnt:
        rc, res, _err = dump(target.pid, mnt / "core")
        assert rc != 0 and res["rc"] == -errno.ENOSPC
        assert os.listdir(mnt) == []
        assert_released(target)


def _dump_while(t, tmp_path, action, env=None):
    """Start a dump, run action(driver) once the target is stopped; retry if the dump was too quick."""
    for attempt in range(5):
        core = tmp_path / ("core%d" % attempt)
        drv = start_dump(t.pid, core, env=env)
        if wait_traced(t):
            action(drv)
            out, err = drv.communicate(timeout=120)
            return drv.returncode, out, err, core
        drv.communicate(timeout=120)
        if core.exists():
            core.unlink()
    pytest.fail("the dump never overlapped the action (target too small?)")


@pytest.mark.parametrize("mode", IO_MODES)
def test_target_exiting_mid_dump_leaves_no_file(tmp_path, mode):
    expect_io_mode(mode, tmp_path)
    for attempt in range(3):
        t = Target([os.path.join(os.path.dirname(DUMPEE), "rssfill"), "768"])
        try:
            rc, out, err, core = _dump_while(t, tmp_path, lambda drv: t.proc.kill(), IO_MODES[mode])
            t.proc.wait(timeout=10)  # it really died and is reapable
        finally:
            t.kill()
        if rc == 0:
            # On a loaded machine the kill can land after the copy, once the target runs again:
            # then the dump is whole and rightly kept. Not the case under test: try again.
            for f in os.listdir(tmp_path):
                os.unlink(tmp_path / f)
            continue
        assert '"rc":-%d' % errno.ESRCH in out
        assert "No such process" in err
        assert not core.exists() and os.listdir(tmp_path) == []
        return
    pytest.fail("every kill landed after the dump's copy")


@pytest.mark.parametrize("mode", IO_MODES)
def test_sigint_abandons_the_dump_and_releases_the_target(tmp_path, mode):
    expect_io_mode(mode, tmp_path)
    t = Target([os.path.join(os.path.dirname(DUMPEE), "rssfill"), "768"])
    try:
        rc, out, err, core = _dump_while(t, tmp_path, lambda drv: drv.send_signal(signal.SIGINT),
                                         IO_MODES[mode])
        assert rc != 0
        assert '"rc":-%d' % errno.EINTR in out
        assert os.listdir(tmp_path) == []
        assert_released(t)
    finally:
        t.kill()


def test_threads_created_during_the_stop(tmp_path):
    """A target that keeps creating threads: every dump completes and the target runs on."""
    with dumpee("--anon-mb", 16, "--touch-mb", 1, "--zero-mb", 0, "--spawn") as t:
        for k in range(5):
            core = tmp_path / ("core%d" % k)
            rc, res, err = dump(t.pid, core)
            assert rc == 0, err
            assert res["threads"] >= 5
            assert_released(t)
        out = gdb(DUMPEE, core, "thread apply all bt")
        assert "spawner" in out and "worker_beta" in out


def test_dumps_of_a_process_raising_sigtrap_swallow_none(tmp_path):
    """A runtime that hits its own breakpoints: a worker raises SIGTRAP in a loop and counts its
    handler runs. A SIGTRAP the writer meets at delivery while stopping a thread is a real signal
    under PTRACE_SEIZE and goes back with the detach. Here the writer interrupts each thread right
    after seizing it, so that window is narrow: this guards the own-seize path; the -sig test
    (test_signals.py, ..._during_a_dump_is_delivered_not_swallowed) is the one that hits it each time."""
    trap = os.path.join(os.path.dirname(DUMPEE), "trap_handler")
    p = subprocess.Popen([trap, "16"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().startswith("ready")
        p.stdin.write("start\n")
        p.stdin.flush()
        assert p.stdout.readline().strip() == "started"
        for k in range(5):
            rc, res, err = dump(p.pid, tmp_path / ("core%d" % k))
            assert rc == 0, err
            assert res["threads"] == 2
        p.stdin.write("stop\n")
        p.stdin.flush()
        m = re.fullmatch(r"raised=(\d+) handled=(\d+)", p.stdout.readline().strip())
        assert m and int(m.group(1)) > 0
        assert m.group(1) == m.group(2), "%s raised, %s handled" % m.groups()
    finally:
        p.kill()
        p.wait()


def test_already_seized_mode_keeps_the_callers_stop(target, tmp_path):
    """The signal trigger's path: caller seized all threads, one sits in a signal-delivery-stop."""
    import ctypes
    beta = [tid for tid, v in blocked_threads(target).items() if v[0] == SYS_PAUSE][0]
    core = tmp_path / "core"
    drv = start_dump(target.pid, core, "--seized-signal")
    assert drv.stdout.readline().strip() == "seized"
    libc = ctypes.CDLL(None, use_errno=True)
    SYS_tgkill = 234
    assert libc.syscall(SYS_tgkill, target.pid, beta, int(signal.SIGURG)) == 0
    out, err = drv.communicate(timeout=120)
    res = json.loads(out.strip().splitlines()[-1])
    assert drv.returncode == 0, err
    assert res["first_tid"] == beta
    assert res["first_still_stopped"] == 1
    assert res["threads"] == 4
    g = gdb(DUMPEE, core, "info threads", "p $_siginfo.si_signo", "thread apply all bt")
    assert gdb_threads(g)[1] == beta
    assert "$1 = %d" % int(signal.SIGURG) in g
    for func in ("worker_alpha", "worker_beta", "worker_gamma", "main_wait"):
        assert func in g
    assert_released(target)


def test_already_seized_mode_leaves_job_control_stopped_threads_stopped(target, tmp_path):
    """A SIGSTOP arrives while the caller holds a thread: the others sit in their group-stop
    under PTRACE_LISTEN. The writer interrupts them for the dump and must put them back in it,
    not run them; once released the process is still stopped, and SIGCONT wakes it."""
    import ctypes
    beta = [tid for tid, v in blocked_threads(target).items() if v[0] == SYS_PAUSE][0]
    core = tmp_path / "core"
    drv = start_dump(target.pid, core, "--seized-signal", "--group-stop")
    assert drv.stdout.readline().strip() == "seized"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.syscall(234, target.pid, beta, int(signal.SIGURG)) == 0  # tgkill
    out, err = drv.communicate(timeout=120)
    res = json.loads(out.strip().splitlines()[-1])
    assert drv.returncode == 0, err
    assert res["first_still_stopped"] == 1
    assert res["others_still_stopped"] == 1
    assert len(gdb_threads(gdb(DUMPEE, core, "info threads"))) == 4
    st = target.status()
    assert int(st["TracerPid"]) == 0 and st["State"].split()[0] == "T", st["State"]
    os.kill(target.pid, signal.SIGCONT)
    deadline = time.time() + 10
    while target.status()["State"].split()[0] == "T" and time.time() < deadline:
        time.sleep(0.01)
    assert_released(target)


def test_dump_of_a_stopped_process_leaves_it_stopped(target, tmp_path):
    """Job control belongs to the user: a process stopped with SIGSTOP is still stopped after."""
    os.kill(target.pid, signal.SIGSTOP)
    deadline = time.time() + 10
    while not target.status()["State"].split()[0] == "T" and time.time() < deadline:
        time.sleep(0.01)
    rc, res, err = dump(target.pid, tmp_path / "core")
    assert rc == 0, err
    assert res["threads"] == 4
    time.sleep(0.1)
    st = target.status()
    assert int(st["TracerPid"]) == 0 and st["State"].split()[0] == "T", st["State"]
    os.kill(target.pid, signal.SIGCONT)
    while target.status()["State"].split()[0] == "T" and time.time() < deadline:
        time.sleep(0.01)
    assert_released(target)


def test_coretrap_binary_writes_a_core_gdb_reads(target, tmp_path):
    """The same checks through ./coretrap PID DIR, the way users run it (timer mode, one dump)."""
    coretrap = CORETRAP
    p = subprocess.run([coretrap, str(target.pid), str(tmp_path)], capture_output=True, text=True,
                       timeout=300)
    assert p.returncode == 0, p.stderr
    cores = list(tmp_path.iterdir())
    assert len(cores) == 1 and re.fullmatch(r"dumpee_time_\d{6}_\d{6}\.%d" % target.pid, cores[0].name)
    assert stat.S_IMODE(cores[0].stat().st_mode) == 0o600
    out = gdb(DUMPEE, cores[0], "info threads", "thread apply all bt", "p/x marker")
    assert sorted(gdb_threads(out).values()) == target.tids()
    for func in ("worker_alpha", "worker_beta", "worker_gamma", "main_wait"):
        assert re.search(r"in %s \(" % func, out), func
    assert "$1 = %#x" % MARKER in out
    assert_released(target)


def test_coretrap_mc_zero_leaves_anonymous_memory_out(target, tmp_path):
    """-mc 0 reaches the writer: anonymous memory is left out, so the core is far smaller."""
    coretrap = CORETRAP
    full = tmp_path / "full"
    bare = tmp_path / "bare"
    full.mkdir()
    bare.mkdir()
    for d, extra in ((full, []), (bare, ["-mc", "0"])):
        p = subprocess.run([coretrap, *extra, str(target.pid), str(d)], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr
    size_full = next(full.iterdir()).stat().st_blocks
    size_bare = next(bare.iterdir()).stat().st_blocks
    assert size_bare * 4 < size_full, (size_bare, size_full)
    assert_released(target)
