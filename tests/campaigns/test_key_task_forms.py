"""Adding, editing and deleting a campaign's key tasks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import history_of
from campaigndesk.campaigns.models import KeyTask, PlanMeasure, WorkPlan
from tests.factories import CampaignFactory, UnitFactory


def key_task_data(**overrides) -> dict[str, str]:
    data = {
        "number": "2",
        "code": "KT2",
        "title_zh": "优化营商环境",
        "title_en": "Improve the business environment",
        "content_zh": "",
        "content_en": "Cut approval times.",
        "lead_unit": "",
    }
    data.update(overrides)
    return data


def test_office_adds_a_key_task_with_a_lead_unit_and_it_is_audited(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:key_task_new", args=[world.campaign.pk]),
        key_task_data(lead_unit=str(world.bureau.pk)),
    )
    assert response.status_code == 302
    key_task = KeyTask.objects.get(campaign=world.campaign, number=2)
    assert key_task.lead_unit == world.bureau
    record = history_of(key_task).get()
    assert record.action == "campaigns.create_key_task"
    assert record.actor == world.office


def test_new_key_task_form_suggests_the_next_number(world, client_for):
    response = client_for(world.office).get(
        reverse("campaigns:key_task_new", args=[world.campaign.pk])
    )
    assert response.context["form"].initial["number"] == 2


def test_key_task_number_must_be_unique_in_the_campaign(world, client_for):
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(
        reverse("campaigns:key_task_new", args=[world.campaign.pk]), key_task_data(number="1")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == ["This campaign already has a key task 1."]
    assert KeyTask.objects.filter(campaign=world.campaign).count() == 1
    assert AuditRecord.objects.count() == before


def test_the_same_key_task_number_may_be_used_by_another_campaign(world, client_for):
    other = CampaignFactory()
    response = client_for(world.office).post(
        reverse("campaigns:key_task_new", args=[other.pk]), key_task_data(number="1")
    )
    assert response.status_code == 302
    assert other.key_tasks.get().number == 1


def test_lead_unit_is_chosen_from_active_units_only(world, client_for):
    closed = UnitFactory(code="CLOSED", parent=world.city, is_active=False)
    client = client_for(world.office)
    url = reverse("campaigns:key_task_new", args=[world.campaign.pk])
    choices = client.get(url).context["form"].fields["lead_unit"].queryset
    assert world.street in choices
    assert closed not in choices
    response = client.post(url, key_task_data(lead_unit=str(closed.pk)))
    assert response.status_code == 200
    assert "lead_unit" in response.context["form"].errors


def test_a_key_tasks_inactive_lead_unit_stays_selectable_when_editing(world, client_for):
    closed = UnitFactory(code="CLOSED", parent=world.city, is_active=False)
    world.key_task.lead_unit = closed
    world.key_task.save()
    response = client_for(world.office).get(
        reverse("campaigns:key_task_edit", args=[world.key_task.pk])
    )
    assert closed in response.context["form"].fields["lead_unit"].queryset


def test_office_edits_a_key_task_and_the_change_is_audited(world, client_for):
    response = client_for(world.office).post(
        reverse("campaigns:key_task_edit", args=[world.key_task.pk]),
        key_task_data(number="1", lead_unit=str(world.zhongshan.pk)),
    )
    assert response.status_code == 302
    world.key_task.refresh_from_db()
    assert world.key_task.lead_unit == world.zhongshan
    record = history_of(world.key_task).get()
    assert record.action == "campaigns.update_key_task"
    assert record.after["lead_unit_id"] == world.zhongshan.pk


@pytest.mark.parametrize("code", ["has space", "句号"])
def test_key_task_code_takes_letters_digits_and_dashes_only(world, client_for, code):
    response = client_for(world.office).post(
        reverse("campaigns:key_task_new", args=[world.campaign.pk]), key_task_data(code=code)
    )
    assert response.status_code == 200
    assert "code" in response.context["form"].errors


def test_deleting_a_key_task_asks_first_and_deletes_only_on_post(world, client_for):
    client = client_for(world.office)
    url = reverse("campaigns:key_task_delete", args=[world.key_task.pk])
    assert client.get(url).status_code == 200
    assert KeyTask.objects.filter(pk=world.key_task.pk).exists()

    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].endswith("#key-tasks")
    assert not KeyTask.objects.filter(pk=world.key_task.pk).exists()
    assert AuditRecord.objects.get(action="campaigns.delete_key_task").actor == world.office


def test_a_key_task_that_work_plans_use_cannot_be_deleted(world, client_for):
    plan = WorkPlan.objects.create(campaign=world.campaign, unit=world.ganjingzi)
    PlanMeasure.objects.create(
        plan=plan,
        key_task=world.key_task,
        number=1,
        title="Cut approval times",
        deadline=world.campaign.ends_on,
    )
    before = AuditRecord.objects.count()
    response = client_for(world.office).post(
        reverse("campaigns:key_task_delete", args=[world.key_task.pk])
    )
    assert response.status_code == 200
    assert "Other records still refer to this key task" in response.content.decode()
    assert KeyTask.objects.filter(pk=world.key_task.pk).exists()
    assert AuditRecord.objects.count() == before
