"""Near-duplicate search: signatures at intake, lookups, and the queue's hint provider."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from campaigndesk import clock
from campaigndesk.suggestions import hints, intake
from campaigndesk.suggestions.models import Status, Suggestion
from campaigndesk.triage import dedupe, dup_hooks, dup_jobs
from campaigndesk.triage.models import SuggestionSignature

PARKING_ZH = (
    "星海广场停车难",
    "建议在星海广场附近增加停车位，周末停车太难了，经常要绕好几圈才能找到车位。",
)
PARKING_ZH_REWORDED = (
    "星海广场周边车位不足",
    "星海广场附近停车位太少，周末停车太难了，常常绕好几圈也找不到车位，请增加停车位。",
)
LIGHTS_EN = (
    "Broken street lights on Zhongshan Road",
    "The street lights on Zhongshan Road have been broken for three weeks; it is dark and "
    "unsafe at night. Please repair them.",
)
LIGHTS_EN_REWORDED = (
    "Street lights broken",
    "Please repair the broken street lights on Zhongshan Road: they have been broken for "
    "three weeks and the road is unsafe and dark at night.",
)
HEATING_ZH = ("暖气不热", "老旧小区冬季供暖温度不达标，室内只有十五度，请热力公司尽快处理。")
LICENCE_EN = (
    "Business licences take too long",
    "Registering a small company needs seven visits to four offices; put the licence online.",
)


def submit(world, title, body, **fields) -> Suggestion:
    """A suggestion through intake, signed as the search task signs it first."""
    s = intake.submit(
        campaign=world.campaign, title=title, body=body, client="c", throttle=False, **fields
    ).suggestion
    dedupe.index_suggestion(s)
    return s


def test_the_search_task_stores_the_band_keys_of_a_new_suggestion(world):
    s = intake.submit(
        campaign=world.campaign, title=PARKING_ZH[0], body=PARKING_ZH[1], client="c"
    ).suggestion
    assert not SuggestionSignature.objects.filter(suggestion=s).exists()  # not in intake
    dup_jobs.find_duplicates.call(s.pk)
    keys = set(SuggestionSignature.objects.filter(suggestion=s).values_list("bucket", flat=True))
    assert keys == set(dedupe.keys_for_text(dedupe.suggestion_text(s)))
    assert len(keys) == dedupe.KEYS == dedupe.BANDS + dedupe.TIGHT_BANDS


def test_a_failing_signature_is_logged_and_left_to_the_nightly_backfill(world, monkeypatch, caplog):
    s = intake.submit(
        campaign=world.campaign, title=PARKING_ZH[0], body=PARKING_ZH[1], client="c"
    ).suggestion

    def broken(_s):
        raise RuntimeError("boom")

    with monkeypatch.context() as m, caplog.at_level(logging.ERROR, "campaigndesk.triage"):
        m.setattr(dedupe, "index_suggestion", broken)
        assert dup_jobs.find_duplicates.call(s.pk) == 0
    assert "could not sign suggestion" in caplog.text
    assert not SuggestionSignature.objects.filter(suggestion=s).exists()
    assert dedupe.backfill_signatures() == 1


def test_the_intake_hook_and_the_hint_provider_are_registered_once():
    from campaigndesk.triage import hooks

    assert intake.INTAKE_HOOKS.count(hooks.auto_route) == 1
    assert hints.HINT_PROVIDERS.count(dup_hooks.duplicate_hints) == 1


def test_a_reworded_chinese_suggestion_finds_the_original(world):
    original = submit(world, *PARKING_ZH)
    submit(world, *HEATING_ZH)
    found = dedupe.find_duplicates("\n".join(PARKING_ZH_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [original]
    assert 0.3 <= found[0].similarity < 1


def test_a_reworded_english_suggestion_finds_the_original(world):
    original = submit(world, *LIGHTS_EN)
    submit(world, *LICENCE_EN)
    found = dedupe.find_duplicates("\n".join(LIGHTS_EN_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [original]


def test_unrelated_text_finds_no_duplicates(world):
    for text in (PARKING_ZH, LIGHTS_EN, HEATING_ZH):
        submit(world, *text)
    assert dedupe.find_duplicates("\n".join(LICENCE_EN), campaign=world.campaign) == []
    assert dedupe.find_duplicates("", campaign=world.campaign) == []


def test_a_stored_suggestion_is_not_its_own_duplicate(world):
    original = submit(world, *PARKING_ZH)
    copy = submit(world, *PARKING_ZH_REWORDED)
    assert [m.suggestion for m in dedupe.duplicates_of(copy)] == [original]


def test_old_closed_suggestions_are_left_out_but_old_open_ones_kept(world):
    old_day = clock.now() - dt.timedelta(days=dedupe.RECENT_DAYS + 10)
    with clock.frozen_at(old_day):
        closed = submit(world, *PARKING_ZH)
        still_open = submit(world, *LIGHTS_EN)
    Suggestion.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    assert dedupe.find_duplicates("\n".join(PARKING_ZH_REWORDED), campaign=world.campaign) == []
    found = dedupe.find_duplicates("\n".join(LIGHTS_EN_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [still_open]


def test_spam_is_never_offered_as_an_original(world):
    spam = submit(world, *PARKING_ZH)
    Suggestion.objects.filter(pk=spam.pk).update(status=Status.SPAM)
    assert dedupe.find_duplicates("\n".join(PARKING_ZH_REWORDED), campaign=world.campaign) == []


def test_backfill_signs_rows_loaded_without_intake(world):
    s = submit(world, *PARKING_ZH)
    SuggestionSignature.objects.all().delete()
    assert dedupe.backfill_signatures(batch=1) == 1
    assert SuggestionSignature.objects.filter(suggestion=s).count() == dedupe.KEYS
    assert dedupe.backfill_signatures() == 0  # nothing left to sign


def _page(world, pairs: int) -> list[Suggestion]:
    page = []
    for n in range(pairs):
        title, body = PARKING_ZH
        submit(world, f"{title}{n}", f"{body}第{n}号路口。")
        page.append(submit(world, f"{title}{n}", f"{body}第{n}号路口，请尽快。"))
    return page


@pytest.mark.parametrize("pairs", [5, 25])
def test_a_page_lookup_takes_two_queries_whatever_the_page_size(
    world, pairs, django_assert_num_queries
):
    """`duplicates_for` (the backfill's batch search; the queue reads stored candidates,
    see test_duplicate_candidates.py) costs two queries whatever the page size."""
    page = _page(world, pairs)  # 10 and 50 suggestions, each half of a near-duplicate pair
    # 1: band keys of the page's texts joined to open/recent suggestions of the campaign;
    # 2: the candidates' titles and texts (with their units).
    with django_assert_num_queries(2):
        found = dedupe.duplicates_for(page)
    assert set(found) == {s.pk for s in page}
    assert all(ms and ms[0].suggestion.pk != pk for pk, ms in found.items())


def test_the_queue_hints_offer_the_earlier_copy(world):
    original = submit(world, *PARKING_ZH)
    copy = submit(world, *PARKING_ZH_REWORDED)
    dedupe.store_duplicates(copy)  # what the task enqueued after intake's commit does
    merged = hints.hints_for([copy])
    assert merged[copy.pk].duplicates[0].suggestion == original
    assert 30 <= merged[copy.pk].duplicates[0].percent < 100


# A long message and a reworded copy sharing most of its text (shingle Jaccard ~0.8).
ROADS_ZH = (
    "甘井子区红旗西路夜间施工噪音扰民",
    "甘井子区红旗西路地铁工地连续一个月在夜间十一点以后施工，机器轰鸣，渣土车来回行驶，"
    "周边三个小区的老人和孩子无法入睡，多次拨打热线没有结果，请城管和环保部门依法查处夜间施工。",
)
ROADS_ZH_REWORDED = (
    "红旗西路夜间施工噪音扰民",
    "甘井子区红旗西路地铁工地连续一个多月在夜间十一点以后施工，机器轰鸣，渣土车来回行驶，"
    "周边三个小区的老人和孩子无法入睡，多次拨打热线都没有结果，请城管和环保部门依法查处。",
)


def _crowd(world, keys: list[int], n: int) -> list[Suggestion]:
    """n newer, unrelated suggestions that share every one of `keys` (and nothing else)."""
    fillers = [submit(world, f"{HEATING_ZH[0]}{i}", f"{HEATING_ZH[1]}{i}") for i in range(n)]
    SuggestionSignature.objects.filter(suggestion__in=fillers).delete()
    SuggestionSignature.objects.bulk_create(
        SuggestionSignature(suggestion=f, bucket=k) for f in fillers for k in keys
    )
    return fillers


def test_a_reworded_copy_is_found_when_crowded_buckets_overflow(world, monkeypatch):
    """Loose buckets that many unrelated suggestions share (common MinHash pairs) are
    each cut off at PER_BUCKET rows, newest first, so they cannot crowd out the one rare
    bucket a reworded copy shares with its original (a single cap over every bucket did)."""
    original = submit(world, *ROADS_ZH)
    own = dedupe.shingles("\n".join(ROADS_ZH))
    probe = dedupe.shingles("\n".join(ROADS_ZH_REWORDED))
    assert dedupe.jaccard(own, probe) >= 0.75
    probe_loose, _tight = dedupe._split(dedupe.band_keys(dedupe.minhash(probe)))
    original_keys = dedupe.keys_for_text(dedupe.suggestion_text(original))
    shared = sorted(set(probe_loose) & set(original_keys))
    assert shared
    # The original keeps one loose key in common with the probe (no tight one); every
    # other loose key of the probe is crowded by 30 newer, unrelated suggestions.
    crowded = [k for k in probe_loose if k != shared[-1]]
    SuggestionSignature.objects.filter(suggestion=original).exclude(bucket=shared[-1]).delete()
    _crowd(world, crowded, 30)
    monkeypatch.setattr(dedupe, "PER_BUCKET", 10)
    hits = dedupe._lookup(probe_loose, [], world.campaign.pk, None)
    assert len(hits.loose) == 10 * len(crowded) + 1  # each crowded bucket cut at 10 rows
    assert (shared[-1], original.pk) in hits.loose
    found = dedupe.find_duplicates("\n".join(ROADS_ZH_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [original]
    assert found[0].similarity >= 0.75
    page = dedupe.duplicates_for([submit(world, *ROADS_ZH_REWORDED)])
    assert [m.suggestion for m in next(iter(page.values()))] == [original]


def test_an_older_original_past_every_crowded_loose_bucket_is_found_by_its_tight_keys(
    world, monkeypatch
):
    """At a million template-like texts every loose bucket a reworded copy shares with
    its original holds thousands of newer suggestions, and the original is past the rows
    read per bucket (17 of 40 found in the bench). The tight keys (four values a band)
    hold only near copies; two shared ones make it a candidate, scored above the crowd."""
    original = submit(world, *ROADS_ZH)
    probe_keys = dedupe.keys_for_text("\n".join(ROADS_ZH_REWORDED))
    probe_loose, probe_tight = dedupe._split(probe_keys)
    original_keys = dedupe.keys_for_text(dedupe.suggestion_text(original))
    loose_shared = set(probe_loose) & set(original_keys)
    tight_shared = set(probe_tight) & set(original_keys)
    assert len(tight_shared) >= dedupe.TIGHT_MIN_SHARED
    # 30 newer suggestions share every loose key the original shares, and one tight key
    # each (too few to count).
    one_tight = sorted(tight_shared)[:1]
    _crowd(world, [*loose_shared, *one_tight], 30)
    monkeypatch.setattr(dedupe, "PER_BUCKET", 10)
    hits = dedupe._lookup(probe_loose, [(0, k) for k in probe_tight], world.campaign.pk, None)
    assert original.pk not in {pk for _b, pk in hits.loose}  # crowded out of every loose one
    assert hits.tight == [(0, original.pk, len(tight_shared))]
    ranked = dedupe._candidate_hits(probe_keys, world.campaign.pk, None)
    assert ranked[0][0] == original.pk
    monkeypatch.setattr(dedupe, "MAX_CANDIDATES", 5)  # fewer than the crowd
    found = dedupe.find_duplicates("\n".join(ROADS_ZH_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [original]
    page = dedupe.duplicates_for([submit(world, *ROADS_ZH_REWORDED)])
    assert [m.suggestion for m in next(iter(page.values()))] == [original]
    # A tight key's rows are read newest first up to TIGHT_SCAN: past it, the original
    # is left to its loose keys (and here lost in the crowd).
    monkeypatch.setattr(dedupe, "TIGHT_SCAN", 10)
    _crowd(world, sorted(tight_shared), 10)
    hits = dedupe._lookup(probe_loose, [(0, k) for k in probe_tight], world.campaign.pk, None)
    assert original.pk not in {pk for _o, pk, _n in hits.tight}


def test_candidates_sharing_more_bands_are_scored_first(world, monkeypatch):
    close = submit(world, *ROADS_ZH)
    submit(world, *HEATING_ZH)
    monkeypatch.setattr(dedupe, "MAX_CANDIDATES", 1)
    hits = dedupe._candidate_hits(dedupe.keys_for_text("\n".join(ROADS_ZH_REWORDED)), None, None)
    assert hits[0][0] == close.pk and hits[0][1] >= 2
    found = dedupe.find_duplicates("\n".join(ROADS_ZH_REWORDED), campaign=world.campaign)
    assert [m.suggestion for m in found] == [close]
