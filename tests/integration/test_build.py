# SPDX-License-Identifier: MIT
"""The build's dependency tracking, asked of make itself (`make -n -W HEADER`: what would be rebuilt if
HEADER changed), so nothing in the tree is touched. The Makefile once compiled and linked test, fuzz and
tool binaries in one command each, whose .d listed only the last source's headers: a changed header
rebuilt nothing."""
import os
import subprocess

import pytest

from coretest import BUILD, ROOT


def would_run(header, *goals):
    r = subprocess.run(["make", "-n", "-W", header, *goals], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module", autouse=True)
def built():
    # make integration has built these; dependency files exist only after a build.
    for path in ("tests/dotnetdump", "tests/dumpcore", "tests/unit/dotnet/test_ipc", "tests/fuzz_ipc"):
        assert os.path.exists(os.path.join(BUILD, path)), "run make unit tools first: %s missing" % path


@pytest.mark.parametrize("header,goal,object_", [
    ("user/dotnet/ipc.h", "build/tests/dotnetdump", "build/user/dotnet/ipc.o"),
    ("user/dotnet/ipc.h", "build/tests/unit/dotnet/test_ipc", "build/tests/obj/unit/dotnet/test_ipc.o"),
    ("user/dotnet/ipc.h", "build/tests/fuzz_ipc", "build/asan/tests/fuzz/fuzz_ipc.o"),
    ("user/dotnet/dotnet.h", "build/tests/dotnetdump", "build/tests/obj/tools/dotnetdump.o"),
    ("user/core/elfcore.h", "build/tests/dumpcore", "build/user/core/elfcore.o"),
    ("user/base/ptrace_engine.h", "build/tests/dumpcore", "build/user/base/ptrace_engine.o"),
    ("user/dotnet/profstatus.h", "coretrap", "build/pic/user/dotnet/profstatus.o"),
])
def test_a_changed_header_rebuilds_every_object_that_reads_it(header, goal, object_):
    out = would_run(header, goal)
    assert "-o %s" % object_ in out, "changing %s would not rebuild %s:\n%s" % (header, object_, out)
    assert "-o %s" % goal in out, "changing %s would not relink %s:\n%s" % (header, goal, out)


def test_a_header_nobody_reads_rebuilds_nothing():
    out = would_run("user/dotnet/ipc.h", "build/tests/dumpcore")
    assert " -c " not in out and "-o build/tests/dumpcore" not in out, out


def test_make_vmlinux_writes_the_file_vmlinux_h_includes():
    with open(os.path.join(ROOT, "vmlinux", "vmlinux.h")) as f:
        included = f.read()
    for machine, name in (("x86_64", "vmlinux_x86_64.h"), ("aarch64", "vmlinux_arm64.h")):
        out = subprocess.run(["make", "-n", "vmlinux", "UNAME_M=" + machine], cwd=ROOT, capture_output=True,
                             text=True, timeout=60).stdout
        assert "> vmlinux/" + name in out, out
        assert '#include "%s"' % name in included
