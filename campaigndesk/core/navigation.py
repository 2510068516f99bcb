"""The staff menu: which entries a person sees follows from the access rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _

from campaigndesk.org import access


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    perm: str
    prefix: str  # the entry is highlighted when the current path starts with this


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


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    entries = []
    for entry in all_entries():
        if not access.can(user, entry.perm):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # a screen not built yet
            continue
        prefix = entry.prefix
        active = (
            current_path == prefix[:-1] if prefix.endswith("$") else current_path.startswith(prefix)
        )
        entries.append({"label": entry.label, "url": url, "active": active})
    return entries
