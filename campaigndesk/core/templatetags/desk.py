import datetime as dt
import functools
from importlib import metadata
from typing import Any

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import QueryDict
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language

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


@functools.cache
def _url(name: str, script_prefix: str) -> str:
    return reverse(name)


@register.simple_tag
def fixed_url(name: str) -> str:
    """`{% url name %}` for a URL without arguments, reversed once per process: the
    frame of every page links to the same few."""
    return _url(name, get_script_prefix())


@functools.cache
def _static(path: str) -> str:
    return static(path)


@register.simple_tag
def static_once(path: str) -> str:
    """`{% static path %}`, looked up once per process (the manifest does not change
    while the process runs)."""
    return _static(path)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "FORCE_SCRIPT_NAME"}:
        _url.cache_clear()
        _static.cache_clear()


LANGUAGE_NAMES = {"en": "English", "zh-hans": "简体中文"}  # each in its own language


@register.simple_tag(takes_context=True)
def language_switch(context) -> str:
    """The form that offers the other languages (Django's set_language view), built in
    Python: the same markup as an include, for a quarter of its cost on every page."""
    request = context.get("request")
    current = get_language()
    buttons = format_html_join(
        "",
        '<button type="submit" name="language" value="{}" class="link" lang="{}">{}</button>',
        (
            (code, code, LANGUAGE_NAMES.get(code, name))
            for code, name in settings.LANGUAGES
            if code != current
        ),
    )
    return format_html(
        '<form class="lang" action="{}" method="post">{}\n'
        '  <input type="hidden" name="next" value="{}">\n  {}\n</form>',
        _url("set_language", get_script_prefix()),
        format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
        if request is not None
        else "",
        request.get_full_path() if request is not None else "",
        buttons,
    )


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
