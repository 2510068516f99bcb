"""The work plan screens: list, plan page, measures, the workflow, versions and compare."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.campaigns.models import PlanMeasure, PlanStatus, WorkPlan
from campaigndesk.ledger.models import Source, Task, TaskStatus
from campaigndesk.org.models import UnitKind
from tests.factories import KeyTaskFactory, UnitFactory

START = dt.date(2018, 10, 8)


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def on_start_day():
    with clock.frozen_at(dt.datetime.combine(START, dt.time(10), tzinfo=dt.UTC)):
        yield


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def plan(world):
    """Ganjingzi's draft plan with one measure."""
    plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
    plans.add_measure(
        world.gjz_liaison,
        plan,
        key_task=world.key_task,
        title="梳理营商环境问题清单",
        owner_name="王某",
        deadline=dt.date(2018, 12, 14),
        milestones=[{"title": "形成初稿", "due": "2018-11-15"}],
    )
    return plan


@pytest.fixture
def zs_plan(world):
    return plans.start_plan(world.zs_liaison, world.campaign, world.zhongshan)


def plan_url(name: str, plan: WorkPlan) -> str:
    return reverse(f"ledger:{name}", args=[plan.pk])


def fresh(plan: WorkPlan) -> WorkPlan:
    return WorkPlan.objects.get(pk=plan.pk)


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def measure_data(**overrides):
    data = {
        "key_task": "",
        "title": "优化审批",
        "description": "",
        "owner_name": "李某",
        "deadline": "2018-11-30",
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
        "milestones-0-title": "方案",
        "milestones-0-due": "2018-10-31",
        "milestones-1-title": "试点",
        "milestones-1-due": "2018-11-15",
        "milestones-2-title": "",
        "milestones-2-due": "",
    }
    data.update(overrides)
    return data


# --- the list -----------------------------------------------------------------------------------


def units_in(response) -> list[str]:
    return [p.unit.code for p in response.context["page"].object_list]


def test_office_sees_every_units_plan_for_the_current_campaign(world, client_for, plan, zs_plan):
    response = client_for(world.office).get(reverse("ledger:plan_list"))
    assert response.status_code == 200
    assert units_in(response) == ["GJZ", "ZS"]
    assert response.context["campaign"] == world.campaign
    assert response.context["start_form"] is None  # the office does not write plans


def test_office_filters_plans_by_status(world, client_for, plan, zs_plan):
    plans.submit_plan(world.gjz_liaison, plan)
    client = client_for(world.office)
    assert units_in(client.get(reverse("ledger:plan_list"), {"status": "submitted"})) == ["GJZ"]
    assert units_in(client.get(reverse("ledger:plan_list"), {"status": "draft"})) == ["ZS"]


def test_a_liaison_sees_only_the_plans_of_their_units(world, client_for, plan, zs_plan):
    response = client_for(world.zs_liaison).get(reverse("ledger:plan_list"))
    assert units_in(response) == ["ZS"]
    assert "甘井子" not in response.content.decode()


def test_a_viewer_reads_the_plan_list(world, client_for, plan):
    response = client_for(world.viewer).get(reverse("ledger:plan_list"))
    assert response.status_code == 200
    assert units_in(response) == ["GJZ"]


def test_a_person_without_a_role_may_not_open_the_plan_list(world, client_for):
    assert client_for(world.nobody).get(reverse("ledger:plan_list")).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_plan_list(world, client_for):
    assert login_url_in(client_for(None).get(reverse("ledger:plan_list")))


def test_plan_list_refuses_post(world, client_for):
    assert client_for(world.office).post(reverse("ledger:plan_list")).status_code == 405


