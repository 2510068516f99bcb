"""Sign-in: Django's model backend, with the person of each request kept per process.

Every signed-in request loads its person by id. The row changes rarely (a sign-in's
last_login, a password, a deactivation) and every change of it renews the reference
stamp (core/generation.py), so the row is read from this process's cache until then.
Each request gets its own fresh instance: nobody shares a mutable object.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db import router

from campaigndesk.core import generation

from .models import User


def _attnames() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        alias = router.db_for_read(User)
        names = _attnames()

        def read() -> tuple[Any, ...] | None:
            return User._default_manager.using(alias).filter(pk=user_id).values_list(*names).first()

        try:
            values = generation.cached("user", user_id, read, alias)
        except (TypeError, ValueError):  # a malformed id in a session
            return None
        if values is None:
            return None
        user = User.from_db(alias, list(names), list(values))
        return user if self.user_can_authenticate(user) else None
