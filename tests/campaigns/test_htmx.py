"""Phases and key tasks are added in place with htmx; the same addresses work without it."""

from __future__ import annotations

from django.urls import reverse

from campaigndesk.campaigns.models import KeyTask, Phase

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_add_phase_link_falls_back_to_a_full_page(world, client_for):
    url = reverse("campaigns:phase_new", args=[world.campaign.pk])
    page = client_for(world.office).get(reverse("campaigns:detail", args=[world.campaign.pk]))
    html = page.content.decode()
    assert f'href="{url}" hx-get="{url}" hx-target="#phases"' in html
    full = client_for(world.office).get(url).content.decode()
    assert full.startswith("<!doctype html>")


def test_htmx_asks_for_the_phase_section_with_an_empty_form(world, client_for):
    url = reverse("campaigns:phase_new", args=[world.campaign.pk])
    response = client_for(world.office).get(url, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="phases"')
    assert f'hx-post="{url}"' in html
    assert "<html" not in html


def test_htmx_adds_a_phase_and_returns_the_section_with_the_new_row(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:phase_new", args=[world.campaign.pk]),
        {
            "number": "2",
            "name_zh": "整改落实",
            "name_en": "Putting it right",
            "starts_on": "2019-01-01",
            "ends_on": "2019-12-31",
        },
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    phase = Phase.objects.get(campaign=world.campaign, number=2)
    assert f'id="phase-{phase.pk}"' in html
    assert "Phase 2 was added." in html
    assert "hx-post" not in html


def test_htmx_shows_a_refused_phase_in_place_with_its_errors(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:phase_new", args=[world.campaign.pk]),
        {"number": "1", "name_zh": "重复", "starts_on": "2019-01-01", "ends_on": "2019-02-01"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<section id="phases"')
    assert "This campaign already has a phase 1." in html
    assert Phase.objects.filter(campaign=world.campaign).count() == 1


def test_htmx_adds_a_key_task_in_place(world, client_for):
    client = client_for(world.office)
    url = reverse("campaigns:key_task_new", args=[world.campaign.pk])
    assert client.get(url, **HTMX).content.decode().startswith('<section id="key-tasks"')
    response = client.post(url, {"number": "2", "title_zh": "扩大开放"}, **HTMX)
    key_task = KeyTask.objects.get(campaign=world.campaign, number=2)
    assert f'id="key-task-{key_task.pk}"' in response.content.decode()


def test_htmx_forms_are_still_refused_to_read_only_roles(world, client_for):
    url = reverse("campaigns:phase_new", args=[world.campaign.pk])
    assert client_for(world.viewer).get(url, **HTMX).status_code == 403


def test_inline_forms_tell_caches_they_vary_with_htmx(world, client_for):
    url = reverse("campaigns:phase_new", args=[world.campaign.pk])
    assert "HX-Request" in client_for(world.office).get(url)["Vary"]
