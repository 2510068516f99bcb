"""Near-duplicate suggestions: MinHash over shingles, LSH band keys in an indexed table.

How a lookup works (a new text against up to millions of stored suggestions):

1. The text is normalised (NFKC, lower case) and cut into shingles: Chinese (and other
   CJK) runs give character bigrams, other text gives words (very common ones dropped)
   and word bigrams.
2. A MinHash of `BANDS * ROWS` values (multiply-shift hashes of the shingles' CRC32,
   numpy) is cut into `BANDS` loose bands of `ROWS` values, and again into
   `TIGHT_BANDS` tight bands of `TIGHT_ROWS`; each band hashes, with its number, to
   one signed 64-bit `bucket` (KEYS of them per text). Two texts of shingle Jaccard J
   share at least one loose bucket with probability 1 - (1 - J**ROWS)**BANDS: about
   0.98 at J=0.4, 0.75 at J=0.25, 0.2 at J=0.1; two tight ones with about 0.98 at
   J=0.8, 0.82 at J=0.7, 0.47 at J=0.6, 0.04 at J=0.4.
3. One query (`_lookup`) reads, for each loose key, at most `PER_BUCKET` rows of
   `SuggestionSignature` (newest suggestions first, an index range scan of
   (bucket, suggestion)) joined to the suggestion (open ones, and any from the last
   `RECENT_DAYS`). A crowded bucket (a MinHash pair many texts share) is cut off on its
   own, so it cannot crowd out the rare buckets a reworded copy shares: a single cap over
   all buckets did, and missed a copy with 84 % overlap. For each tight key it reads the
   newest `TIGHT_SCAN` rows from the index alone and keeps the suggestions sharing
   `TIGHT_MIN_SHARED` of them: at a million template-like texts every loose bucket of a
   reworded copy can be crowded past its original (17 of 40 originals were found), the
   tight ones hold only near copies. Candidates are ranked by shared bands (tight ones
   first) in Python, and the best `MAX_CANDIDATES` are loaded (one more query) and
   scored by exact Jaccard of their shingles.

Signatures are written at intake (dup_hooks.py registers `index_suggestion` as an intake
hook) and in bulk for existing rows by `backfill_signatures()`. All of it is plain SQL on
SQLite or PostgreSQL and numpy on the CPU.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np
from django.db import connection, connections, router, transaction
from django.db.models import Q

from campaigndesk import clock
from campaigndesk.suggestions.models import OPEN_STATUSES, Status, Suggestion

from .models.topics import DuplicateCandidate, DuplicateScan, SuggestionSignature

logger = logging.getLogger(__name__)

BANDS = 24
ROWS = 2
PERMUTATIONS = BANDS * ROWS
# Tight bands: the same values cut into fewer, longer bands (two loose bands each). Loose
# buckets of template-like texts hold tens of thousands of suggestions at a million, and a
# reworded copy's original falls past the rows read per bucket; four shared values are
# rare unless the texts are near copies (J=0.8 shares a tight band with probability 0.998,
# J=0.4 with 0.27), so these buckets stay small and find the original in crowded ones.
TIGHT_BANDS = 12
TIGHT_ROWS = PERMUTATIONS // TIGHT_BANDS
KEYS = BANDS + TIGHT_BANDS  # band keys stored per suggestion
# A shared tight band counts as this many shared loose ones when candidates are ranked,
# so the suggestions found by tight keys come first: their count is complete (up to
# TIGHT_SCAN) while a crowded loose bucket is cut off, and the newest rows of crowded
# loose buckets share many of them by the template alone.
TIGHT_WEIGHT = BANDS
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
# Tight keys: the newest rows read per key (from the index alone, no suggestion row),
# and how many tight bands a suggestion must share with the text to be a candidate by
# them. A page of texts reads at most MAX_TIGHT_SCANNED_PAGE rows of tight keys.
TIGHT_SCAN = 5000
TIGHT_MIN_SHARED = 2
MAX_TIGHT_SCANNED_PAGE = 120_000
ANALYZE_AFTER = 10_000  # suggestions signed by one backfill
MAX_CHARS = 3000  # shingle the first characters of very long texts only
# Suggestions that are not worth merging into.
IGNORED_STATUSES = (Status.SPAM, Status.WITHDRAWN)
# Stored near-duplicates the queue leaves out: a suggestion marked a duplicate is no
# original to merge into either (actions.mark_duplicate refuses it).
HIDDEN_STATUSES = (*IGNORED_STATUSES, Status.DUPLICATE)

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


def _key(chunk: bytes, band: int) -> int:
    value = zlib.crc32(chunk, band) << 32 | zlib.adler32(chunk, band + 1)
    return value - (1 << 63) if value >= 1 << 63 else value


def band_keys(signature: np.ndarray | None) -> list[int]:
    """One signed 64-bit key per band (band number folded in), for the indexed table:
    the BANDS loose keys, then the TIGHT_BANDS tight ones (numbered after the loose, so
    the two kinds never share a key)."""
    if signature is None:
        return []
    data = signature.tobytes()
    width = signature.itemsize
    loose = [_key(data[b * ROWS * width : (b + 1) * ROWS * width], b) for b in range(BANDS)]
    tight = [
        _key(data[b * TIGHT_ROWS * width : (b + 1) * TIGHT_ROWS * width], BANDS + b)
        for b in range(TIGHT_BANDS)
    ]
    return loose + tight


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


def _insert_keys(cursor, values: list[tuple[int, int]]) -> None:
    table = SuggestionSignature._meta.db_table
    if connection.vendor == "postgresql":
        # COPY: a million suggestions' 36 million keys in minutes, not the half hour
        # that INSERTs took.
        with cursor.cursor.copy(f"COPY {table} (suggestion_id, bucket) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    # The table name comes from the model, not from input.
    sql = f"INSERT INTO {table} (suggestion_id, bucket) VALUES (%s, %s)"  # noqa: S608
    cursor.executemany(sql, values)  # plain rows: no model instances for millions


def backfill_signatures(batch: int = 5000, only_missing: bool = True, say=None) -> int:
    """Compute and store the band keys of suggestions that have none (all, with
    `only_missing=False`: they are replaced, as after a change of the keys), `batch`
    rows at a time in keyset order. Returns how many suggestions were signed. Safe to
    rerun; callable from a job or from `campaigndesk scale` after it loads rows. After a
    large fill PostgreSQL's statistics are refreshed: without them the lookup's plan is
    slow (seconds instead of milliseconds, measured on 100,000 rows)."""
    done = 0
    for rows in _unsigned_batches(batch, only_missing):
        ids = [pk for pk, _t, _b in rows]
        values = [
            (pk, key) for pk, title, body in rows for key in keys_for_text(f"{title}\n{body}")
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            if not only_missing:
                SuggestionSignature.objects.filter(suggestion_id__in=ids).delete()
            _insert_keys(cursor, values)
        done += len(rows)
        if say:
            say(f"signed {done} suggestions")
    if done >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # VACUUM also marks the new pages all-visible, so the tight keys' rows are read
        # from the index alone; it cannot run inside a transaction (a test, a caller's).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {SuggestionSignature._meta.db_table}")
    return done


# --- finding duplicates ---------------------------------------------------------------------


def _eligible(now: dt.datetime | None = None) -> Q:
    cutoff = (now or clock.now()) - dt.timedelta(days=RECENT_DAYS)
    return (Q(suggestion__status__in=OPEN_STATUSES) | Q(suggestion__created_at__gte=cutoff)) & ~Q(
        suggestion__status__in=IGNORED_STATUSES
    )


def _per_bucket(n_keys: int) -> int:
    """Rows read per loose key: PER_BUCKET for one text, fewer for a page of texts so a
    page never reads more than MAX_SCANNED_PAGE rows."""
    return min(PER_BUCKET, max(MIN_PER_BUCKET, MAX_SCANNED_PAGE // max(n_keys, 1)))


def _tight_scan(n_keys: int) -> int:
    """Rows read per tight key: TIGHT_SCAN for one text, fewer for a page of texts."""
    return min(TIGHT_SCAN, max(MIN_PER_BUCKET, MAX_TIGHT_SCANNED_PAGE // max(n_keys, 1)))


class _Hits(NamedTuple):
    loose: list[tuple[int, int]]  # (loose key, eligible suggestion id)
    tight: list[tuple[int, int, int]]  # (owner, eligible suggestion id, tight bands shared)


def _split(keys: list[int]) -> tuple[list[int], list[int]]:
    """A text's band keys (as `band_keys` orders them) as (loose, tight)."""
    return keys[:BANDS], keys[BANDS:]


