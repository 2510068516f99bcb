"""The staff menu: which entries a person sees follows from the access rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from campaigndesk.org import access


@dataclass(frozen=True)
class MenuEntry:
    label: str | Promise
    url_name: str
    perm: str
    prefix: str  # the entry is highlighted when the current path starts with this


# Later capabilities append their entries here (ledger, supervision, ...).
MENU: list[MenuEntry] = [
    MenuEntry(_("Overview"), "home", "campaigns.view", "/desk/$"),
    MenuEntry(_("Campaigns"), "campaigns:list", "campaigns.view", "/desk/campaigns/"),
    MenuEntry(_("Units"), "org:unit_list", "org.view_people", "/desk/org/units/"),
    MenuEntry(_("People"), "org:person_list", "org.view_people", "/desk/org/people/"),
    MenuEntry(_("Audit trail"), "audit:list", "audit.view_trail", "/desk/audit/"),
]


def menu_for(user: Any, current_path: str) -> list[dict[str, Any]]:
    entries = []
    for entry in MENU:
        if not access.can(user, entry.perm):
            continue
        prefix = entry.prefix
        active = (
            current_path == prefix[:-1] if prefix.endswith("$") else current_path.startswith(prefix)
        )
        entries.append({"label": entry.label, "url": reverse(entry.url_name), "active": active})
    return entries
