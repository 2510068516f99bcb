"""Query count of the audit trail list: the same for 10 records as for 100."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from campaigndesk.audit import trail


@pytest.mark.parametrize("n", [10, 100])
def test_trail_list_query_count_does_not_grow_with_records(
    world, client_for, django_assert_num_queries, n
):
    for i in range(n):
        with transaction.atomic():
            obj = [world.city, world.ganjingzi, world.gjz_liaison, world.campaign][i % 4]
            trail.record(world.office, "update", obj, before={"x": i}, after={"x": i + 1})
    client = client_for(world.office)
    client.get(reverse("audit:list"))  # warm the content-type and per-process caches
    # 1 session and the reference stamp, 2 whether any record waits to be sealed (none:
    # the first request sealed them), 3 one page of records with their content types
    # joined (no COUNT). The user and their role grants come from the process cache; the
    # type filter's choices are built once per process, not read on every page.
    with django_assert_num_queries(3):
        response = client.get(reverse("audit:list"), {"per_page": 200})
    assert len(response.context["rows"]) == n


@pytest.mark.parametrize("n", [10, 100])
def test_trail_list_filtered_to_one_object_costs_the_same(
    world, client_for, django_assert_num_queries, n
):
    for i in range(n):
        with transaction.atomic():
            trail.record(world.office, "update", world.city, before={"x": i}, after={"x": i + 1})
    client = client_for(world.office)
    params = {"type": "org.unit", "object_id": world.city.pk, "per_page": 200}
    client.get(reverse("audit:list"), params)
    # 1 session and the reference stamp, 2 whether any record waits to be sealed, 3 the
    # records (the user and their grants come from the process cache, the filter's
    # types are cached).
    with django_assert_num_queries(3):
        response = client.get(reverse("audit:list"), params)
    assert len(response.context["rows"]) == n
