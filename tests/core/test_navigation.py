"""The top bar's menu and role badges, which each process renders once per grant set."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils import translation

from campaigndesk.core import navigation
from campaigndesk.org.models import Role
from tests.factories import grant


def _menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="menu"[^>]*>(.*?)</nav>', html, re.S)
    assert nav is not None, "the page has no menu"
    return re.findall(r"<a href=\"([^\"]+)\"", nav.group(1))


def test_a_new_grant_shows_in_the_menu_on_the_next_page(world, client_for):
    client = client_for(world.nobody)
    client.cookies["django_language"] = "en"
    before = client.get(reverse("home")).content.decode()
    assert reverse("audit:list") not in _menu_links(before)
    assert '<span class="badge">No role yet</span>' in before

    grant(world.nobody, Role.OFFICE, world.city)
    after = client.get(reverse("home")).content.decode()
    assert reverse("audit:list") in _menu_links(after)
    assert '<span class="badge">Office supervisor</span>' in after
    assert "No role yet" not in after


def test_the_menu_marks_the_page_one_is_on(world, client_for):
    client = client_for(world.office)
    for url in (reverse("home"), reverse("audit:list"), reverse("org:unit_list")):
        html = client.get(url).content.decode()
        current = re.findall(r'<a href="([^"]+)" aria-current="page">', html)
        assert current == [url], (url, current)


def test_two_people_with_the_same_roles_share_the_menu_but_not_their_names(world, client_for):
    first = client_for(world.office).get(reverse("home")).content.decode()
    other = client_for(world.viewer).get(reverse("home")).content.decode()
    assert world.office.full_name in first and world.office.full_name not in other
    assert reverse("audit:list") in _menu_links(other)  # a city-level viewer audits


def test_the_menu_is_kept_apart_for_each_language(world, rf):
    # The catalogues are compiled at release, so the text itself may not differ here:
    # what must differ is the entry each language is kept under.
    request = rf.get(reverse("home"))
    request.user = world.office
    with translation.override("en"):
        english = navigation.menu_html(world.office, request.path)
    navigation._html_cache.clear()
    with translation.override("zh-hans"):
        navigation.menu_html(world.office, request.path)
        keys = {key[3] for key in navigation._html_cache if key[0] == "menu"}
    assert keys == {"zh-hans"}
    with translation.override("en"):
        assert navigation.menu_html(world.office, request.path) == english
