"""Settings come from the environment and refuse unsafe production values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from campaigndesk import settings as cd_settings

PRODUCTION_SECRET = "k" * 20 + "-production-secret-that-is-long-enough-" + "z" * 10


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their session; a server never has it.
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "campaigndesk", *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        check=False,
    )


def test_check_deploy_reports_no_warnings_in_production_mode():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=PRODUCTION_SECRET,
        ALLOWED_HOSTS="desk.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_mode_refuses_the_demo_secret_key():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="desk.example.gov.cn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_bad_boolean_is_refused_with_its_name():
    result = run_manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be" in result.stderr


def test_env_helpers_parse_and_refuse(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    monkeypatch.setenv("X_NUM", "12")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert cd_settings.env_bool("X_FLAG", False) is True
    assert cd_settings.env_int("X_NUM", 0) == 12
    assert cd_settings.env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_NUM", "twelve")
    with pytest.raises(ImproperlyConfigured, match="X_NUM"):
        cd_settings.env_int("X_NUM", 0)


def test_email_url_becomes_smtp_settings():
    result = cd_settings.email_settings("smtp://robot:s%40cret@mail.gov.example:587?tls=1")
    assert result["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert result["EMAIL_HOST"] == "mail.gov.example"
    assert result["EMAIL_PORT"] == 587
    assert result["EMAIL_HOST_PASSWORD"] == "s@cret"
    assert result["EMAIL_USE_TLS"] is True


def test_unknown_email_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL"):
        cd_settings.email_settings("pigeon://loft")


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # The test database lives in memory, where SQLite reports "memory"; a file database is WAL.
    assert mode in {"wal", "memory"}
    assert connection.settings_dict["OPTIONS"]["timeout"] >= 5


def test_sqlite_file_database_is_in_wal_mode(tmp_path):
    db = tmp_path / "wal.sqlite3"
    result = run_manage(
        "shell",
        "-c",
        "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])",
        DATABASE_URL=f"sqlite:///{db}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "wal"


KEEPS_CONNECTION = """
import io, sys
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
app = WSGIHandler()
seen = []
for _ in range(2):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz", "SERVER_NAME": "localhost",
               "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "wsgi.errors": sys.stderr}
    app(environ, lambda status, headers: seen.append(status)).close()
    seen.append(connection.connection and id(connection.connection))
print(seen)
"""


@pytest.mark.parametrize(("max_age", "kept"), [(None, True), ("0", False)])
def test_sqlite_keeps_its_connection_between_requests(tmp_path, max_age, kept):
    """Opening a SQLite connection and setting its pragmas cost more than /healthz."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kept.sqlite3'}"}
    if max_age is not None:
        env["DB_CONN_MAX_AGE"] = max_age
    result = run_manage("shell", "-c", KEEPS_CONNECTION, **env)
    assert result.returncode == 0, result.stderr
    first_status, first, second_status, second = eval(result.stdout.strip().splitlines()[-1])  # noqa: S307
    assert first_status == second_status == "200 OK"
    if kept:
        assert first and first == second  # still open, the same connection
    else:
        assert first is None and second is None  # closed at the end of each request
