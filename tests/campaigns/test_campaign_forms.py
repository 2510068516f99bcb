"""Creating and editing a campaign in the office's own screens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of
from campaigndesk.campaigns.models import Campaign, WorkCalendar
from tests.factories import CampaignFactory


def campaign_data(**overrides) -> dict[str, str]:
    data = {
        "code": "shenyang-2019",
        "title_zh": "解放思想推动高质量发展大讨论",
        "title_en": "Great debate on emancipating the mind",
        "theme_zh": "解放思想",
        "theme_en": "Emancipate the mind",
        "summary_zh": "",
        "summary_en": "",
        "starts_on": "2019-03-01",
        "ends_on": "2019-12-31",
        "status": "preparing",
        "calendar": "",
        "reporting_cycle": "fortnightly",
        "warning_window_days": "5",
        "accept_limit_days": "2",
        "return_limit_days": "2",
        "remind_before_days": "3",
        "lag_yellow_points": "10",
        "lag_red_points": "30",
        "lead_unit": "",
        "office_unit": "",
        "is_public": "on",
    }
    data.update(overrides)
    return data


def edit_data(campaign: Campaign, **overrides) -> dict[str, str]:
    data = {
        "code": campaign.code,
        "title_zh": campaign.title_zh,
        "title_en": campaign.title_en,
        "theme_zh": campaign.theme_zh,
        "theme_en": campaign.theme_en,
        "summary_zh": campaign.summary_zh,
        "summary_en": campaign.summary_en,
        "starts_on": campaign.starts_on.isoformat(),
        "ends_on": campaign.ends_on.isoformat(),
        "status": campaign.status,
        "calendar": str(campaign.calendar_id),
        "reporting_cycle": campaign.reporting_cycle,
        "warning_window_days": str(campaign.warning_window_days),
        "accept_limit_days": str(campaign.accept_limit_days),
        "return_limit_days": str(campaign.return_limit_days),
        "remind_before_days": str(campaign.remind_before_days),
        "lag_yellow_points": str(campaign.lag_yellow_points),
        "lag_red_points": str(campaign.lag_red_points),
        "lead_unit": str(campaign.lead_unit_id or ""),
        "office_unit": str(campaign.office_unit_id or ""),
        "is_public": "on" if campaign.is_public else "",
    }
    data.update(overrides)
    return data


def test_office_creates_a_campaign_with_a_new_calendar(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(office_unit=str(world.office_unit.pk))
    )
    campaign = Campaign.objects.get(code="shenyang-2019")
    assert response.status_code == 302
    assert response["Location"] == reverse("campaigns:detail", args=[campaign.pk])
    assert campaign.office_unit == world.office_unit
    assert campaign.warning_window_days == 5
    assert campaign.calendar != world.campaign.calendar
    assert campaign.calendar.country == WorkCalendar.Country.CN
    created = history_of(campaign).get()
    assert created.action == "campaigns.create_campaign"
    assert created.actor == world.office
    assert history_of(campaign.calendar).get().action == "campaigns.create_calendar"


def test_office_creates_a_campaign_on_an_existing_calendar(world, client_for):
    client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(calendar=str(world.campaign.calendar_id))
    )
    campaign = Campaign.objects.get(code="shenyang-2019")
    assert campaign.calendar == world.campaign.calendar
    assert WorkCalendar.objects.count() == 1


def test_campaign_cannot_end_before_it_starts(world, client_for):
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(starts_on="2019-06-01", ends_on="2019-05-31")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == [
        "The campaign cannot end before it starts."
    ]
    assert not Campaign.objects.filter(code="shenyang-2019").exists()
    assert AuditRecord.objects.count() == before


def test_campaign_code_must_be_unique(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(code=world.campaign.code)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Another campaign already uses this code."]
    assert Campaign.objects.filter(code=world.campaign.code).count() == 1


def test_red_must_need_a_larger_lag_than_yellow(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(lag_yellow_points="30", lag_red_points="20")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["lag_red_points"] == [
        "Red must need a larger lag than yellow."
    ]


def test_campaign_code_must_be_a_slug(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:new"), campaign_data(code="大连 2018")
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_new_campaign_form_shows_both_languages_side_by_side(world, client_for):
    page = client_for(world.office).get(reverse("campaigns:new")).content.decode()
    chinese, english = page.index('name="title_zh"'), page.index('name="title_en"')
    assert page.count('class="cards"') == 1
    zh_card = page.index('<fieldset class="card" lang="zh-Hans">')
    en_card = page.index('<fieldset class="card" lang="en">')
    assert zh_card < chinese < en_card < english


def test_office_edits_a_campaign_and_the_change_is_audited(world, client_for):
    campaign = world.campaign
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[campaign.pk]),
        edit_data(campaign, title_en="Emancipate the mind", reporting_cycle="monthly"),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title_en == "Emancipate the mind"
    assert campaign.reporting_cycle == "monthly"
    record = history_of(campaign).get()
    assert record.action == "campaigns.update_campaign"
    assert record.actor == world.office
    assert set(record.before) == {"title_en", "reporting_cycle"}
    assert record.after == {"title_en": "Emancipate the mind", "reporting_cycle": "monthly"}


def test_saving_an_unchanged_campaign_writes_no_audit_record(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[world.campaign.pk]), edit_data(world.campaign)
    )
    assert response.status_code == 302
    assert not history_of(world.campaign).exists()


def test_campaign_cannot_start_after_one_of_its_phases_starts(world, client_for):
    campaign = world.campaign
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[campaign.pk]), edit_data(campaign, starts_on="2018-10-01")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_on"] == [
        "Phase 1 would start before the campaign. Change its dates first."
    ]
    campaign.refresh_from_db()
    assert campaign.starts_on == dt.date(2018, 9, 1)
    assert not history_of(campaign).exists()


def test_campaign_cannot_end_before_one_of_its_phases_ends(world, client_for):
    campaign = world.campaign
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[campaign.pk]), edit_data(campaign, ends_on="2018-11-30")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"] == [
        "Phase 1 would end after the campaign. Change its dates first."
    ]


def test_campaign_dates_may_move_while_phases_still_fit(world, client_for):
    campaign = world.campaign
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[campaign.pk]), edit_data(campaign, ends_on="2018-12-31")
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.ends_on == dt.date(2018, 12, 31)


def test_editing_cannot_take_another_campaigns_code(world, client_for):
    other = CampaignFactory(code="other-2020")
    response = client_for(world.office).post(
        reverse("campaigns:edit", args=[world.campaign.pk]),
        edit_data(world.campaign, code=other.code),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["code"] == ["Another campaign already uses this code."]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_campaign_page_shows_the_active_language_first(world, client_for, language):
    world.campaign.title_zh, world.campaign.title_en = "解放思想大讨论", "Great debate"
    world.campaign.save()
    client = client_for(world.viewer)
    response = client.get(
        reverse("campaigns:detail", args=[world.campaign.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    page = response.content.decode()
    first, second = (
        ("Great debate", "解放思想大讨论")
        if language == "en"
        else (
            "解放思想大讨论",
            "Great debate",
        )
    )
    assert f"<h1>{first} <small" in page
    assert f">{second}</small></h1>" in page


def test_campaign_page_shows_its_history(world, client_for):
    client = client_for(world.office)
    client.post(
        reverse("campaigns:edit", args=[world.campaign.pk]),
        edit_data(world.campaign, theme_en="Learn from Shanghai"),
    )
    page = client.get(reverse("campaigns:detail", args=[world.campaign.pk])).content.decode()
    assert 'id="history"' in page
    assert "Learn from Shanghai" in page
