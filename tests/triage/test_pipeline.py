"""The default routing model (pipeline.py): its fast character TF-IDF and the C search."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from campaigndesk.triage import devdata, pipeline, routing

DATA = devdata.generate(240, seed=5, noise=0.0)
ROWS = [(r["留言主题"], r["留言详情"]) for r in DATA]
LABELS = [r["一级标签"] for r in DATA]

TEXTS = [
    "A市 小区  物业乱收费，业主多次反映！",
    "Bus No.12 stops too EARLY 末班车太早",
    "",
    "噪",
    "路灯不亮\t井盖缺失  路灯不亮",
    "😀 表情和汉字 mixed 文本 😀",
    "物业乱收费",
]


def _as_id(ngram: str) -> int:
    value = 0
    for ch in ngram:
        value = (value << 21) | ord(ch)
    return value


@pytest.mark.parametrize("ngrams", [(1, 3), (2, 3), (1, 1)])
def test_char_tfidf_equals_scikit_learns_char_vectorizer(ngrams):
    reference = TfidfVectorizer(analyzer="char", ngram_range=ngrams, sublinear_tf=True, min_df=1)
    fast = pipeline.CharTfidf(ngram_range=ngrams, min_df=1)
    expected = reference.fit_transform(TEXTS).toarray()
    got = fast.fit_transform(TEXTS)
    ids = [_as_id(n) for n in reference.get_feature_names_out()]
    assert sorted(fast.vocabulary_.tolist()) == sorted(ids)
    order = np.searchsorted(fast.vocabulary_, ids)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got.toarray()[:, order], expected, atol=1e-6)
    unseen = ["全新的字眼 物业", "", "zzz"]  # characters the training texts never had
    np.testing.assert_allclose(
        fast.transform(unseen).toarray()[:, order], reference.transform(unseen).toarray(), atol=1e-6
    )


def test_char_tfidf_keeps_min_df_and_the_most_frequent_features():
    fast = pipeline.CharTfidf(min_df=2, max_features=2)
    reference = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2, max_features=2
    )
    texts = ["物物物物物业业业", "物物业业", "物业费", "灯"]  # 物 8, 业 6, 物物 5 times
    fast.fit(texts)
    reference.fit(texts)
    assert (
        sorted(fast.vocabulary_.tolist())
        == sorted(_as_id(n) for n in reference.get_feature_names_out())
        == sorted(_as_id(n) for n in "物业")
    )


def test_the_default_has_a_character_block_per_column_and_a_searched_c():
    pipe = pipeline.fit(ROWS, LABELS)
    assert pipeline.DEFAULT_VARIANT == "char_sep_cv"
    names = [name for name, _ in pipe.named_steps["features"].transformer_list]
    assert names == ["c0_char", "c1_char"]
    assert pipe.selected_["C"] in pipeline.C_GRID
    assert set(pipe.selected_["cv_macro_f1"]) == set(pipeline.C_GRID)
    assert pipe.selected_["C"] == pipe.named_steps["clf"].estimator.C
    one_column = pipeline.fit([(t,) for t, _b in ROWS], LABELS)
    names = [name for name, _ in one_column.named_steps["features"].transformer_list]
    assert names == ["all_char"]


def test_the_default_ranks_three_guesses_and_survives_storage():
    pipe = pipeline.fit(ROWS, LABELS)
    guesses = routing.top_k(pipe, ROWS[:5], 3)
    assert all(len(g) == 3 and g[0][1] >= g[1][1] >= g[2][1] for g in guesses)
    assert sum(p == y for p, y in zip(pipe.predict(ROWS), LABELS, strict=True)) > 200
    again = routing.loads(routing.dumps(pipe))
    np.testing.assert_allclose(again.predict_proba(ROWS[:20]), pipe.predict_proba(ROWS[:20]))
    assert routing.top_k(again, [("", ""), ("全新的字眼", "")], 3)[0][0][1] > 0


def test_tiny_classes_skip_the_search_and_still_rank():
    rows = [*ROWS[:6], ("只有一条", "这一类只有一条留言")]
    labels = [*LABELS[:6], "其他"]
    pipe = pipeline.fit(rows, labels)
    assert pipe.selected_["C"] == pipeline.DEFAULT_C and pipe.selected_["cv_macro_f1"] is None
    assert len(routing.top_k(pipe, rows[:1], 3)[0]) == 3


def test_the_search_reads_a_sample_of_large_training_sets(monkeypatch):
    seen = []
    original = pipeline._cv_macro_f1

    def spy(X, y, c, folds):
        seen.append(X.shape[0])
        return original(X, y, c, folds)

    monkeypatch.setattr(pipeline, "SEARCH_ROWS", 120)
    monkeypatch.setattr(pipeline, "_cv_macro_f1", spy)
    pipe = pipeline.fit(ROWS, LABELS)
    assert seen == [120] * len(pipeline.C_GRID)
    assert (
        pipe.named_steps["clf"].n_features_in_
        == pipe.named_steps["features"].transform(ROWS[:1]).shape[1]
    )


def test_other_variants_are_the_measured_alternatives():
    assert set(routing.VARIANTS) < set(pipeline.VARIANTS)
    pipe = pipeline.fit(ROWS, LABELS, "char_sep")
    assert not hasattr(pipe, "selected_")
    with pytest.raises(ValueError, match="two classes"):
        pipeline.fit(ROWS[:3], ["a"] * 3)
