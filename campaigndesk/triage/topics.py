"""Hot topics: cluster suggestions, name each cluster by its key terms, rank the clusters.

The clustering (`cluster_texts`) runs on the CPU in well under a minute for 100,000
texts on 2 cores:

1. features: CJK character bigrams and other words (the same cheap tokens as the
   duplicate search), TF-IDF with sublinear tf, at most `MAX_FEATURES` terms;
2. TruncatedSVD to at most `DIMENSIONS` dimensions, rows L2-normalised (cosine space);
3. k-means: for small sets (≤ `SMALL`) k from 2 to 12 chosen by silhouette; for larger
   ones MiniBatchKMeans with k growing with the square root of the size (≤ `MAX_K`);
4. clusters smaller than `min_size` are dropped as noise;
5. each cluster is named by its top terms: jieba words (and English words) of up to
   `NAME_SAMPLE` members nearest its centroid, scored by class-based TF-IDF (frequent in
   the cluster, rare in the other clusters); its representatives are the three members
   nearest the centroid.

A period is clustered together with the equal period before it, so each topic has a
size now and before (growth), and the support counts are summed. The result is stored
in `TopicRun`; clustering takes seconds to minutes at city scale, so requests never run
it:

- requests (the page, the dashboard's block, the API) call `read_topics` or
  `hot_topics`: they read the stored run and, when it is missing or older than
  `CACHE_FOR`, queue ONE background refresh (`topic_jobs.refresh_run`, claimed per
  campaign, period and stored run) and show what is stored meanwhile;
- background callers that need the figures now (a bulletin, a report) call
  `ensure_run` or `hot_topics(..., compute=True)`: computed there when missing or stale;
- the refresh job and the nightly job (topic_jobs.py) call `compute_run`.

`cluster_file(path, text_columns)` clusters a .csv or .xlsx file the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import math
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.core import scheduler
from campaigndesk.core.models import ScheduledRun
from campaigndesk.suggestions.models import Status, Suggestion

from .models.topics import TopicRun

logger = logging.getLogger(__name__)

MAX_FEATURES = 50_000
DIMENSIONS = 100
SMALL = 2_000
MAX_K = 60
NAME_SAMPLE = 80
FIT_SAMPLE = 20_000  # large sets: k-means is fitted on a sample, then assigns every text
TERMS = 5
REPRESENTATIVES = 3
CACHE_FOR = dt.timedelta(hours=1)
# A refresh claimed this long ago that has not stored its run (its worker died, or it
# failed) may be queued again.
RETRY_AFTER = dt.timedelta(minutes=30)
REFRESH_JOB = "campaigndesk.triage.topic_jobs.refresh_run"
MAX_ROWS = 200_000
IGNORED_STATUSES = (Status.SPAM, Status.WITHDRAWN)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W\d_]{{2,}}")
_IS_CJK = re.compile(rf"[{_CJK}]")
_STOP_WORDS_TEXT = """
    the and for with this that are was were have has had not but our your their they them
    from there here please should would could will can more very also been into about when
    what which who how its it's than then some any all one two out over under such only just
    建议 希望 我们 你们 他们 市民 相关 部门 能够 进一步 问题 情况 进行 加强 没有 现在 一些 一个
    可以 如何 这个 那个 目前 因为 所以 但是 而且 还是 已经 非常 比较 不能 不是 就是 还有 以及
    关于 对于 请求 要求 反映 尽快 解决 有关 单位 领导 政府 市里 存在 提出 能否 是否 应该 需要
    """
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


# --- tokens ---------------------------------------------------------------------------------


def features(text: str) -> list[str]:
    """Cheap clustering tokens: CJK character bigrams and other words of 2+ letters."""
    out: list[str] = []
    for token in _TOKEN.findall((text or "")[:3000].lower()):
        if _IS_CJK.match(token):
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(token[i : i + 2] for i in range(len(token) - 1))
        elif token not in STOP_WORDS:
            out.append(token)
    return out


def _identity(tokens: list[str]) -> list[str]:
    return tokens


_jieba_lock = threading.Lock()
_jieba: Any = None


def _tokenizer() -> Any:
    """jieba's tokenizer, initialised once per process and quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                _jieba = tok
    return _jieba