def _lookup(
    loose: Iterable[int],
    tight: Iterable[tuple[int, int]],
    campaign_id: int | None,
    now: dt.datetime | None,
) -> _Hits:
    """The candidates of `loose` keys and of (owner, tight key) pairs: ONE query.

    Loose keys: per key the newest `_per_bucket` rows (an index range scan of
    (bucket, suggestion) backwards), of which the eligible suggestions (open, or recent,
    of the campaign) are kept, so a crowded bucket is cut off on its own and cannot crowd
    out the rare ones.

    Tight keys: per key the newest `_tight_scan` rows, read from the index alone, then
    counted per owner and suggestion; only a suggestion sharing TIGHT_MIN_SHARED tight
    bands with an owner's text is joined to its row to check it is eligible. At a
    million template-like texts the shared loose buckets of a reworded copy hold tens of
    thousands of newer rows and its original is past the loose cut-off; its tight
    buckets hold a few thousand, and only near copies share two of them.

    PostgreSQL runs each key as a LATERAL join, SQLite as a correlated IN on the row id."""
    loose = sorted(set(loose))
    tight = sorted(set(tight))
    if not loose and not tight:
        return _Hits([], [])
    sig = SuggestionSignature._meta.db_table
    sug = Suggestion._meta.db_table
    cutoff = (now or clock.now()) - dt.timedelta(days=RECENT_DAYS)
    open_marks = ", ".join(["%s"] * len(OPEN_STATUSES))
    ignored_marks = ", ".join(["%s"] * len(IGNORED_STATUSES))
    eligible = (
        f"(s.status IN ({open_marks}) OR s.created_at >= %s) AND s.status NOT IN ({ignored_marks})"
    )
    eligible_params: list[object] = [
        *[str(v) for v in OPEN_STATUSES],
        connection.ops.adapt_datetimefield_value(cutoff),
        *[str(v) for v in IGNORED_STATUSES],
    ]
    if campaign_id is not None:
        eligible += " AND s.campaign_id = %s"
        eligible_params.append(campaign_id)
    pg = connection.vendor == "postgresql"
    bigint = "::bigint" if pg else ""
    # Table names come from the models and every value is a parameter.
    # The newest rows of a loose key are read first and only then checked: a bucket
    # full of suggestions that are never offered (thousands of identical spam texts)
    # costs PER_BUCKET lookups, not one per row until PER_BUCKET eligible ones are found.
    newest = (
        f"(SELECT id, suggestion_id FROM {sig} "  # noqa: S608
        "WHERE bucket = k.bucket ORDER BY suggestion_id DESC LIMIT %s) g"
    )
    # Each row is checked by its primary key (LIMIT 1 keeps PostgreSQL from hashing every
    # open or recent suggestion instead, as it did at a million rows when the table's
    # statistics were stale: 1 s a key).
    check = f"SELECT 1 FROM {sug} s WHERE s.id = {{row}}.suggestion_id AND {eligible} LIMIT 1"  # noqa: S608
    if pg:
        loose_inner = (
            f"SELECT g.id, g.suggestion_id FROM {newest} "  # noqa: S608
            f"CROSS JOIN LATERAL ({check.format(row='g')}) e"
        )
    else:
        loose_inner = (
            f"SELECT g.id, g.suggestion_id FROM {newest} "  # noqa: S608
            f"JOIN {sug} s ON s.id = g.suggestion_id WHERE {eligible}"
        )
    # PostgreSQL reads the tight keys' rows from the index alone; SQLite needs the row id.
    tight_inner = (
        f"SELECT {'g.suggestion_id' if pg else 'g.id'} FROM {sig} g "  # noqa: S608
        "WHERE g.bucket = t.bucket ORDER BY g.suggestion_id DESC LIMIT %s"
    )
    if pg:
        loose_rows = f"FROM k CROSS JOIN LATERAL ({loose_inner}) c"
        tight_rows = f"FROM t CROSS JOIN LATERAL ({tight_inner}) c"
    else:
        loose_rows = f"FROM k JOIN {sig} c ON c.id IN (SELECT id FROM ({loose_inner}))"  # noqa: S608
        tight_rows = f"FROM t JOIN {sig} c ON c.id IN (SELECT id FROM ({tight_inner}))"  # noqa: S608
    ctes, parts, params = [], [], []
    if loose:
        ctes.append(f"k(bucket) AS (VALUES {', '.join([f'(%s{bigint})'] * len(loose))})")
        params += loose
        parts.append(f"SELECT k.bucket, NULL, c.suggestion_id, 1 {loose_rows}")
    if tight:
        pair = f"(%s{'::integer' if pg else ''}, %s{bigint})"
        ctes.append(f"t(owner, bucket) AS (VALUES {', '.join([pair] * len(tight))})")
        params += [v for pair_ in tight for v in pair_]
        ctes.append(
            f"shared(owner, suggestion_id, n) AS (SELECT t.owner, c.suggestion_id, COUNT(*) "
            f"{tight_rows} GROUP BY t.owner, c.suggestion_id HAVING COUNT(*) >= %s)"
        )
        parts.append(
            "SELECT NULL, shared.owner, shared.suggestion_id, shared.n FROM shared "  # noqa: S608
            + (
                f"CROSS JOIN LATERAL ({check.format(row='shared')}) e"
                if pg
                else f"JOIN {sug} s ON s.id = shared.suggestion_id WHERE {eligible}"
            )
        )
    sql = f"WITH {', '.join(ctes)} {' UNION ALL '.join(parts)}"
    # The CTEs' parameters come first, then each part's, in the order of the text.
    args = [*params]
    if tight:
        args += [_tight_scan(len(tight)), TIGHT_MIN_SHARED]
    if loose:
        args += [_per_bucket(len(loose)), *eligible_params]
    if tight:
        args += eligible_params
    hits = _Hits([], [])
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        for bucket, owner, pk, n in cursor.fetchall():
            if bucket is not None:
                hits.loose.append((int(bucket), int(pk)))
            else:
                hits.tight.append((int(owner), int(pk), int(n)))
    return hits


