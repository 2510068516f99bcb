from typing import Any

from django.http import HttpRequest

from campaigndesk.org import access

from .navigation import menu_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy so pages that never show the menu (API, health) pay nothing.
    return {
        "menu": lambda: menu_for(user, request.path),
        "my_roles": lambda: sorted(access.grants(user).by_role),
    }
