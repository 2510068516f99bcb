"""Named personas shared by every app's tests.

The world: a city with its leading group office, two districts (Ganjingzi with a
street office below it, and Zhongshan) and one bureau. One person per role; the
liaison and head of Ganjingzi, a liaison of Zhongshan, and an anonymous citizen.
"""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.utils import translation

from campaigndesk.org.models import Role, UnitKind

from .factories import (
    PASSWORD,
    CampaignFactory,
    KeyTaskFactory,
    PhaseFactory,
    UnitFactory,
    UserFactory,
    grant,
)


def pytest_terminal_summary(terminalreporter):
    # Here rather than in tests/browser/: with xdist only this conftest reaches the controller.
    from tests.chromium import HAVE_CHROMIUM, SKIP_REASON

    if not HAVE_CHROMIUM:
        terminalreporter.write_line(SKIP_REASON)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give each test run its own PostgreSQL test database, so that two runs on one
    machine (a developer's and CI's, or parallel helpers) never drop each other's."""
    from django.db import connections
    from pytest_django.fixtures import _set_suffix_to_test_databases

    if connections["default"].vendor == "postgresql":
        _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


@pytest.fixture(autouse=True)
def in_english(request, settings):
    """Messages are asserted in English, whatever the zh-Hans catalogue says.

    Tests about the product's own default language (zh-Hans) carry the marker
    `product_language` and see the real settings.
    """
    if request.node.get_closest_marker("product_language"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(db):
    city = UnitFactory(code="CITY", name_zh="大连市", name_en="Dalian", kind=UnitKind.CITY)
    office = UnitFactory(
        code="OFFICE",
        name_zh="领导小组办公室",
        name_en="Leading Group Office",
        kind=UnitKind.OFFICE,
        parent=city,
    )
    ganjingzi = UnitFactory(
        code="GJZ",
        name_zh="甘井子区",
        name_en="Ganjingzi District",
        kind=UnitKind.DISTRICT,
        parent=city,
    )
    street = UnitFactory(
        code="GJZ-ST",
        name_zh="甘井子区某街道",
        name_en="A street office of Ganjingzi",
        kind=UnitKind.SUBUNIT,
        parent=ganjingzi,
    )
    zhongshan = UnitFactory(
        code="ZS",
        name_zh="中山区",
        name_en="Zhongshan District",
        kind=UnitKind.DISTRICT,
        parent=city,
    )
    bureau = UnitFactory(
        code="KJJ",
        name_zh="市科技局",
        name_en="Municipal Science and Technology Bureau",
        kind=UnitKind.BUREAU,
        parent=city,
    )

    def person(username: str, role: str | None, unit, home=None):
        user = UserFactory(username=username, unit=home or unit)
        if role:
            grant(user, role, unit)
        return user

    w = SimpleNamespace(
        city=city,
        office_unit=office,
        ganjingzi=ganjingzi,
        street=street,
        zhongshan=zhongshan,
        bureau=bureau,
        leader=person("leader", Role.LEADER, city, home=office),
        office=person("office", Role.OFFICE, city, home=office),
        inspector=person("inspector", Role.INSPECTOR, city, home=office),
        viewer=person("viewer", Role.VIEWER, city, home=office),
        gjz_head=person("gjz_head", Role.UNIT_HEAD, ganjingzi),
        gjz_liaison=person("gjz_liaison", Role.LIAISON, ganjingzi),
        street_liaison=person("street_liaison", Role.LIAISON, street),
        zs_liaison=person("zs_liaison", Role.LIAISON, zhongshan),
        nobody=person("nobody", None, bureau),
        citizen=AnonymousUser(),
    )
    w.campaign = CampaignFactory(code="dalian-2018", lead_unit=None, office_unit=office)
    w.phase1 = PhaseFactory(
        campaign=w.campaign, number=1, ends_on=w.campaign.starts_on.replace(month=12, day=31)
    )
    w.key_task = KeyTaskFactory(campaign=w.campaign, number=1)
    return w


@pytest.fixture
def client_for(db):
    """`client_for(user)` gives a test client signed in as that person."""

    def make(user) -> Client:
        client = Client()
        if user is not None and user.is_authenticated:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def password() -> str:
    return PASSWORD


__all__ = ["PhaseFactory", "Role"]
