"""The routing model: text → unit (or category), trained on the city's own routed history.

Chosen by measurement (`campaigndesk triage evaluate --variant NAME`; every figure is
in docs/triage.md): each text column (title, body) is its own block of character
1–3-gram TF-IDF with sublinear tf (`char_sep`); a class-balanced linear SVM; confidences
from sigmoid calibration (CalibratedClassifierCV, 3 folds) when every class has three
examples, else from a softmax of the SVM scores.

Separate title and body blocks are the one change that clearly beat the floor (char
1–3-grams of the joined text, plain LinearSVC): on a set with long, noisy bodies
macro-F1 0.805 against 0.639. On short synthetic messages every variant, the floor
included, lies within ±0.01 of the others. The word view (jieba with a domain
dictionary of government and place terms, uni- and bigrams; `word_char*`, `char_sep_words`,
`char_sep_title_words`) never measured better than noise and, over whole bodies, predicts
too slowly (about 570 messages a CPU-second at 400 characters, against ~1,500): it
stays available to measure on real messages. jieba loads once per process, on first use.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

MAX_CHARS = 1000  # very long messages: the first 1,000 characters carry the subject
# The word view (jieba) reads the first characters only (title first): segmenting costs
# about 2 µs a character, and the character view still reads the rest.
WORD_MAX_CHARS = 400

# Government, service and place terms jieba's general dictionary splits badly.
DOMAIN_WORDS = [
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
    "住建局",
    "住房和城乡建设局",
    "自然资源局",
    "生态环境局",
    "交通运输局",
    "教育局",
    "人社局",
    "人力资源和社会保障局",
    "商务局",
    "文旅局",
    "卫健委",
    "卫生健康委员会",
    "市场监管局",
    "市场监督管理局",
    "城管局",
    "城管执法",
    "公安局",
    "交警支队",
    "车管所",
    "信访局",
    "民政局",
    "医保局",
    "应急管理局",
    "水务局",
    "街道办",
    "街道办事处",
    "居委会",
    "村委会",
    "业委会",
    "物业公司",
    "物业费",
    "公共维修基金",
    "不动产证",
    "房产证",
    "安置房",
    "棚户区改造",
    "老旧小区改造",
    "加装电梯",
    "容积率",
    "拆迁补偿",
    "征地补偿",
    "违章搭建",
    "违建",
    "渣土车",
    "施工围挡",
    "夜间施工",
    "下水道",
    "化粪池",
    "燃气管道",
    "路灯",
    "井盖",
    "人行道",
    "自来水",
    "排污许可",
    "未批先建",
    "环评",
    "非法采砂",
    "黑臭水体",
    "垃圾分类",
    "垃圾站",
    "广场舞",
    "油烟",
    "噪音扰民",
    "公交线路",
    "公交站点",
    "末班车",
    "网约车",
    "出租车",
    "红绿灯",
    "信号灯",
    "停车难",
    "乱停车",
    "驾照",
    "驾校",
    "年检",
    "违章处理",
    "超载",
    "高速公路",
    "国道",
    "乡村公路",
    "学区",
    "学位",
    "入学难",
    "幼儿园",
    "校外培训",
    "课后托管",
    "补课费",
    "校服",
    "代课教师",
    "职称评定",
    "校园欺凌",
    "校车",
    "中考",
    "高考",
    "职业教育",
    "农民工工资",
    "拖欠工资",
    "欠薪",
    "社保",
    "养老保险",
    "医保报销",
    "失业保险金",
    "社保卡",
    "劳动合同",
    "加班费",
    "试用期",
    "退休工资",
    "养老金",
    "创业补贴",
    "公益性岗位",
    "低保",
    "残疾人补贴",
    "高龄津贴",
    "预付卡",
    "虚假宣传",
    "价格欺诈",
    "无证经营",
    "占道经营",
    "假冒伪劣",
    "缺斤少两",
    "景区门票",
    "导游",
    "旅行社",
    "传销",
    "非法集资",
    "电信诈骗",
    "快递",
    "外卖平台",
    "直播带货",
    "挂号难",
    "医疗事故",
    "过度医疗",
    "二孩",
    "计生",
    "独生子女",
    "准生证",
    "社会抚养费",
    "药价",
    "疫苗接种",
    "传染病",
    "卫生院",
    "村医",
    "社区医院",
    "家庭医生",
    "新农合",
    "异地就医",
    "大病保险",
    "12345",
    "热线",
    "解放思想",
    "营商环境",
    "放管服",
    "一网通办",
    "大连",
    "甘井子区",
    "中山区",
    "西岗区",
    "沙河口区",
    "金州区",
    "旅顺口区",
    "普兰店区",
    "瓦房店市",
    "庄河市",
    "长海县",
    "高新区",
    "金普新区",
    "保税区",
    "星海广场",
    "大连湾",
    "辽宁省",
    "西地省",
]

_jieba_lock = threading.Lock()
_jieba: Any = None
_KEEP = re.compile(r"\w")


def jieba_tokenizer() -> Any:
    """The jieba Tokenizer, made once per process with the domain dictionary, quietly."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for word in DOMAIN_WORDS:
                    tok.add_word(word, freq=2000)
                _jieba = tok
    return _jieba


