"""Stored near-duplicates: searched once after a suggestion arrives (or by the backfill),
read by the triage queue in one indexed query instead of a MinHash lookup per page."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigndesk.suggestions import actions, hints, intake
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import dedupe, dup_hooks, topic_jobs
from campaigndesk.triage.models import DuplicateCandidate, DuplicateScan, SuggestionSignature

QUEUE = "/desk/suggestions/queue/"
PARKING = (
    "星海广场停车难",
    "建议在星海广场附近增加停车位，周末停车太难了，经常要绕好几圈才能找到车位。",
)
PARKING_REWORDED = (
    "星海广场周边车位不足",
    "星海广场附近停车位太少，周末停车太难了，常常绕好几圈也找不到车位，请增加停车位。",
)
HEATING = ("暖气不热", "老旧小区冬季供暖温度不达标，室内只有十五度，请热力公司尽快处理。")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def submit(world, title, body) -> Suggestion:
    """A suggestion through intake, signed as the search task signs it before searching."""
    s = intake.submit(
        campaign=world.campaign, title=title, body=body, client="c", throttle=False
    ).suggestion
    dedupe.index_suggestion(s)
    return s


def submit_and_search(world, capture, title, body) -> Suggestion:
    with capture(execute=True):
        return submit(world, title, body)


def test_a_new_suggestion_gets_its_candidates_stored_after_commit(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    original = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING)
    assert not DuplicateCandidate.objects.filter(suggestion=original).exists()
    assert DuplicateScan.objects.filter(suggestion=original).exists()  # searched, none found
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        copy = submit(world, *PARKING_REWORDED)
    # Nothing is searched inside the submission: only after its commit (the other
    # hook seals the audit record).
    assert len(callbacks) == 2
    assert not DuplicateScan.objects.filter(suggestion=copy).exists()
    for callback in callbacks:
        callback()
    stored = list(DuplicateCandidate.objects.filter(suggestion=copy))
    assert [c.candidate_id for c in stored] == [original.pk]
    assert 0.3 <= stored[0].similarity < 1
    # Run again (a retried task): the rows are replaced, not doubled.
    dedupe.store_duplicates(copy)
    assert DuplicateCandidate.objects.filter(suggestion=copy).count() == 1


def _pairs(world, n: int) -> list[Suggestion]:
    """n near-duplicate pairs, signed but never searched; then searched in one
    backfill. Returns the page (the copies)."""
    page = []
    for i in range(n):
        title, body = PARKING
        submit(world, f"{title}{i}", f"{body}第{i}号路口。")
        page.append(submit(world, f"{title}{i}", f"{body}第{i}号路口，请尽快。"))
    dedupe.backfill_duplicates(batch=40)
    return page


@pytest.mark.parametrize("pairs", [5, 50])  # pages of 5 and 50 rows with hints
def test_the_hint_provider_reads_stored_candidates_in_one_query(
    world, pairs, django_assert_num_queries, monkeypatch
):
    page = _pairs(world, pairs)

    def forbidden(*_a, **_kw):
        raise AssertionError("the queue must not search at page time")

    monkeypatch.setattr(dedupe, "duplicates_for", forbidden)
    monkeypatch.setattr(dedupe, "find_duplicates", forbidden)
    with django_assert_num_queries(1) as captured:
        found = dup_hooks.duplicate_hints(page)
    sql = captured.captured_queries[0]["sql"]
    assert SuggestionSignature._meta.db_table not in sql
    assert set(found) == {s.pk for s in page}
    for pk, hint in found.items():
        assert hint.duplicates and hint.duplicates[0].suggestion.pk != pk
        assert hint.duplicates[0].suggestion.tracking_number  # loaded by the same query


def forbidden(*_a, **_kw):
    raise AssertionError("the queue must not search at page time")


def _queue_queries(world, client_for, rows: int) -> list[str]:
    for i in range(rows // 2):
        title, body = PARKING
        submit(world, f"{title}{i}", f"{body}第{i}号路口。")
        submit(world, f"{title}{i}", f"{body}第{i}号路口，请尽快。")
    dedupe.backfill_duplicates(batch=100)
    client = client_for(world.office)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dedupe, "duplicates_for", forbidden)
        mp.setattr(dedupe, "find_duplicates", forbidden)
        client.get(QUEUE)  # warm per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(QUEUE, {"size": rows})
    assert response.status_code == 200
    assert "alike" in response.content.decode()
    return [q["sql"] for q in queries.captured_queries]


def test_the_queue_shows_stored_candidates_with_a_flat_query_count(world, client_for):
    small = _queue_queries(world, client_for, 10)
    Suggestion.objects.all().delete()
    large = _queue_queries(world, client_for, 100)
    assert len(small) == len(large)
    sig = SuggestionSignature._meta.db_table
    assert not any(sig in q for q in small + large)
    assert sum(DuplicateCandidate._meta.db_table in q for q in large) == 1


def test_backfill_fills_missing_candidates_and_is_idempotent(world, monkeypatch):
    original = submit(world, *PARKING)
    copy = submit(world, *PARKING_REWORDED)
    other = submit(world, *HEATING)
    closed = submit(world, *PARKING_REWORDED)
    Suggestion.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    # Open but routed: out of the triage queue, which alone shows stored candidates.
    routed = submit(world, *PARKING_REWORDED)
    Suggestion.objects.filter(pk=routed.pk).update(status=Status.ROUTED)
    assert not DuplicateScan.objects.exists()  # on_commit never ran in this test
    assert dedupe.backfill_duplicates(batch=2) == 3  # the queue's (received) ones only
    assert set(DuplicateScan.objects.values_list("suggestion_id", flat=True)) == {
        original.pk,
        copy.pk,
        other.pk,
    }
    pairs = set(DuplicateCandidate.objects.values_list("suggestion_id", "candidate_id"))
    assert (copy.pk, original.pk) in pairs and (original.pk, copy.pk) in pairs
    assert not any(other.pk in p for p in pairs)
    before = list(DuplicateCandidate.objects.order_by("pk").values_list("pk", flat=True))

    def forbidden(*_a, **_kw):
        raise AssertionError("nothing is left to search")

    monkeypatch.setattr(dedupe, "duplicates_for", forbidden)
    assert dedupe.backfill_duplicates() == 0
    assert list(DuplicateCandidate.objects.order_by("pk").values_list("pk", flat=True)) == before


def test_the_nightly_job_and_the_command_backfill(world, capsys):
    original = submit(world, *PARKING)
    copy = submit(world, *PARKING_REWORDED)
    call_command("triage", "duplicates", "--backfill", "--status", "received", "--limit", "1")
    assert DuplicateScan.objects.count() == 1
    assert "searched 1 suggestions" in capsys.readouterr().out
    result = topic_jobs.refresh_topics.call()
    assert result["searched"] == 1
    assert DuplicateCandidate.objects.filter(suggestion=copy, candidate=original).exists()


def test_marking_a_stored_candidate_as_the_original_still_works(
    world, immediate_tasks, django_capture_on_commit_callbacks
):
    original = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING)
    copy = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING_REWORDED)
    hint = hints.hints_for([copy])[copy.pk]
    assert hint.duplicates[0].suggestion == original
    actions.mark_duplicate(world.office, copy, hint.duplicates[0].suggestion)
    copy.refresh_from_db()
    assert copy.status == Status.DUPLICATE and copy.duplicate_of == original
    # An original later marked spam is no longer offered.
    Suggestion.objects.filter(pk=original.pk).update(status=Status.SPAM)
    assert copy.pk not in dup_hooks.duplicate_hints([copy])


def test_a_stored_pair_is_shown_from_both_sides_in_one_query(
    world, immediate_tasks, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Only the newer suggestion is searched (after its intake), so the pair is stored
    once, as (copy, original); the older one's queue row shows the copy as well, and the
    office can merge from either row."""
    original = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING)
    copy = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING_REWORDED)
    other = submit_and_search(world, django_capture_on_commit_callbacks, *HEATING)
    assert list(DuplicateCandidate.objects.values_list("suggestion_id", "candidate_id")) == [
        (copy.pk, original.pk)
    ]
    with django_assert_num_queries(1):
        found = dup_hooks.duplicate_hints([original, other])
    assert set(found) == {original.pk}
    (guess,) = found[original.pk].duplicates
    assert guess.suggestion.pk == copy.pk
    assert guess.suggestion.tracking_number == copy.tracking_number
    stored = DuplicateCandidate.objects.get()
    assert guess.similarity == stored.similarity
    # Both on one page: each shows the other, once.
    both = dedupe.stored_duplicates([original, copy])
    assert [m.suggestion.pk for m in both[original.pk]] == [copy.pk]
    assert [m.suggestion.pk for m in both[copy.pk]] == [original.pk]
    # Merging from the older row: it becomes the duplicate of the newer one.
    actions.mark_duplicate(world.office, original, guess.suggestion)
    original.refresh_from_db()
    assert original.duplicate_of_id == copy.pk
    # A suggestion marked a duplicate is offered as an original from neither side.
    assert dup_hooks.duplicate_hints([copy]) == {}


