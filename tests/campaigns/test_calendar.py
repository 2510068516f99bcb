"""The campaign's working-day calendar: the office marks days as worked or off."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from campaigndesk.audit.trail import history_of
from campaigndesk.campaigns.models import CalendarDay
from tests.factories import CampaignFactory


def test_office_marks_a_weekend_as_a_working_day_and_it_is_audited(world, client_for):
    url = reverse("campaigns:calendar", args=[world.campaign.pk])
    response = client_for(world.office).post(
        url, {"date": "2018-09-29", "is_workday": "1", "note": "National Day swap"}
    )
    assert response.status_code == 302
    assert response["Location"] == url
    day = CalendarDay.objects.get(calendar=world.campaign.calendar)
    assert (day.date, day.is_workday, day.note) == (dt.date(2018, 9, 29), True, "National Day swap")
    record = history_of(day).get()
    assert record.action == "campaigns.set_calendar_day"
    assert record.actor == world.office


def test_marking_the_same_day_again_changes_it_in_place(world, client_for):
    client = client_for(world.office)
    url = reverse("campaigns:calendar", args=[world.campaign.pk])
    client.post(url, {"date": "2018-10-08", "is_workday": "1"})
    client.post(url, {"date": "2018-10-08", "is_workday": "0", "note": "Holiday after all"})
    day = CalendarDay.objects.get(calendar=world.campaign.calendar)
    assert day.is_workday is False
    assert day.note == "Holiday after all"
    assert [r.action for r in history_of(day).order_by("pk")] == [
        "campaigns.set_calendar_day",
        "campaigns.set_calendar_day",
    ]


def test_calendar_form_needs_a_date_and_a_choice(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:calendar", args=[world.campaign.pk]), {"date": "not a date"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["date"] == ["Enter a valid date."]
    assert errors["is_workday"] == ["This field is required."]
    assert not CalendarDay.objects.exists()


def test_calendar_page_lists_the_marked_days_for_every_role(world, client_for):
    CalendarDay.objects.create(
        calendar=world.campaign.calendar, date=dt.date(2018, 10, 1), is_workday=False, note="国庆"
    )
    page = client_for(world.gjz_liaison).get(
        reverse("campaigns:calendar", args=[world.campaign.pk])
    )
    assert page.status_code == 200
    assert "2018-10-01" in page.content.decode()
    assert "国庆" in page.content.decode()


def test_calendar_page_warns_when_other_campaigns_share_the_calendar(world, client_for):
    other = CampaignFactory(calendar=world.campaign.calendar, title_en="Another drive")
    page = client_for(world.office).get(reverse("campaigns:calendar", args=[world.campaign.pk]))
    assert list(page.context["shared_with"]) == [other]
    assert "Another drive" in page.content.decode()
