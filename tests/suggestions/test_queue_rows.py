"""The triage queue's rows, names and filter lists as they are made once per page or language
(views/queue.py, views/queue_rows.py): the same markup, escaped, in the page's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models.signals import post_init
from django.utils import translation

from campaigndesk import clock
from campaigndesk.campaigns.models import KeyTask
from campaigndesk.org.models import Unit
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Category, Suggestion
from campaigndesk.suggestions.views import queue as queue_view
from campaigndesk.suggestions.views import queue_rows

DAY = dt.date(2018, 12, 3)
QUEUE = "/desk/suggestions/queue/"


@pytest.fixture(autouse=True)
def on_day():
    with clock.frozen_at(dt.datetime.combine(DAY, dt.time(10), tzinfo=dt.UTC)):
        yield


@pytest.fixture(autouse=True)
def only_the_built_in_hints(monkeypatch):
    monkeypatch.setattr(hints, "HINT_PROVIDERS", [hints.by_category])


def submit(world, title="优化企业开办流程", **fields) -> Suggestion:
    body = fields.pop("body", "建议把企业开办时间压缩到三个工作日以内。")
    return intake.submit(
        campaign=world.campaign, title=title, body=body, client="c", throttle=False, **fields
    ).suggestion


def page_in(client, language: str, params=None) -> str:
    response = client.get(QUEUE, params or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, s: Suggestion) -> str:
    start = page.rindex("<tr>", 0, page.index(f">{s.tracking_number}<"))
    return page[start : page.index("</tr>", start)]


def filter_bar(page: str) -> str:
    bar = page[page.index('<form class="filters"') :]
    return bar[: bar.index("</form>")]


def test_page_rows_are_the_rows_from_db_makes(world, category):
    made = [submit(world, category=category), submit(world, "第二条")]
    rows = list(
        Suggestion.objects.filter(pk__in=[s.pk for s in made])
        .order_by("pk")
        .values_list(*queue_view.ROW_FIELDS)
    )
    fast = queue_view.page_suggestions("default", rows)
    slow = [Suggestion.from_db("default", queue_view.ROW_FIELDS, row) for row in rows]
    assert fast == made
    for a, b in zip(fast, slow, strict=True):
        assert {k: v for k, v in vars(a).items() if k != "_state"} == {
            k: v for k, v in vars(b).items() if k != "_state"
        }
        assert a.get_deferred_fields() == b.get_deferred_fields()
        assert (
            (a._state.adding, a._state.db) == (b._state.adding, b._state.db) == (False, "default")
        )
    # A deferred field is read on use, as on any row read by the ORM.
    assert fast[0].source_note == made[0].source_note
    assert fast[0].category == category


def test_page_rows_go_through_from_db_when_a_signal_listens(world):
    s = submit(world)
    rows = list(Suggestion.objects.filter(pk=s.pk).values_list(*queue_view.ROW_FIELDS))
    seen = []

    def listen(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(listen, sender=Suggestion)
    try:
        made = queue_view.page_suggestions("default", rows)
    finally:
        post_init.disconnect(listen, sender=Suggestion)
    assert made == [s] and seen == made


def test_a_row_escapes_every_value_it_shows(world, client_for):
    category = Category.objects.create(
        campaign=world.campaign, code="ab", name_zh="A&B <类>", default_unit=world.bureau
    )
    KeyTask.objects.filter(pk=world.key_task.pk).update(title_zh='任务 "一" <b>')
    Unit.objects.filter(pk=world.ganjingzi.pk).update(name_zh="甘井子 & 区")
    s = submit(
        world,
        '<b>"标题"</b> & more',
        body="<script>alert('x')</script>",
        category=category,
        key_task=world.key_task,
        district=world.ganjingzi,
    )
    Suggestion.objects.filter(pk=s.pk).update(status_note="<i>退回</i>")
    row = row_of(page_in(client_for(world.office), "zh-hans"), s)
    assert "<b>" not in row and "<script>" not in row and "<i>" not in row
    assert "<strong>&lt;b&gt;&quot;标题&quot;&lt;/b&gt; &amp; more</strong>" in row
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in row
    assert "说明：&lt;i&gt;退回&lt;/i&gt;" in row  # the page is in Chinese
    assert "A&amp;B &lt;类&gt;" in row
    assert "1. 任务 &quot;一&quot; &lt;b&gt;" in row
    assert "<br>甘井子 &amp; 区" in row
    # The category's default unit as a hint, and the row's own labels and ids.
    assert f"转交{world.bureau.name_zh}（按类别）" in row
    assert f'aria-label="选择 {s.tracking_number}"' in row
    assert f'for="route-{s.pk}">答复 {s.tracking_number} 的单位</label>' in row
    assert row.count(f'name="suggestion" value="{s.pk}"') == 4  # tick box and three forms


def test_names_follow_the_pages_language_and_a_renamed_category(world, client_for, category):
    s = submit(world, category=category, key_task=world.key_task, district=world.ganjingzi)
    client = client_for(world.office)
    for _ in range(2):  # each language again after the other: nothing kept from the last
        chinese = page_in(client, "zh-hans")
        assert '<html lang="zh-hans">' in chinese
        assert "营商环境" in row_of(chinese, s) and "甘井子区" in row_of(chinese, s)
        assert f'<option value="{category.pk}">营商环境</option>' in filter_bar(chinese)
        english = page_in(client, "en")
        assert '<html lang="en">' in english
        row = row_of(english, s)
        assert "Business environment" in row and "Ganjingzi District" in row
        assert f'<option value="{category.pk}">Business environment</option>' in filter_bar(english)
        assert "All campaigns</option>" in filter_bar(english)
    # Categories are read each time (no stamp): a new name shows at once, rows and list.
    Category.objects.filter(pk=category.pk).update(name_en="Doing business")
    english = page_in(client, "en")
    assert "Doing business" in row_of(english, s)
    assert f'<option value="{category.pk}">Doing business</option>' in filter_bar(english)


def test_each_filter_form_has_its_own_listed_choices(world, client_for, category):
    other = KeyTask.objects.create(campaign=world.campaign, number=2, title_zh="第二项任务")
    submit(world, category=category)
    client = client_for(world.office)
    first = client.get(QUEUE, {"campaign": world.campaign.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    second = client.get(QUEUE, {"campaign": 999999}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    listed = [(pk, str(label)) for pk, label in first.context["form"].fields["key_task"].choices]
    assert (other.pk, "第二项任务") in listed
    assert second.context["form"].errors  # a campaign not listed is an error, as before
    # The class's own fields are left as made: the listed ones without choices, each
    # form's copies apart from them; the fields no form changes are shared.
    base = queue_view.ListedQueueFilter.base_fields
    assert list(base["key_task"].choices) == []
    for name in queue_view.LISTED:
        mine = first.context["form"].fields[name]
        assert mine is not base[name] and mine.widget is not base[name].widget
    assert first.context["form"].fields["q"] is base["q"]


def test_the_fixed_parts_are_the_partials_in_each_language_and_hint_column(world, client_for):
    submit(world)
    client = client_for(world.office)
    page = page_in(client, "en")
    assert '<th scope="col">Hints</th>' in page
    with_hints = queue_rows.fixed_parts(True, 100)
    with translation.override("en"):
        assert queue_rows.fixed_parts(True, 100) is queue_rows.fixed_parts(True, 100)
        without = queue_rows.fixed_parts(False, 100)
    assert '<th scope="col">Hints</th>' not in without["bulk_end"]
    assert with_hints is not queue_rows.fixed_parts(True, 50)
    assert "(at most 50 at once)" in queue_rows.fixed_parts(True, 50)["bulk_end"]
    assert 'aria-current="page"' in page[page.index('<nav class="tabs"') :]


def test_hints_merge_single_guesses_as_they_are_and_the_rest_by_rank(world):
    made = [submit(world), submit(world, "第二条")]
    a, b = made
    basis = hints.UnitGuess(world.bureau, hints.BY_CATEGORY)
    alone = hints.Hint(units=[basis])

    def first(page):
        return {a.pk: alone, b.pk: hints.Hint(duplicates=[hints.DuplicateGuess(a, 0.4)])}

    def second(page):
        return {
            a.pk: hints.Hint(
                units=[hints.UnitGuess(world.zhongshan, 0.3), hints.UnitGuess(world.bureau, 0.6)]
            ),
            b.pk: hints.Hint(duplicates=[hints.DuplicateGuess(a, 0.7)]),
        }

    found = hints.hints_for(made, providers=[first, second])
    # A figure outranks the category's basis for the same unit; figures highest first.
    assert [(g.unit, g.confidence) for g in found[a.pk].units] == [
        (world.bureau, 0.6),
        (world.zhongshan, 0.3),
    ]
    assert [(d.suggestion, d.similarity) for d in found[b.pk].duplicates] == [(a, 0.7)]
    assert alone.units == [basis]  # the provider's own hint is left as it was
    only = hints.hints_for(made, providers=[first])
    assert only[a.pk].units == [basis] and only[a.pk] is not alone
