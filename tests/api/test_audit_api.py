"""The audit trail under /api/v1/: read-only, for the office, the leading group and
city-level viewers; filtered like the screen, paged by key on seq, never counted, private
fields masked for whoever may not read them."""

from __future__ import annotations

import pytest

from campaigndesk.audit import trail
from campaigndesk.audit.models import AuditRecord
from campaigndesk.org import actions
from campaigndesk.suggestions import intake

from . import test_ledger_api_more as ledger_more


@pytest.fixture
def api(api_client):
    return lambda user: ledger_more.Api(api_client(user))


error = ledger_more.error
queries_for = ledger_more.queries_for


def rename(world, n, start=0):
    for i in range(start, start + n):
        actions.update_unit(world.office, world.zhongshan, {"sort_order": i + 1})


@pytest.mark.parametrize("who", ["office", "leader", "viewer"])
def test_city_oversight_reads_the_trail_newest_first(world, api, who):
    rename(world, 3)
    body = api(getattr(world, who)).get("/audit").json()
    seqs = [r["seq"] for r in body["items"]]
    assert seqs == sorted(seqs, reverse=True) and body["count"] is None
    first = body["items"][0]
    assert first["action"] == "org.update_unit" and first["actor"] == "office"
    assert first["type"] == "org.unit" and first["object_id"] == str(world.zhongshan.pk)
    assert first["verb"] == "update" and first["fields"]


def test_the_trail_filters_like_the_screen(world, api):
    rename(world, 2)
    actions.update_unit(world.office, world.bureau, {"name_en": "Bureau"})
    office = api(world.office)
    only = office.get("/audit", type="org.unit", object_id=str(world.bureau.pk)).json()["items"]
    assert [r["object_id"] for r in only] == [str(world.bureau.pk)]
    assert len(office.get("/audit", action="org.update").json()["items"]) == 3
    assert office.get("/audit", actor="leader").json()["items"] == []
    assert len(office.get("/audit", since="2000-01-01", actor="office").json()["items"]) == 3


def test_the_trail_pages_by_seq(world, api):
    rename(world, 5)
    office = api(world.office)
    page = office.get("/audit", limit=2, action="org.update_unit").json()
    seen = [r["seq"] for r in page["items"]]
    while page["next"]:
        page = office.client.get(page["next"]).json()
        seen += [r["seq"] for r in page["items"]]
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen, reverse=True)


@pytest.mark.parametrize("who", ["inspector", "gjz_head", "gjz_liaison", "nobody"])
def test_others_may_not_read_the_trail(world, api, who):
    rename(world, 1)
    trail.seal()  # as the commit would have
    seq = AuditRecord.objects.latest("seq").seq
    error(api(getattr(world, who)).get("/audit"), 403)
    error(api(getattr(world, who)).get(f"/audit/{seq}"), 403)


def test_the_trail_needs_a_sign_in(world, api):
    error(api(world.citizen).get("/audit"), 401)


def test_the_trail_bad_input_is_a_422(world, api):
    office = api(world.office)
    error(office.get("/audit", since="2018-12-03", until="2018-11-01"))
    error(office.get("/audit", type="nowhere.nothing"))
    error(office.get("/audit", since="yesterday"))
    error(office.get("/audit", before=0))
    error(office.get("/audit", limit=201))
    error(office.get("/audit", colour="red"))
    error(office.get("/audit/abc"))
    error(office.get("/audit/999999"), 404)


def test_one_record_shows_its_changes(world, api):
    actions.update_unit(world.office, world.zhongshan, {"name_en": "Zhongshan"})
    trail.seal()  # as the commit would have
    record = AuditRecord.objects.get(action="org.update_unit")
    body = api(world.viewer).get(f"/audit/{record.seq}").json()
    assert body["seq"] == record.seq and body["hash"] == record.hash
    change = next(c for c in body["changes"] if c["name"] == "name_en")
    assert (change["before"], change["after"], change["hidden"]) == (
        "Zhongshan District",
        "Zhongshan",
        False,
    )


def test_a_citizens_contact_details_are_masked_for_whoever_may_not_read_them(world, api):
    s = intake.submit(
        campaign=world.campaign,
        title="建议",
        body="建议的内容写在这里。",
        client="c",
        throttle=False,
        phone="13900000000",
    ).suggestion
    trail.seal()  # as the commit would have
    record = AuditRecord.objects.filter(object_id=str(s.pk), content_type__model="suggestion")
    seq = record.earliest("seq").seq
    leader = api(world.leader).get(f"/audit/{seq}").json()
    phone = next(c for c in leader["changes"] if c["name"] == "phone")
    assert phone["hidden"] and "13900000000" not in str(leader)
    office = api(world.office).get(f"/audit/{seq}").json()
    assert "13900000000" in str(office)


def test_the_trail_costs_the_same_for_10_and_100_records(world, api):
    office = api(world.office)
    rename(world, 10)
    # warm up: the person, their grants and the content types then come from per-process
    # caches
    office.get("/audit", limit=200)
    small = queries_for(lambda: office.get("/audit", limit=200))
    rename(world, 90, start=10)
    assert len(office.get("/audit", limit=200).json()["items"]) == 100
    assert queries_for(lambda: office.get("/audit", limit=200)) == small
