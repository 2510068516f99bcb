"""The routing variants the evaluate command can measure, and the development sets."""

from __future__ import annotations

from collections import Counter

import pytest

from campaigndesk.triage import devdata, routing

ROWS = [(r["留言主题"], r["留言详情"]) for r in devdata.generate(120, seed=3, noise=0.0)]
LABELS = [r["一级标签"] for r in devdata.generate(120, seed=3, noise=0.0)]


def block_names(variant: str, columns: int) -> list[str]:
    features = routing.build(columns, LABELS, variant).named_steps["features"]
    return [name for name, _ in features.transformer_list]


def test_the_default_has_one_character_block_per_column():
    assert routing.DEFAULT_VARIANT == "char_sep"
    assert block_names("char_sep", 2) == ["c0_char", "c1_char"]
    assert block_names("char_sep", 1) == ["all_char"]
    assert block_names("floor", 2) == ["all_char"]


def test_word_views_read_the_title_or_the_start_of_the_joined_text():
    assert block_names("char_sep_title_words", 2) == ["c0_char", "c0_word", "c1_char"]
    assert block_names("char_sep_words", 2) == ["c0_char", "c1_char", "all_word"]
    assert block_names("char_sep_words", 1) == ["all_char", "all_word"]
    assert block_names("char_sep_all", 2) == ["c0_char", "c1_char", "all_char"]
    assert block_names("char_sep_all", 1) == ["all_char"]
    assert block_names("word_char_joined_title", 2) == ["all_word", "all_char", "title_char"]
    features = routing.build(2, LABELS, "char_sep_words").named_steps["features"]
    word_column = dict(features.transformer_list)["all_word"].named_steps["col"]
    assert word_column.limit == routing.WORD_MAX_CHARS
    assert word_column.transform([("标题", "正" * 900)]) == [("标题 " + "正" * 900)[:400]]


def test_a_column_stored_before_the_limit_existed_still_transforms():
    old = routing.Column(1)
    del old.limit  # what unpickling an older model version gives
    assert old.transform([("a", "  b  c ")]) == ["b c"]


@pytest.mark.parametrize("variant", ["char_sep", "char_sep_title_words", "word_char_joined"])
def test_variants_fit_and_give_three_ranked_guesses(variant):
    pipe = routing.fit(ROWS, LABELS, variant)
    guesses = routing.top_k(pipe, ROWS[:5], 3)
    assert all(len(g) == 3 for g in guesses)
    assert all(g[0][1] >= g[1][1] >= g[2][1] for g in guesses)
    assert sum(p == y for p, y in zip(pipe.predict(ROWS), LABELS, strict=True)) > 60


def test_the_realistic_set_is_deterministic_skewed_and_noisy():
    rows = devdata.generate_realistic(2000, seed=1)
    assert rows == devdata.generate_realistic(2000, seed=1)
    counts = Counter(r["一级标签"] for r in rows)
    assert len(counts) == 7
    assert max(counts.values()) >= 3 * min(counts.values())
    assert any(r["留言主题"] in devdata.GENERIC_TITLES for r in rows)
    assert any(r["留言详情"] in devdata.GENERIC_BODIES for r in rows)
