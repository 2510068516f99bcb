import datetime as dt
import functools
from importlib import metadata

from django import template
from django.conf import settings
from django.http import QueryDict

from campaigndesk import clock
from campaigndesk.core import navigation

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pager and sort links)."""
    params: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


role_label = register.filter("role_label", navigation.role_label)


@register.simple_tag(takes_context=True)
def topbar_menu(context) -> str:
    """The staff menu (links the person may open, the current one marked)."""
    request = context["request"]
    return navigation.menu_html(request.user, request.path)


@register.simple_tag(takes_context=True)
def topbar_roles(context) -> str:
    """The person's roles as badges."""
    return navigation.roles_html(context["request"].user)


@register.simple_tag
@functools.cache
def app_version() -> str:
    """The installed CampaignDesk version, shown in the footer."""
    # Cached: reading the installed metadata costs about 1 ms, on every page.
    try:
        return metadata.version("campaigndesk")
    except metadata.PackageNotFoundError:
        return ""


@register.simple_tag
def demo_mode() -> bool:
    """True on a demonstration server (DEBUG on), where sign-in hints may be shown."""
    return bool(settings.DEBUG)


@register.simple_tag
def today() -> dt.date:
    """Today on the project clock (frozen in tests): `{% today as today %}`."""
    return clock.today()
