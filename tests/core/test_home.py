"""The desk's overview: kept per person, language and day until a watched table changes."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.campaigns import actions as campaign_actions
from campaigndesk.org import actions as org_actions
from campaigndesk.org.models import Role


def test_a_kept_overview_costs_one_query(world, client_for):
    client = client_for(world.office)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as captured:
        again = client.get(reverse("home"))
    # The session with the reference stamp; the body comes from the process cache.
    assert len(captured.captured_queries) == 1
    assert world.campaign.title in again.content.decode()


def test_a_renamed_phase_shows_at_the_next_request(world, client_for):
    client = client_for(world.office)
    client.get(reverse("home"))
    phase = world.phase1
    campaign_actions.update_phase(world.office, phase, {"name_en": "Study and mobilise"})
    assert "Study and mobilise" in client.get(reverse("home")).content.decode()


def test_a_new_grant_shows_at_the_next_request(world, client_for):
    client = client_for(world.nobody)
    assert "You have no role yet" in client.get(reverse("home")).content.decode()
    org_actions.grant_role(world.office, world.nobody, Role.VIEWER, world.zhongshan)
    page = client.get(reverse("home")).content.decode()
    assert "You have no role yet" not in page and world.zhongshan.name in page


def test_two_people_never_see_each_others_roles(world, client_for):
    office = client_for(world.office).get(reverse("home")).content.decode()
    liaison = client_for(world.gjz_liaison).get(reverse("home")).content.decode()
    assert world.office_unit.name in office and world.office_unit.name not in liaison
    assert world.ganjingzi.name in liaison


def test_the_current_phase_moves_with_the_day(world, client_for):
    client = client_for(world.office)
    phase = world.phase1
    with clock.frozen_at(timezone.make_aware(dt.datetime.combine(phase.starts_on, dt.time(9)))):
        assert 'class="current"' in client.get(reverse("home")).content.decode()
    after = phase.ends_on + dt.timedelta(days=400)
    with clock.frozen_at(timezone.make_aware(dt.datetime.combine(after, dt.time(9)))):
        assert 'class="current"' not in client.get(reverse("home")).content.decode()
