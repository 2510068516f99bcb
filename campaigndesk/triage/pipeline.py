"""The default routing model and the fast character n-gram TF-IDF it is built on.

`routing.py` keeps the measured alternatives (`--variant NAME`); this module adds the
default, `char_sep_cv`, and sends every other variant name to `routing.fit`.

`char_sep_cv` is `char_sep` (each text column its own block of character 1–3-gram TF-IDF
with sublinear tf, min_df 2; a class-balanced linear SVM; sigmoid-calibrated
confidences) with three changes, each measured on the development sets (docs/triage.md):

- `CharTfidf` computes exactly the features of scikit-learn's
  `TfidfVectorizer(analyzer="char", sublinear_tf=True)` (equal to 1e-7), with numpy over
  a whole batch instead of a Python loop over every n-gram: it transforms 400-character
  messages about 2.5 times faster.
- C is chosen among 0.25, 0.5 and 1 by 3-fold cross-validation (macro-F1) inside the
  training data, never on held-out rows: the best C differed from set to set, and real
  boards differ from the development sets more than they differ from each other.
- The confidences come from one SVM trained on every row, with sigmoids fitted on
  3-fold out-of-fold scores (`ensemble=False`), instead of the mean of three SVMs each
  trained on two thirds: as accurate or better on every set, better calibrated (lower
  log-loss), and a prediction costs one SVM instead of three.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from . import routing

_SPACES = re.compile(r"\s\s+")
_BITS = 21  # a Unicode code point fits in 21 bits, so three fit exactly in one int64


class CharTfidf(BaseEstimator, TransformerMixin):
    """Character n-gram TF-IDF (lower-cased, runs of white space made one space, n-grams
    that cross it included, sublinear tf, smooth idf, rows of unit length), as
    `TfidfVectorizer(analyzer="char", ngram_range, sublinear_tf=True, min_df,
    max_features)` computes it. An n-gram (n ≤ 3) is one integer: its code points side
    by side, so there are no collisions. Columns are in the order of those integers."""

    def __init__(
        self,
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 2,
        max_features: int | None = 300_000,
    ):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features

    def _ngrams(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(document index, n-gram id) of every n-gram occurrence in the batch."""
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi <= 3:
            raise ValueError("CharTfidf handles n-grams of 1 to 3 characters")
        docs = [_SPACES.sub(" ", t.lower()) for t in texts]
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        codes = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32)
        codes = codes.astype(np.int64)
        owner = np.repeat(np.arange(len(docs), dtype=np.int64), lengths)
        # an n-gram starting at i lies in one document when i + n <= that document's end
        room = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(codes), dtype=np.int64)
        doc_parts, id_parts = [], []
        for n in range(lo, hi + 1):
            m = len(codes) - n + 1
            if m <= 0:
                continue
            ids = codes[:m].copy()
            for k in range(1, n):
                ids <<= _BITS
                ids |= codes[k : k + m]
            inside = room[:m] >= n
            doc_parts.append(owner[:m][inside])
            id_parts.append(ids[inside])
        if not id_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(doc_parts), np.concatenate(id_parts)

    def fit(self, X: Sequence[str], y: Any = None) -> CharTfidf:
        self._fit(X)
        return self

    def fit_transform(self, X: Sequence[str], y: Any = None) -> sp.csr_matrix:
        return self._tfidf(*self._fit(X), len(X))

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        docs, ids = self._ngrams(X)
        vocab = self.vocabulary_
        width = max(len(vocab), 1)
        col = np.searchsorted(vocab, ids)
        found = col < len(vocab)
        found[found] = vocab[col[found]] == ids[found]
        key, counts = np.unique(docs[found] * width + col[found], return_counts=True)
        rows, cols = np.divmod(key, width)
        return self._tfidf(rows, cols, counts, len(X))

    def _fit(self, X: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Learn the vocabulary and idf; return the training (row, column, count) triples."""
        docs, ids = self._ngrams(X)
        order = np.lexsort((docs, ids))
        ids, docs = ids[order], docs[order]
        first_of_id = np.ones(len(ids), dtype=bool)
        first_of_id[1:] = ids[1:] != ids[:-1]
        first_of_pair = first_of_id.copy()
        first_of_pair[1:] |= docs[1:] != docs[:-1]
        pairs = np.flatnonzero(first_of_pair)
        counts = np.diff(np.append(pairs, len(ids)))
        uid = np.cumsum(first_of_id[pairs]) - 1  # which distinct n-gram each pair is
        keys = ids[pairs][first_of_id[pairs]]
        df = np.bincount(uid, minlength=len(keys))
        keep = df >= self.min_df
        if self.max_features is not None and keep.sum() > self.max_features:
            # the n-grams most frequent over the corpus, as scikit-learn keeps them
            tf = np.bincount(uid, weights=counts, minlength=len(keys))
            kept = np.flatnonzero(keep)
            top = kept[np.lexsort((keys[kept], -tf[kept]))[: self.max_features]]
            keep = np.zeros(len(keys), dtype=bool)
            keep[top] = True
        column = np.cumsum(keep) - 1
        self.vocabulary_ = keys[keep]
        self.idf_ = np.log((1 + len(X)) / (1 + df[keep])) + 1
        use = keep[uid]
        return docs[pairs][use], column[uid][use], counts[use]

    def _tfidf(
        self, rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, n_docs: int
    ) -> sp.csr_matrix:
        data = (np.log(counts) + 1.0) * self.idf_[cols]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n_docs))
        data /= norms[rows]
        m = sp.csr_matrix(
            (data.astype(np.float32), (rows, cols)), shape=(n_docs, len(self.vocabulary_))
        )
        m.sort_indices()
        return m


C_GRID = (0.25, 0.5, 1.0)
SEARCH_FOLDS = 3
SEARCH_ROWS = 10_000  # the search reads a stratified sample of at most this many rows
DEFAULT_C = 0.5


def _blocks(n_columns: int) -> FeatureUnion:
    """One character block per text column (or one of the joined text for one column)."""
    indexes: list[int | None] = list(range(n_columns)) if n_columns > 1 else [None]
    return FeatureUnion(
        [
            (
                "all_char" if i is None else f"c{i}_char",
                Pipeline([("col", routing.Column(i)), ("tf", CharTfidf())]),
            )
            for i in indexes
        ]
    )


def _cv_macro_f1(X: sp.csr_matrix, y: np.ndarray, c: float, folds: list[Any]) -> float:
    # One fit at a time: scikit-learn's liblinear draws from one process-wide random
    # generator, so fits in parallel threads give different figures from run to run.
    scores = []
    for train, test in folds:
        # a looser tolerance than the final fit's: the ranking of C does not need more
        svm = LinearSVC(C=c, class_weight="balanced", tol=1e-3, random_state=0)
        svm.fit(X[train], y[train])
        scores.append(f1_score(y[test], svm.predict(X[test]), average="macro"))
    return float(np.mean(scores))


def search(X: sp.csr_matrix, y: Sequence[Any]) -> dict[str, Any]:
    """The C with the best mean macro-F1 over stratified folds of the training rows."""
    labels = np.asarray(y, dtype=object).astype(str)
    index = np.arange(len(labels))
    if len(index) > SEARCH_ROWS:
        from sklearn.model_selection import train_test_split

        index, _ = train_test_split(index, train_size=SEARCH_ROWS, stratify=labels, random_state=0)
    Xs, ys = X[index], labels[index]
    folds = list(StratifiedKFold(SEARCH_FOLDS, shuffle=True, random_state=0).split(Xs, ys))
    scores = {c: round(_cv_macro_f1(Xs, ys, c, folds), 4) for c in C_GRID}
    best = max(C_GRID, key=lambda c: (scores[c], c == DEFAULT_C))
    return {"C": best, "cv_macro_f1": scores}


def fit_tuned(rows: Sequence[Sequence[str]], y: Sequence[Any]) -> Pipeline:
    """The default model: character blocks, C from the search, a calibrated
    class-balanced LinearSVC."""
    n_columns = len(rows[0]) if len(rows) else 1
    features = _blocks(n_columns)
    X = features.fit_transform(rows)
    labels = list(y)
    _, counts = np.unique(np.asarray(labels, dtype=object).astype(str), return_counts=True)
    if counts.min() >= SEARCH_FOLDS:
        chosen = search(X, labels)
        clf: Any = CalibratedClassifierCV(
            LinearSVC(C=chosen["C"], class_weight="balanced", random_state=0),
            cv=3,
            ensemble=False,
        )
    else:  # too few examples of a class to cross-validate or calibrate
        chosen = {"C": DEFAULT_C, "cv_macro_f1": None}
        clf = routing.SoftmaxSVC(C=DEFAULT_C, class_weight="balanced")
    clf.fit(X, labels)
    pipe = Pipeline([("features", features), ("clf", clf)])
    pipe.selected_ = chosen
    return pipe


DEFAULT_VARIANT = "char_sep_cv"
VARIANTS = (DEFAULT_VARIANT, *routing.VARIANTS)


def fit(
    rows: Sequence[Sequence[str]], y: Sequence[Any], variant: str = DEFAULT_VARIANT
) -> Pipeline:
    if variant != DEFAULT_VARIANT:
        return routing.fit(rows, y, variant)
    if len(set(y)) < 2:
        raise ValueError("at least two classes are needed to train")
    return fit_tuned(rows, y)


def timed_fit(
    rows: Sequence[Sequence[str]], y: Sequence[Any], variant: str = DEFAULT_VARIANT
) -> tuple[Pipeline, float]:
    started = time.perf_counter()
    pipe = fit(rows, y, variant)
    return pipe, time.perf_counter() - started
