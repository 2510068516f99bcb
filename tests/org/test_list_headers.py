"""The unit and people lists share one frame; each names its first column in its own words."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse


def _first_column(page: str) -> str:
    return re.search(r'<th scope="col">([^<]*)</th>', page).group(1)


@pytest.mark.parametrize(
    ("language", "unit", "person"), [("zh-hans", "名称", "姓名"), ("en", "Name", "Name")]
)
def test_a_unit_has_a_name_and_a_person_a_personal_name(world, client_for, language, unit, person):
    office = client_for(world.office)
    units = office.get(reverse("org:unit_list"), HTTP_ACCEPT_LANGUAGE=language)
    people = office.get(reverse("org:person_list"), HTTP_ACCEPT_LANGUAGE=language)
    assert units.status_code == people.status_code == 200
    assert _first_column(units.content.decode()) == unit
    assert _first_column(people.content.decode()) == person
