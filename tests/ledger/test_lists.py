"""The office's ledger list: who sees what, filters, keyset paging, saved filters and
bulk reminders (催办)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.ledger import actions, figures, reminders
from campaigndesk.ledger.models import Reminder, SavedFilter, Task
from campaigndesk.ledger.saved_filters import clean_query

LIST = "/desk/ledger/tasks/"
START = dt.date(2018, 10, 8)


def at(day: dt.date, hour: int = 10, minute: int = 0):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC))


def make_task(world, title: str, unit, deadline=dt.date(2018, 11, 1), **fields) -> Task:
    return actions.create_task(
        world.office,
        campaign=world.campaign,
        title=title,
        lead_unit=unit,
        deadline=deadline,
        key_task=world.key_task,
        phase=world.phase1,
        **fields,
    )


@pytest.fixture
def ledger(world):
    """Four tasks: Ganjingzi's, its street's, Zhongshan's (shared with Ganjingzi), the bureau's."""
    with at(START):
        tasks = {
            "gjz": make_task(
                world, "甘井子区营商环境整治", world.ganjingzi, responsible_leader="王某"
            ),
            "street": make_task(world, "街道排查", world.street, dt.date(2018, 11, 2)),
            "zs": make_task(
                world,
                "中山区共建项目",
                world.zhongshan,
                dt.date(2018, 11, 3),
                co_units=[world.ganjingzi],
            ),
            "bureau": make_task(world, "科技局创新政策", world.bureau, dt.date(2018, 11, 4)),
        }
    return tasks


def get(client, params: dict | None = None, **headers):
    with at(START + dt.timedelta(days=2)):
        return client.get(LIST, params or {}, headers=headers)


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.product_language
def test_office_sees_every_task_in_the_office_layout_with_bulk_reminders(world, ledger, client_for):
    response = get(client_for(world.office))
    assert response.status_code == 200
    html = response.content.decode()
    for task in ledger.values():
        assert task.title in html
    assert "中山区" in html  # the shared task's lead unit, and Ganjingzi as its co-unit
    assert 'id="remind-form"' in html
    assert 'name="task"' in html
    assert "王某" in html
    assert "badge" in html
    assert response.context["counts"].total == 4
    # The unit choice is indented by level: the street sits under its district.
    assert ">\u00a0\u00a0\u00a0\u00a0甘井子区某街道</option>" in html


def test_leader_reads_the_list_but_gets_no_bulk_reminder(world, ledger, client_for):
    client = client_for(world.leader)
    response = get(client)
    assert response.status_code == 200
    assert {t["id"] for t in response.context["page"].items} == {t.pk for t in ledger.values()}
    assert 'id="remind-form"' not in response.content.decode()
    with at(START):
        refused = client.post(
            reverse("ledger:bulk_remind"),
            {"message": "请加快", "scope": "selected", "task": [ledger["gjz"].pk]},
        )
    assert refused.status_code == 403
    assert not Reminder.objects.exists()


def test_ganjingzi_liaison_sees_own_district_below_and_shared_tasks(world, ledger, client_for):
    response = get(client_for(world.gjz_liaison))
    assert response.status_code == 200
    seen = {t["id"] for t in response.context["page"].items}
    assert seen == {ledger["gjz"].pk, ledger["street"].pk, ledger["zs"].pk}
    assert ledger["bureau"].title not in response.content.decode()
    assert 'id="remind-form"' not in response.content.decode()


def test_zhongshan_liaison_sees_only_zhongshans_tasks(world, ledger, client_for):
    response = get(client_for(world.zs_liaison))
    assert [t["id"] for t in response.context["page"].items] == [ledger["zs"].pk]


def test_liaison_filtering_by_a_unit_outside_their_scope_gets_a_form_error(
    world, ledger, client_for
):
    response = get(client_for(world.gjz_liaison), {"unit": world.zhongshan.pk})
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert response.context["page"].items == []
    assert ledger["zs"].title not in response.content.decode()


def test_a_unit_filter_follows_a_change_of_grants_at_once(world, ledger, client_for):
    from campaigndesk.org.models import Role, RoleGrant
    from tests.factories import grant

    client = client_for(world.gjz_liaison)
    assert "unit" not in get(client, {"unit": world.street.pk}).context["form"].errors
    assert "unit" in get(client, {"unit": "junk"}).context["form"].errors
    assert "unit" in get(client, {"unit": 2**70}).context["form"].errors
    # The unit is kept per person; losing the grant takes it away on the next page.
    RoleGrant.objects.filter(user=world.gjz_liaison).delete()
    grant(world.gjz_liaison, Role.LIAISON, world.zhongshan)
    assert "unit" in get(client, {"unit": world.street.pk}).context["form"].errors


def test_person_without_a_role_is_refused(world, ledger, client_for):
    assert get(client_for(world.nobody)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(world, ledger, client_for):
    response = get(client_for(world.citizen))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_wrong_methods_are_refused(world, ledger, client_for):
    client = client_for(world.office)
    assert client.post(LIST).status_code == 405
    assert client.get(reverse("ledger:bulk_remind")).status_code == 405
    assert client.get(reverse("ledger:filter_save")).status_code == 405
    assert client.get(reverse("ledger:filter_delete", args=[1])).status_code == 405


# --- filters, sorting and paging -------------------------------------------------------------


def test_filters_by_light_status_deadline_and_text(world, ledger, client_for):
    client = client_for(world.office)
    by_text = get(client, {"q": "街道"})
    assert [t["id"] for t in by_text.context["page"].items] == [ledger["street"].pk]
    by_range = get(client, {"due_from": "2018-11-02", "due_to": "2018-11-03"})
    assert {t["id"] for t in by_range.context["page"].items} == {
        ledger["street"].pk,
        ledger["zs"].pk,
    }
    by_unit = get(client, {"unit": world.ganjingzi.pk})
    assert {t["id"] for t in by_unit.context["page"].items} == {
        ledger["gjz"].pk,
        ledger["street"].pk,
    }
    by_status = get(client, {"status": ["closed", "cancelled"]})
    assert by_status.context["page"].items == []
    assert "No task matches this filter." in by_status.content.decode()


def test_invalid_filter_input_shows_the_error_instead_of_failing(world, ledger, client_for):
    client = client_for(world.office)
    response = get(client, {"due_from": "not a date", "light": "purple", "key_task": "x"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"due_from", "light", "key_task"} <= set(errors)
    assert "The filter has errors" in response.content.decode()
    backwards = get(client, {"due_from": "2018-11-05", "due_to": "2018-11-01"})
    assert "The end of the range is before its start." in backwards.content.decode()


def test_the_list_defaults_to_the_current_campaign_and_can_show_all(world, ledger, client_for):
    client = client_for(world.office)
    response = get(client)
    assert response.context["form"].cleaned_data["campaign"] == world.campaign
    everything = get(client, {"campaign": ""})
    assert everything.context["form"].cleaned_data["campaign"] is None
    # "All campaigns" is a choice the links keep, not a return to the current campaign.
    assert everything.context["query"] == "campaign="
    assert all("campaign=&" in link["url"] for link in everything.context["sort_links"])


def test_keyset_pages_walk_every_task_once_in_deadline_order(world, ledger, client_for):
    client = client_for(world.office)
    seen, params = [], {"size": 3}
    first = get(client, params)
    seen += first.context["page"].items
    assert 'rel="next"' in first.content.decode()
    cursor = first.context["page"].next_cursor
    second = get(client, {"size": 3, "cursor": cursor})
    seen += second.context["page"].items
    assert second.context["page"].next_cursor is None
    assert "First page" in second.content.decode()
    expected = sorted(ledger.values(), key=lambda t: (t.deadline, t.pk))
    assert [t["id"] for t in seen] == [t.pk for t in expected]


def test_sort_links_keep_the_filter_and_latest_deadline_comes_first(world, ledger, client_for):
    response = get(client_for(world.office), {"q": "区", "sort": "-deadline"})
    titles = [t["title"] for t in response.context["page"].items]
    assert titles == ["中山区共建项目", "甘井子区营商环境整治"]
    links = {link["label"]: link for link in response.context["sort_links"]}
    assert all("q=" in link["url"] for link in links.values())
    assert [link["current"] for link in response.context["sort_links"]].count(True) == 1


def test_page_size_is_bounded(world, ledger, client_for):
    client = client_for(world.office)
    assert len(get(client, {"size": "0"}).context["page"].items) == 1
    assert len(get(client, {"size": "junk"}).context["page"].items) == 4
    assert len(get(client, {"size": "100000"}).context["page"].items) == 4


def test_htmx_filtering_swaps_only_the_results_part(world, ledger, client_for):
    response = get(client_for(world.office), {"q": "街道"}, HX_Request="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ledger-results"')
    assert "<html" not in html
    assert "街道排查" in html and "科技局创新政策" not in html
    # The filter bar comes along out of band, so it shows what the results show.
    assert 'id="ledger-filters"' in html and 'hx-swap-oob="true"' in html
    assert 'value="街道"' in html
    restore = get(client_for(world.office), HX_Request="true", HX_History_Restore_Request="true")
    assert "<html" in restore.content.decode()


def test_counts_strip_gives_exact_figures_for_a_narrow_filter_and_more_than_for_a_broad_one(
    world, ledger, client_for, monkeypatch
):
    from campaigndesk.ledger.views import lists

    client = client_for(world.office)
    narrow = get(client)
    assert narrow.context["counts"].capped is False
    assert "4 tasks match this filter." in narrow.content.decode()
    monkeypatch.setattr(lists, "COUNT_CAP", 2)
    broad = get(client)
    assert broad.context["counts"].capped is True
    assert "More than 2 tasks match this filter." in broad.content.decode()


def test_task_titles_link_to_the_task_page(world, ledger, client_for):
    html = get(client_for(world.office)).content.decode()
    url = reverse("ledger:task", args=[ledger["gjz"].pk])
    assert f'href="{url}"' in html


def test_the_export_link_carries_the_filter_when_the_export_exists(world, ledger, client_for):
    from django.urls import NoReverseMatch

    html = get(client_for(world.office), {"q": "街道"}).content.decode()
    try:
        export = reverse("ledger:export")
    except NoReverseMatch:
        assert "Export to Excel" not in html
    else:
        assert f"{export}?" in html and "q=%E8%A1%97%E9%81%93" in html


# --- saved filters ------------------------------------------------------------------------------


def test_a_saved_filter_is_kept_listed_and_deleted_with_an_audit_record(world, ledger, client_for):
    client = client_for(world.gjz_liaison)
    with at(START):
        response = client.post(
            reverse("ledger:filter_save"),
            {"name": " 红灯 任务 ", "query": "light=red&cursor=abc&junk=1&q="},
        )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(owner=world.gjz_liaison)
    assert saved.name == "红灯 任务"
    assert saved.query == "light=red"
    assert AuditRecord.objects.filter(action="ledger.save_filter", object_id=str(saved.pk)).exists()

    page = get(client).content.decode()
    assert "红灯 任务" in page and f"{LIST}?light=red" in page

    # Someone else's saved filter is not there for them to delete.
    other = client_for(world.zs_liaison)
    assert other.post(reverse("ledger:filter_delete", args=[saved.pk])).status_code == 404
    with at(START):
        deleted = client.post(reverse("ledger:filter_delete", args=[saved.pk]))
    assert deleted.status_code == 302
    assert not SavedFilter.objects.exists()
    assert AuditRecord.objects.filter(action="ledger.delete_filter").count() == 1
    # The list kept the filters per process; the deletion shows at once (after the
    # page that says it is deleted).
    assert "is deleted" in get(client).content.decode()
    assert "红灯 任务" not in get(client).content.decode()


def test_saving_under_the_same_name_replaces_the_filter(world, ledger, client_for):
    client = client_for(world.office)
    url = reverse("ledger:filter_save")
    with at(START):
        client.post(url, {"name": "逾期", "query": "light=red"})
        client.post(url, {"name": "逾期", "query": "light=red&light=grey"})
    saved = SavedFilter.objects.get()
    assert saved.query == "light=red&light=grey"


def test_a_filter_without_a_name_is_refused_with_a_message(world, ledger, client_for):
    client = client_for(world.office)
    with at(START):
        response = client.post(
            reverse("ledger:filter_save"), {"name": " ", "query": "q=x"}, follow=True
        )
    assert "Give the filter a name." in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_clean_query_keeps_only_filter_parameters():
    assert clean_query("?status=assigned&status=accepted&cursor=x&evil=1") == (
        "status=assigned&status=accepted"
    )
    assert clean_query("campaign=&q=") == "campaign="


# --- bulk reminders ---------------------------------------------------------------------------


def remind(client, **data):
    data.setdefault("message", "请于本周内办结")
    with at(START + dt.timedelta(days=2), minute=data.pop("minute", 0)):
        return client.post(reverse("ledger:bulk_remind"), data, follow=True)


def test_bulk_reminder_reaches_each_ticked_task_once(world, ledger, client_for):
    client = client_for(world.office)
    picked = [ledger["gjz"].pk, ledger["zs"].pk]
    first = remind(client, scope="selected", task=picked, query="q=区")
    assert "2 reminders sent." in first.content.decode()
    assert Reminder.objects.count() == 2
    assert set(Reminder.objects.values_list("task_id", flat=True)) == set(picked)
    # A second click within the same minute is the same reminder: nothing new.
    again = remind(client, scope="selected", task=picked, query="q=区")
    assert "No reminder was sent" in again.content.decode()
    assert Reminder.objects.count() == 2
    assert first.redirect_chain[-1][0].endswith("?q=%E5%8C%BA")
    ledger["gjz"].refresh_from_db()
    assert ledger["gjz"].reminder_count == 1


def test_remind_all_matching_the_filter_reaches_every_open_task_of_it(world, ledger, client_for):
    response = remind(client_for(world.office), scope="all", query=f"unit={world.ganjingzi.pk}")
    assert "2 reminders sent." in response.content.decode()
    assert set(Reminder.objects.values_list("task_id", flat=True)) == {
        ledger["gjz"].pk,
        ledger["street"].pk,
    }


def test_remind_all_is_refused_beyond_the_batch_limit(world, ledger, client_for, monkeypatch):
    monkeypatch.setattr(reminders, "MAX_MANUAL_BATCH", 3)
    response = remind(client_for(world.office), scope="all", query="")
    assert "More than 3 open tasks match this filter" in response.content.decode()
    assert not Reminder.objects.exists()


def test_a_reminder_needs_a_message_and_a_task(world, ledger, client_for):
    client = client_for(world.office)
    blank = remind(client, scope="selected", task=[ledger["gjz"].pk], message=" ")
    assert "Write what you want the units to do." in blank.content.decode()
    none_ticked = remind(client, scope="selected")
    assert "Tick at least one task to remind." in none_ticked.content.decode()
    assert not Reminder.objects.exists()


def test_liaison_cannot_send_bulk_reminders(world, ledger, client_for):
    response = remind(client_for(world.gjz_liaison), scope="selected", task=[ledger["gjz"].pk])
    assert response.status_code == 403
    assert not Reminder.objects.exists()


# --- query count --------------------------------------------------------------------------------


def queries_for_list(client) -> list[str]:
    # After an unmeasured request: the person, their grants and the current campaign
    # come from the process cache in every measurement alike.
    get(client)
    with CaptureQueriesContext(connection) as ctx:
        response = get(client)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_list_runs_the_same_queries_for_10_and_100_tasks(world, client_for):
    client = client_for(world.office)
    with at(START):
        for i in range(10):
            make_task(world, f"任务{i}", world.ganjingzi, co_units=[world.zhongshan])
    ten = queries_for_list(client)
    with at(START):
        for i in range(10, 100):
            make_task(world, f"任务{i}", world.street, co_units=[world.bureau])
    hundred = queries_for_list(client)
    # 1 session and the reference stamp, 2 the page of tasks (keyset, 51 rows) with their
    # co-units' names and the dashboard's stored figures (none stored here), 3 counts by
    # light (at most 1,001 rows read). (The person, their grants, the current campaign,
    # the filter bar's key tasks, phases, campaigns and units and the person's saved
    # filters come from the process cache, read by the unmeasured request.)
    assert len(ten) == len(hundred) == 3, "\n".join(hundred)


def test_the_filter_bar_offers_a_new_unit_key_task_and_campaign_at_once(world, client_for):
    from campaigndesk.campaigns.models import Campaign, KeyTask
    from campaigndesk.org.models import Unit

    client = client_for(world.office)
    page = get(client).content.decode()  # the choices are now kept per process
    assert "New Harbour Zone" not in page and "Key task of the harbour" not in page
    Unit.objects.filter(pk=world.bureau.pk).update(name_en="New Harbour Zone")
    KeyTask.objects.filter(pk=world.key_task.pk).update(title_en="Key task of the harbour")
    Campaign.objects.filter(pk=world.campaign.pk).update(title_en="The harbour campaign")
    page = get(client).content.decode()
    for name in ("New Harbour Zone", "Key task of the harbour", "The harbour campaign"):
        assert f"{name}</option>" in page, name


def test_the_counts_strip_reads_the_dashboards_stored_figures_when_current(
    world, ledger, client_for, monkeypatch
):
    from campaigndesk.ledger.views import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 2)
    client = client_for(world.office)
    assert get(client).context["counts"].capped is True  # nothing stored yet: "more than 2"
    with at(START + dt.timedelta(days=2)):
        assert client.get(reverse("ledger:dashboard")).status_code == 200
    with_figures = queries_for_list(client)
    response = get(client)
    counts = response.context["counts"]
    assert counts.capped is False and counts.total == 4  # the whole campaign, exactly
    assert sum(counts.by_light.values()) == 4
    assert "4 tasks match this filter." in response.content.decode()
    # The page of tasks reads the stored figures too: no query of theirs, no count.
    assert len(with_figures) == 2, "\n".join(with_figures)
    # A filter that narrows the campaign counts its own tasks; a write makes the stored
    # figures stale, and the list counts again.
    assert get(client, {"light": "red"}).context["counts"].total == sum(
        1 for t in ledger.values() if t.light == "red"
    )
    with at(START + dt.timedelta(days=2)):
        make_task(world, "新任务", world.ganjingzi)
    # The test's transaction never commits: bump the ledger's version as the commit does.
    figures._bump(world.campaign.pk)
    assert get(client).context["counts"].capped is True


def test_a_district_liaison_counts_only_the_tasks_they_see(world, ledger, client_for):
    client = client_for(world.gjz_liaison)
    response = get(client)
    counts = response.context["counts"]
    shown = [row for row in response.content.decode().split("<tr>")[2:]]
    assert counts.capped is False and counts.total == len(shown) > 0