def words(text: str) -> list[str]:
    """Name terms: jieba words of 2+ characters for CJK, words of 3+ letters otherwise."""
    tok = _tokenizer()
    out: list[str] = []
    for token in _TOKEN.findall((text or "")[:3000].lower()):
        if _IS_CJK.match(token):
            out.extend(w for w in tok.lcut(token) if len(w) > 1 and w not in STOP_WORDS)
        elif len(token) > 2 and token not in STOP_WORDS:
            out.append(token)
    return out


# --- clustering -----------------------------------------------------------------------------


@dataclass
class Cluster:
    """One cluster of `cluster_texts`: member indices (into the texts given), the
    representatives nearest the centroid, key terms, and cohesion (mean cosine)."""

    members: list[int]
    representatives: list[int]
    terms: list[str]
    cohesion: float

    @property
    def size(self) -> int:
        return len(self.members)


def _vectors(texts: Sequence[list[str]], seed: int) -> np.ndarray:
    """Cosine-ready vectors of token lists (see `features`)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    n = len(texts)
    vectorizer = TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=2 if n >= 50 else 1,
        max_df=0.5 if n >= 50 else 1.0,
        max_features=MAX_FEATURES,
        dtype=np.float32,
    )
    matrix = vectorizer.fit_transform(texts)
    dims = min(DIMENSIONS, matrix.shape[1] - 1, n - 1)
    if dims < 2 or n <= 500:  # small sets: the TF-IDF space itself, no reduction
        return normalize(matrix.toarray())
    svd = TruncatedSVD(n_components=dims, n_iter=3, random_state=seed)
    return normalize(svd.fit_transform(matrix))


def _kmeans(
    vectors: np.ndarray, weights: np.ndarray, k: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    if k is None and n <= SMALL:
        best = None
        # Clusters of four distinct texts on average at least: no splitting into pairs.
        for kk in range(2, max(2, min(12, n // 4)) + 1):
            model = KMeans(n_clusters=kk, n_init=10, random_state=seed)
            model.fit(vectors, sample_weight=weights)
            # The silhouette needs 2 to n - 1 clusters: two distinct texts cannot be scored.
            if not 2 <= len(set(model.labels_)) < n:
                continue
            score = silhouette_score(vectors, model.labels_, metric="cosine")
            if best is None or score > best[0] + 1e-9:
                best = (score, model)
        if best is not None:
            return best[1].labels_, best[1].cluster_centers_
        k = 1
    if k is None:
        k = max(2, min(MAX_K, round(math.sqrt(n / 20))))
    k = max(1, min(k, n))
    if n <= SMALL:
        model = KMeans(n_clusters=k, n_init=4, random_state=seed)
        model.fit(vectors, sample_weight=weights)
        return model.labels_, model.cluster_centers_
    model = MiniBatchKMeans(
        n_clusters=k, batch_size=4096, n_init=2, random_state=seed, max_no_improvement=10
    )
    sample = np.random.default_rng(seed).choice(n, size=min(n, FIT_SAMPLE), replace=False)
    model.fit(vectors[sample], sample_weight=weights[sample])
    return model.predict(vectors), model.cluster_centers_


def _name(groups: list[list[str]]) -> list[list[str]]:
    """Class-based TF-IDF: per group of texts, the terms frequent in it and rare elsewhere."""
    counts = [Counter(w for text in g for w in set(words(text))) for g in groups]
    spread = Counter(term for c in counts for term in c)
    n = len(groups)
    names = []
    for c, g in zip(counts, groups, strict=True):
        size = max(1, len(g))
        scored = sorted(
            ((cnt / size) * math.log(1 + n / spread[t]), t) for t, cnt in c.items() if cnt > 1
        )
        names.append([t for _s, t in reversed(scored[-TERMS:])])
    return names


def cluster_texts(
    texts: Sequence[str], *, k: int | None = None, min_size: int | None = None, seed: int = 0
) -> list[Cluster]:
    """Cluster texts; the clusters largest first (tiny ones dropped as noise).

    `k` fixes the number of clusters (default: by silhouette for small sets, by size for
    large ones); `min_size` defaults to 2, or 0.2% of the texts for large sets.
    """
    texts = [t or "" for t in texts]
    # Texts with the same tokens are clustered once, weighted by how often they occur.
    groups: dict[str, list[int]] = {}
    tokens_of: dict[str, list[str]] = {}
    for i, t in enumerate(texts):
        tokens = features(t)
        if tokens:
            key = " ".join(tokens)
            groups.setdefault(key, []).append(i)
            tokens_of.setdefault(key, tokens)
    if sum(len(g) for g in groups.values()) < 3:
        return []
    if min_size is None:
        min_size = max(2, len(texts) // 500)
    unique = list(groups.values())
    weights = np.array([len(g) for g in unique], dtype=np.float64)
    vectors = _vectors(list(tokens_of.values()), seed)
    labels, centers = _kmeans(vectors, weights, k, seed)
    centers = centers / np.maximum(np.linalg.norm(centers, axis=1, keepdims=True), 1e-9)
    similarity = np.einsum("ij,ij->i", vectors, centers[labels])
    found = []
    for label in range(len(centers)):
        local = np.flatnonzero(labels == label)
        if weights[local].sum() < min_size:
            continue
        order = local[np.argsort(-similarity[local])]
        found.append(
            (
                [i for u in order for i in unique[u]],
                [unique[u][0] for u in order[:REPRESENTATIVES]],
                float(np.average(similarity[local], weights=weights[local])),
            )
        )
    found.sort(key=lambda f: -len(f[0]))
    names = _name([[texts[i] for i in members[:NAME_SAMPLE]] for members, _r, _c in found])
    return [
        Cluster(members=members, representatives=reps, terms=terms, cohesion=round(cohesion, 3))
        for (members, reps, cohesion), terms in zip(found, names, strict=True)
    ]


# --- hot topics -----------------------------------------------------------------------------


@dataclass
class Topic:
    """A hot topic of a period: key terms, how many suggestions now and in the equal period
    before, their summed support, and up to three representatives (dicts of id,
    tracking_number and title)."""

    terms: list[str]
    size: int
    previous: int
    support: int
    representatives: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        return " · ".join(self.terms[:3])

    @property
    def growth(self) -> float | None:
        """Relative growth over the previous period; None when it had none."""
        if not self.previous:
            return None
        return (self.size - self.previous) / self.previous

    @property
    def growth_percent(self) -> int | None:
        g = self.growth
        return None if g is None else round(100 * g)

    @property
    def score(self) -> float:
        """Size, boosted up to ×2 by growth (√ of the ratio now/before), plus a little support."""
        ratio = min(4.0, max(0.25, (self.size + 1) / (self.previous + 1)))
        return self.size * math.sqrt(ratio) + math.log1p(self.support)


ORDERS = {
    "hot": lambda t: -t.score,
    "size": lambda t: -t.size,
    "growth": lambda t: -(t.size + 1) / (t.previous + 1),
    "support": lambda t: -t.support,
}


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def compute_topics(campaign: Any, start: dt.date, end: dt.date) -> list[dict]:
    """Cluster the campaign's suggestions of [start, end] and of the equal period before
    (spam and withdrawn left out); JSON-ready topic dicts, in no particular order."""
    days = (end - start).days + 1
    prev_start = start - dt.timedelta(days=days)
    lo, mid = _bounds(prev_start, start - dt.timedelta(days=1))
    _lo2, hi = _bounds(start, end)
    rows = list(
        Suggestion.objects.filter(campaign=campaign, created_at__gte=lo, created_at__lt=hi)
        .exclude(status__in=IGNORED_STATUSES)
        .order_by("-created_at")
        .values_list("pk", "tracking_number", "title", "body", "created_at", "support_count")[
            :MAX_ROWS
        ]
    )
    if not rows:
        return []
    clusters = cluster_texts([f"{r[2]}\n{r[3]}" for r in rows])
    topics = []
    for c in clusters:
        now_members = [rows[i] for i in c.members if rows[i][4] >= mid]
        if not now_members:
            continue
        reps = [rows[i] for i in c.members if rows[i][4] >= mid][:REPRESENTATIVES]
        topics.append(
            asdict(
                Topic(
                    terms=c.terms,
                    size=len(now_members),
                    previous=len(c.members) - len(now_members),
                    support=sum(r[5] for r in now_members),
                    representatives=[
                        {"id": r[0], "tracking_number": r[1], "title": r[2]} for r in reps
                    ],
                )
            )
        )
    return topics


def stored_run(campaign: Any, start: dt.date, end: dt.date) -> TopicRun | None:
    """The period's stored run, or None before its first computation (one query)."""
    return TopicRun.objects.filter(campaign=campaign, start=start, end=end).first()


