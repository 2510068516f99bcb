"""Who may open which campaign screen.

A campaign is city-wide: everyone with a role reads its set-up, only the office
changes it. So the forms answer 403 (not 404) to the other roles.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

READ_PAGES = ["list", "detail", "calendar"]
FORM_PAGES = [
    "new",
    "edit",
    "phase_new",
    "phase_edit",
    "phase_delete",
    "key_task_new",
    "key_task_edit",
    "key_task_delete",
]
WITH_PK = [name for name in READ_PAGES + FORM_PAGES if name not in ("list", "new")]
READ_ONLY_ROLES = ["leader", "viewer", "inspector", "gjz_head", "gjz_liaison", "zs_liaison"]


@pytest.mark.parametrize("name", READ_PAGES + FORM_PAGES)
def test_office_opens_every_campaign_screen(world, client_for, url_of, name):
    response = client_for(world.office).get(url_of(name))
    assert response.status_code == 200


@pytest.mark.parametrize("person", READ_ONLY_ROLES)
@pytest.mark.parametrize("name", READ_PAGES)
def test_every_role_reads_the_campaign_pages(world, client_for, url_of, name, person):
    response = client_for(getattr(world, person)).get(url_of(name))
    assert response.status_code == 200


@pytest.mark.parametrize("person", READ_ONLY_ROLES)
@pytest.mark.parametrize("name", FORM_PAGES)
def test_read_only_roles_are_refused_the_forms(world, client_for, url_of, name, person):
    client = client_for(getattr(world, person))
    assert client.get(url_of(name)).status_code == 403
    assert client.post(url_of(name), {}).status_code == 403


@pytest.mark.parametrize("person", READ_ONLY_ROLES)
def test_read_only_roles_cannot_mark_calendar_days(world, client_for, url_of, person):
    response = client_for(getattr(world, person)).post(
        url_of("calendar"), {"date": "2018-10-08", "is_workday": "1"}
    )
    assert response.status_code == 403
    assert not world.campaign.calendar.days.exists()


@pytest.mark.parametrize("name", READ_PAGES)
def test_person_without_a_role_cannot_read_campaigns(world, client_for, url_of, name):
    assert client_for(world.nobody).get(url_of(name)).status_code == 403


@pytest.mark.parametrize("name", READ_PAGES + FORM_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(world, client_for, url_of, name):
    url = url_of(name)
    response = client_for(world.citizen).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={quote(url)}"


@pytest.mark.parametrize("name", WITH_PK)
@pytest.mark.parametrize("person", ["office", "viewer"])
def test_unknown_object_gives_not_found(world, client_for, url_of, name, person):
    response = client_for(getattr(world, person)).get(url_of(name, pk=999_999))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["list", "detail"])
def test_read_pages_refuse_to_be_posted_to(world, client_for, url_of, name):
    assert client_for(world.office).post(url_of(name), {}).status_code == 405


@pytest.mark.parametrize("name", [*FORM_PAGES, "calendar"])
def test_forms_refuse_other_methods(world, client_for, url_of, name):
    client = client_for(world.office)
    assert client.put(url_of(name)).status_code == 405
    assert client.delete(url_of(name)).status_code == 405


def test_office_sees_the_new_campaign_button_and_others_do_not(world, client_for, url_of):
    office_page = client_for(world.office).get(url_of("list")).content.decode()
    viewer_page = client_for(world.viewer).get(url_of("list")).content.decode()
    assert url_of("new") in office_page
    assert url_of("new") not in viewer_page


def test_read_only_roles_see_no_edit_links_on_the_campaign_page(world, client_for, url_of):
    page = client_for(world.gjz_liaison).get(url_of("detail")).content.decode()
    assert url_of("edit") not in page
    assert url_of("phase_edit") not in page
    assert url_of("key_task_delete") not in page
    assert url_of("phase_new") not in page


def test_read_only_roles_see_the_calendar_without_its_form(world, client_for, url_of):
    page = client_for(world.viewer).get(url_of("calendar")).content.decode()
    assert 'name="is_workday"' not in page
    office_page = client_for(world.office).get(url_of("calendar")).content.decode()
    assert 'name="is_workday"' in office_page
