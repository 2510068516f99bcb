"""A write path: the runner counts the acknowledgements the load generator saw (the
preflight's, the warm-up's and the load's) against the rows the bench database gained."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

from campaigndesk.perf import runner
from campaigndesk.perf.paths import BenchPath
from campaigndesk.perf.report import Measurement


class FakeGenerator:
    """Stores `rows_per_run` rows per run, but acknowledges only `acked_per_run`."""

    def __init__(self, db: str, rows_per_run: int, acked_per_run: int, cut_per_run: int = 0):
        self.db, self.rows, self.acked, self.cut = db, rows_per_run, acked_per_run, cut_per_run
        self.requests: list = []

    def run(self, req, duration, concurrency):
        self.requests.append(req)
        with sqlite3.connect(self.db) as conn:
            conn.executemany("INSERT INTO t (x) VALUES (?)", [("r",)] * self.rows)
        return Measurement(
            self.rows, 1.0, 1.0, 2.0, 3.0, 0, counted=self.acked, unanswered=self.cut
        )


def bench_one(tmp_path, monkeypatch, rows: int, acked: int, cut: int = 0):
    db = tmp_path / "bench.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
        conn.execute("INSERT INTO t (x) VALUES ('before')")

    def preflight(req, expect):  # the preflight's one acknowledged submission
        with sqlite3.connect(db) as c:
            c.execute("INSERT INTO t (x) VALUES ('preflight')")
        return ""

    monkeypatch.setattr(runner, "preflight", preflight)
    server = SimpleNamespace(
        env={"DATABASE_URL": f"sqlite:///{db}"}, base_url="http://127.0.0.1:1", proc=None
    )
    monkeypatch.setattr(runner, "MemorySampler", _NoSampler)
    path = BenchPath("submit", "/s", method="POST", body="{n}", expect=201, stored_table="t")
    gen = FakeGenerator(str(db), rows, acked, cut)
    probed = {"url": "/s", "status": 201, "auth": "none", "headers": {}, "body": "{n}"}
    options = runner.Options(scale="small", db="sqlite", duration=1, warmup=1)
    result = runner._bench_path(server, gen, path, probed, options, lambda text: None)
    return result, gen


class _NoSampler:
    peak_mb = 1.0

    def __init__(self, server):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_every_acknowledged_submission_is_counted_in_the_database(tmp_path, monkeypatch):
    result, gen = bench_one(tmp_path, monkeypatch, rows=40, acked=40)
    assert all(req.count_status == 201 for req in gen.requests)
    assert (result.acknowledged, result.stored) == (81, 81)  # 1 + warm-up 40 + load 40
    assert "ERROR" not in result.note


def test_a_lost_submission_is_reported_as_an_error(tmp_path, monkeypatch):
    result, _gen = bench_one(tmp_path, monkeypatch, rows=39, acked=40)
    assert (result.acknowledged, result.stored) == (81, 79)
    assert "ERROR: acknowledged 81 but stored 79" in result.note


def test_rows_of_requests_cut_off_at_the_end_of_the_load_are_not_an_error(tmp_path, monkeypatch):
    result, _gen = bench_one(tmp_path, monkeypatch, rows=41, acked=40, cut=2)
    assert (result.acknowledged, result.stored, result.unanswered) == (81, 83, 4)
    assert result.count_verdict == "PASS"
    assert "ERROR" not in result.note
