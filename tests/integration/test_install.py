# SPDX-License-Identifier: MIT
"""What a user installs: -version, the man page, the bash completion, `make install`.
The Debian package itself is built and installed by .ci/run (make deb), which then runs this
suite against /usr/bin/coretrap (CORETRAP=...)."""
import os
import re
import shutil
import subprocess

import pytest

from coretest import BUILD, CORETRAP, MANPAGE, ROOT, dumpee

COMPLETION = os.path.join(BUILD, "coretrap.bash-completion")


def changelog_version():
    with open(os.path.join(ROOT, "debian", "changelog")) as f:
        return re.match(r"coretrap \(([^)]+)\)", f.readline()).group(1)


@pytest.mark.parametrize("switch", ["-version", "--version", "-VERSION"])
def test_version_names_the_release_and_the_commit(switch):
    p = subprocess.run([CORETRAP, switch], capture_output=True, text=True)
    assert p.returncode == 0 and p.stderr == ""
    m = re.fullmatch(r"coretrap (\S+)\n", p.stdout)
    assert m, p.stdout
    assert m.group(1) == changelog_version() or m.group(1).startswith(changelog_version() + "+g"), p.stdout


def usage_switches():
    out = subprocess.run([CORETRAP, "-?"], capture_output=True, text=True, check=True).stdout
    return sorted(set(re.findall(r"^  (-[^\s]+)", out, re.M)) - {"-?"})


def test_man_page_renders_without_warnings_and_documents_every_switch():
    p = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", "-Tutf8", "-Z", MANPAGE],
                       capture_output=True, text=True, env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8"))
    assert p.returncode == 0 and p.stderr == "", p.stderr
    text = subprocess.run(["man", "-l", MANPAGE], capture_output=True, text=True, check=True,
                          env=dict(os.environ, MANWIDTH="200", LC_ALL="C")).stdout
    switches = usage_switches()
    assert len(switches) >= 30
    missing = [s for s in switches if not re.search(r"^\s+" + re.escape(s) + r"(\s|$)", text, re.M)]
    assert not missing, missing
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "EXAMPLES"):
        assert re.search("^" + section + "$", text, re.M), section


def complete(line, cwd=None):
    """What the completion offers with the cursor at the end of line (bash, as on a terminal)."""
    script = ('source "$1"; read -ra COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=("");'
              'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$2"; _coretrap; printf "%s\\n" "${COMPREPLY[@]}"')
    p = subprocess.run(["bash", "-c", script, "bash", COMPLETION, line], capture_output=True, text=True,
                       cwd=cwd, check=True)
    return [w for w in p.stdout.splitlines() if w]


def test_completion_of_switches_and_their_values():
    assert "-dt" in complete("coretrap -d")
    assert complete("coretrap -dt ") == ["heap", "full", "mini", "triage"]
    assert complete("coretrap -LOG s") == ["stdout", "syslog"]
    assert complete("coretrap -live o") == ["on", "off"]
    assert "SEGV" in complete("coretrap -sig SE")
    assert "INT,SEGV" in complete("coretrap -sig INT,SEG")
    assert complete("coretrap -c ") == []  # a number: nothing to offer
    assert set(complete("coretrap --")) == {"--help", "--version"}


def test_completion_of_targets_and_destination(tmp_path):
    with dumpee() as t:
        pids = complete("coretrap -c 80 ")
        assert str(t.proc.pid) in pids and "dumpee" in pids
        names = complete("coretrap -w -m 100 du")
        assert "dumpee" in names and not any(n.isdigit() for n in names)
        (tmp_path / "dumps").mkdir()
        (tmp_path / "afile").write_text("")
        assert complete("coretrap -c 80 %d " % t.proc.pid, cwd=tmp_path) == ["dumps/"]  # directories only
        assert complete("coretrap -c 80 %d d" % t.proc.pid, cwd=tmp_path) == ["dumps/"]
        # the two values of -pc are skipped when counting positionals: the target comes next
        assert str(t.proc.pid) in complete("coretrap -pc System.Runtime:cpu-usage 50 ")


def test_make_install_puts_every_file_in_place(tmp_path):
    dest = tmp_path / "root"
    p = subprocess.run(["make", "-s", "install", "PREFIX=/usr", "DESTDIR=%s" % dest], cwd=ROOT,
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    files = sorted(str(f.relative_to(dest)) for f in dest.rglob("*") if f.is_file())
    assert files == ["lib/systemd/system/coretrap.service", "usr/bin/coretrap", "usr/lib/coretrap/upload-rclone",
                     "usr/share/bash-completion/completions/coretrap", "usr/share/doc/coretrap/README.md",
                     "usr/share/doc/coretrap/examples/coretrap.yaml", "usr/share/man/man1/coretrap.1"], files
    assert os.access(dest / "usr/bin/coretrap", os.X_OK)
    assert os.access(dest / "usr/lib/coretrap/upload-rclone", os.X_OK)
    # the example rule file is one the installed binary accepts
    r = subprocess.run([str(dest / "usr/bin/coretrap"), "-check-config",
                        str(dest / "usr/share/doc/coretrap/examples/coretrap.yaml")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    installed = subprocess.run([str(dest / "usr/bin/coretrap"), "-version"], capture_output=True, text=True)
    tree = subprocess.run([os.path.join(ROOT, "coretrap"), "-version"], capture_output=True, text=True)
    assert installed.stdout == tree.stdout and installed.returncode == 0
    # the binary carries its BPF objects and profiler: nothing else to install
    out = subprocess.run([str(dest / "usr/bin/coretrap"), "-?"], capture_output=True, text=True)
    assert out.returncode == 0 and "Usage: coretrap" in out.stdout
    shutil.rmtree(dest)
