"""Memory sampling from /proc, checked on the test process itself (no gunicorn)."""

import os
import subprocess
import sys

from campaigndesk.perf.runner import server_env
from campaigndesk.perf.server import MemorySampler, free_port, process_tree, rss_bytes


def test_the_process_tree_holds_the_root_and_its_children():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(5)"])
    try:
        tree = process_tree(os.getpid())
        assert tree[0] == os.getpid()
        assert child.pid in tree
    finally:
        child.kill()
        child.wait()


def test_rss_sums_the_processes_and_skips_those_that_ended():
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; print('ready', flush=True); time.sleep(5)"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "ready"
        mine, theirs = rss_bytes([os.getpid()]), rss_bytes([child.pid])
        assert mine > 10 * 1024 * 1024
        assert theirs > 1024 * 1024
        both = rss_bytes([os.getpid(), child.pid])
        assert abs(both - (mine + theirs)) < 4 * 1024 * 1024
    finally:
        child.kill()
        child.wait()
    assert rss_bytes([child.pid, 2**22 + 7]) == 0  # ended, and never existed


def test_the_sampler_keeps_the_peak():
    class FakeServer:
        def pids(self):
            return [os.getpid()]

    with MemorySampler(FakeServer(), interval=0.01) as sampler:
        pass
    assert sampler.peak_mb > 10


def test_the_server_runs_as_in_production(tmp_path):
    env = server_env("sqlite:///x.sqlite3", tmp_path, "k" * 64)
    assert env["DEBUG"] == "0"
    assert len(env["SECRET_KEY"]) >= 50
    assert env["ALLOWED_HOSTS"] == "127.0.0.1,localhost"
    assert env["SECURE_SSL"] == "0"
    assert env["STATIC_ROOT"] == str(tmp_path)


def test_a_free_port_is_on_loopback_and_usable():
    assert 1024 < free_port() < 65536