def _candidate_hits(
    keys: list[int], campaign_id: int | None, now: dt.datetime | None
) -> list[tuple[int, int]]:
    """(suggestion id, score) for the suggestions sharing a band with one text (its keys
    as `band_keys` gives them), best first (ties: newest first): one query, see
    `_lookup`. A shared loose band scores 1, a shared tight band TIGHT_WEIGHT."""
    loose, tight = _split(keys)
    hits = _lookup(loose, [(0, k) for k in tight], campaign_id, now)
    scores = Counter(pk for _b, pk in hits.loose)
    for _owner, pk, n in hits.tight:
        scores[pk] += TIGHT_WEIGHT * n
    return sorted(scores.items(), key=lambda c: (-c[1], -c[0]))[: MAX_CANDIDATES + 50]


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
    owners: dict[int, list[int]] = {}  # loose key -> the page's suggestions having it
    tight: list[tuple[int, int]] = []  # (suggestion, tight key)
    for pk, sh in own.items():
        loose_keys, tight_keys = _split(band_keys(minhash(sh)))
        for key in loose_keys:
            owners.setdefault(key, []).append(pk)
        tight += [(pk, key) for key in tight_keys]
    if not owners:
        return {}
    campaigns = {s.campaign_id for s in suggestions}
    # Query 1: the candidates of every text's loose and tight keys (_lookup).
    hits = _lookup(owners, tight, campaigns.pop() if len(campaigns) == 1 else None, now)
    shared: dict[int, Counter] = {}
    for bucket, cand in hits.loose:
        for pk in owners.get(bucket, ()):
            if cand != pk:
                shared.setdefault(pk, Counter())[cand] += 1
    for pk, cand, n in hits.tight:
        if cand != pk:
            shared.setdefault(pk, Counter())[cand] += TIGHT_WEIGHT * n
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
# Statuses whose suggestions the triage queue lists: the backfill searches only these.
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
    """The stored near-duplicates of a page of suggestions, most similar first, at most
    STORED_CANDIDATES each: ONE indexed query, no MinHash lookup. A pair is stored once,
    by the suggestion that was searched (the newer one, after intake), and read from both
    sides: the older suggestion shows the newer copy too, so the office can merge from
    either row. The other suggestion's number and title come as plain values (a quarter
    less CPU than model rows with select_related). Suggestions since marked spam,
    withdrawn or a duplicate are left out: none of them can be merged into."""
    ids = {s.pk for s in suggestions}
    if not ids:
        return {}
    # One scan of the two indexes (a bitmap OR) and each side's row by its primary key;
    # the statuses are checked here: an OR of two excludes on different joins had
    # PostgreSQL scan every suggestion, and a UNION ALL of the two sides ran in parallel
    # workers (8 ms more a page to start them).
    db = router.db_for_read(DuplicateCandidate)
    conn = connections[db]
    sql = _stored_sql(db, conn.vendor)
    if conn.vendor == "postgresql":
        # One array parameter: psycopg prepares no statement of more than 50 parameters.
        sql, params = sql.replace("IN (%s)", "= ANY(%s)"), [list(ids), list(ids)]
    else:
        listed = ", ".join(["%s"] * len(ids))
        sql, params = sql.replace("IN (%s)", f"IN ({listed})"), [*ids, *ids]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    names = ["id", "tracking_number", "title"]
    hidden = {str(v) for v in HIDDEN_STATUSES}
    best: dict[int, dict[int, tuple[float, str, str]]] = {}
    for pk, other, similarity, number, title, status, o_number, o_title, o_status in rows:
        # Both sides may be on the page; each reads the pair as its own.
        if pk in ids and o_status not in hidden:
            best.setdefault(pk, {})[other] = (similarity, o_number, o_title)
        if other in ids and status not in hidden:
            best.setdefault(other, {})[pk] = (similarity, number, title)
    found: dict[int, list[Match]] = {}
    for pk, others in best.items():
        ranked = sorted(others.items(), key=lambda o: (-o[1][0], -o[0]))[:STORED_CANDIDATES]
        found[pk] = [
            Match(Suggestion.from_db(db, names, (other, number, title)), similarity)
            for other, (similarity, number, title) in ranked
        ]
    return found


