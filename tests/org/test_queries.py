"""Query counts of the org lists: the same for 10 rows as for 100 (no query per row)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigndesk.org.models import Role
from tests.factories import UnitFactory, UserFactory, grant


def add_units(world, n: int) -> None:
    for i in range(n):
        UnitFactory(code=f"Q{i:04d}", parent=world.zhongshan if i % 2 else world.ganjingzi)


def add_people(world, n: int) -> None:
    for i in range(n):
        person = UserFactory(username=f"q{i:04d}", unit=world.ganjingzi, phone="0411")
        grant(person, Role.LIAISON if i % 2 else Role.VIEWER, world.ganjingzi)


@pytest.mark.parametrize("n", [10, 100])
def test_unit_list_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_num_queries, n
):
    add_units(world, n)
    client = client_for(world.office)
    client.get(reverse("org:unit_list"))  # warm the content-type and per-process caches
    # 1 session and the reference stamp, 2 COUNT of the units (pager), 3 the page of units
    # with their parents joined. (The user and their role grants come from the process
    # cache.)
    with django_assert_num_queries(3):
        response = client.get(reverse("org:unit_list"), {"per_page": 200})
    assert len(response.context["rows"]) == n + 6


@pytest.mark.parametrize("n", [10, 100])
def test_people_list_query_count_does_not_grow_with_rows(
    world, client_for, django_assert_num_queries, n
):
    add_people(world, n)
    client = client_for(world.office)
    client.get(reverse("org:person_list"))
    # 1 session and the reference stamp, 2 COUNT of the people (pager), 3 the page of
    # people with their units joined, 4 their role grants with the units' names (one
    # query), 5 the units offered by the unit filter. (The user and their own role grants
    # come from the process cache.)
    with django_assert_num_queries(5):
        response = client.get(reverse("org:person_list"), {"per_page": 200})
    assert len(response.context["rows"]) == n + 9


def test_the_people_list_is_kept_per_viewer_until_people_change(
    world, client_for, django_assert_num_queries
):
    add_people(world, 10)
    office = client_for(world.office)
    first = office.get(reverse("org:person_list"), {"per_page": 200}).content.decode()
    # The same list again: only the session and the reference stamp are read.
    with django_assert_num_queries(1):
        again = office.get(reverse("org:person_list"), {"per_page": 200}).content.decode()
    assert again.count("<tr>") == first.count("<tr>") == 10 + 9 + 1  # and the header row
    # Another query, another viewer: each their own page, with what they may see.
    liaison = client_for(world.zs_liaison).get(reverse("org:person_list")).content.decode()
    assert "q0001" not in liaison
    # A renamed person, however written, shows at once.
    type(world.office).objects.filter(username="q0001").update(full_name="Renamed Person")
    assert (
        "Renamed Person"
        in office.get(reverse("org:person_list"), {"per_page": 200}).content.decode()
    )


@pytest.mark.parametrize("n", [10, 100])
def test_unit_page_query_count_does_not_grow_with_its_people(
    world, client_for, django_assert_num_queries, n
):
    add_people(world, n)
    add_units(world, n)
    client = client_for(world.office)
    url = reverse("org:unit_detail", args=[world.ganjingzi.pk])
    client.get(url)
    # 1 session and the reference stamp, 2 the unit with its parent, 3 the roles held
    # over the unit with their people and units, 4 COUNT of the unit's people (pager),
    # 5 the sub-units, 6 the page of people, 7 their role grants (prefetch), 8 the
    # unit's history. (The user and their own role grants come from the process cache.)
    with django_assert_num_queries(8):
        response = client.get(url, {"per_page": 200})
    assert len(response.context["page"]) == n + 2


def test_subtree_range_matches_exactly_the_unit_and_below(world):
    from campaigndesk.org.models import Unit, subtree_q

    below = set(Unit.objects.filter(subtree_q("path", world.ganjingzi.path)))
    assert below == {world.ganjingzi, world.street}
    # A sibling whose id shares a prefix with Ganjingzi's must stay outside.
    assert world.zhongshan not in below


def test_the_unit_list_is_kept_per_viewer_until_units_change(
    world, client_for, django_assert_num_queries
):
    add_units(world, 10)
    office = client_for(world.office)
    first = office.get(reverse("org:unit_list"), {"per_page": 200}).content.decode()
    # The same list again: only the session and the reference stamp are read.
    with django_assert_num_queries(1):
        again = office.get(reverse("org:unit_list"), {"per_page": 200}).content.decode()
    assert again.partition("<main")[2] == first.partition("<main")[2]  # all but the CSRF token
    assert first.count("<tr data-depth=") == 10 + 6
    # Another viewer sees their own units only, in their own page.
    liaison = client_for(world.zs_liaison).get(reverse("org:unit_list")).content.decode()
    assert "Q0000" not in liaison and "Q0001" in liaison
    # A renamed unit, however written, shows at once.
    type(world.ganjingzi).objects.filter(code="Q0000").update(name_en="Renamed Unit")
    page = office.get(reverse("org:unit_list"), {"per_page": 200}).content.decode()
    assert "Renamed Unit" in page and "Renamed Unit" not in first