def test_the_older_row_in_the_queue_lists_the_newer_copy(
    world, client_for, immediate_tasks, django_capture_on_commit_callbacks
):
    original = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING)
    copy = submit_and_search(world, django_capture_on_commit_callbacks, *PARKING_REWORDED)
    page = client_for(world.office).get(QUEUE).content.decode()
    row = page[page.index(original.tracking_number) :]
    row = row[: row.index("</tr>")]
    assert copy.tracking_number in row  # shown on the older suggestion's row too
    assert "alike" in row


def test_a_pair_shown_from_the_older_side_keeps_the_best_stored_candidates(world):
    """The older suggestion may be listed by many newer copies: it shows the
    STORED_CANDIDATES most similar ones, from both directions."""
    original = submit(world, *PARKING)
    copies = [submit(world, f"{PARKING_REWORDED[0]}{i}", PARKING_REWORDED[1]) for i in range(7)]
    for i, c in enumerate(copies):
        DuplicateCandidate.objects.create(
            suggestion=c, candidate=original, similarity=0.5 + i / 100, found_at=c.created_at
        )
    found = dedupe.stored_duplicates([original])[original.pk]
    assert [m.suggestion.pk for m in found] == [c.pk for c in copies[::-1][:5]]


def test_the_command_replaces_band_keys_stored_before_the_tight_ones(world, capsys):
    """Rows signed before the tight keys existed have the loose ones only: `--resign`
    replaces every suggestion's keys (once after the upgrade)."""
    s = submit(world, *PARKING)
    loose, _tight = dedupe._split(dedupe.keys_for_text(dedupe.suggestion_text(s)))
    SuggestionSignature.objects.filter(suggestion=s).exclude(bucket__in=loose).delete()
    call_command("triage", "duplicates", "--resign")
    keys = SuggestionSignature.objects.filter(suggestion=s).values_list("bucket", flat=True)
    assert sorted(keys) == sorted(dedupe.keys_for_text(dedupe.suggestion_text(s)))
    assert "signed 1 suggestions" in capsys.readouterr().out
    assert not DuplicateScan.objects.exists()  # --backfill not asked for