def test_a_liaison_starts_their_units_plan_from_the_list(world, client_for):
    client = client_for(world.gjz_liaison)
    listing = client.get(reverse("ledger:plan_list"))
    offered = list(listing.context["start_form"].fields["unit"].queryset)
    assert world.ganjingzi in offered and world.zhongshan not in offered
    response = client.post(
        reverse("ledger:plan_start"),
        {"campaign": world.campaign.pk, "unit": world.ganjingzi.pk},
    )
    plan = WorkPlan.objects.get(unit=world.ganjingzi)
    assert response["Location"] == plan_url("plan", plan)
    assert plan.status == PlanStatus.DRAFT


def test_starting_a_plan_for_another_districts_unit_is_refused(world, client_for):
    response = client_for(world.gjz_liaison).post(
        reverse("ledger:plan_start"), {"campaign": world.campaign.pk, "unit": world.zhongshan.pk}
    )
    assert response.status_code == 302
    assert not WorkPlan.objects.exists()


def test_start_refuses_get(world, client_for):
    assert client_for(world.gjz_liaison).get(reverse("ledger:plan_start")).status_code == 405


# --- the plan page ------------------------------------------------------------------------------


def test_plan_page_shows_measures_grouped_by_key_task(world, client_for, plan):
    second = KeyTaskFactory(campaign=world.campaign, number=2)
    plans.add_measure(
        world.gjz_liaison, plan, key_task=second, title="第二项", deadline=dt.date(2018, 11, 1)
    )
    plans.add_measure(world.gjz_liaison, plan, title="其他", deadline=dt.date(2018, 11, 2))
    response = client_for(world.office).get(plan_url("plan", plan))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [g["key_task"] for g in groups] == [world.key_task, second, None]
    page = response.content.decode()
    for text in ("梳理营商环境问题清单", "王某", "2018-12-14", "形成初稿", "plans.add_measure"):
        assert text in page, text


def test_liaison_is_offered_editing_and_submitting_their_draft(world, client_for, plan):
    response = client_for(world.gjz_liaison).get(plan_url("plan", plan))
    offers = response.context["offers"]
    assert offers["edit"] and offers["submit"]
    assert not offers["endorse"] and not offers["approve"]


@pytest.mark.parametrize("person", ["viewer", "leader"])
def test_read_only_roles_see_the_plan_without_any_button(world, client_for, plan, person):
    response = client_for(getattr(world, person)).get(plan_url("plan", plan))
    assert response.status_code == 200
    assert not any(response.context["offers"].values())
    assert reverse("ledger:measure_new", args=[plan.pk]) not in response.content.decode()


@pytest.mark.parametrize("name", ["plan", "plan_versions", "plan_compare", "plan_summary"])
def test_liaison_of_another_district_gets_404_for_a_ganjingzi_plan(world, client_for, plan, name):
    assert client_for(world.zs_liaison).get(plan_url(name, plan)).status_code == 404


@pytest.mark.parametrize(
    "name", ["plan_submit", "plan_endorse", "plan_approve", "plan_return", "measure_new"]
)
def test_every_plan_action_is_404_for_a_liaison_of_another_district(world, client_for, plan, name):
    response = client_for(world.zs_liaison).post(plan_url(name, plan), {"return-comment": "x"})
    assert response.status_code == 404
    assert fresh(plan).status == PlanStatus.DRAFT


def test_measure_screens_are_404_for_a_liaison_of_another_district(world, client_for, plan):
    measure = plan.measures.get()
    client = client_for(world.zs_liaison)
    assert client.get(reverse("ledger:measure_edit", args=[measure.pk])).status_code == 404
    assert client.post(reverse("ledger:measure_delete", args=[measure.pk])).status_code == 404
    assert PlanMeasure.objects.filter(pk=measure.pk).exists()


@pytest.mark.parametrize("name", ["plan", "plan_versions", "plan_compare"])
def test_anonymous_visitor_is_sent_to_sign_in_from_a_plan(world, client_for, plan, name):
    assert login_url_in(client_for(None).get(plan_url(name, plan)))


@pytest.mark.parametrize("name", ["plan", "plan_versions", "plan_compare"])
def test_plan_pages_refuse_post(world, client_for, plan, name):
    assert client_for(world.office).post(plan_url(name, plan)).status_code == 405


