"""Triage timings for `campaigndesk bench`, measured in-process in the bench database.

The HTTP paths say how fast the screens are; the learned triage has targets of its own
(issue #6): routing at least 1,000 suggestions a second, a near-duplicate check against
every stored suggestion in under a second, and a model trained on 10,000 messages in
under two minutes. These run in one process against the bench database, after the load,
so they do not compete with the server.

Duplicate lookups use texts of stored suggestions, reworded (a word dropped, one
repeated, a phrase added), so each lookup has a known near-duplicate to find: the
report gives the share found as `recall`.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from typing import Any

from django.db.models import Max, Min

ROUTE_BATCH = 2000  # suggestions routed in one call, as a scan of the queue would
SINGLE_ROUTES = 30  # one suggestion at a time, as on arrival
WARMUP_LOOKUPS = 5
DUPLICATE_LOOKUPS = 40
TARGET_ROUTES_PER_S = 1000.0
TARGET_DUPLICATE_MS = 1000.0
TARGET_TRAIN_S = 120.0
# The target is set for 10,000 labelled messages; the nightly job takes more history.
TRAIN_ROWS = 10_000


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 1)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def reword(text: str, rng: random.Random) -> str:
    """A near copy of `text`, as a second citizen would write the same thing."""
    cut = max(1, len(text) // 12)
    start = rng.randrange(0, max(1, len(text) - cut))
    return (
        text[:start]
        + text[start + cut :]
        + ("，希望尽快解决。" if rng.random() < 0.5 else " Please act soon.")
    )


def _sample(rng: random.Random, n: int) -> list[Any]:
    """About n suggestions spread over the whole table (not only the newest), by id."""
    from campaigndesk.suggestions.models import Suggestion

    bounds = Suggestion.objects.aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        return []
    ids = {rng.randint(lo, hi) for _ in range(n * 3)}
    found = list(
        Suggestion.objects.filter(pk__in=ids).only(
            "id", "campaign_id", "title", "body", "created_at"
        )
    )
    rng.shuffle(found)
    return found[:n]


def measure_routing(say: Any = None) -> dict[str, Any]:
    from campaigndesk.suggestions.models import Suggestion
    from campaigndesk.triage import predict, training

    out: dict[str, Any] = {}
    newest = list(
        Suggestion.objects.order_by("-id").only("id", "campaign_id", "title", "body")[:ROUTE_BATCH]
    )
    if not newest:
        return {"note": "no suggestions in the bench database"}
    campaign_id = newest[0].campaign_id
    if not predict.active_models([campaign_id]):
        if say:
            say("  no routing model in the bench database: training one")
        started = time.perf_counter()
        try:
            model = training.train(
                campaign_id and newest[0].campaign, trained_by="bench", max_rows=TRAIN_ROWS
            )
        except training.NotEnoughData as exc:
            return {"note": f"no model: {exc}"}
        out["train_s"] = round(time.perf_counter() - started, 1)
        out["trained_on"] = model.trained_on
        out["macro_f1"] = model.metrics.get("macro_f1")
        out["classes"] = len(model.classes)
        # train() fits twice: on 80 % to measure, then on everything to keep.
        out["train_verdict"] = "PASS" if out["train_s"] < 2 * TARGET_TRAIN_S else "FAIL"
    predict.predict(newest[:10])  # loads and unpickles the model once, as a worker would
    started = time.perf_counter()
    routed = predict.predict(newest)
    seconds = time.perf_counter() - started
    out["batch"] = len(newest)
    out["routed"] = len(routed)
    out["routes_per_s"] = round(len(newest) / seconds, 1) if seconds > 0 else None
    singles = []
    for s in newest[:SINGLE_ROUTES]:
        started = time.perf_counter()
        predict.predict([s])
        singles.append(time.perf_counter() - started)
    out["single_p50_ms"] = _ms(statistics.median(singles))
    out["verdict"] = "PASS" if (out["routes_per_s"] or 0) >= TARGET_ROUTES_PER_S else "FAIL"
    return out


def measure_duplicates(seed: int = 2018) -> dict[str, Any]:
    from campaigndesk.suggestions.models import Suggestion
    from campaigndesk.triage import dedupe
    from campaigndesk.triage.models import SuggestionSignature

    rng = random.Random(seed)
    sample = _sample(rng, DUPLICATE_LOOKUPS)
    if not sample:
        return {"note": "no suggestions in the bench database"}
    stored = Suggestion.objects.count()
    # Signatures are written at intake and backfilled nightly; a bench database made in
    # bulk may lack them (`dedupe.backfill_signatures()`), and then finds little.
    signed = SuggestionSignature.objects.count() // dedupe.KEYS
    # A few lookups of other suggestions first, untimed: the process's first search
    # loads the tokenizer's dictionary, and after the page loads the database's caches
    # hold other tables. The worker that searches after every intake is warm.
    for s in _sample(random.Random(seed + 1), WARMUP_LOOKUPS):
        dedupe.find_duplicates(
            dedupe.suggestion_text(s), campaign=s.campaign_id, now=s.created_at, limit=5
        )
    times, found, as_similar, not_offered = [], 0, 0, 0
    statuses = dict(
        Suggestion.objects.filter(pk__in=[s.pk for s in sample]).values_list("pk", "status")
    )
    for s in sample:
        text = reword(dedupe.suggestion_text(s), rng)
        # As if the copy came a day after the original: the lookup searches what was
        # open or recent then, among every stored suggestion.
        now = s.created_at + dt.timedelta(days=1)
        started = time.perf_counter()
        matches = dedupe.find_duplicates(text, campaign=s.campaign_id, now=now, limit=5)
        times.append(time.perf_counter() - started)
        hit = any(m.suggestion.pk == s.pk for m in matches)
        found += hit
        # The generated texts repeat: five other suggestions may be as close to the copy
        # as its original (the same template and place), or closer. Those are found
        # near-duplicates too, not a miss of the search.
        own = round(
            dedupe.jaccard(dedupe.shingles(text), dedupe.shingles(dedupe.suggestion_text(s))), 3
        )
        as_similar += hit or (len(matches) == 5 and matches[-1].similarity >= own)
        not_offered += statuses.get(s.pk) in dedupe.IGNORED_STATUSES
    p95 = _percentile(times, 0.95)
    return {
        "stored": stored,
        "signed": signed,
        "lookups": len(sample),
        "p50_ms": _ms(statistics.median(times)),
        "p95_ms": _ms(p95),
        "max_ms": _ms(max(times)),
        # Only open or recent suggestions are searched: an old closed one is not a miss.
        "found_original": found,
        "found_or_as_similar": as_similar,
        "original_not_offered": not_offered,  # spam or withdrawn since: never offered
        "verdict": "PASS" if p95 * 1000.0 < TARGET_DUPLICATE_MS else "FAIL",
    }


def measure(say: Any = None) -> dict[str, Any]:
    return {"routing": measure_routing(say), "duplicates": measure_duplicates()}


def render(result: dict[str, Any] | None) -> list[str]:
    """Report lines for the bench table's foot."""
    if not result:
        return []
    lines = ["", "triage (in-process, bench database):"]
    if "error" in result:
        return [*lines, f"  not measured: {result['error']}"]
    r = result.get("routing", {})
    if "note" in r:
        lines.append(f"  routing: {r['note']}")
    else:
        trained = (
            f"; model trained here on {r['trained_on']:,} suggestions in {r.get('classes')} "
            f"units in {r['train_s']} s, two fits (measure, keep; target < "
            f"{2 * TARGET_TRAIN_S:.0f} s: {r.get('train_verdict')}), hold-out macro-F1 "
            f"{r.get('macro_f1')}"
            if "train_s" in r
            else ""
        )
        lines.append(
            f"  routing: {r['routes_per_s']:,.0f} suggestions/s in a batch of {r['batch']:,} "
            f"(target {TARGET_ROUTES_PER_S:,.0f}: {r['verdict']}), one at a time "
            f"p50 {r['single_p50_ms']} ms{trained}"
        )
    d = result.get("duplicates", {})
    if "note" in d:
        lines.append(f"  duplicates: {d['note']}")
    else:
        lines.append(
            f"  duplicate check against {d['stored']:,} stored ({d.get('signed', 0):,} with "
            f"signatures): p50 {d['p50_ms']} ms, "
            f"p95 {d['p95_ms']} ms, max {d['max_ms']} ms over {d['lookups']} reworded copies "
            f"(target < {TARGET_DUPLICATE_MS:,.0f} ms: {d['verdict']}); the original was "
            f"found for {d['found_original']} of {d['lookups']} (only open or recent ones "
            f"are searched), it or five as similar for {d.get('found_or_as_similar')}, "
            f"{d.get('original_not_offered')} originals are spam or withdrawn (never offered)"
        )
    return lines
