"""The staff menu: which entries a person sees follows from the access rules."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import module_has_submodule
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from campaigndesk.org import access
from campaigndesk.org.models import Role


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    perm: str
    prefix: str  # the entry is highlighted when the current path starts with this
    # `perm` is a rule that reads only the person's grants: the menu is cached per grant set.


CORE_MENU: list[MenuEntry] = [
    MenuEntry(_("Overview"), "home", "campaigns.view", "/desk/$"),
]
TAIL_MENU: list[MenuEntry] = [
    MenuEntry(_("Campaigns"), "campaigns:list", "campaigns.view", "/desk/campaigns/"),
    MenuEntry(_("Units"), "org:unit_list", "org.view_people", "/desk/org/units/"),
    MenuEntry(_("People"), "org:person_list", "org.view_people", "/desk/org/people/"),
    MenuEntry(_("Audit trail"), "audit:list", "audit.view_trail", "/desk/audit/"),
]


def _app_entries() -> list[MenuEntry]:
    """Entries that apps declare in their own `navigation.MENU` (ledger, supervision, …)."""
    from importlib import import_module

    found: list[MenuEntry] = []
    for config in apps.get_app_configs():
        ours = config.name.startswith("campaigndesk.") and config.label != "core"
        if ours and module_has_submodule(config.module, "navigation"):
            found.extend(getattr(import_module(f"{config.name}.navigation"), "MENU", []))
    return found


_menu_cache: list[MenuEntry] | None = None


def all_entries() -> list[MenuEntry]:
    global _menu_cache
    if _menu_cache is None:
        _menu_cache = [*CORE_MENU, *_app_entries(), *TAIL_MENU]
    return _menu_cache


def grants_signature(user: Any) -> tuple[Any, ...]:
    """Everything the menu's rules read: the person's grants (roles, unit paths, superuser)."""
    g = access.grants(user)
    return (g.superuser, tuple(sorted((r, tuple(sorted(p))) for r, p in g.by_role.items())))


@functools.cache
def _url_of(url_name: str, script_prefix: str) -> str | None:
    """Each menu URL is reversed once per process (and per script prefix)."""
    try:
        return reverse(url_name)
    except NoReverseMatch:  # a screen not built yet
        return None


_visible_cache: dict[tuple[Any, ...], tuple[tuple[MenuEntry, str], ...]] = {}
_html_cache: dict[tuple[Any, ...], SafeString] = {}
CACHE_LIMIT = 4096  # distinct grant sets x languages x current entries kept per process


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    """Tests that swap the URLs or languages get a fresh menu."""
    if setting in {"ROOT_URLCONF", "LANGUAGES", "LANGUAGE_CODE", "INSTALLED_APPS"}:
        _url_of.cache_clear()
        _visible_cache.clear()
        _html_cache.clear()


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> Any:
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _visible(user: Any, signature: tuple[Any, ...]) -> tuple[tuple[MenuEntry, str], ...]:
    """The entries the person may open, with their URLs.

    The menu's rules read nothing but the person's grants, which are loaded once per
    request, so the answer is kept per grant set: a changed grant is a new key.
    """
    key = (signature, get_script_prefix())
    found = _visible_cache.get(key)
    if found is None:
        shown = []
        for entry in all_entries():
            if not access.can(user, entry.perm):
                continue
            url = _url_of(entry.url_name, key[1])
            if url is not None:
                shown.append((entry, url))
        found = _remember(_visible_cache, key, tuple(shown))
    return found


def _is_active(entry: MenuEntry, current_path: str) -> bool:
    prefix = entry.prefix
    if prefix.endswith("$"):
        return current_path == prefix[:-1]
    return current_path.startswith(prefix)


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    return [
        {"label": entry.label, "url": url, "active": _is_active(entry, current_path)}
        for entry, url in _visible(user, grants_signature(user))
    ]


def menu_html(user: Any, current_path: str) -> SafeString:
    """The top bar's menu, rendered once per grant set, language and current entry in
    each process (every desk page shows it)."""
    signature = grants_signature(user)
    visible = _visible(user, signature)
    active = next((i for i, (e, _url) in enumerate(visible) if _is_active(e, current_path)), -1)
    key = ("menu", signature, get_script_prefix(), get_language(), active)
    found = _html_cache.get(key)
    if found is None:
        links = format_html_join(
            "",
            '<a href="{}"{}>{}</a>',
            (
                (url, mark_safe(' aria-current="page"') if i == active else "", entry.label)
                for i, (entry, url) in enumerate(visible)
            ),
        )
        html = format_html(
            '<nav class="menu" aria-label="{}">{}</nav>', gettext("Main menu"), links
        )
        found = _remember(_html_cache, key, html)
    return found


def roles_html(user: Any) -> SafeString:
    """The person's roles as badges in words, rendered once per grant set and language."""
    signature = grants_signature(user)
    key = ("roles", signature, get_language())
    found = _html_cache.get(key)
    if found is None:
        superuser, by_role = signature
        names = [gettext("Administrator")] if superuser else []
        names += [role_label(code) for code, _paths in by_role]
        if not names:
            names.append(gettext("No role yet"))
        html = format_html(
            '<span class="roles" title="{}"><span class="visually-hidden">{}</span>{}</span>',
            gettext("Your roles"),
            gettext("Your roles:"),
            format_html_join("", '<span class="badge">{}</span>', ((n,) for n in names)),
        )
        found = _remember(_html_cache, key, html)
    return found


def role_label(code: str) -> str:
    """The readable, translated name of a role code ("office" -> "Office supervisor")."""
    try:
        return str(Role(code).label)
    except ValueError:
        return code