@pytest.mark.parametrize("name", ["plan_submit", "plan_endorse", "plan_approve", "plan_return"])
def test_plan_workflow_buttons_refuse_get(world, client_for, plan, name):
    assert client_for(world.office).get(plan_url(name, plan)).status_code == 405


def test_unknown_plan_is_404(world, client_for):
    assert client_for(world.office).get(reverse("ledger:plan", args=[99999])).status_code == 404


# --- editing ------------------------------------------------------------------------------------


def test_liaison_edits_the_summary(world, client_for, plan):
    client = client_for(world.gjz_liaison)
    assert client.get(plan_url("plan_summary", plan)).status_code == 200
    response = client.post(plan_url("plan_summary", plan), {"summary": "围绕六项重点任务"})
    assert response.status_code == 302
    assert fresh(plan).summary == "围绕六项重点任务"


@pytest.mark.parametrize("person", ["viewer", "office"])
def test_people_who_do_not_write_the_plan_may_not_edit_it(world, client_for, plan, person):
    client = client_for(getattr(world, person))
    assert client.get(plan_url("plan_summary", plan)).status_code == 403
    assert client.post(plan_url("measure_new", plan), measure_data()).status_code == 403
    assert plan.measures.count() == 1


def test_liaison_adds_a_measure_with_milestones(world, client_for, plan):
    response = client_for(world.gjz_liaison).post(
        plan_url("measure_new", plan), measure_data(key_task=world.key_task.pk)
    )
    assert response.status_code == 302
    measure = plan.measures.get(title="优化审批")
    assert measure.number == 2
    assert measure.key_task == world.key_task
    assert measure.milestones == [
        {"title": "方案", "due": "2018-10-31"},
        {"title": "试点", "due": "2018-11-15"},
    ]


def test_a_measure_due_after_the_campaign_is_refused(world, client_for, plan):
    response = client_for(world.gjz_liaison).post(
        plan_url("measure_new", plan), measure_data(deadline="2020-06-30")
    )
    assert response.status_code == 400
    assert "The deadline must fall within the campaign" in response.content.decode()
    assert plan.measures.count() == 1


def test_liaison_edits_a_measure_and_clears_a_milestone(world, client_for, plan):
    measure = plan.measures.get()
    client = client_for(world.gjz_liaison)
    form_page = client.get(reverse("ledger:measure_edit", args=[measure.pk]))
    assert form_page.context["milestones"].forms[0]["title"].value() == "形成初稿"
    response = client.post(
        reverse("ledger:measure_edit", args=[measure.pk]),
        measure_data(
            title="梳理问题清单",
            deadline="2018-12-21",
            **{"milestones-0-title": "", "milestones-0-due": ""},
        ),
    )
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.deadline) == ("梳理问题清单", dt.date(2018, 12, 21))
    assert measure.milestones == [{"title": "试点", "due": "2018-11-15"}]


def test_liaison_deletes_a_measure(world, client_for, plan):
    measure = plan.measures.get()
    response = client_for(world.gjz_liaison).post(
        reverse("ledger:measure_delete", args=[measure.pk])
    )
    assert response.status_code == 302
    assert not plan.measures.exists()


def test_a_submitted_plan_cannot_be_changed(world, client_for, plan):
    plans.submit_plan(world.gjz_liaison, plan)
    measure = plan.measures.get()
    client = client_for(world.gjz_liaison)
    response = client.post(reverse("ledger:measure_delete", args=[measure.pk]))
    assert response.status_code == 400
    assert "The plan is waiting for a decision" in response.content.decode()
    assert plan.measures.exists()
    response = client.post(plan_url("plan_summary", plan), {"summary": "改"})
    assert response.status_code == 400
    assert fresh(plan).summary == ""