def words(text: str) -> list[str]:
    """jieba's words (Chinese with the domain dictionary; English and digits as words),
    lower-cased, without punctuation and spaces."""
    return [w for w in jieba_tokenizer().lcut(text.lower(), HMM=False) if _KEEP.match(w)]


def clean(text: Any) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    return " ".join(str(text).split())[:MAX_CHARS]


class Column(BaseEstimator, TransformerMixin):
    """Picks one text column (index) from rows of texts, or joins them all (index=None)."""

    def __init__(self, index: int | None = None, limit: int | None = None):
        self.index = index
        self.limit = limit

    def fit(self, X: Any, y: Any = None) -> Column:
        return self

    def transform(self, X: Sequence[Sequence[str]]) -> list[str]:
        if self.index is None:
            texts = [" ".join(clean(t) for t in row) for row in X]
        else:
            texts = [clean(row[self.index]) if self.index < len(row) else "" for row in X]
        limit = getattr(self, "limit", None)  # versions stored before `limit` existed
        return [t[:limit] for t in texts] if limit else texts


def _word_vec() -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=words,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
        max_features=200_000,
        dtype=np.float32,
    )


def _char_vec(ngrams: tuple[int, int] = (1, 3)) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char",
        ngram_range=ngrams,
        sublinear_tf=True,
        min_df=2,
        max_features=300_000,
        dtype=np.float32,
    )


CHAR_NGRAMS = {"char": (1, 3), "char14": (1, 4), "word": (1, 2)}


def _blocks(n_columns: int, separate: bool, views: Sequence[str]) -> FeatureUnion:
    """Feature blocks: per column (or for the joined text) each view in `views`; a view
    "word:0" is the word view of the first column only (the title)."""
    indexes: list[int | None] = list(range(n_columns)) if separate else [None]
    parts = []
    for i in indexes:
        name = "all" if i is None else f"c{i}"
        for view in views:
            kind, _, only = view.partition(":")
            if only == "all" or (only and (i is None or int(only) != i)):
                continue
            vec = _word_vec() if kind == "word" else _char_vec(CHAR_NGRAMS[kind])
            col = Column(i, WORD_MAX_CHARS if kind == "word" else None)
            parts.append((f"{name}_{kind}", Pipeline([("col", col), ("tf", vec)])))
    for view in views:  # "KIND:all": one block of the joined text, also when separate
        kind, _, only = view.partition(":")
        if only == "all" and f"all_{kind}" not in dict(parts):
            vec = _word_vec() if kind == "word" else _char_vec()
            col = Column(None, WORD_MAX_CHARS if kind == "word" else None)
            parts.append((f"all_{kind}", Pipeline([("col", col), ("tf", vec)])))
    if not separate and n_columns > 1:
        # "title:KIND": one more block of the first column (the title) alone, so the
        # title weighs more than its share of the joined text.
        for view in views:
            kind, _, rest = view.partition(":")
            if kind == "title":
                vec = _word_vec() if rest == "word" else _char_vec()
                parts.append((f"title_{rest}", Pipeline([("col", Column(0)), ("tf", vec)])))
    return FeatureUnion(parts)


# name -> (separate columns, views, classifier)
VARIANTS: dict[str, tuple[bool, tuple[str, ...], str]] = {
    "floor": (False, ("char",), "svm_plain"),  # char 1-3 TF-IDF + LinearSVC on joined text
    "char_sep": (True, ("char",), "svm"),  # the default's features (pipeline.char_sep_cv)
    "char_sep_title_words": (True, ("char", "word:0"), "svm"),
    "char_sep_words": (True, ("char", "word:all"), "svm"),
    "char_sep_all": (True, ("char", "char:all"), "svm"),
    "char14_sep": (True, ("char14",), "svm"),
    "word_char_joined": (False, ("word", "char"), "svm"),
    "word_char": (True, ("word", "char"), "svm"),
    "word_char_lr": (True, ("word", "char"), "lr"),
    "word_char_sgd": (True, ("word", "char"), "sgd"),
    "word_char_joined_title": (False, ("word", "char", "title:char"), "svm"),
    "word_char_joined_c1": (False, ("word", "char"), "svm_c1"),
    "word_char_joined_c025": (False, ("word", "char"), "svm_c025"),
    "word_char_ens": (True, ("word", "char"), "ens"),
}
# The default among these variants; the model trained and evaluated by default is
# pipeline.DEFAULT_VARIANT, the same features with C chosen by cross-validation.
DEFAULT_VARIANT = "char_sep"


