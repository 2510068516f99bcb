"""Adding, editing and deleting a campaign's phases.

The world's campaign runs 2018-09-01 to 2019-12-31; its phase 1 runs to 2018-12-31.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of
from campaigndesk.campaigns.models import Phase


def phase_data(**overrides) -> dict[str, str]:
    data = {
        "number": "2",
        "name_zh": "查摆问题",
        "name_en": "Finding problems",
        "starts_on": "2019-01-01",
        "ends_on": "2019-06-30",
        "aim_zh": "",
        "aim_en": "Each unit lists its problems.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def add_phase(world, client_for):
    def post(client=None, **overrides):
        client = client or client_for(world.office)
        return client.post(
            reverse("campaigns:phase_new", args=[world.campaign.pk]), phase_data(**overrides)
        )

    return post


def test_office_adds_a_phase_and_it_is_audited(world, add_phase):
    response = add_phase()
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[world.campaign.pk]) + (
        "#phases"
    )
    phase = Phase.objects.get(campaign=world.campaign, number=2)
    assert phase.name_en == "Finding problems"
    record = history_of(phase).get()
    assert record.action == "campaigns.create_phase"
    assert record.actor == world.office


def test_new_phase_form_suggests_the_next_number_and_dates(world, client_for):
    response = client_for(world.office).get(
        reverse("campaigns:phase_new", args=[world.campaign.pk])
    )
    form = response.context["form"]
    assert form.initial["number"] == 2
    assert form.initial["starts_on"] == dt.date(2019, 1, 1)
    assert form.initial["ends_on"] == world.campaign.ends_on


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"starts_on": "2018-08-01", "ends_on": "2018-08-31"},
            "starts_on",
            "The phase starts before the campaign does (2018-09-01).",
        ),
        (
            {"ends_on": "2020-01-31"},
            "ends_on",
            "The phase ends after the campaign does (2019-12-31).",
        ),
        ({"starts_on": "2018-12-01"}, "starts_on", "The dates overlap phase 1."),
        (
            {"starts_on": "2019-05-01", "ends_on": "2019-04-01"},
            "ends_on",
            "A phase cannot end before it starts.",
        ),
        ({"number": "1"}, "number", "This campaign already has a phase 1."),
        ({"number": "0"}, "number", "Ensure this value is greater than or equal to 1."),
    ],
    ids=["starts-before", "ends-after", "overlaps", "ends-before-start", "same-number", "zero"],
)
def test_a_phase_that_breaks_a_rule_is_refused_with_a_clear_message(
    world, add_phase, overrides, field, message
):
    before = AuditRecord.objects.count()
    response = add_phase(**overrides)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert Phase.objects.filter(campaign=world.campaign).count() == 1
    assert AuditRecord.objects.count() == before


def test_office_edits_a_phase_and_the_change_is_audited(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:phase_edit", args=[world.phase1.pk]),
        phase_data(number="1", starts_on="2018-09-01", ends_on="2018-10-31"),
    )
    assert response.status_code == 302
    world.phase1.refresh_from_db()
    assert world.phase1.ends_on == dt.date(2018, 10, 31)
    record = history_of(world.phase1).get()
    assert record.action == "campaigns.update_phase"
    assert record.after["ends_on"] == "2018-10-31"


def test_editing_a_phase_onto_another_ones_dates_is_refused(world, client_for):
    second = Phase.objects.create(
        campaign=world.campaign,
        number=2,
        name_zh="第二阶段",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 3, 31),
    )
    response = client_for(world.office).post(
        reverse("campaigns:phase_edit", args=[second.pk]),
        phase_data(starts_on="2018-12-15", ends_on="2019-03-31"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_on"] == ["The dates overlap phase 1."]


def test_editing_a_phase_onto_another_ones_number_is_refused(world, client_for):
    second = Phase.objects.create(
        campaign=world.campaign,
        number=2,
        name_zh="第二阶段",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 3, 31),
    )
    response = client_for(world.office).post(
        reverse("campaigns:phase_edit", args=[second.pk]),
        phase_data(number="1", starts_on="2019-01-01", ends_on="2019-03-31"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["This campaign already has a phase 1."]
    second.refresh_from_db()
    assert second.number == 2


def test_deleting_a_phase_asks_first_and_deletes_only_on_post(world, client_for):
    client = client_for(world.office)
    url = reverse("campaigns:phase_delete", args=[world.phase1.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    assert Phase.objects.filter(pk=world.phase1.pk).exists()

    response = client.post(url)
    assert response.status_code == 302
    assert not Phase.objects.filter(pk=world.phase1.pk).exists()
    record = AuditRecord.objects.get(action="campaigns.delete_phase")
    assert record.object_id == str(world.phase1.pk)
    assert record.before["name_zh"] == world.phase1.name_zh
