# SPDX-License-Identifier: MIT
"""-metrics: the Prometheus endpoint of a triggered run, scraped while it dumps."""
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from coretest import CORETRAP

FAMILY_TYPES = {
    "coretrap_triggers_total": "counter",
    "coretrap_throttled_total": "counter",
    "coretrap_dumps_total": "counter",
    "coretrap_dump_bytes_total": "counter",
    "coretrap_dump_duration_seconds": "summary",
    "coretrap_dump_stall_seconds": "summary",
    "coretrap_uploads_total": "counter",
    "coretrap_spool_bytes": "gauge",
    "coretrap_bpf_ringbuf_drops_total": "counter",
    "coretrap_watched_processes": "gauge",
}

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$" % (NAME, LABEL, LABEL))


def parse_exposition(text):
    """A strict reader of the text format: {family: (type, {(sample name, labels): value})}.

    Fails on anything a Prometheus server would reject or that breaks the
    format's rules: a sample before its TYPE, a family given twice, a sample
    of an undeclared family, bad escapes, a duplicate series, a non-number."""
    assert text.endswith("\n"), "the exposition must end with a line feed"
    families, current = {}, None
    for line in text[:-1].split("\n"):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            assert re.fullmatch(NAME, name), line
            assert name not in families, "family %s given twice" % name
            families[name] = [None, {}]
            current = name
        elif line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert name == current, "TYPE %s not after its HELP" % name
            assert families[name][0] is None, "second TYPE for %s" % name
            assert typ in ("counter", "gauge", "summary", "histogram", "untyped"), line
            families[name][0] = typ
        else:
            assert not line.startswith("#") and line, "unexpected line %r" % line
            m = SAMPLE.match(line)
            assert m, "not a sample line: %r" % line
            sname, value = m.group(1), m.group(7)
            typ = families[current][0]
            allowed = {current} | ({current + "_sum", current + "_count"} if typ == "summary" else set())
            assert typ and sname in allowed, "sample %s outside its family %s" % (sname, current)
            labels = tuple(re.findall(LABEL, m.group(2) or ""))
            assert len({k for k, _ in labels}) == len(labels), "label repeated: %r" % line
            key = (sname, labels)
            assert key not in families[current][1], "series twice: %r" % line
            families[current][1][key] = float(value)
    return {k: (v[0], v[1]) for k, v in families.items()}


def test_parser_rejects_what_the_format_forbids():
    good = '# HELP a_total x\n# TYPE a_total counter\na_total{r="q\\"\\\\\\n"} 1\n'
    assert parse_exposition(good)["a_total"][1] == {("a_total", (("r", 'q\\"\\\\\\n'),)): 1.0}
    for bad in ['# HELP a x\n# TYPE a counter\na{r="x\\t"} 1\n',   # \t is not an escape
                '# HELP a x\n# TYPE a counter\nb 1\n',               # undeclared family
                '# HELP a x\n# TYPE a counter\na 1\na 2\n',          # duplicate series
                '# HELP a x\n# TYPE a counter\na one\n',             # not a number
                '# HELP a x\n# TYPE a counter\na 1',                 # no final line feed
                '# HELP a x\n# TYPE a counter\n# HELP a x\n# TYPE a counter\n']:
        with pytest.raises((AssertionError, ValueError)):
            parse_exposition(bad)


def value(fams, family, sample=None, **labels):
    want = tuple(sorted(labels.items()))
    for (name, lab), v in fams[family][1].items():
        if name == (sample or family) and tuple(sorted(lab)) == want:
            return v
    return 0.0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port, path="/metrics"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=30) as r:
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert r.headers["Connection"] == "close"
        return r.read().decode()


def scrape_until_dumps(port, n, deadline=30):
    """The "Core dump N generated" line is printed just before the dump is
    counted: scrape until the count shows it (a bounded wait, not a timing claim)."""
    end = time.time() + deadline
    while True:
        fams = parse_exposition(scrape(port))
        if value(fams, "coretrap_dumps_total", rule="cmdline", result="ok") >= n or time.time() > end:
            return fams
        time.sleep(0.05)


def wait_listening(port, ct, deadline=20):
    end = time.time() + deadline
    while time.time() < end:
        assert ct.poll() is None, "coretrap exited: %s" % ct.stderr.read()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("the endpoint never listened")


def read_until(ct, pattern, timeout=60):
    end = time.time() + timeout
    seen = []
    while time.time() < end:
        line = ct.stdout.readline()
        if not line:
            break
        seen.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError("no %r in coretrap output: %r" % (pattern, seen))


@pytest.fixture
def target():
    p = subprocess.Popen(["sleep", "300"])
    yield p
    p.kill()
    p.wait()


@pytest.fixture
def outdir():
    with tempfile.TemporaryDirectory(prefix="ct_metrics_") as d:
        yield d


