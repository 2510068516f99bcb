"""The office's triage queue, overdue answers and publication lists, and the unit inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import actions as org_actions
from campaigndesk.org.models import Role
from campaigndesk.suggestions import actions, hints, intake
from campaigndesk.suggestions.models import Category, Channel, Outcome, Status, Suggestion, Verdict
from campaigndesk.suggestions.scan import run_suggestion_scan
from tests.factories import UserFactory, grant

DAY = dt.date(2018, 12, 3)  # a Monday
QUEUE = "/desk/suggestions/queue/"


def at(day: dt.date, hour: int = 10, minute: int = 0):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def on_day():
    with at(DAY):
        yield


@pytest.fixture(autouse=True)
def only_the_built_in_hints(monkeypatch):
    """These tests are about the queue; the learned hints of the triage app (routing
    model, duplicates) have their own tests and query counts in tests/triage/."""
    monkeypatch.setattr(hints, "HINT_PROVIDERS", [hints.by_category])


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


def submit(world, title="优化企业开办流程", *, when=None, **fields) -> Suggestion:
    body = fields.pop("body", "建议把企业开办时间压缩到三个工作日以内。")
    with at(when or DAY, 2):
        return intake.submit(
            campaign=world.campaign, title=title, body=body, client="c", throttle=False, **fields
        ).suggestion


def fresh(s: Suggestion) -> Suggestion:
    return Suggestion.objects.get(pk=s.pk)


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def page_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the queue ----------------------------------------------------------------------------------


def test_office_sees_new_and_reopened_suggestions_oldest_first(world, client_for, category):
    later = submit(world, "第二条建议", when=DAY, category=category)
    first = submit(world, "第一条建议", when=DAY - dt.timedelta(days=2))
    routed = submit(world, "已经分办的建议")
    actions.route(world.office, [routed], world.ganjingzi)
    response = client_for(world.office).get(QUEUE)
    assert response.status_code == 200
    items = response.context["page"].items
    assert items == [first, later]
    page = page_of(response)
    assert page.index(first.tracking_number) < page.index(later.tracking_number)
    assert routed.tracking_number not in page
    assert "2 suggestions are waiting in this queue." in page


def test_queue_filters_by_category_text_channel_status_and_days(world, client_for, category):
    other = Category.objects.create(campaign=world.campaign, code="env", name_zh="生态环境")
    a = submit(world, "企业开办", category=category, district=world.ganjingzi)
    b = submit(world, "河道治理", category=other, channel=Channel.PAPER, when=DAY - dt.timedelta(1))
    c = submit(world, "公交线路", key_task=world.key_task)
    client = client_for(world.office)

    def found(**params) -> list[Suggestion]:
        response = client.get(QUEUE, params)
        assert response.status_code == 200
        return response.context["page"].items

    assert found(category=category.pk) == [a]
    assert found(q="河道") == [b]
    assert found(q=c.tracking_number.lower()) == [c]
    assert found(channel=Channel.PAPER) == [b]
    assert found(district=world.ganjingzi.pk) == [a]
    assert found(key_task=world.key_task.pk) == [c]
    assert found(received_from=DAY.isoformat()) == [a, c]
    assert found(received_to=(DAY - dt.timedelta(1)).isoformat()) == [b]
    assert found(status=Status.REOPENED) == []


def test_queue_shows_the_errors_of_a_bad_filter_instead_of_failing(world, client_for):
    submit(world)
    response = client_for(world.office).get(
        QUEUE, {"received_from": "2018-12-05", "received_to": "2018-12-01", "category": "x"}
    )
    assert response.status_code == 200
    assert response.context["page"].items == []
    assert "The end of the range is before its start." in page_of(response)


def test_a_renamed_or_closed_unit_shows_in_the_queues_unit_lists_at_once(world, client_for):
    submit(world)
    client = client_for(world.office)
    assert world.street.name in page_of(client.get(QUEUE))
    org_actions.update_unit(world.office, world.street, {"name_en": "Harbour street office"})
    page = page_of(client.get(QUEUE))  # the lists are kept per version of the unit list
    assert page.count(">Harbour street office</option>") == 1  # the datalist
    assert page.count("Harbour street office</option>") == 3  # and the two selects
    org_actions.update_unit(world.office, world.street, {"is_active": False})
    assert "Harbour street office" not in page_of(client.get(QUEUE))


def test_a_row_shows_a_district_the_filter_does_not_list(world, client_for, category):
    s = submit(world, category=category, district=world.street, key_task=world.key_task)
    page = page_of(client_for(world.office).get(QUEUE))
    row = page[page.index(f">{s.tracking_number}<") :]
    row = row[: row.index("</tr>")]
    assert world.street.name in row and category.name in row and world.key_task.title in row


def test_a_queue_over_the_cap_is_not_counted_again_for_a_while(world, client_for, monkeypatch):
    from campaigndesk.suggestions.views import queue as queue_view

    monkeypatch.setattr(queue_view, "COUNT_CAP", 3)
    monkeypatch.setattr(queue_view, "_over_cap", {})
    made = [submit(world, f"建议{i}") for i in range(5)]
    client = client_for(world.office)
    assert "More than 3 suggestions are waiting" in page_of(client.get(QUEUE))
    with CaptureQueriesContext(connection) as ctx:
        again = page_of(client.get(QUEUE))
    assert "More than 3 suggestions are waiting" in again
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    # Routing from the queue forgets it: the next page counts again, exactly.
    route = {"suggestion": [s.pk for s in made[:3]], "unit": world.bureau.code}
    client.post(reverse("suggestions:queue_route"), route)
    assert "2 suggestions are waiting" in page_of(client.get(QUEUE))


def test_filtering_with_htmx_swaps_only_the_results(world, client_for, category):
    submit(world, "企业开办", category=category)
    response = client_for(world.office).get(
        QUEUE, {"category": category.pk}, HTTP_HX_REQUEST="true"
    )
    page = page_of(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="queue-results">')
    assert "企业开办" in page and "<html" not in page


def test_queue_pages_by_key_without_repeating_or_skipping(world, client_for):
    made = [submit(world, f"建议{i}", when=DAY - dt.timedelta(days=5 - i)) for i in range(5)]
    client = client_for(world.office)
    response = client.get(QUEUE, {"size": 2})
    seen = list(response.context["page"].items)
    while response.context["next_url"]:
        response = client.get(response.context["next_url"])
        assert response.context["page"].has_previous
        seen += response.context["page"].items
    assert seen == made
    bad = client.get(QUEUE, {"size": 2, "cursor": "not-a-cursor"})
    assert bad.context["page"].items == made[:2]


@pytest.mark.parametrize("person", ["leader", "viewer", "inspector", "gjz_liaison", "gjz_head"])
def test_queue_is_for_the_office_only(world, client_for, person):
    assert client_for(getattr(world, person)).get(QUEUE).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_queue(world, client_for):
    assert login_url_in(client_for(None).get(QUEUE))
    assert login_url_in(client_for(None).post(reverse("suggestions:queue_route")))


def test_queue_refuses_post_and_its_actions_refuse_get(world, client_for):
    client = client_for(world.office)
    assert client.post(QUEUE).status_code == 405
    for name in ("queue_route", "queue_spam", "queue_duplicate", "queue_out_of_scope"):
        assert client.get(reverse(f"suggestions:{name}")).status_code == 405


# --- actions from the queue ---------------------------------------------------------------------


def test_office_routes_ticked_suggestions_to_a_unit_with_co_units(world, client_for):
    a, b, c = submit(world, "第一"), submit(world, "第二"), submit(world, "第三")
    response = client_for(world.office).post(
        reverse("suggestions:queue_route"),
        {
            "suggestion": [a.pk, b.pk],
            "unit": world.ganjingzi.code,
            "co_units": [world.bureau.code],
            "note": "请研究答复",
            "query": "category=&q=%E7%AC%AC",
        },
        follow=True,
    )
    assert "2 suggestions were sent to Ganjingzi District." in messages_of(response)
    assert response.redirect_chain[-1][0].startswith(QUEUE + "?")
    for s in (a, b):
        s = fresh(s)
        assert s.status == Status.ROUTED and s.unit == world.ganjingzi
        assert list(s.co_units.all()) == [world.bureau]
        assert s.answer_due == dt.date(2018, 12, 24)
    assert fresh(c).status == Status.RECEIVED


def test_bulk_routing_routes_all_or_none(world, client_for):
    a, b = submit(world, "第一"), submit(world, "第二")
    actions.route(world.office, [b], world.zhongshan)
    actions.accept(world.zs_liaison, b)
    response = client_for(world.office).post(
        reverse("suggestions:queue_route"),
        {"suggestion": [a.pk, b.pk], "unit": world.ganjingzi.code},
        follow=True,
    )
    assert any("cannot be routed" in m for m in messages_of(response))
    assert fresh(a).status == Status.RECEIVED
    assert fresh(b).unit == world.zhongshan


def test_routing_needs_ticked_suggestions_and_a_known_unit(world, client_for):
    a = submit(world)
    client = client_for(world.office)
    response = client.post(
        reverse("suggestions:queue_route"), {"unit": world.ganjingzi.code}, follow=True
    )
    assert "Tick at least one suggestion." in messages_of(response)
    response = client.post(
        reverse("suggestions:queue_route"), {"suggestion": a.pk, "unit": "NOPE"}, follow=True
    )
    assert "Choose a unit from the list." in messages_of(response)
    assert fresh(a).status == Status.RECEIVED


def test_only_the_office_routes_from_the_queue(world, client_for):
    a = submit(world)
    response = client_for(world.gjz_head).post(
        reverse("suggestions:queue_route"), {"suggestion": a.pk, "unit": world.ganjingzi.code}
    )
    assert response.status_code == 403
    assert fresh(a).status == Status.RECEIVED


def test_office_marks_ticked_suggestions_as_spam(world, client_for):
    a, b = submit(world, "广告一"), submit(world, "广告二")
    response = client_for(world.office).post(
        reverse("suggestions:queue_spam"), {"suggestion": [a.pk, b.pk]}, follow=True
    )
    assert "2 suggestions were marked as spam." in messages_of(response)
    assert fresh(a).status == fresh(b).status == Status.SPAM
    assert client_for(world.viewer).post(
        reverse("suggestions:queue_spam"), {"suggestion": [a.pk]}
    ).status_code == (403)


def test_office_marks_a_row_as_a_duplicate_by_tracking_number(world, client_for):
    original, repeat = submit(world, "原建议"), submit(world, "重复的建议")
    client = client_for(world.office)
    response = client.post(
        reverse("suggestions:queue_duplicate"),
        {"suggestion": repeat.pk, "original": "JY000000-XXXXX"},
        follow=True,
    )
    assert "No suggestion has the tracking number JY000000-XXXXX." in messages_of(response)
    assert fresh(repeat).status == Status.RECEIVED
    response = client.post(
        reverse("suggestions:queue_duplicate"),
        {"suggestion": repeat.pk, "original": original.tracking_number.lower()},
        follow=True,
    )
    assert (
        f"{repeat.tracking_number} was marked as a duplicate of {original.tracking_number}."
        in messages_of(response)
    )
    assert fresh(repeat).duplicate_of == original


def test_office_closes_a_row_as_out_of_scope_only_with_a_note(world, client_for):
    s = submit(world)
    client = client_for(world.office)
    response = client.post(
        reverse("suggestions:queue_out_of_scope"), {"suggestion": s.pk, "note": " "}, follow=True
    )
    assert any("outside the campaign's remit" in m for m in messages_of(response))
    assert fresh(s).status == Status.RECEIVED
    client.post(
        reverse("suggestions:queue_out_of_scope"), {"suggestion": s.pk, "note": "属于信访事项"}
    )
    s = fresh(s)
    assert s.status == Status.OUT_OF_SCOPE and s.status_note == "属于信访事项"


# --- hints --------------------------------------------------------------------------------------


def test_queue_offers_the_categorys_default_unit_as_a_one_click_route(world, client_for, category):
    s = submit(world, category=category)
    submit(world, "没有分类的建议")
    client = client_for(world.office)
    response = client.get(QUEUE)
    page = page_of(response)
    assert "Route to Municipal Science and Technology Bureau (by category)" in page
    hint = response.context["rows"][0]["hint"]
    assert [g.unit for g in hint.units] == [world.bureau]
    assert response.context["rows"][1]["hint"] is None
    client.post(reverse("suggestions:queue_route"), {"suggestion": s.pk, "unit": world.bureau.code})
    assert fresh(s).unit == world.bureau


@pytest.mark.parametrize("read", ["with their default units", "plain"])
def test_the_category_hint_leaves_out_a_closed_default_unit(world, category, read):
    other = Category.objects.create(
        campaign=world.campaign, code="roads", name_zh="道路", default_unit=world.zhongshan
    )
    made = [submit(world, category=category), submit(world, category=other)]
    world.zhongshan.is_active = False
    world.zhongshan.save(update_fields=["is_active"])
    page = list(Suggestion.objects.filter(pk__in=[s.pk for s in made]).order_by("pk"))
    if read == "plain":  # each category read on its own: its default units by one query
        for s in page:
            s.category = Category.objects.get(pk=s.category_id)
    else:
        for s in page:
            s.category = Category.objects.select_related("default_unit").get(pk=s.category_id)
    found = hints.by_category(page)
    assert [g.unit for g in found[made[0].pk].units] == [world.bureau]
    assert made[1].pk not in found


def test_queue_shows_hints_of_every_provider_with_duplicates_as_links(
    world, client_for, category, monkeypatch
):
    original = submit(world, "原建议")
    s = submit(world, "新建议", category=category)

    def learned(page):
        return {
            p.pk: hints.Hint(
                units=[
                    hints.UnitGuess(world.ganjingzi, 0.82),
                    hints.UnitGuess(world.zhongshan, 0.1),
                    hints.UnitGuess(world.street, 0.05),
                ],
                duplicates=[hints.DuplicateGuess(original, 0.91)],
            )
            for p in page
            if p.pk == s.pk
        }

    def broken(page):
        raise RuntimeError("the model is not loaded")

    monkeypatch.setattr(hints, "HINT_PROVIDERS", [hints.by_category, learned, broken])
    response = client_for(world.office).get(QUEUE)
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["s"] == s)
    # Figures first, highest first, three at most: the category's guess drops out.
    assert [g.unit for g in row["hint"].units] == [world.ganjingzi, world.zhongshan, world.street]
    page = page_of(response)
    assert "Route to Ganjingzi District (82%)" in page
    assert reverse("suggestions:detail", args=[original.pk]) in page
    assert "91% alike" in page


def row_of(page: str, s: Suggestion) -> str:
    row = page[page.index(f">{s.tracking_number}<") :]
    return row[: row.index("</tr>")]


def test_a_rows_hints_are_buttons_of_one_form_that_route_and_merge(
    world, client_for, category, monkeypatch
):
    """A row's guessed units and possible duplicates share one form (one CSRF field),
    each button sending its own unit or tracking number; the typed-in route and the
    duplicate or out-of-scope form stay apart, so Enter in a field never sends a hint."""
    original = submit(world, "原建议")
    s = submit(world, "新建议", category=category)

    def learned(page):
        return {
            p.pk: hints.Hint(
                units=[hints.UnitGuess(world.ganjingzi, 0.82)],
                duplicates=[hints.DuplicateGuess(original, 0.91)],
            )
            for p in page
            if p.pk == s.pk
        }

    monkeypatch.setattr(hints, "HINT_PROVIDERS", [hints.by_category, learned])
    client = client_for(world.office)
    row = row_of(page_of(client.get(QUEUE, {"q": "新建议"})), s)
    assert row.count("<form ") == 3
    assert row.count('name="csrfmiddlewaretoken"') == 3
    hints_form = row[row.index("<form ") : row.index("</form>")]
    for unit in (world.ganjingzi, world.bureau):
        assert f'name="unit" value="{unit.code}"' in hints_form
    queue_duplicate = reverse("suggestions:queue_duplicate")
    assert f'name="original" value="{original.tracking_number}"' in hints_form
    assert f'formaction="{queue_duplicate}"' in hints_form
    assert '<input type="text"' not in hints_form and "required" not in hints_form
    # The last form: Enter in the tracking number marks the duplicate (its first
    # button); closing as out of scope skips the browser's check of that number.
    last = row[row.rindex("<form ") :]
    assert last.index("Mark as a duplicate") < last.index("Close as out of scope")
    assert f'formaction="{reverse("suggestions:queue_out_of_scope")}" formnovalidate' in last
    assert 'for="original-' in last and 'for="note-' in last
    # What each button sends: the row's suggestion and the button's own value.
    query = "q=%E6%96%B0%E5%BB%BA%E8%AE%AE"
    response = client.post(
        queue_duplicate,
        {"suggestion": s.pk, "original": original.tracking_number, "query": query},
        follow=True,
    )
    assert f"{s.tracking_number} was marked as a duplicate of" in messages_of(response)[0]
    assert response.redirect_chain[-1][0] == f"{QUEUE}?{query}"
    response = client.post(
        reverse("suggestions:queue_out_of_scope"),
        {"suggestion": original.pk, "original": "", "note": ""},
        follow=True,
    )
    assert any("outside the campaign's remit" in m for m in messages_of(response))
    assert fresh(original).status == Status.RECEIVED


def test_the_filter_bar_keeps_its_choices_labels_and_errors(world, client_for, category):
    submit(world, category=category)
    client = client_for(world.office)
    page = page_of(client.get(QUEUE, {"category": category.pk, "status": "reopened"}))
    bar = page[page.index('<form class="filters"') :]
    bar = bar[: bar.index("</form>")]
    assert '<label for="id_category">Category:</label>' in bar
    assert f'<option value="{category.pk}" selected>{category.name}</option>' in bar
    assert '<legend>Status</legend><div id="id_status">' in bar
    assert 'value="reopened" id="id_status_1" checked> Reopened after a complaint' in bar
    assert 'placeholder="Tracking number or words"' in bar
    assert bar.count("data-autosubmit") == 5
    # A choice not listed (another campaign's category, a made-up campaign) is an error
    # of the filter, as the model selects said it.
    other = client.get(QUEUE, {"campaign": 999999})
    assert other.context["page"].items == []
    assert "Select a valid choice." in page_of(other)


def test_queue_without_hint_providers_shows_no_hint_column(world, client_for, monkeypatch):
    submit(world)
    monkeypatch.setattr(hints, "HINT_PROVIDERS", [])
    response = client_for(world.office).get(QUEUE)
    assert response.context["shows_hints"] is False
    assert '<th scope="col">Hints</th>' not in page_of(response)


# --- query counts -------------------------------------------------------------------------------


def queries_for(client, url: str, params=None) -> list[str]:
    """The queries of a page seen before: the person, their grants, the current campaign
    and the lists of units, campaigns and key tasks are kept per process until one of
    them changes (core/generation.py), so the first view of a page reads more."""
    assert client.get(url, params or {}).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_the_queue_runs_the_same_queries_for_10_and_100_suggestions(world, client_for, category):
    client = client_for(world.office)
    for i in range(10):
        submit(world, f"建议{i}", category=category, district=world.ganjingzi)
    ten = queries_for(client, QUEUE)
    for i in range(10, 100):
        submit(world, f"建议{i}", category=category, key_task=world.key_task)
    hundred = queries_for(client, QUEUE)
    # 1 session (with the reference stamp: the person, their grants, the current
    # campaign, and the units, campaigns and key tasks of the filter bar and the unit
    # lists are kept per process), 2 the campaign's categories (which also name the
    # rows' categories, with their default units' ids for the category hint), 3 the
    # page of suggestions: one read per queue status, keyset, 51 rows each, no join (on
    # PostgreSQL one UNION ALL of both reads; on SQLite 3-4, one query each), and the
    # capped count (at most 1,001 rows).
    pages = 1 if connection.features.supports_slicing_ordering_in_compound else 2
    assert len(ten) == len(hundred) == 3 + pages, "\n".join(hundred)


# --- the unit inbox -----------------------------------------------------------------------------

MINE = "/desk/suggestions/mine/"


@pytest.fixture
def inbox(world):
    """Ganjingzi has one suggestion in each stage; Zhongshan has one to accept."""
    to_accept, to_answer, to_endorse, answered, elsewhere = (
        submit(world, t) for t in ("待签收", "待答复", "待审核", "已答复", "中山区的")
    )
    actions.route(world.office, [to_accept, to_answer, to_endorse, answered], world.ganjingzi)
    actions.route(world.office, [elsewhere], world.zhongshan)
    for s in (to_answer, to_endorse, answered):
        actions.accept(world.gjz_liaison, fresh(s))
    for s in (to_endorse, answered):
        actions.draft_answer(
            world.gjz_liaison, fresh(s), outcome=Outcome.REFERENCE, answer="感谢建议，将参考。"
        )
    actions.endorse_answer(world.gjz_head, fresh(answered))
    return {
        "accept": to_accept,
        "answer": to_answer,
        "endorse": to_endorse,
        "answered": answered,
        "elsewhere": elsewhere,
    }


@pytest.mark.parametrize("tab", ["accept", "answer", "endorse", "answered"])
def test_liaison_sees_each_stage_of_the_units_suggestions(world, client_for, inbox, tab):
    response = client_for(world.gjz_liaison).get(MINE, {"tab": tab})
    assert response.status_code == 200
    assert response.context["page"].items == [inbox[tab]]
    assert inbox["elsewhere"].tracking_number not in page_of(response)
    counts = {t["key"]: t["count"] for t in response.context["tabs"]}
    assert counts == {"accept": 1, "answer": 1, "endorse": 1, "answered": 1}


def test_inbox_shows_the_answer_deadline_and_its_light(world, client_for, inbox):
    with at(dt.date(2018, 12, 20)):
        run_suggestion_scan()
        response = client_for(world.gjz_head).get(MINE, {"tab": "answer"})
    page = page_of(response)
    assert "2018-12-24" in page
    assert '<span class="badge yellow">Yellow</span>' in page


def test_a_street_liaison_sees_only_what_was_routed_to_the_street(world, client_for, inbox):
    mine = submit(world, "街道的")
    actions.route(world.office, [mine], world.street)
    response = client_for(world.street_liaison).get(MINE)
    assert response.context["page"].items == [mine]
    # The district sees its street's suggestions too.
    response = client_for(world.gjz_liaison).get(MINE)
    assert mine in response.context["page"].items


def test_inbox_of_another_district_does_not_show_ganjingzis_suggestions(world, client_for, inbox):
    response = client_for(world.zs_liaison).get(MINE)
    assert response.context["page"].items == [inbox["elsewhere"]]


@pytest.mark.parametrize("person", ["office", "leader", "viewer", "nobody"])
def test_inbox_is_for_people_who_answer_for_a_unit(world, client_for, person):
    assert client_for(getattr(world, person)).get(MINE).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_from_the_inbox(world, client_for):
    assert login_url_in(client_for(None).get(MINE))


def test_inbox_refuses_post(world, client_for):
    assert client_for(world.gjz_liaison).post(MINE).status_code == 405


def test_the_inbox_runs_the_same_queries_for_10_and_100_suggestions(world, client_for, category):
    client = client_for(world.gjz_liaison)

    def make(n):
        made = [submit(world, f"建议{i}", category=category) for i in range(n)]
        actions.route(world.office, made, world.ganjingzi)

    make(10)
    ten = queries_for(client, MINE)
    make(90)
    hundred = queries_for(client, MINE)
    # 1 session (with the reference stamp: person and grants are kept per process),
    # 2 counts by stage (one GROUP BY), 3 the page of suggestions (keyset, 51 rows,
    # with category and unit).
    assert len(ten) == len(hundred) == 3, "\n".join(hundred)


# --- overdue answers ----------------------------------------------------------------------------

OVERDUE = "/desk/suggestions/overdue/"


def test_office_lists_overdue_answers_with_working_days_late(world, client_for):
    late, in_time, answered = submit(world, "逾期"), submit(world, "未到期"), submit(world, "已答")
    actions.route(world.office, [late, answered], world.ganjingzi)
    with at(dt.date(2018, 12, 20)):
        actions.route(world.office, [in_time], world.zhongshan)
    actions.accept(world.gjz_liaison, fresh(answered))
    actions.draft_answer(world.gjz_liaison, fresh(answered), outcome="explained", answer="已在做")
    actions.endorse_answer(world.gjz_head, fresh(answered))
    day = for_campaign(world.campaign).add(dt.date(2018, 12, 24), 6)
    with at(day):
        run_suggestion_scan()
        response = client_for(world.office).get(OVERDUE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["s"] for r in rows] == [late]
    assert rows[0]["days"] == 6
    assert "Reported to the office" in page_of(response)


@pytest.mark.parametrize("person", ["leader", "gjz_liaison"])
def test_overdue_answers_are_for_the_office(world, client_for, person):
    assert client_for(getattr(world, person)).get(OVERDUE).status_code == 403


def test_overdue_list_refuses_post_and_sends_anonymous_to_sign_in(world, client_for):
    assert client_for(world.office).post(OVERDUE).status_code == 405
    assert login_url_in(client_for(None).get(OVERDUE))


def test_the_overdue_list_runs_the_same_queries_for_10_and_100(world, client_for):
    client = client_for(world.office)

    def make(n):
        made = [submit(world, f"建议{i}") for i in range(n)]
        actions.route(world.office, made, world.ganjingzi)

    make(10)
    with at(dt.date(2019, 1, 10)):
        ten = queries_for(client, OVERDUE)
    make(90)
    with at(dt.date(2019, 1, 10)):
        hundred = queries_for(client, OVERDUE)
    # 1 session (with the reference stamp: person, grants and current campaign are kept
    # per process), 2 the units to filter by, 3 the filter's campaign, 4 the page
    # (keyset, with unit, category, campaign and its calendar, and whether the office
    # was told), 5 the calendar's days, 6 the campaigns to filter by.
    assert len(ten) == len(hundred) == 6, "\n".join(hundred)


# --- publication --------------------------------------------------------------------------------

PUBLICATION = "/desk/suggestions/publication/"


def answered(world, title="已答复的建议") -> Suggestion:
    s = submit(world, title)
    actions.route(world.office, [s], world.ganjingzi)
    actions.accept(world.gjz_liaison, fresh(s))
    actions.draft_answer(world.gjz_liaison, fresh(s), outcome=Outcome.EXPLAINED, answer="已在做")
    return actions.endorse_answer(world.gjz_head, fresh(s))


def test_office_publishes_ticked_answered_suggestions_and_picks_outstanding_ones(world, client_for):
    a, b = answered(world, "甲建议"), answered(world, "乙建议")
    submit(world, "未答复的")
    client = client_for(world.office)
    response = client.get(PUBLICATION)
    assert response.status_code == 200
    assert set(response.context["page"].items) == {a, b}
    url = reverse("suggestions:publication_apply")
    response = client.post(url, {"suggestion": [a.pk, b.pk], "op": "publish"}, follow=True)
    assert "2 suggestions were published." in messages_of(response)
    assert fresh(a).is_published and fresh(b).is_published
    client.post(url, {"suggestion": [a.pk], "op": "outstanding"})
    assert fresh(a).is_outstanding and not fresh(b).is_outstanding
    response = client.get(PUBLICATION, {"outstanding": "yes"})
    assert response.context["page"].items == [a]
    client.post(url, {"suggestion": [b.pk], "op": "unpublish"})
    response = client.get(PUBLICATION, {"published": "no"})
    assert response.context["page"].items == [b]
    client.post(url, {"suggestion": [a.pk], "op": "not_outstanding"})
    assert not fresh(a).is_outstanding


def test_publication_refuses_unanswered_suggestions_all_or_none(world, client_for):
    a = answered(world)
    pending = submit(world, "未答复的")
    response = client_for(world.office).post(
        reverse("suggestions:publication_apply"),
        {"suggestion": [a.pk, pending.pk], "op": "publish"},
        follow=True,
    )
    assert "Only an answered suggestion can be published." in messages_of(response)
    assert not fresh(a).is_published


@pytest.mark.parametrize("person", ["leader", "gjz_head"])
def test_publication_is_for_the_office(world, client_for, person):
    a = answered(world)
    client = client_for(getattr(world, person))
    assert client.get(PUBLICATION).status_code == 403
    url = reverse("suggestions:publication_apply")
    assert client.post(url, {"suggestion": [a.pk], "op": "publish"}).status_code == 403
    assert not fresh(a).is_published


def test_publication_refuses_wrong_methods_and_sends_anonymous_to_sign_in(world, client_for):
    assert client_for(world.office).post(PUBLICATION).status_code == 405
    assert client_for(world.office).get(reverse("suggestions:publication_apply")).status_code == 405
    assert login_url_in(client_for(None).get(PUBLICATION))


def test_the_publication_list_runs_the_same_queries_for_10_and_100(world, client_for):
    client = client_for(world.office)

    def make(n):
        made = [submit(world, f"建议{i}") for i in range(n)]
        # Answered straight in the database: the actions for 100 would slow the test.
        Suggestion.objects.filter(pk__in=[s.pk for s in made]).update(
            status=Status.ANSWERED, unit=world.ganjingzi, verdict=Verdict.SATISFIED
        )

    make(10)
    ten = queries_for(client, PUBLICATION)
    make(90)
    hundred = queries_for(client, PUBLICATION)
    # 1 session (with the reference stamp: person, grants and current campaign are kept
    # per process), 2 the filter's campaign, 3 the page (keyset, with category and
    # unit), 4 the campaigns to filter by.
    assert len(ten) == len(hundred) == 4, "\n".join(hundred)


def test_menu_shows_each_person_their_suggestion_screens(world, client_for):
    def menu(person) -> list[str]:
        response = client_for(person).get(reverse("home"))
        entries = response.context["menu"]
        return [str(e["label"]) for e in (entries() if callable(entries) else entries)]

    assert {"Suggestions", "Suggestion figures"} <= set(menu(world.office))
    assert "Suggestions to answer" not in menu(world.office)
    assert "Suggestions to answer" in menu(world.gjz_liaison)
    assert "Suggestions" not in menu(world.gjz_liaison)
    assert "Suggestion figures" in menu(world.leader)
    kjj = UserFactory(username="kjj_head", unit=world.bureau)
    grant(kjj, Role.UNIT_HEAD, world.bureau)
    assert "Suggestions to answer" in menu(kjj)
