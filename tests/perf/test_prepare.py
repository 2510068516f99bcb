"""Naming and reuse of the bench databases, without creating any."""

import pytest

from campaigndesk.perf import prepare


def test_sizes_ask_only_for_generators_that_exist():
    assert prepare.wanted_sizes("city", ["units"]) == {"units": 300}
    assert prepare.wanted_sizes("small", ["units", "tasks"]) == {"units": 30, "tasks": 10_000}
    assert prepare.wanted_sizes("city", None) == {"units": 300}


def test_small_is_a_tenth_of_city():
    for kind, count in prepare.SCALES["city"].items():
        assert prepare.SCALES["small"][kind] * 10 == count


def test_the_sqlite_bench_database_lives_in_var_by_scale():
    url = prepare.database_url("sqlite", "small")
    assert url.startswith("sqlite:///")
    assert url.endswith("/var/bench-small.sqlite3")


def test_the_postgres_bench_database_is_named_by_scale_and_bench_pg_url_moves_it(monkeypatch):
    monkeypatch.delenv("BENCH_PG_URL", raising=False)
    assert prepare.database_url("postgres", "city") == (
        "postgres://postgres@127.0.0.1:5432/campaigndesk_bench_city"
    )
    monkeypatch.setenv("BENCH_PG_URL", "postgres://bench:secret@db.local:5433/ignored")
    assert prepare.database_url("postgres", "small") == (
        "postgres://bench:secret@db.local:5433/campaigndesk_bench_small"
    )


def test_reports_hide_the_database_password():
    url = "postgres://bench:secret@db.local:5433/campaigndesk_bench_small"
    assert prepare.redact(url) == "postgres://bench:***@db.local:5433/campaigndesk_bench_small"


def test_the_marker_round_trips_and_a_stale_version_is_ignored(tmp_path):
    marker = tmp_path / "bench-sqlite-small.json"
    prepare.write_marker(marker, {"version": prepare.MARKER_VERSION, "sizes": {"units": 30}})
    assert prepare.read_marker(marker)["sizes"] == {"units": 30}

    prepare.write_marker(marker, {"version": 0, "sizes": {"units": 30}})
    assert prepare.read_marker(marker) == {}
    assert prepare.read_marker(tmp_path / "missing.json") == {}


def test_the_generators_of_this_build_include_units():
    names = prepare.available_generators()
    assert names is not None
    assert "units" in names


def test_rows_a_write_path_added_are_counted_above_the_high_water_mark(tmp_path):
    import sqlite3

    from campaigndesk.perf.prepare import high_water, rows_since

    path = tmp_path / "bench.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x TEXT)")
        conn.executemany("INSERT INTO t (x) VALUES (?)", [("a",), ("b",)])
    url = f"sqlite:///{path}"
    mark = high_water(url, "t")
    assert mark == 2
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO t (x) VALUES (?)", [("c",), ("d",), ("e",)])
    assert rows_since(url, "t", mark) == 3
    with pytest.raises(ValueError):
        high_water(url, "t; DROP TABLE t")


def test_analyse_gives_sqlite_the_planner_statistics_of_a_bulk_grown_table(tmp_path):
    import sqlite3

    path = tmp_path / "bench.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, light TEXT)")
        conn.execute("CREATE INDEX t_light ON t (light)")
        conn.executemany("INSERT INTO t (light) VALUES (?)", [("red",)] * 50 + [("green",)] * 50)
    said: list[str] = []
    prepare.analyse(f"sqlite:///{path}", said.append)
    with sqlite3.connect(path) as conn:
        stats = dict(conn.execute("SELECT idx, stat FROM sqlite_stat1").fetchall())
    assert stats["t_light"].startswith("100 ")  # rows counted, rows per distinct light
    assert said[0].startswith("  ANALYZE")
