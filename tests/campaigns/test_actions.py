"""The campaign actions, called directly as the API and commands will call them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigndesk.audit.trail import verify
from campaigndesk.campaigns import actions
from campaigndesk.campaigns.models import Campaign
from campaigndesk.org.access import SYSTEM


@pytest.mark.parametrize("person", ["leader", "viewer", "gjz_liaison", "nobody"])
def test_only_the_office_changes_a_campaign(world, person):
    with pytest.raises(PermissionDenied):
        actions.update_campaign(getattr(world, person), world.campaign, {"title_en": "x"})
    with pytest.raises(PermissionDenied):
        actions.create_phase(getattr(world, person), world.campaign, number=5)
    with pytest.raises(PermissionDenied):
        actions.set_calendar_day(
            getattr(world, person), world.campaign.calendar, dt.date(2018, 10, 1), is_workday=True
        )


def test_actions_refuse_fields_they_do_not_know(world):
    with pytest.raises(ValueError, match="campaign"):
        actions.update_phase(world.office, world.phase1, {"campaign": world.campaign})


def test_create_campaign_without_a_calendar_starts_one(world):
    campaign = actions.create_campaign(
        SYSTEM,
        code="new-one",
        title_zh="新活动",
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 12, 31),
    )
    assert campaign.calendar.name_zh == "新活动工作日历"
    assert verify().ok


def test_moving_both_dates_names_each_phase_that_would_not_fit(world):
    with pytest.raises(ValidationError) as caught:
        actions.update_campaign(
            world.office,
            world.campaign,
            {"starts_on": dt.date(2018, 10, 1), "ends_on": dt.date(2018, 11, 1)},
        )
    assert caught.value.message_dict == {
        "starts_on": ["Phase 1 would start before the campaign. Change its dates first."],
        "ends_on": ["Phase 1 would end after the campaign. Change its dates first."],
    }
    assert Campaign.objects.get(pk=world.campaign.pk).starts_on == dt.date(2018, 9, 1)


def test_several_phases_out_of_range_are_named_together(world):
    actions.create_phase(
        world.office,
        world.campaign,
        number=2,
        name_zh="第二阶段",
        starts_on=dt.date(2019, 1, 1),
        ends_on=dt.date(2019, 6, 30),
    )
    with pytest.raises(ValidationError) as caught:
        actions.update_campaign(world.office, world.campaign, {"starts_on": dt.date(2019, 2, 1)})
    assert caught.value.message_dict["starts_on"] == [
        "Phases 1, 2 would start before the campaign. Change their dates first."
    ]