def test_measure_edit_refuses_put(world, client_for, plan):
    measure = plan.measures.get()
    address = reverse("ledger:measure_edit", args=[measure.pk])
    assert client_for(world.gjz_liaison).put(address).status_code == 405
    assert (
        client_for(world.gjz_liaison)
        .get(reverse("ledger:measure_delete", args=[measure.pk]))
        .status_code
        == 405
    )


# --- the workflow through the screens --------------------------------------------------------------


def test_plan_goes_from_draft_to_approved_tasks_and_a_revision_is_compared_and_returned(
    world, client_for, plan
):
    liaison, head, office = (
        client_for(world.gjz_liaison),
        client_for(world.gjz_head),
        client_for(world.office),
    )
    # draft → submitted
    assert liaison.post(plan_url("plan_submit", plan)).status_code == 302
    assert fresh(plan).status == PlanStatus.SUBMITTED
    # The liaison may not endorse; the unit head does.
    assert liaison.post(plan_url("plan_endorse", plan)).status_code == 403
    assert head.get(plan_url("plan", plan)).context["offers"]["endorse"]
    assert head.post(plan_url("plan_endorse", plan)).status_code == 302
    assert fresh(plan).status == PlanStatus.ENDORSED
    # The unit head may not approve; the office does, and the measures become tasks.
    assert head.post(plan_url("plan_approve", plan), {"approve-comment": ""}).status_code == 403
    response = office.post(plan_url("plan_approve", plan), {"approve-comment": "同意"}, follow=True)
    assert "Its measures are now tasks on the ledger." in response.content.decode()
    assert fresh(plan).status == PlanStatus.APPROVED
    task = Task.objects.get(measure__plan=plan)
    assert (task.source, task.status, task.deadline) == (
        Source.WORK_PLAN,
        TaskStatus.ACCEPTED,
        dt.date(2018, 12, 14),
    )
    assert task.lead_unit == world.ganjingzi

    # A revision: the liaison moves the deadline, which puts the plan back to draft.
    measure = plan.measures.get()
    assert (
        liaison.post(
            reverse("ledger:measure_edit", args=[measure.pk]),
            measure_data(
                key_task=world.key_task.pk,
                title=measure.title,
                owner_name="王某",
                deadline="2018-12-28",
                **{
                    "milestones-0-title": "形成初稿",
                    "milestones-0-due": "2018-11-15",
                    "milestones-1-title": "",
                    "milestones-1-due": "",
                },
            ),
        ).status_code
        == 302
    )
    assert fresh(plan).status == PlanStatus.DRAFT
    liaison.post(plan_url("plan_submit", plan))
    head.post(plan_url("plan_endorse", plan))

    # The office compares version 2 with the approved version 1: only the deadline moved.
    compare = office.get(plan_url("plan_compare", plan))
    assert compare.status_code == 200
    assert compare.context["approved"].number == 1 and compare.context["submitted"].number == 2
    assert [
        (r["number"], str(r["field"]), r["old"], r["new"]) for r in compare.context["changed"]
    ] == [(1, "deadline", "2018-12-14", "2018-12-28")]
    assert compare.context["added"] == [] and compare.context["removed"] == []
    assert "2018-12-28" in compare.content.decode()

    # The office returns it with a comment: the unit sees it, and it is a draft to fix.
    assert office.post(plan_url("plan_return", plan), {"return-comment": ""}).status_code == 400
    response = office.post(plan_url("plan_return", plan), {"return-comment": "时限不宜推迟"})
    assert response.status_code == 302
    plan = fresh(plan)
    assert plan.status == PlanStatus.RETURNED and plan.office_comment == "时限不宜推迟"
    page = liaison.get(plan_url("plan", plan))
    assert "时限不宜推迟" in page.content.decode()
    assert page.context["offers"]["edit"] and page.context["offers"]["submit"]

    # The versions tab keeps both, with their outcome and comment.
    versions = office.get(plan_url("plan_versions", plan))
    rows = [(v.number, v.outcome, v.comment) for v in versions.context["page"].object_list]
    assert rows == [
        (2, PlanStatus.RETURNED, "时限不宜推迟"),
        (1, PlanStatus.APPROVED, "同意"),
    ]
    # The approved task stays on the ledger, unchanged, while the revision is returned.
    assert Task.objects.get(pk=task.pk).deadline == dt.date(2018, 12, 14)


