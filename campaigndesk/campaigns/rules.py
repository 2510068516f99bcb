"""Access rules for campaigns (registered in the project-wide registry)."""

from typing import Any

from campaigndesk.org.access import ALL_ROLES, grants, rule
from campaigndesk.org.models import Role


@rule("campaigns.view")
def _view(user: Any, _campaign: Any) -> bool:
    # A campaign is city-wide: everyone with a role in it reads its set-up.
    return grants(user).has(*ALL_ROLES)


@rule("campaigns.manage")
def _manage(user: Any, _campaign: Any) -> bool:
    return grants(user).has(Role.OFFICE)
