"""Reads of campaigns shared by views, API and commands."""

from __future__ import annotations

from campaigndesk import clock

from .models import Campaign, CampaignStatus


def current_campaign() -> Campaign | None:
    """The campaign under way today, else the most recent one."""
    today = clock.today()
    running = (
        Campaign.objects.filter(status=CampaignStatus.ACTIVE, starts_on__lte=today)
        .order_by("-starts_on")
        .first()
    )
    return running or Campaign.objects.order_by("-starts_on").first()