def test_unit_head_returns_a_submitted_plan_with_a_comment(world, client_for, plan):
    plans.submit_plan(world.gjz_liaison, plan)
    response = client_for(world.gjz_head).post(
        plan_url("plan_return", plan), {"return-comment": "措施不够具体"}
    )
    assert response.status_code == 302
    assert fresh(plan).status == PlanStatus.RETURNED


def test_returning_without_a_comment_is_refused(world, client_for, plan):
    plans.submit_plan(world.gjz_liaison, plan)
    response = client_for(world.gjz_head).post(
        plan_url("plan_return", plan), {"return-comment": ""}
    )
    assert response.status_code == 400
    assert "Say what needs to change." in response.content.decode()
    assert fresh(plan).status == PlanStatus.SUBMITTED


def test_submitting_a_plan_without_measures_is_refused(world, client_for, zs_plan):
    response = client_for(world.zs_liaison).post(plan_url("plan_submit", zs_plan))
    assert response.status_code == 400
    assert "Add at least one measure before submitting the plan." in response.content.decode()
    assert fresh(zs_plan).status == PlanStatus.DRAFT


def test_approving_a_plan_not_yet_endorsed_is_refused(world, client_for, plan):
    plans.submit_plan(world.gjz_liaison, plan)
    response = client_for(world.office).post(plan_url("plan_approve", plan), {})
    assert response.status_code == 400
    assert "cannot be moved to Approved" in response.content.decode()
    assert not Task.objects.exists()


def test_compare_before_any_submission_says_there_is_nothing_to_compare(world, client_for, plan):
    response = client_for(world.office).get(plan_url("plan_compare", plan))
    assert response.status_code == 200
    assert "nothing to compare" in response.content.decode()


def test_compare_of_a_first_version_lists_every_measure_as_added(world, client_for, plan):
    plans.submit_plan(world.gjz_liaison, plan)
    response = client_for(world.office).get(plan_url("plan_compare", plan))
    assert [m["title"] for m in response.context["added"]] == ["梳理营商环境问题清单"]
    assert response.context["added"][0]["key_task_label"] == "1. Key task 1"


# --- query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 30])
def test_plan_list_query_count_is_the_same_for_5_and_30_plans(
    world, client_for, django_assert_num_queries, n
):
    for i in range(n):
        unit = UnitFactory(code=f"P{i:03d}", kind=UnitKind.SUBUNIT, parent=world.ganjingzi)
        plan = WorkPlan.objects.create(campaign=world.campaign, unit=unit)
        PlanMeasure.objects.create(plan=plan, number=1, title="m", deadline=START)
    client = client_for(world.office)
    # 1 session, 2 user, 3 the current campaign, 4 the person's role grants, 5 COUNT of the
    # plans (pager), 6 the page of plans with their units and measure counts, 7 the campaigns
    # offered in the filter.
    with django_assert_num_queries(7):
        response = client.get(reverse("ledger:plan_list"))
    assert len(response.context["page"].object_list) == n


def test_saving_a_measure_form_as_drawn_keeps_its_milestones(world, client_for, plan):
    measure = plan.measures.get()
    address = reverse("ledger:measure_edit", args=[measure.pk])
    client = client_for(world.gjz_liaison)
    drawn = client.get(address).context
    data = {}
    for form in [drawn["form"], *drawn["milestones"].forms, drawn["milestones"].management_form]:
        for name in form.fields:
            value = form[name].value()
            data[form[name].html_name] = (
                value.isoformat()
                if hasattr(value, "isoformat")
                else ("" if value is None else value)
            )
    assert client.post(address, data).status_code == 302
    measure.refresh_from_db()
    assert measure.milestones == [{"title": "形成初稿", "due": "2018-11-15"}]
