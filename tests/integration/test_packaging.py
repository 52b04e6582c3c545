# SPDX-License-Identifier: MIT
"""The fleet packaging validates: the systemd unit, the DaemonSet, the Containerfile."""
import os
import re
import shutil
import subprocess

import pytest
import yaml

from coretest import CORETRAP, MANPAGE, ROOT

UNIT = os.path.join(ROOT, "packaging", "systemd", "coretrap.service")
DAEMONSET = os.path.join(ROOT, "packaging", "kubernetes", "daemonset.yaml")
CONTAINERFILE = os.path.join(ROOT, "packaging", "container", "Containerfile")
DOC = os.path.join(ROOT, "docs", "observability.md")

# What coretrap needs, each for a reason given in the unit and the docs.
CAPABILITIES = {"CAP_SYS_PTRACE", "CAP_BPF", "CAP_PERFMON", "CAP_DAC_OVERRIDE", "CAP_CHECKPOINT_RESTORE"}


def unit_settings():
    settings, section = {}, None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            key, _, val = line.partition("=")
            settings.setdefault((section, key), []).append(val)
    return settings


def test_unit_verifies(tmp_path):
    # systemd comes with `make deps` (DEPS_PKGS); verify works without systemd as PID 1.
    assert shutil.which("systemd-analyze"), "systemd-analyze missing: run make deps"
    # The daemon binary is checked for existence: point ExecStart at the one under test.
    text = open(UNIT).read().replace("/usr/bin/coretrap", os.path.abspath(CORETRAP))
    unit = tmp_path / "coretrap.service"
    unit.write_text(text)
    # verify runs `man` for Documentation=man:coretrap(1) where man-db is installed: show it the
    # page built in the tree (the trailing ':' keeps the system's paths, where the .deb puts it).
    assert os.path.exists(MANPAGE), "%s missing: run make" % MANPAGE
    os.makedirs(tmp_path / "man" / "man1")
    shutil.copy(MANPAGE, tmp_path / "man" / "man1" / "coretrap.1")
    env = dict(os.environ, MANPATH="%s:" % (tmp_path / "man"))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    # an unknown key is only a warning on stderr: none is allowed
    assert r.stderr == "", r.stderr


def test_unit_verify_catches_a_bad_key(tmp_path):
    """The check above would see a misspelt hardening key."""
    text = open(UNIT).read().replace("/usr/bin/coretrap", os.path.abspath(CORETRAP))
    unit = tmp_path / "coretrap.service"
    unit.write_text(text.replace("NoNewPrivileges=", "NoNewPrivilegez="))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
    assert "NoNewPrivilegez" in r.stderr


def test_unit_capabilities_are_the_documented_ones():
    s = unit_settings()
    assert set(s[("Service", "CapabilityBoundingSet")][0].split()) == CAPABILITIES
    assert set(s[("Service", "AmbientCapabilities")][0].split()) == CAPABILITIES
    comment = open(UNIT).read()
    doc = open(DOC).read()
    for cap in CAPABILITIES:
        assert re.search(r"^#\s+%s\s+\S" % cap, comment, re.M), "%s has no reason in the unit" % cap
        assert "`%s`" % cap in doc, "%s is not in docs/observability.md" % cap


def test_unit_hardening_and_spool():
    s = unit_settings()
    want = {"Type": "simple", "ExecStart": "/usr/bin/coretrap -daemon", "ProtectSystem": "strict",
            "StateDirectory": "coretrap", "NoNewPrivileges": "yes", "ProtectHome": "read-only",
            "ExecReload": "/bin/kill -HUP $MAINPID", "ReadWritePaths": "/var/lib/coretrap"}
    for k, v in want.items():
        assert s[("Service", k)] == [v], k
    assert ("Service", "PrivateTmp") not in s  # .NET sockets are in the targets' /tmp


def daemonset():
    docs = list(yaml.safe_load_all(open(DAEMONSET)))
    ds = [d for d in docs if d and d.get("kind") == "DaemonSet"]
    assert len(ds) == 1
    return docs, ds[0]


def test_daemonset_has_what_it_needs():
    docs, ds = daemonset()
    assert ds["apiVersion"] == "apps/v1"
    spec = ds["spec"]
    labels = spec["template"]["metadata"]["labels"]
    for k, v in spec["selector"]["matchLabels"].items():
        assert labels.get(k) == v, "selector %s=%s does not match the template" % (k, v)
    pod = spec["template"]["spec"]
    assert pod["hostPID"] is True
    (c,) = pod["containers"]
    caps = c["securityContext"]["capabilities"]
    assert caps["drop"] == ["ALL"]
    assert {"CAP_" + x for x in caps["add"]} == CAPABILITIES
    assert c["securityContext"]["privileged"] is False
    assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
    vols = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    assert set(vols) == set(mounts), "volumes and volumeMounts differ"
    assert len(vols) == len(pod["volumes"]) and len(mounts) == len(c["volumeMounts"])
    by_path = {m["mountPath"]: vols[m["name"]] for m in mounts.values()}
    assert by_path["/var/lib/coretrap"]["hostPath"]["path"] == "/var/lib/coretrap"
    assert by_path["/sys/kernel/btf"]["hostPath"]["path"] == "/sys/kernel/btf"
    assert by_path["/sys/fs/bpf"]["hostPath"]["path"] == "/sys/fs/bpf"
    cm_name = by_path["/etc/coretrap"]["configMap"]["name"]
    cms = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == cm_name]
    assert len(cms) == 1 and "coretrap.yaml" in cms[0]["data"]
    assert "/etc/coretrap/coretrap.yaml" in c["args"]
    ns = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    assert ds["metadata"]["namespace"] in ns


def test_containerfile_references_existing_files():
    text = open(CONTAINERFILE).read()
    assert re.search(r"^FROM debian:12", text, re.M)
    copies = re.findall(r"^COPY\s+(\S+)\s+\S+$", text, re.M)
    assert copies
    for src in copies:
        if src.startswith("build/"):
            # the .deb of `make deb`, named by the build's version
            assert re.fullmatch(r"build/coretrap_\*_amd64\.deb", src), src
            rules = open(os.path.join(ROOT, "Makefile")).read()
            assert "$(BUILD)/coretrap_$(VERSION_BASE)_*.deb" in rules or "cp $(DEB_DIR)" in rules
        else:
            assert os.path.isfile(os.path.join(ROOT, src)), "%s does not exist" % src
            if src.endswith(".yaml"):
                yaml.safe_load(open(os.path.join(ROOT, src)))
    assert 'ENTRYPOINT ["/usr/bin/coretrap"]' in text