class SoftmaxSVC(LinearSVC):
    """A LinearSVC with `predict_proba` from a softmax of its scores (for tiny classes)."""

    def predict_proba(self, X: Any) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            scores = np.column_stack([-scores, scores])
        scores = scores * 3.0
        scores -= scores.max(axis=1, keepdims=True)
        e = np.exp(scores)
        return e / e.sum(axis=1, keepdims=True)


def _classifier(kind: str, y: Sequence[Any]) -> Any:
    if kind == "svm_plain":
        return SoftmaxSVC(C=1.0)
    if kind == "lr":
        return LogisticRegression(C=20.0, class_weight="balanced", max_iter=1000)
    if kind == "sgd":
        return SGDClassifier(
            loss="modified_huber", alpha=2e-5, class_weight="balanced", random_state=0
        )
    if kind == "ens":
        return _ensemble(y)
    if kind in ("svm_c1", "svm_c025"):
        c = 1.0 if kind == "svm_c1" else 0.25
        _, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
        if len(counts) >= 2 and counts.min() >= 3:
            return CalibratedClassifierCV(LinearSVC(C=c, class_weight="balanced"), cv=3)
        return SoftmaxSVC(C=c, class_weight="balanced")
    _, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
    svm = SoftmaxSVC(C=0.5, class_weight="balanced")
    if len(counts) >= 2 and counts.min() >= 3:
        return CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3)
    return svm


def _ensemble(y: Sequence[Any]) -> Any:
    """Soft vote of a calibrated class-balanced LinearSVC and a class-balanced logistic
    regression (falls back to the SVM alone for tiny classes)."""
    from sklearn.ensemble import VotingClassifier

    _, counts = np.unique(np.asarray(y, dtype=object).astype(str), return_counts=True)
    if len(counts) < 2 or counts.min() < 3:
        return SoftmaxSVC(C=0.5, class_weight="balanced")
    return VotingClassifier(
        [
            ("svm", CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"), cv=3)),
            ("lr", LogisticRegression(C=20.0, class_weight="balanced", max_iter=1000)),
        ],
        voting="soft",
    )


def build(n_columns: int, y: Sequence[Any], variant: str = DEFAULT_VARIANT) -> Pipeline:
    separate, views, kind = VARIANTS[variant]
    if n_columns == 1:
        separate = False
    return Pipeline(
        [("features", _blocks(n_columns, separate, views)), ("clf", _classifier(kind, y))]
    )


def fit(
    rows: Sequence[Sequence[str]], y: Sequence[Any], variant: str = DEFAULT_VARIANT
) -> Pipeline:
    if len(set(y)) < 2:
        raise ValueError("at least two classes are needed to train")
    pipe = build(len(rows[0]) if len(rows) else 1, y, variant)
    pipe.fit(rows, list(y))
    return pipe


def top_k(
    pipe: Pipeline, rows: Sequence[Sequence[str]], k: int = 3
) -> list[list[tuple[Any, float]]]:
    """For each row the k most likely classes with their probability, best first."""
    if not rows:
        return []
    proba = pipe.predict_proba(rows)
    classes = pipe.classes_
    order = np.argsort(-proba, axis=1)[:, :k]
    return [[(classes[j], float(proba[i, j])) for j in order[i]] for i in range(len(rows))]


def dumps(pipe: Pipeline) -> bytes:
    buf = io.BytesIO()
    joblib.dump(pipe, buf, compress=3)
    return buf.getvalue()


def loads(blob: bytes | memoryview) -> Pipeline:
    return joblib.load(io.BytesIO(bytes(blob)))


def timed_fit(
    rows: Sequence[Sequence[str]], y: Sequence[Any], variant: str
) -> tuple[Pipeline, float]:
    started = time.perf_counter()
    pipe = fit(rows, y, variant)
    return pipe, time.perf_counter() - started


def as_rows(*columns: Iterable[Any]) -> list[tuple[str, ...]]:
    return [tuple(clean(v) for v in row) for row in zip(*columns, strict=True)]
