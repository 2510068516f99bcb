"""The reference stamp and the per-process cache it guards (core/generation.py).

Each app process keeps the signed-in person, their grants and the current campaign
until a watched table changes; these tests change those tables every way the code
(and an SQL console) can, and check the next request sees it.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk.campaigns.models import Campaign, CampaignStatus
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.core import generation
from campaigndesk.org import access
from campaigndesk.org.models import Role, RoleGrant, Unit
from tests.factories import CampaignFactory, KeyTaskFactory, PhaseFactory, UnitFactory, grant


def test_every_watched_table_has_its_trigger(db):
    assert generation.installed() == set(generation.WATCHED)


def test_installing_again_changes_nothing(db):
    generation.install()
    generation.install()
    assert generation.installed() == set(generation.WATCHED)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {generation.TABLE}")
        assert cursor.fetchone()[0] == 1


WRITES = {
    "a unit created": lambda w: UnitFactory(code="NEW", parent=w.city),
    "a unit renamed by QuerySet.update": lambda w: Unit.objects.filter(pk=w.ganjingzi.pk).update(
        name_en="Renamed"
    ),
    "a person deactivated by QuerySet.update": lambda w: (
        get_user_model().objects.filter(pk=w.office.pk).update(is_active=False)
    ),
    "grants made in bulk": lambda w: RoleGrant.objects.bulk_create(
        [RoleGrant(user=w.gjz_liaison, unit=w.city, role=Role.VIEWER)]
    ),
    "grants deleted": lambda w: RoleGrant.objects.filter(user=w.gjz_liaison).delete(),
    "a campaign created": lambda w: CampaignFactory(code="C-NEW"),
    "a phase created": lambda w: PhaseFactory(),
    "a key task created": lambda w: KeyTaskFactory(),
    "raw SQL": lambda w: connection.cursor().execute(
        "UPDATE org_unit SET sort_order = sort_order + 1"
    ),
}


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_any_write_to_a_watched_table_renews_the_stamp(world, write):
    before = generation.stamp()
    assert before is not None
    WRITES[write](world)
    assert generation.stamp() != before


def test_writes_elsewhere_leave_the_stamp_alone(world):
    from campaigndesk.audit.models import AuditRecord

    before = generation.stamp()
    AuditRecord.objects.count()
    connection.cursor().execute("DELETE FROM django_session")
    assert generation.stamp() == before


def test_a_rolled_back_write_leaves_no_stamp_behind(world):
    before = generation.stamp()
    with pytest.raises(RuntimeError), transaction.atomic():
        Unit.objects.filter(pk=world.ganjingzi.pk).update(name_en="Never")
        inside = generation.stamp()
        # Something cached in the failed transaction is cached under its own stamp...
        assert generation.cached("probe", 1, lambda: "uncommitted") == "uncommitted"
        raise RuntimeError
    assert inside != before
    assert generation.stamp() == before
    # ...which nobody sees once it has rolled back.
    assert generation.cached("probe", 1, lambda: "committed") == "committed"


def test_a_person_deactivated_behind_the_orms_back_is_signed_out_at_once(world, client_for):
    client = client_for(world.office)
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("home")).status_code == 200  # now served from the cache
    get_user_model().objects.filter(pk=world.office.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_changed_password_ends_other_sessions_at_once(world, client_for):
    client = client_for(world.office)
    assert client.get(reverse("home")).status_code == 200
    world.office.set_password("Another-passphrase-2018")
    world.office.save(update_fields=["password"])
    assert client.get(reverse("home")).status_code == 302


def test_a_new_grant_counts_from_the_next_request(world, client_for):
    client = client_for(world.gjz_liaison)
    client.get(reverse("home"))
    assert client.get(reverse("audit:list")).status_code == 403
    grant(world.gjz_liaison, Role.OFFICE, world.city)
    assert client.get(reverse("audit:list")).status_code == 200
    RoleGrant.objects.filter(user=world.gjz_liaison, role=Role.OFFICE).delete()
    assert client.get(reverse("audit:list")).status_code == 403


def test_a_deactivated_unit_takes_its_grants_away(world, client_for):
    client = client_for(world.office)
    assert client.get(reverse("audit:list")).status_code == 200
    Unit.objects.filter(pk=world.city.pk).update(is_active=False)
    assert client.get(reverse("audit:list")).status_code == 403


def test_the_current_campaign_follows_its_status(world):
    Campaign.objects.update(status=CampaignStatus.CLOSED)
    first = CampaignFactory(code="C-1", status=CampaignStatus.ACTIVE)
    assert current_campaign().pk == first.pk
    assert current_campaign() is not current_campaign()  # each caller has its own instance
    Campaign.objects.filter(pk=first.pk).update(status=CampaignStatus.CLOSED)
    second = CampaignFactory(code="C-2", status=CampaignStatus.ACTIVE)
    assert current_campaign().pk == second.pk


def test_within_a_request_a_write_is_seen_by_the_same_request(world):
    generation.begin_request()
    try:
        office = get_user_model().objects.get(pk=world.office.pk)
        assert access.grants(office).has(Role.OFFICE)
        RoleGrant.objects.filter(user=office).delete()  # post_delete: read the stamp again
        access.forget_grants(office)
        assert not access.grants(office).has(Role.OFFICE)
    finally:
        generation.end_request()


def test_a_signed_in_page_reads_person_and_grants_once_per_change(world, client_for):
    client = client_for(world.office)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    assert generation.TABLE in captured.captured_queries[0]["sql"]  # with the session
    assert frame_reads(captured) == (0, 0)
    Unit.objects.filter(pk=world.ganjingzi.pk).update(name_en="Renamed")
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("home"))
    assert frame_reads(captured) == (1, 1)


def frame_reads(captured) -> tuple[int, int]:
    """How often the request loaded its person, and their grants."""
    sqls = [q["sql"] for q in captured.captured_queries]
    person = sum('"org_user"."password"' in sql for sql in sqls)
    grants = sum('"org_rolegrant"."role" AS "role"' in sql for sql in sqls)
    return person, grants


def test_outside_a_request_the_stamp_is_read_at_every_use(world):
    generation.end_request()
    with CaptureQueriesContext(connection) as captured:
        generation.stamp()
        generation.stamp()
    assert len(captured) == 2