@functools.cache
def _stored_sql(alias: str, vendor: str) -> str:
    """`stored_duplicates`' SQL, compiled by the ORM once per process (its two joins cost
    more to compile than to run); its two `IN (%s)` take the page's ids."""
    marker = -7
    query = (
        DuplicateCandidate.objects.using(alias)
        .filter(Q(suggestion_id__in=[marker]) | Q(candidate_id__in=[marker]))
        .values_list(
            "suggestion_id",
            "candidate_id",
            "similarity",
            "suggestion__tracking_number",
            "suggestion__title",
            "suggestion__status",
            "candidate__tracking_number",
            "candidate__title",
            "candidate__status",
        )
        .query
    )
    sql, params = query.sql_with_params()
    if list(params) != [marker, marker] or sql.count("IN (%s)") != 2:
        raise RuntimeError(f"unexpected shape of the stored duplicates query: {params!r}")
    return sql


def backfill_duplicates(
    batch: int = 50, statuses: Iterable[str] = QUEUE_STATUSES, limit: int | None = None, say=None
) -> int:
    """Search and store the candidates of suggestions in `statuses` (by default those the
    triage queue lists: the only place stored candidates are shown; at a million rows the
    other open ones are tens of thousands of searches a night for nothing) that were
    never searched, `batch` at a time in keyset order (`duplicates_for`: two queries
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