def run(port, pid, outdir, *extra):
    return subprocess.Popen([CORETRAP, "-metrics", "127.0.0.1:%d" % port, "-tc", "1", *extra, str(pid), outdir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_counters_grow_with_each_dump_and_parse(target, outdir):
    port = free_port()
    ct = run(port, target.pid, outdir, "-n", "3", "-s", "1")
    try:
        wait_listening(port, ct)
        read_until(ct, r"Core dump 0 generated")
        first = scrape_until_dumps(port, 1)
        read_until(ct, r"Core dump 1 generated")
        second = scrape_until_dumps(port, 2)
        assert ct.wait(timeout=60) == 0, ct.stderr.read()
    finally:
        if ct.poll() is None:
            ct.kill()
    for fams in (first, second):
        assert {k: v[0] for k, v in fams.items()} == FAMILY_TYPES
        assert value(fams, "coretrap_watched_processes") == 1
        assert value(fams, "coretrap_bpf_ringbuf_drops_total") == 0
    for fams, n in ((first, 1), (second, 2)):
        # a scrape after "Core dump N" may already see the next one, never fewer
        assert value(fams, "coretrap_triggers_total", rule="cmdline", trigger="thread") >= n
        assert value(fams, "coretrap_dumps_total", rule="cmdline", result="ok") >= n
        assert value(fams, "coretrap_dump_duration_seconds", "coretrap_dump_duration_seconds_count") >= n
        assert value(fams, "coretrap_dump_stall_seconds", "coretrap_dump_stall_seconds_count") >= n
    one = min(os.path.getsize(os.path.join(outdir, f)) for f in os.listdir(outdir))
    assert value(first, "coretrap_dump_bytes_total") >= one
    assert value(second, "coretrap_dump_bytes_total") >= 2 * one
    assert value(second, "coretrap_dump_duration_seconds", "coretrap_dump_duration_seconds_sum") > 0
    assert value(second, "coretrap_dump_stall_seconds", "coretrap_dump_stall_seconds_sum") > 0
    assert len(os.listdir(outdir)) == 3


def test_other_paths_404_and_methods_405(target, outdir):
    port = free_port()
    ct = run(port, target.pid, outdir, "-n", "2", "-s", "30")
    try:
        wait_listening(port, ct)
        with pytest.raises(urllib.error.HTTPError) as e:
            scrape(port, "/")
        assert e.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as e:
            scrape(port, "/metrics/x")
        assert e.value.code == 404
        req = urllib.request.Request("http://127.0.0.1:%d/metrics" % port, data=b"x", method="POST")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 405
        # an oversized request head is refused, not buffered
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 8192)
            assert s.recv(64).startswith(b"HTTP/1.1 431 ")
    finally:
        ct.kill()
        ct.wait()


def test_silent_client_does_not_block_dumps(target, outdir):
    port = free_port()
    ct = run(port, target.pid, outdir, "-n", "2", "-s", "1")
    silent = []
    try:
        wait_listening(port, ct)
        # connections that never send a byte, held open through both dumps
        silent = [socket.create_connection(("127.0.0.1", port)) for _ in range(3)]
        read_until(ct, r"Core dump 0 generated")
        read_until(ct, r"Core dump 1 generated")
        assert ct.wait(timeout=60) == 0, ct.stderr.read()
    finally:
        for s in silent:
            s.close()
        if ct.poll() is None:
            ct.kill()
    assert len(os.listdir(outdir)) == 2


def test_silent_client_does_not_block_later_scrapes(target, outdir):
    port = free_port()
    ct = run(port, target.pid, outdir, "-n", "2", "-s", "600")
    try:
        wait_listening(port, ct)
        with socket.create_connection(("127.0.0.1", port)):
            # the server drops the silent one after its timeout and answers this
            fams = parse_exposition(scrape(port))
        assert {k: v[0] for k, v in fams.items()} == FAMILY_TYPES
        assert value(fams, "coretrap_watched_processes") == 1
    finally:
        ct.kill()
        ct.wait()


@pytest.mark.parametrize("addr", ["0.0.0.0:%d", "192.0.2.1:%d"])
def test_non_loopback_refused(target, addr):
    r = subprocess.run([CORETRAP, "-metrics", addr % free_port(), "-tc", "1", str(target.pid)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert r.stdout == ""
    assert r.stderr.startswith("coretrap: -metrics: ")
    assert "not a loopback address" in r.stderr
    assert r.stderr.count("\n") == 1


def test_port_in_use_is_one_clear_error(target):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = subprocess.run([CORETRAP, "-metrics", str(port), "-tc", "1", str(target.pid)],
                           capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert r.stderr == "coretrap: -metrics: cannot listen on %d: Address already in use\n" % port


def test_compressed_dump_counts_the_file_bytes(target, outdir):
    port = free_port()
    ct = run(port, target.pid, outdir, "-z", "zstd", "-n", "2", "-s", "600")
    try:
        wait_listening(port, ct)
        read_until(ct, r"Core dump 0 generated")
        fams = scrape_until_dumps(port, 1)
    finally:
        ct.kill()
        ct.wait()
    (f,) = os.listdir(outdir)
    assert f.endswith(".zst")
    assert value(fams, "coretrap_dump_bytes_total") == os.path.getsize(os.path.join(outdir, f))
