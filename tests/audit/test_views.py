"""The audit trail screens: who may read them, the filters, keyset paging, one record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit import views as audit_views
from campaigndesk.core import writes
from campaigndesk.org import actions

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def seqs_in(response) -> list[int]:
    return [row["record"].seq for row in response.context["rows"]]


def poke(actor, obj, n: int = 1, action: str = "test.poke") -> None:
    """Append n records about obj without changing it."""
    for _ in range(n):
        with transaction.atomic():
            trail.record(actor, "action", obj, action=action)


@pytest.fixture
def mixed(world):
    """Records by two people about units, a person and the campaign, on three days."""
    with clock.frozen_at(dt.datetime(2018, 10, 1, 9, 0, tzinfo=SHANGHAI)):
        actions.update_unit(world.office, world.ganjingzi, {"name_en": "Ganjingzi"})  # 1
    with clock.frozen_at(dt.datetime(2018, 10, 2, 23, 30, tzinfo=SHANGHAI)):
        actions.update_person(world.office, world.gjz_liaison, {"title": "科员"})  # 2
        with transaction.atomic():
            writes.update(world.leader, world.campaign, {"title_en": "Emancipate the mind"})  # 3
    with clock.frozen_at(dt.datetime(2018, 10, 3, 0, 30, tzinfo=SHANGHAI)):
        actions.update_unit(world.office, world.zhongshan, {"name_en": "Zhongshan"})  # 4
    return world


# --- who may read the trail -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["office", "leader", "viewer"])
def test_office_leader_and_city_viewer_read_the_trail_newest_first(mixed, client_for, persona):
    response = client_for(getattr(mixed, persona)).get(reverse("audit:list"))
    assert response.status_code == 200
    assert seqs_in(response) == [4, 3, 2, 1]
    assert response.context["older_seq"] is None


@pytest.mark.parametrize("persona", ["inspector", "gjz_head", "gjz_liaison", "nobody"])
def test_roles_without_the_trail_permission_are_refused(mixed, client_for, persona):
    client = client_for(getattr(mixed, persona))
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:detail", args=[1])).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_trail(mixed, client_for):
    assert login_url_in(client_for(None).get(reverse("audit:list")))
    assert login_url_in(client_for(None).get(reverse("audit:detail", args=[1])))


def test_trail_pages_refuse_post(mixed, client_for):
    client = client_for(mixed.office)
    assert client.post(reverse("audit:list")).status_code == 405
    assert client.post(reverse("audit:detail", args=[1])).status_code == 405


# --- filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"actor": "office"}, [4, 2, 1]),
        ({"actor": "leader"}, [3]),
        ({"actor": "offic"}, []),
        ({"type": "org.unit"}, [4, 1]),
        ({"type": "campaigns.campaign"}, [3]),
        ({"action": "org.update_unit"}, [4, 1]),
        ({"action": "org."}, [4, 2, 1]),
        ({"since": "2018-10-02"}, [4, 3, 2]),
        ({"until": "2018-10-02"}, [3, 2, 1]),  # 23:30 local time is still the 2nd
        ({"since": "2018-10-02", "until": "2018-10-02"}, [3, 2]),
        ({"actor": "office", "type": "org.unit", "since": "2018-10-03"}, [4]),
    ],
)
def test_trail_filters_by_actor_type_action_and_dates(mixed, client_for, params, expected):
    response = client_for(mixed.office).get(reverse("audit:list"), params)
    assert seqs_in(response) == expected


def test_trail_filters_on_one_object(mixed, client_for):
    params = {"type": "org.unit", "object_id": mixed.zhongshan.pk}
    response = client_for(mixed.office).get(reverse("audit:list"), params)
    assert seqs_in(response) == [4]
    assert response.context["object_filter"] is True
    assert "Showing the records of one object only." in response.content.decode()


def test_trail_finds_system_records_by_the_name_system(world, client_for):
    from campaigndesk.org.access import SYSTEM

    with trail.source("command:demo"):
        actions.update_unit(SYSTEM, world.city, {"name_en": "Dalian City"})
    response = client_for(world.office).get(reverse("audit:list"), {"actor": "system"})
    assert seqs_in(response) == [1]
    assert response.context["rows"][0]["record"].actor_label == "system (command:demo)"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "nowhere.nothing"}, "type"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2018-10-03", "until": "2018-10-01"}, "__all__"),
    ],
)
def test_bad_filters_show_their_error_and_no_records(mixed, client_for, params, field):
    response = client_for(mixed.office).get(reverse("audit:list"), params)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert seqs_in(response) == []
    assert "Correct the filters above to see records." in response.content.decode()


# --- keyset paging --------------------------------------------------------------------------


def test_trail_pages_by_seq_without_counting(world, client_for):
    poke(world.office, world.city, 120)
    client = client_for(world.office)
    with CaptureQueriesContext(connection) as queries:
        first = client.get(reverse("audit:list"))
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert seqs_in(first) == list(range(120, 70, -1))
    assert first.context["older_seq"] == 71
    assert "before=71" in first.content.decode()

    second = client.get(reverse("audit:list"), {"before": 71})
    assert seqs_in(second) == list(range(70, 20, -1))
    third = client.get(reverse("audit:list"), {"before": second.context["older_seq"]})
    assert seqs_in(third) == list(range(20, 0, -1))
    assert third.context["older_seq"] is None
    assert "Newest" in third.content.decode()


def test_keyset_paging_keeps_the_filters(world, client_for):
    poke(world.office, world.city, 5, action="test.city")
    poke(world.office, world.street, 5, action="test.street")
    response = client_for(world.office).get(
        reverse("audit:list"), {"action": "test.city", "per_page": 2}
    )
    assert seqs_in(response) == [5, 4]
    assert "action=test.city" in response.content.decode()
    older = client_for(world.office).get(
        reverse("audit:list"), {"action": "test.city", "per_page": 2, "before": 4}
    )
    assert seqs_in(older) == [3, 2]


@pytest.mark.parametrize("before", ["junk", "-5", "0"])
def test_a_malformed_before_shows_the_newest_page(mixed, client_for, before):
    response = client_for(mixed.office).get(reverse("audit:list"), {"before": before})
    assert seqs_in(response) == [4, 3, 2, 1]


# --- one record -----------------------------------------------------------------------------


def test_record_page_shows_the_change_as_before_and_after(mixed, client_for):
    response = client_for(mixed.office).get(reverse("audit:detail", args=[1]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "English name" in page
    assert "Ganjingzi District" in page and "Ganjingzi" in page
    assert [(c.label, c.before, c.after) for c in response.context["changes"]] == [
        ("English name", "Ganjingzi District", "Ganjingzi")
    ]
    assert response.context["older_seq"] is None and response.context["newer_seq"] == 2
    assert mixed.office.username in page


def test_record_page_names_the_parent_units_of_a_move(world, client_for):
    actions.move_unit(world.office, world.street, world.zhongshan)
    response = client_for(world.office).get(reverse("audit:detail", args=[1]))
    changes = {c.name: c for c in response.context["changes"]}
    assert changes["parent_id"].before == "Ganjingzi District"
    assert changes["parent_id"].after == "Zhongshan District"


def test_record_page_shows_the_id_of_a_foreign_key_whose_object_is_gone(world, client_for):
    role_grant = actions.grant_role(world.office, world.nobody, "viewer", world.bureau)
    actions.revoke_role(world.office, role_grant)
    world.nobody.delete()  # people are deactivated, not deleted; this one is, for the test
    response = client_for(world.office).get(reverse("audit:detail", args=[2]))
    changes = {c.name: c.before for c in response.context["changes"]}
    assert changes["user_id"] == f"#{response.context['record'].before['user_id']}"
    assert changes["unit_id"] == "Municipal Science and Technology Bureau"


def test_record_page_of_a_creation_lists_the_values_set(world, client_for):
    actions.create_unit(
        world.office, parent=world.city, code="NEW", name_zh="新单位", kind="bureau"
    )
    response = client_for(world.office).get(reverse("audit:detail", args=[1]))
    changes = {c.name: c.after for c in response.context["changes"]}
    assert changes["code"] == "NEW"
    assert changes["kind"] == "Bureau or department"  # the choice's label, not its code
    assert changes["is_active"] == "yes"


@pytest.mark.parametrize(
    ("persona", "hidden"), [("office", False), ("leader", True), ("viewer", True)]
)
def test_record_page_hides_contact_details_from_those_who_may_not_see_them(
    world, client_for, persona, hidden
):
    actions.update_person(world.office, world.gjz_liaison, {"phone": "0411-7777"})
    response = client_for(getattr(world, persona)).get(reverse("audit:detail", args=[1]))
    assert ("0411-7777" in response.content.decode()) is not hidden
    assert response.context["changes"][0].hidden is hidden


def test_missing_record_gives_404(mixed, client_for):
    assert client_for(mixed.office).get(reverse("audit:detail", args=[99])).status_code == 404


def test_trail_rows_link_the_record_and_its_object_and_name_the_changed_fields(mixed, client_for):
    response = client_for(mixed.office).get(reverse("audit:list"))
    row = next(r for r in response.context["rows"] if r["record"].seq == 2)
    assert row["url"] == reverse("audit:detail", args=[2])
    assert row["object_url"] == (
        f"{reverse('audit:list')}?type=org.user&object_id={mixed.gjz_liaison.pk}"
    )
    assert (row["verb"], row["type"], row["fields"]) == ("changed", "org.user", "position")
    # Shown in the site's time zone, as the date filter did.
    assert (row["at"], row["at_iso"]) == ("2018-10-02 23:30:00", "2018-10-02T23:30:00+08:00")
    page = response.content.decode()
    assert f'<a href="{row["url"]}">#2</a>' in page
    assert '<time datetime="2018-10-02T23:30:00+08:00">2018-10-02 23:30:00</time>' in page


def test_the_filter_bar_kept_per_language_and_values_shows_each_requests_own(mixed, client_for):
    client = client_for(mixed.office)
    bad = client.get(reverse("audit:list"), {"since": "not-a-date", "actor": "office"})
    good = client.get(reverse("audit:list"), {"actor": "office"})
    again = client.get(reverse("audit:list"), {"since": "not-a-date", "actor": "office"})
    for response in (bad, good, again):
        assert response.status_code == 200
    assert 'value="office"' in good.content.decode()
    assert "errorlist" in bad.content.decode() and "errorlist" not in good.content.decode()
    assert again.content.decode().count("errorlist") == bad.content.decode().count("errorlist")
    # Another value, another bar.
    other = client.get(reverse("audit:list"), {"actor": "system"}).content.decode()
    assert 'value="system"' in other and 'value="office"' not in other


@pytest.mark.parametrize("username", ["office", "leader", "viewer"])
def test_the_compiled_trail_page_answers_as_the_orm_does(mixed, client_for, monkeypatch, username):
    client = client_for(getattr(mixed, username))
    queries = [{}, {"per_page": 2}, {"before": 3}, {"before": 4, "per_page": 1}, {"before": "x"}]
    queries += [{"actor": "office"}, {"type": "org.user", "per_page": 1}]

    def pages():
        return [
            client.get(reverse("audit:list"), q).content.decode().partition("<main")[2]
            for q in queries
        ]

    compiled = pages()
    monkeypatch.setattr(audit_views, "compile_shape", lambda *args: None)
    assert compiled == pages()
    assert all("<tr><td>" in page for page in compiled[:3])