def is_stale(run: TopicRun | None, now: dt.datetime | None = None) -> bool:
    """Missing, or computed CACHE_FOR ago or longer."""
    return run is None or (now or clock.now()) - run.computed_at >= CACHE_FOR


def compute_run(campaign: Any, start: dt.date, end: dt.date) -> TopicRun:
    """Cluster the period now and store the run. Seconds to minutes at city scale: for
    background jobs and commands, never for a request."""
    # Computed at: when the suggestions were read, not when the clustering ended.
    now = clock.now()
    began = time.perf_counter()
    result = compute_topics(campaign, start, end)
    seconds = round(time.perf_counter() - began, 3)
    run, _created = TopicRun.objects.update_or_create(
        campaign=campaign,
        start=start,
        end=end,
        defaults={
            "result": result,
            "size": sum(t["size"] + t["previous"] for t in result),
            "seconds": seconds,
            "computed_at": now,
        },
    )
    return run


def ensure_run(
    campaign: Any, start: dt.date, end: dt.date, *, max_age: dt.timedelta = CACHE_FOR
) -> TopicRun:
    """The stored run, computed here first when missing or older than `max_age`: for
    callers outside a request that need the figures now (a bulletin, a report)."""
    run = stored_run(campaign, start, end)
    if run is not None and clock.now() - run.computed_at < max_age:
        return run
    return compute_run(campaign, start, end)


