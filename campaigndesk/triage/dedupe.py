"""Near-duplicate suggestions: MinHash over shingles, LSH band keys in an indexed table.

How a lookup works (a new text against up to millions of stored suggestions):

1. The text is normalised (NFKC, lower case) and cut into shingles: Chinese (and other
   CJK) runs give character bigrams, other text gives words (very common ones dropped)
   and word bigrams.
2. A MinHash of `BANDS * ROWS` values (multiply-shift hashes of the shingles' CRC32,
   numpy) is cut into `BANDS` bands of `ROWS` values; each band hashes, with its number,
   to one signed 64-bit `bucket`. Two texts of shingle Jaccard J share at least one
   bucket with probability 1 - (1 - J**ROWS)**BANDS: about 0.98 at J=0.4, 0.75 at
   J=0.25, 0.2 at J=0.1.
3. One query reads, for each of the text's keys, at most `PER_BUCKET` rows of
   `SuggestionSignature` (newest suggestions first, an index range scan of
   (bucket, suggestion)) joined to the suggestion (open ones, and any from the last
   `RECENT_DAYS`). A crowded bucket (a MinHash pair many texts share) is cut off on its
   own, so it cannot crowd out the rare buckets a reworded copy shares: a single cap over
   all buckets did, and missed a copy with 84 % overlap. The candidates are counted by
   shared bands in Python, and the best `MAX_CANDIDATES` are loaded (one more
   query) and scored by exact Jaccard of their shingles.

Signatures are written at intake (dup_hooks.py registers `index_suggestion` as an intake
hook) and in bulk for existing rows by `backfill_signatures()`. All of it is plain SQL on
SQLite or PostgreSQL and numpy on the CPU.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from campaigndesk import clock
from campaigndesk.suggestions.models import OPEN_STATUSES, Status, Suggestion

from .models.topics import DuplicateCandidate, DuplicateScan, SuggestionSignature

logger = logging.getLogger(__name__)

BANDS = 24
ROWS = 2
PERMUTATIONS = BANDS * ROWS
RECENT_DAYS = 180
MIN_SIMILARITY = 0.3
MAX_CANDIDATES = 200
# Signature rows read per band key at most (newest first): a crowded bucket can neither
# make a lookup slow nor crowd out the other buckets. One text reads at most
# BANDS * PER_BUCKET rows; a page of texts at most MAX_SCANNED_PAGE (but MIN_PER_BUCKET
# per key at least).
PER_BUCKET = 1000
MAX_SCANNED = BANDS * PER_BUCKET
MAX_SCANNED_PAGE = 60_000
MIN_PER_BUCKET = 50
MAX_CHARS = 3000  # shingle the first characters of very long texts only
# Suggestions that are not worth merging into.
IGNORED_STATUSES = (Status.SPAM, Status.WITHDRAWN)

_MASK32 = np.uint64(0xFFFFFFFF)
_rng = np.random.default_rng(20181203)
_A = (_rng.integers(1, 2**32, PERMUTATIONS, dtype=np.uint64) | np.uint64(1)).reshape(-1, 1)
_B = _rng.integers(0, 2**32, PERMUTATIONS, dtype=np.uint64).reshape(-1, 1)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
# Words and character pairs nearly every suggestion has: they only make buckets crowded.
_STOP_SHINGLES_TEXT = """
    the a an and or of to in on at for with is are be it this that we our i you they
    please should would could can will not no by as from has have more there their
    建议 希望 我们 市民 相关 部门 能够 进一 一步 问题 情况 进行 加强 没有 现在 一些 一个 可以
    """
STOP_SHINGLES = frozenset(_STOP_SHINGLES_TEXT.split())


class Match(NamedTuple):
    suggestion: Suggestion
    similarity: float


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")[:MAX_CHARS].lower()


def shingles(text: str) -> set[str]:
    """The shingles of a text: CJK character bigrams, other words and word bigrams."""
    out: set[str] = set()
    words: list[str] = []
    for token in _TOKEN.findall(normalise(text)):
        if _IS_CJK.match(token):
            if len(token) == 1:
                out.add(token)
            else:
                out.update(token[i : i + 2] for i in range(len(token) - 1))
            words = []
            continue
        if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]  # a crude plural fold: "lights" ~ "light"
        if words:
            out.add(f"{words[-1]} {token}")
        words.append(token)
        out.add(token)
    return out - STOP_SHINGLES


def suggestion_text(s: Suggestion) -> str:
    return f"{s.title}\n{s.body}"


def minhash(items: Iterable[str]) -> np.ndarray | None:
    """The MinHash signature (PERMUTATIONS uint64 values below 2**32), None for no shingles."""
    codes = np.fromiter((zlib.crc32(x.encode()) for x in items), dtype=np.uint64)
    if codes.size == 0:
        return None
    return ((_A * codes[None, :] + _B) & _MASK32).min(axis=1)


def band_keys(signature: np.ndarray | None) -> list[int]:
    """One signed 64-bit key per band (band number folded in), for the indexed table."""
    if signature is None:
        return []
    keys = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS].tobytes()
        value = zlib.crc32(chunk, band) << 32 | zlib.adler32(chunk, band + 1)
        keys.append(value - (1 << 63) if value >= 1 << 63 else value)
    return keys


def keys_for_text(text: str) -> list[int]:
    return band_keys(minhash(shingles(text)))


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# --- writing signatures ---------------------------------------------------------------------


def index_suggestion(s: Suggestion, *, new: bool = False) -> int:
    """Store (or replace) the band keys of one suggestion; the number of keys written.

    `new=True` (intake: a suggestion just inserted has none yet) writes them with ONE
    statement and no savepoint or delete of its own."""
    keys = sorted(set(keys_for_text(suggestion_text(s))))
    if new:
        if keys:
            table = connection.ops.quote_name(SuggestionSignature._meta.db_table)
            values = ", ".join(["(%s, %s)"] * len(keys))
            with connection.cursor() as cursor:
                cursor.execute(
                    # The table name comes from the model; every value is a parameter.
                    f"INSERT INTO {table} (suggestion_id, bucket) VALUES {values}",  # noqa: S608
                    [v for k in keys for v in (s.pk, k)],
                )
        return len(keys)
    with transaction.atomic():
        SuggestionSignature.objects.filter(suggestion_id=s.pk).delete()
        SuggestionSignature.objects.bulk_create(
            [SuggestionSignature(suggestion_id=s.pk, bucket=k) for k in keys]
        )
    return len(keys)


def _unsigned_batches(batch: int, only_missing: bool) -> Iterator[list[tuple[int, str, str]]]:
    last = 0
    qs = Suggestion.objects.order_by("pk")
    if only_missing:
        qs = qs.filter(signatures__isnull=True)
    while True:
        rows = list(qs.filter(pk__gt=last).values_list("pk", "title", "body")[:batch])
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def backfill_signatures(batch: int = 5000, only_missing: bool = True, say=None) -> int:
    """Compute and store the band keys of suggestions that have none (all, with
    `only_missing=False`: they are replaced), `batch` rows at a time in keyset order.
    Returns how many suggestions were signed. Safe to rerun; callable from a job or
    from `campaigndesk scale` after it loads rows."""
    table = SuggestionSignature._meta.db_table
    # The table name comes from the model, not from input.
    sql = f"INSERT INTO {table} (suggestion_id, bucket) VALUES (%s, %s)"  # noqa: S608
    done = 0
    for rows in _unsigned_batches(batch, only_missing):
        ids = [pk for pk, _t, _b in rows]
        values = [
            (pk, key) for pk, title, body in rows for key in keys_for_text(f"{title}\n{body}")
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if not only_missing:
                SuggestionSignature.objects.filter(suggestion_id__in=ids).delete()
            cursor.executemany(sql, values)  # plain rows: no model instances for millions
        done += len(rows)
        if say:
            say(f"signed {done} suggestions")
    return done


# --- finding duplicates ---------------------------------------------------------------------


def _eligible(now: dt.datetime | None = None) -> Q:
    cutoff = (now or clock.now()) - dt.timedelta(days=RECENT_DAYS)
    return (Q(suggestion__status__in=OPEN_STATUSES) | Q(suggestion__created_at__gte=cutoff)) & ~Q(
        suggestion__status__in=IGNORED_STATUSES
    )


def _per_bucket(n_keys: int) -> int:
    """Rows read per band key: PER_BUCKET for one text, fewer for a page of texts so a
    page never reads more than MAX_SCANNED_PAGE rows."""
    return min(PER_BUCKET, max(MIN_PER_BUCKET, MAX_SCANNED_PAGE // max(n_keys, 1)))


def _bucket_pairs(
    keys: Iterable[int], campaign_id: int | None, now: dt.datetime | None
) -> list[tuple[int, int]]:
    """(bucket, suggestion id) for eligible suggestions sharing one of `keys`: ONE query
    that reads, per key, at most `_per_bucket` rows, newest suggestions first (an index
    range scan of (bucket, suggestion) backwards). A crowded bucket (a pair of MinHash
    values that many texts share) is cut off on its own instead of using up a cap shared
    by every bucket, so the rare buckets a reworded copy shares are always read.
    PostgreSQL runs it as a LATERAL join, SQLite as a correlated IN on the row id."""
    keys = sorted(set(keys))
    if not keys:
        return []
    sig = SuggestionSignature._meta.db_table
    sug = Suggestion._meta.db_table
    cutoff = (now or clock.now()) - dt.timedelta(days=RECENT_DAYS)
    open_marks = ", ".join(["%s"] * len(OPEN_STATUSES))
    ignored_marks = ", ".join(["%s"] * len(IGNORED_STATUSES))
    where = (
        f"g.bucket = k.bucket AND (s.status IN ({open_marks}) OR s.created_at >= %s) "
        f"AND s.status NOT IN ({ignored_marks})"
    )
    params: list[object] = [
        *[str(v) for v in OPEN_STATUSES],
        connection.ops.adapt_datetimefield_value(cutoff),
        *[str(v) for v in IGNORED_STATUSES],
    ]
    if campaign_id is not None:
        where += " AND s.campaign_id = %s"
        params.append(campaign_id)
    params.append(_per_bucket(len(keys)))
    inner = (
        f"SELECT g.id, g.suggestion_id FROM {sig} g JOIN {sug} s ON s.id = g.suggestion_id "  # noqa: S608
        f"WHERE {where} ORDER BY g.suggestion_id DESC LIMIT %s"
    )
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint)"] * len(keys))
        sql = (
            f"WITH k(bucket) AS (VALUES {values}) SELECT k.bucket, c.suggestion_id "  # noqa: S608
            f"FROM k CROSS JOIN LATERAL ({inner}) c"
        )
    else:
        values = ", ".join(["(%s)"] * len(keys))
        sql = (
            f"WITH k(bucket) AS (VALUES {values}) SELECT k.bucket, c.suggestion_id "  # noqa: S608
            f"FROM k JOIN {sig} c ON c.id IN (SELECT id FROM ({inner}))"
        )
    # Table names come from the models and every value is a parameter.
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys, *params])
        return [(int(b), int(pk)) for b, pk in cursor.fetchall()]


def _candidate_hits(
    keys: Iterable[int], campaign_id: int | None, now: dt.datetime | None
) -> list[tuple[int, int]]:
    """(suggestion id, shared bands) for the suggestions sharing a bucket, most shared
    first (ties: newest first): one query, see `_bucket_pairs`."""
    counts = Counter(pk for _b, pk in _bucket_pairs(keys, campaign_id, now))
    return sorted(counts.items(), key=lambda c: (-c[1], -c[0]))[: MAX_CANDIDATES + 50]


def _load(ids: Iterable[int]) -> dict[int, Suggestion]:
    return (
        Suggestion.objects.filter(pk__in=set(ids))
        .select_related("unit")
        .only(
            "pk", "title", "body", "tracking_number", "status", "created_at",
            "duplicate_of_id", "campaign_id", "support_count", "unit__name_zh",
            "unit__name_en", "unit__path",
        )
        .in_bulk()
    )  # fmt: skip


def find_duplicates(
    text: str,
    *,
    campaign=None,
    exclude: Iterable[int] = (),
    limit: int = 5,
    min_similarity: float = MIN_SIMILARITY,
    now: dt.datetime | None = None,
) -> list[Match]:
    """Open and recent suggestions (RECENT_DAYS) whose text is near `text`, most similar
    first, with their shingle Jaccard similarity (0–1). Two queries whatever the table size."""
    own = shingles(text)
    skip = set(exclude)
    hits = [
        (pk, n)
        for pk, n in _candidate_hits(
            band_keys(minhash(own)), getattr(campaign, "pk", campaign), now
        )
        if pk not in skip
    ][:MAX_CANDIDATES]
    if not hits:
        return []
    found = _load(pk for pk, _n in hits)
    scored = [
        Match(s, round(jaccard(own, shingles(suggestion_text(s))), 3)) for s in found.values()
    ]
    scored = [m for m in scored if m.similarity >= min_similarity]
    scored.sort(key=lambda m: (-m.similarity, -m.suggestion.pk))
    return scored[:limit]


def duplicates_of(s: Suggestion, **kwargs) -> list[Match]:
    """Near-duplicates of a stored suggestion (not itself, nor those marked as its copies)."""
    kwargs.setdefault("campaign", s.campaign_id)
    return find_duplicates(suggestion_text(s), exclude={s.pk}, **kwargs)


def duplicates_for(
    suggestions: list[Suggestion],
    *,
    limit: int = 5,
    min_similarity: float = MIN_SIMILARITY,
    now: dt.datetime | None = None,
) -> dict[int, list[Match]]:
    """Near-duplicates for a page of suggestions in two queries: the candidates of every
    text at once (bucket IN all keys; hits attributed back per text in Python), then the
    candidates' texts. Each suggestion's own pk is left out."""
    own = {s.pk: shingles(suggestion_text(s)) for s in suggestions}
    keys_of = {pk: band_keys(minhash(sh)) for pk, sh in own.items()}
    owners: dict[int, list[int]] = {}
    for pk, keys in keys_of.items():
        for key in keys:
            owners.setdefault(key, []).append(pk)
    if not owners:
        return {}
    campaigns = {s.campaign_id for s in suggestions}
    # Query 1: (bucket, suggestion) pairs, a bounded number per bucket (_bucket_pairs).
    pairs = _bucket_pairs(owners, campaigns.pop() if len(campaigns) == 1 else None, now)
    shared: dict[int, Counter] = {}
    for bucket, cand in pairs:
        for pk in owners.get(bucket, ()):
            if cand != pk:
                shared.setdefault(pk, Counter())[cand] += 1
    wanted: dict[int, list[int]] = {
        pk: [c for c, _n in counts.most_common(MAX_CANDIDATES)] for pk, counts in shared.items()
    }
    if not wanted:
        return {}
    # Query 2: the candidates' texts.
    found = _load(c for cands in wanted.values() for c in cands)
    result: dict[int, list[Match]] = {}
    cache: dict[int, set[str]] = {}
    for pk, cands in wanted.items():
        matches = []
        for c in cands:
            cand = found.get(c)
            if cand is None:
                continue
            if c not in cache:
                cache[c] = shingles(suggestion_text(cand))
            sim = round(jaccard(own[pk], cache[c]), 3)
            if sim >= min_similarity:
                matches.append(Match(cand, sim))
        matches.sort(key=lambda m: (-m.similarity, -m.suggestion.pk))
        if matches:
            result[pk] = matches[:limit]
    return result


# --- stored candidates (what the triage queue reads) ---------------------------------------

STORED_CANDIDATES = 5
# Statuses whose suggestions the triage queue lists: the backfill fills these first.
QUEUE_STATUSES = (Status.RECEIVED, Status.REOPENED)


def _replace_candidates(found: dict[int, list[Match]], ids: Iterable[int]) -> int:
    """Replace the stored candidates of `ids` by `found` (their matches) and mark them
    searched: one transaction of three statements. Returns the candidate rows written."""
    ids = list(ids)
    now = clock.now()
    rows = [
        DuplicateCandidate(
            suggestion_id=pk, candidate_id=m.suggestion.pk, similarity=m.similarity, found_at=now
        )
        for pk in ids
        for m in found.get(pk, ())[:STORED_CANDIDATES]
        if m.suggestion.pk != pk
    ]
    with transaction.atomic():
        DuplicateCandidate.objects.filter(suggestion_id__in=ids).delete()
        DuplicateCandidate.objects.bulk_create(rows)
        DuplicateScan.objects.bulk_create(
            [DuplicateScan(suggestion_id=pk, scanned_at=now) for pk in ids],
            update_conflicts=True,
            unique_fields=["suggestion"],
            update_fields=["scanned_at"],
        )
    return len(rows)


def store_duplicates(s: Suggestion) -> int:
    """Search the near-duplicates of one suggestion (`duplicates_of`) and store the best
    `STORED_CANDIDATES`, replacing any stored before. Run once after intake commits (a
    background task, see dup_hooks.py) and by `backfill_duplicates`."""
    return _replace_candidates({s.pk: duplicates_of(s, limit=STORED_CANDIDATES)}, [s.pk])


def stored_duplicates(suggestions: Iterable[Suggestion]) -> dict[int, list[Match]]:
    """The stored candidates of a page of suggestions, most similar first: ONE indexed
    query (the candidate's number and title only, as plain values: a quarter less CPU
    than model rows with select_related), no MinHash lookup. Candidates since marked
    spam or withdrawn are left out."""
    ids = [s.pk for s in suggestions]
    if not ids:
        return {}
    rows = (
        DuplicateCandidate.objects.filter(suggestion_id__in=ids)
        .exclude(candidate__status__in=IGNORED_STATUSES)
        .order_by("suggestion_id", "-similarity", "-candidate_id")
        .values_list(
            "suggestion_id", "similarity", "candidate_id",
            "candidate__tracking_number", "candidate__title",
        )
    )  # fmt: skip
    names = ["id", "tracking_number", "title"]
    db = rows.db
    found: dict[int, list[Match]] = {}
    for pk, similarity, candidate, number, title in rows:
        original = Suggestion.from_db(db, names, (candidate, number, title))
        found.setdefault(pk, []).append(Match(original, similarity))
    return found


def backfill_duplicates(
    batch: int = 50, statuses: Iterable[str] = OPEN_STATUSES, limit: int | None = None, say=None
) -> int:
    """Search and store the candidates of suggestions in `statuses` (the open ones) that
    were never searched, `batch` at a time in keyset order (`duplicates_for`: two queries
    per batch, then one transaction writing them). Returns how many were searched; safe
    to rerun (a searched suggestion is skipped, with or without candidates)."""
    statuses = [str(v) for v in statuses]
    qs = Suggestion.objects.filter(status__in=statuses, duplicate_scan__isnull=True).only(
        "pk", "title", "body", "campaign_id"
    )
    last = 0
    done = 0
    while limit is None or done < limit:
        size = batch if limit is None else min(batch, limit - done)
        rows = list(qs.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            break
        last = rows[-1].pk
        by_campaign: dict[int, list[Suggestion]] = {}
        for s in rows:
            by_campaign.setdefault(s.campaign_id, []).append(s)
        found: dict[int, list[Match]] = {}
        for page in by_campaign.values():  # a page of one campaign searches that campaign
            found.update(duplicates_for(page, limit=STORED_CANDIDATES))
        _replace_candidates(found, [s.pk for s in rows])
        done += len(rows)
        if say:
            say(f"searched {done} suggestions")
    return done


__all__ = [
    "BANDS",
    "MIN_SIMILARITY",
    "RECENT_DAYS",
    "ROWS",
    "Match",
    "backfill_duplicates",
    "backfill_signatures",
    "band_keys",
    "duplicates_for",
    "duplicates_of",
    "find_duplicates",
    "index_suggestion",
    "jaccard",
    "keys_for_text",
    "minhash",
    "shingles",
    "store_duplicates",
    "stored_duplicates",
]
