"""The database session store, with its one read compiled once per process.

Same table, same rows and the same expiry as `django.contrib.sessions.backends.db`
(so every app server sees a sign-out at once); only the lookup that every signed-in
request makes skips the ORM's query compilation, which cost more than the query.
Set by SESSION_ENGINE = "campaigndesk.core.sessions".
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone

from . import generation

_KEY_MARKER = "campaigndesk-session-key-marker"
_WHEN_MARKER = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@functools.cache
def _read_sql(alias: str, vendor: str) -> tuple[str, int, int]:
    """The SELECT of one live session's data, and where its two parameters go.

    It also reads the reference stamp (core/generation.py), so that the person, their
    grants and the current campaign come from this process's cache without another
    round trip: one row always, its session data NULL when there is no live session."""
    query = (
        Session.objects.using(alias)
        .filter(session_key=_KEY_MARKER, expire_date__gt=_WHEN_MARKER)
        .values_list("session_data")
        .query
    )
    sql, params = query.sql_with_params()
    params = list(params)
    if len(params) != 2 or _KEY_MARKER not in params:
        raise RuntimeError(f"unexpected parameters in the session query: {params!r}")
    key_at = params.index(_KEY_MARKER)
    stamp = generation.STAMP_SUBQUERY if vendor in {"postgresql", "sqlite"} else "NULL"
    return f"SELECT ({sql}), {stamp}", key_at, 1 - key_at


class _Row:
    __slots__ = ("session_data",)

    def __init__(self, session_data: str) -> None:
        self.session_data = session_data


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        alias = router.db_for_read(Session)
        connection = connections[alias]
        sql, key_at, when_at = _read_sql(alias, connection.vendor)
        params: list[Any] = [None, None]
        params[key_at] = self.session_key
        params[when_at] = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        generation.note(alias, row[1])
        if row[0] is None:
            self._session_key = None
            return None
        return _Row(row[0])