# --- requests read; a background job computes -------------------------------------------------


@dataclass
class StoredTopics:
    """What a request shows of a period: the stored run (None before the first one),
    whether it is older than CACHE_FOR, and whether a computation of the period is queued
    or running (known only for a missing or stale run, which asks for one)."""

    run: TopicRun | None
    stale: bool
    refreshing: bool


def run_version(run: TopicRun | None) -> str:
    """Which stored run a refresh replaces: its computed_at (UTC), "none" before the first."""
    if run is None:
        return "none"
    return run.computed_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f")


def _claim_job(campaign_id: int, start: dt.date, end: dt.date) -> str:
    return f"{REFRESH_JOB}:{campaign_id}:{start.isoformat()}:{end.isoformat()}"


def _claim_refresh(campaign_id: int, start: dt.date, end: dt.date, version: str) -> bool:
    """True for the one caller that gets to queue the refresh of this stored run.

    The claim is a `ScheduledRun` row (job: the campaign and period, slot: the stored
    run's version), the scheduler's own lock: of concurrent requests only the one whose
    INSERT passes the unique constraint queues the job. Once the job has stored a new
    run the slot changes, so the next staleness is claimed afresh; a claim older than
    RETRY_AFTER (its worker died, its job failed) is taken over by one conditional
    update."""
    job = _claim_job(campaign_id, start, end)
    now = clock.now()
    # Read first: a refresh already claimed (the common case while a stale run is shown)
    # costs one SELECT, not an INSERT that fails and that PostgreSQL logs as an error.
    taken = (
        ScheduledRun.objects.filter(job=job, slot=version)
        .values_list("claimed_at", flat=True)
        .first()
    )
    if taken is None:
        return scheduler.claim(job, version, now)
    if now - taken < RETRY_AFTER:
        return False
    return (
        ScheduledRun.objects.filter(job=job, slot=version, claimed_at=taken).update(
            claimed_at=now, claimed_by=scheduler.WORKER_ID
        )
        == 1
    )


def request_refresh(campaign: Any, start: dt.date, end: dt.date, run: TopicRun | None) -> Any:
    """Queue one computation of the period to replace `run` (the stored run, or None),
    unless one is queued or running already: the enqueued task's result, or None.

    With TASKS_IMMEDIATE=1 the task has run by the time this returns (its result is
    finished): the caller reads the stored run again."""
    from .topic_jobs import refresh_run

    campaign_id = getattr(campaign, "pk", campaign)
    version = run_version(run)
    if not _claim_refresh(campaign_id, start, end, version):
        return None
    try:
        return refresh_run.enqueue(campaign_id, start.isoformat(), end.isoformat(), version)
    except Exception:
        # Not queued after all: let the next request claim it instead of waiting out
        # RETRY_AFTER.
        ScheduledRun.objects.filter(job=_claim_job(campaign_id, start, end), slot=version).delete()
        raise


