"""The bench databases: one per scale and engine, made once and reused.

SQLite: var/bench-<scale>.sqlite3. PostgreSQL: database `campaigndesk_bench_<scale>`
on postgres://postgres@127.0.0.1:5432/ (BENCH_PG_URL names another server). Each is
migrated, given the Dalian demo (`load_demo`) and grown with `campaigndesk scale`,
all as subprocesses with DATABASE_URL set. A marker file (var/bench-<db>-<scale>.json)
records what was made, so the next run only migrates (new capabilities bring new
tables) and runs `scale` again when more generators exist than last time.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

SCALES: dict[str, dict[str, int]] = {
    "city": {"units": 300, "tasks": 100_000, "suggestions": 1_000_000},
    "small": {"units": 30, "tasks": 10_000, "suggestions": 100_000},
}
DBS = ("sqlite", "postgres")
SEED = 2018
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/"
MARKER_VERSION = 1

Say = Callable[[str], None]


def var_dir() -> Path:
    return Path(settings.BASE_DIR) / "var"


def pg_server_url() -> str:
    return os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL)


def pg_database_url(scale: str, server_url: str | None = None) -> str:
    parts = urlsplit(server_url or pg_server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/campaigndesk_bench_{scale}", "", ""))


def database_url(db: str, scale: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{var_dir() / f'bench-{scale}.sqlite3'}"
    return pg_database_url(scale)


def marker_path(db: str, scale: str) -> Path:
    return var_dir() / f"bench-{db}-{scale}.json"


def redact(url: str) -> str:
    """The URL without its password, for reports."""
    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    return url


# --- which sizes can be asked for ---------------------------------------------------------


def available_generators() -> list[str] | None:
    """Names of the `scale` generators this build has, or None when unknown."""
    try:
        from campaigndesk.demo import scale as demo_scale
    except ImportError:
        return None
    try:
        demo_scale.discover()
        return [r.name for r in demo_scale.registered()]
    except AttributeError:
        return None


def wanted_sizes(scale: str, available: list[str] | None) -> dict[str, int]:
    """The scale's sizes limited to the generators that exist (units when unknown)."""
    sizes = SCALES[scale]
    names = available if available is not None else ["units"]
    return {k: v for k, v in sizes.items() if k in names}


# --- commands run against the bench database ---------------------------------------------------


def command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()


def run_command(
    args: list[str], env: Mapping[str, str], say: Say, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "campaigndesk", *args]
    started = time.monotonic()
    proc = subprocess.run(  # noqa: S603 (our own arguments)
        cmd, env=dict(env), capture_output=True, text=True, check=False
    )
    say(f"  campaigndesk {' '.join(args)}  ({time.monotonic() - started:.1f} s)")
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"campaigndesk {' '.join(args)} failed ({proc.returncode}):\n"
            + (proc.stderr or proc.stdout)[-3000:]
        )
    return proc


@dataclass
class Prepared:
    db: str
    scale: str
    url: str
    info: dict[str, Any]  # the marker's content


def _database_exists(db: str, url: str) -> bool:
    if db == "sqlite":
        return Path(urlsplit(url).path).exists()
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql", "pgsql") else parts.scheme
    return urlunsplit((scheme, parts.netloc, "/postgres", parts.query, ""))


def _create_database(db: str, url: str) -> None:
    if db == "sqlite":
        Path(urlsplit(url).path).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def read_marker(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if data.get("version") == MARKER_VERSION else {}


def write_marker(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def prepare(db: str, scale: str, say: Say, base_env: Mapping[str, str] | None = None) -> Prepared:
    """Make (or reuse) the bench database for `db` and `scale`."""
    url = database_url(db, scale)
    marker = marker_path(db, scale)
    env = {**(base_env if base_env is not None else os.environ), "DATABASE_URL": url}
    env.pop("DEBUG", None)  # preparation runs with the demo's defaults
    env.pop("SECRET_KEY", None)

    if not _database_exists(db, url):
        say(f"creating the {db} bench database for scale {scale}: {redact(url)}")
        marker.unlink(missing_ok=True)
        _create_database(db, url)
    info = read_marker(marker) or {"version": MARKER_VERSION, "db": db, "scale": scale}

    say(f"preparing {redact(url)}")
    run_command(["migrate", "--no-input", "-v", "0"], env, say)

    if not info.get("demo"):
        if command_exists("load_demo"):
            run_command(["load_demo"], env, say)
            info["demo"] = True
        else:
            info["demo"] = False
            info.setdefault("notes", []).append("load_demo did not exist: no demo data")
        write_marker(marker, info)

    available = available_generators()
    wanted = wanted_sizes(scale, available)
    if info.get("sizes") != wanted and command_exists("scale"):
        args = ["scale", "--seed", str(SEED)]
        for kind, count in wanted.items():
            args += [f"--{kind}", str(count)]
        run_command(args, env, say)
        info["sizes"] = wanted
        info["seed"] = SEED
        write_marker(marker, info)
    elif not command_exists("scale"):
        info["sizes"] = {}
    analyse(url, say)
    missing = sorted(set(SCALES[scale]) - set(wanted))
    info["missing_generators"] = missing
    info["prepared_at"] = info.get("prepared_at") or time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_marker(marker, info)
    return Prepared(db=db, scale=scale, url=url, info=info)


def analyse(url: str, say: Say) -> None:
    """Refresh the planner's statistics before measuring. Where autovacuum is off (as on
    some machines this runs on), a database grown in bulk keeps the statistics of its empty
    tables from the migrations, and PostgreSQL then sorts half a campaign for a deep page
    that an index answers in a millisecond. SQLite samples each index (analysis_limit)
    rather than reading a million rows."""
    started = time.monotonic()
    if url.startswith("sqlite:"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(urlsplit(url).path, timeout=60)) as conn:
            conn.execute("PRAGMA analysis_limit = 1000")
            conn.execute("ANALYZE")
            conn.commit()
    else:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            # VACUUM too: it marks pages all-visible, which index-only scans (the capped
            # counts, the duplicate keys) need, as autovacuum would have done.
            conn.execute("VACUUM (ANALYZE)")
    say(f"  ANALYZE  ({time.monotonic() - started:.1f} s)")


# --- counting the rows a write path added -------------------------------------------------

_TABLE = re.compile(r"^[a-z_][a-z0-9_]*$")


def _scalar(url: str, query: str, params: tuple[Any, ...] = ()) -> int:
    """One number from the bench database (its own short connection, outside the server)."""
    if url.startswith("sqlite:"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(urlsplit(url).path, timeout=60)) as conn:
            return int(conn.execute(query.replace("%s", "?"), params).fetchone()[0])
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return int(conn.execute(query, params).fetchone()[0])  # type: ignore[index]


def high_water(url: str, table: str) -> int:
    """The highest id in `table` now: rows above it are the ones added afterwards."""
    if not _TABLE.match(table):
        raise ValueError(f"not a table name: {table!r}")
    return _scalar(url, f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (checked)


def rows_since(url: str, table: str, mark: int) -> int:
    """How many rows `table` gained above the id `mark` (an index range, not a scan)."""
    if not _TABLE.match(table):
        raise ValueError(f"not a table name: {table!r}")
    return _scalar(url, f"SELECT COUNT(*) FROM {table} WHERE id > %s", (mark,))  # noqa: S608
