# SPDX-License-Identifier: MIT
"""-check-config: fleet rule files (YAML, conf.d drop-ins) checked by the real switch checker,
each error on one line as FILE:LINE:COL; exit 0 valid, 1 unreadable, 2 invalid."""
import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORETRAP = os.environ.get("CORETRAP") or str(ROOT / "coretrap")
EXAMPLE = ROOT / "packaging" / "coretrap.yaml"

GOOD = """\
spool: /var/lib/coretrap/dumps
rules:
  - name: api-cpu
    match: { name: myservice }
    triggers: { c: 80, pf: 500, sustain: 200 }
    action: { n: 2, s: 10, z: zstd }
    limits: { dumps: 3, window: 3600, cooldown: 60 }
  - name: crashes
    match: { exe: /usr/bin/crashy }
    triggers: { crash: true }
storage: { max-use: 10G }
"""


def check(path):
    return subprocess.run([CORETRAP, "-check-config", str(path)], capture_output=True, text=True, timeout=20)


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_good_file_and_its_drop_ins_pass(tmp_path):
    main = write(tmp_path / "coretrap.yaml", GOOD)
    write(tmp_path / "conf.d" / "20-leaks.yaml",
          "rules:\n  - name: leaks\n    match: { name: leaky }\n"
          "    triggers: { m: 2000 }\n    action: { restrack: nodump, sr: 10 }\n")
    write(tmp_path / "conf.d" / "10-dotnet.yaml",
          "rules:\n  - name: dotnet\n    match: { cgroup: /system.slice/api.service }\n"
          "    triggers: { e: true, f: ['*Timeout*'] }\n    action: { dt: heap }\n")
    write(tmp_path / "conf.d" / "README", "not yaml: not read\n[")
    r = check(main)
    assert (r.returncode, r.stderr) == (0, "")
    assert r.stdout == f"{main}: ok, 4 rules (3 files)\n"


def test_the_shipped_example_passes():
    r = check(EXAMPLE)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"{EXAMPLE}: ok, ")


def test_every_error_is_placed_and_none_is_hidden(tmp_path):
    bad = write(tmp_path / "coretrap.yaml", """\
rules:
  - name: a
    match: { name: x }
    triggers: { c: 200000 }
  - name: b
    match: { name: y }
    triggers: { c: 50 }
    action: { dt: huge, bogus: 1 }
  - name: a
    match: { name: z }
    triggers: { m: 5 }
""")
    r = check(bad)
    assert r.returncode == 2 and r.stdout == ""
    assert sorted(r.stderr.splitlines()) == sorted([
        f"{bad}:4:17: rule 'a': -c must be between 0 and 100000, got 200000",
        f"{bad}:8:15: rule 'b': -dt expects heap, full, mini or triage, got 'huge'",
        f"{bad}:8:25: rule 'b': unknown action key 'bogus'",
        f"{bad}:9:11: rule name 'a' also used at {bad}:2:11",
    ])


def test_names_and_the_spool_are_unique_across_drop_ins(tmp_path):
    main = write(tmp_path / "coretrap.yaml", GOOD)
    extra = write(tmp_path / "conf.d" / "x.yaml",
                  "spool: /srv/dumps\nrules:\n  - name: crashes\n    match: { name: q }\n    triggers: { tc: 500 }\n")
    r = check(main)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"{extra}:3:11: rule name 'crashes' also used at {main}:8:11",
        f"{extra}:1:1: 'spool' also set at {main}:1:1",
    ]


def test_bad_yaml_is_placed_by_libyaml(tmp_path):
    bad = write(tmp_path / "c.yaml", "rules:\n  - name: [a\n    match: x\n")
    r = check(bad)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{bad}:3:10: YAML: did not find expected ',' or ']'"), r.stderr
    assert len(r.stderr.splitlines()) == 1


def test_an_unreadable_file_exits_1(tmp_path):
    r = check(tmp_path / "missing.yaml")
    assert r.returncode == 1
    assert r.stderr == f"coretrap: cannot read {tmp_path}/missing.yaml: No such file or directory\n"
    big = write(tmp_path / "big.yaml", "#" * (1 << 20) + "\n")
    r = check(big)
    assert r.returncode == 1 and "File too large" in r.stderr


def test_check_config_takes_nothing_else(tmp_path):
    main = write(tmp_path / "coretrap.yaml", GOOD)
    for extra in (["-c", "5"], ["1234"]):
        r = subprocess.run([CORETRAP, "-check-config", str(main), *extra], capture_output=True, text=True,
                           timeout=20)
        assert r.returncode == 2
        assert r.stderr.splitlines()[0].startswith("coretrap: -check-config takes a file")