def read_topics(campaign: Any, start: dt.date, end: dt.date) -> StoredTopics:
    """The period's stored run for a request, which never clusters: a missing or stale
    run has one refresh queued (see `request_refresh`) and is shown as it is meanwhile.

    A fresh run costs one query; a missing or stale one a few more (the claim, and the
    task's row once per stored run)."""
    run = stored_run(campaign, start, end)
    if not is_stale(run):
        return StoredTopics(run=run, stale=False, refreshing=False)
    result = request_refresh(campaign, start, end, run)
    if result is not None and result.is_finished:  # run here and now (TASKS_IMMEDIATE=1)
        run = stored_run(campaign, start, end)
        return StoredTopics(run=run, stale=is_stale(run), refreshing=False)
    return StoredTopics(run=run, stale=True, refreshing=True)


def hot_topics(
    campaign: Any,
    start: dt.date,
    end: dt.date,
    limit: int = 10,
    order: str = "hot",
    *,
    compute: bool = False,
) -> list[Topic]:
    """The period's hot topics, best first. `order` is "hot" (size boosted by growth, then
    support: the default), "size", "growth" or "support". Each Topic has terms/label,
    size, previous, growth, support and representatives.

    By default a read of the stored run (`read_topics`: [] before the first run, and a
    refresh queued when missing or stale), safe in a request. `compute=True` clusters
    here first when the run is missing or stale (`ensure_run`): for a bulletin or a
    report made in the background that needs the figures now."""
    if compute:
        return topics_of(ensure_run(campaign, start, end), limit=limit, order=order)
    run = read_topics(campaign, start, end).run
    return [] if run is None else topics_of(run, limit=limit, order=order)


def topics_of(run: TopicRun, limit: int = 10, order: str = "hot") -> list[Topic]:
    """The topics of a computed run, best first by `order` (no query)."""
    found = [Topic(**t) for t in run.result]
    found.sort(key=ORDERS.get(order, ORDERS["hot"]))
    return found[:limit]


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last 30 days up to today."""
    today = today or clock.today()
    return today - dt.timedelta(days=29), today


# --- files ----------------------------------------------------------------------------------


def _read_rows(path: Path) -> tuple[list[str], list[list[Any]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        it = book.active.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(it, ())]
        rows = [list(r) for r in it]
        book.close()
        return header, rows
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        return header, list(reader)


def cluster_file(
    path: str | Path, text_columns: str | Sequence[str], json_out: str | Path | None = None
) -> list[dict]:
    """Cluster the rows of a .csv (UTF-8) or .xlsx file by the text of `text_columns`.

    `text_columns` is a column name, a comma-separated list of names, or a list; the
    columns' texts are joined per row. Empty rows are skipped. Returns the clusters,
    largest first, each a dict::

        {"cluster": 1, "size": 120, "terms": ["供暖", "温度", ...], "cohesion": 0.61,
         "representatives": [{"row": 17, "text": "..."}, ...]}

    where `row` is the 1-based data row (the header is row 0). With `json_out` the same
    list is also written there as UTF-8 JSON. Raises ValueError for a missing column or
    an unsupported file type.
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise ValueError(f"{path.name}: only .csv and .xlsx files can be read")
    columns = (
        [c.strip() for c in text_columns.split(",") if c.strip()]
        if isinstance(text_columns, str)
        else list(text_columns)
    )
    header, rows = _read_rows(path)
    missing = [c for c in columns if c not in header]
    if missing or not columns:
        raise ValueError(
            f"{path.name}: no column {', '.join(missing) or '(none given)'}; "
            f"the columns are {', '.join(header)}"
        )
    at = [header.index(c) for c in columns]
    texts = [
        "\n".join(str(r[i]) for i in at if i < len(r) and r[i] not in (None, "")) for r in rows
    ]
    clusters = cluster_texts(texts)
    result = [
        {
            "cluster": n,
            "size": c.size,
            "terms": c.terms,
            "cohesion": c.cohesion,
            "representatives": [{"row": i + 1, "text": texts[i][:300]} for i in c.representatives],
        }
        for n, c in enumerate(clusters, 1)
    ]
    if json_out:
        Path(json_out).write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
    return result


__all__ = [
    "Cluster",
    "StoredTopics",
    "Topic",
    "cluster_file",
    "cluster_texts",
    "compute_run",
    "compute_topics",
    "default_period",
    "ensure_run",
    "hot_topics",
    "read_topics",
    "request_refresh",
    "stored_run",
    "topics_of",
]
