"""Evaluate the routing model on any labelled file (.csv or .xlsx).

`evaluate(...)` reads the file(s), trains on one split, predicts the other and returns
the figures as a dict (the `triage evaluate` command prints it and writes it as JSON).

Decisions, documented:
- Several text columns are separate feature blocks (title and body each get their own
  character features); this measured better than joining them (see routing.py).
- Rows without a label are dropped from training and testing, and counted.
- Empty texts are kept (an empty message still gets a prediction); texts are cut to
  `routing.MAX_CHARS` characters.
- Labels in the test file that the training data never saw cannot be predicted: those
  rows are EXCLUDED from the figures with a warning that counts them and names them;
  if no test row is left, the evaluation fails with a clear message.
- The split is stratified with the given seed; a class with a single row goes to training.
"""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split

from . import pipeline, routing


class EvaluationError(Exception):
    """A problem with the input a person can fix (column names, empty file, ...)."""


@dataclass
class Table:
    rows: list[tuple[str, ...]]
    labels: list[str]
    dropped_unlabelled: int = 0
    warnings: list[str] = field(default_factory=list)


def _read_records(path: Path) -> tuple[list[str], Any]:
    suffix = path.suffix.lower()
    if not path.exists():
        raise EvaluationError(f"{path}: no such file.")
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        it = wb.worksheets[0].iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            raise EvaluationError(f"{path}: the first sheet is empty.")
        return [("" if h is None else str(h)).strip() for h in header], it
    if suffix in (".csv", ".txt", ".tsv"):
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise EvaluationError(f"{path}: not UTF-8 or GB18030 text.")
        delimiter = "\t" if suffix == ".tsv" else ","
        csv.field_size_limit(2**31 - 1)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        header = next(reader, None)
        if header is None:
            raise EvaluationError(f"{path}: the file is empty.")
        return [h.strip() for h in header], reader
    raise EvaluationError(f"{path}: use a .csv or .xlsx file.")


def read_table(path: str | Path, text_columns: list[str], label_column: str) -> Table:
    path = Path(path)
    header, records = _read_records(path)
    missing = [c for c in [*text_columns, label_column] if c not in header]
    if missing:
        raise EvaluationError(
            f"{path}: no column named {', '.join(missing)}; the columns are: {', '.join(header)}."
        )
    text_idx = [header.index(c) for c in text_columns]
    label_idx = header.index(label_column)
    rows: list[tuple[str, ...]] = []
    labels: list[str] = []
    dropped = 0

    def cell(record: Any, i: int) -> Any:
        return record[i] if i < len(record) else None

    for record in records:
        if record is None or not any(v not in (None, "") for v in record):
            continue
        label = routing.clean(cell(record, label_idx))
        if not label:
            dropped += 1
            continue
        rows.append(tuple(routing.clean(cell(record, i)) for i in text_idx))
        labels.append(label)
    table = Table(rows, labels, dropped)
    if dropped:
        table.warnings.append(f"{path.name}: {dropped} rows without a label were left out.")
    return table


def _split(table: Table, test_size: float, seed: int) -> tuple[Table, Table]:
    counts = Counter(table.labels)
    single = [i for i, y in enumerate(table.labels) if counts[y] < 2]
    rest = [i for i, y in enumerate(table.labels) if counts[y] >= 2]
    if len(set(table.labels[i] for i in rest)) < 2:
        raise EvaluationError("need at least two labels with two rows or more to split.")
    train_i, test_i = train_test_split(
        rest,
        test_size=test_size,
        random_state=seed,
        stratify=[table.labels[i] for i in rest],
    )
    train_i = sorted([*train_i, *single])

    def pick(idx: list[int]) -> Table:
        return Table([table.rows[i] for i in idx], [table.labels[i] for i in idx])

    return pick(train_i), pick(sorted(test_i))


def evaluate(
    *,
    text_columns: list[str],
    label_column: str,
    data: str | Path | None = None,
    train: str | Path | None = None,
    test: str | Path | None = None,
    test_size: float = 0.2,
    seed: int = 0,
    variant: str = pipeline.DEFAULT_VARIANT,
) -> dict[str, Any]:
    if not 0 < test_size < 1:
        raise EvaluationError("--test-size must be between 0 and 1.")
    if variant not in pipeline.VARIANTS:
        raise EvaluationError(
            f"unknown variant {variant!r}; one of {', '.join(pipeline.VARIANTS)}."
        )
    warnings: list[str] = []
    if data is not None:
        table = read_table(data, text_columns, label_column)
        warnings += table.warnings
        if not table.rows:
            raise EvaluationError(f"{data}: no labelled rows.")
        train_t, test_t = _split(table, test_size, seed)
    elif train is not None and test is not None:
        train_t = read_table(train, text_columns, label_column)
        test_t = read_table(test, text_columns, label_column)
        warnings += train_t.warnings + test_t.warnings
    else:
        raise EvaluationError("give --data FILE, or --train FILE and --test FILE.")
    if len(set(train_t.labels)) < 2:
        raise EvaluationError("the training data needs at least two different labels.")

    known = set(train_t.labels)
    unknown = Counter(y for y in test_t.labels if y not in known)
    if unknown:
        n = sum(unknown.values())
        names = ", ".join(f"{k} ({v})" for k, v in unknown.most_common(10))
        warnings.append(
            f"{n} test rows have labels the training data does not have and were left out: {names}."
        )
        keep = [i for i, y in enumerate(test_t.labels) if y in known]
        test_t = Table([test_t.rows[i] for i in keep], [test_t.labels[i] for i in keep])
    if not test_t.rows:
        raise EvaluationError("no test rows left to evaluate (every test label is unknown).")

    np.random.seed(seed)
    pipe, train_seconds = pipeline.timed_fit(train_t.rows, train_t.labels, variant)
    started = time.perf_counter()
    predicted = list(pipe.predict(test_t.rows))
    predict_seconds = max(time.perf_counter() - started, 1e-9)

    classes = sorted(set(train_t.labels) | set(test_t.labels))
    p, r, f, s = precision_recall_fscore_support(
        test_t.labels, predicted, labels=classes, zero_division=0
    )
    test_classes = sorted(set(test_t.labels))
    return {
        "variant": variant,
        "text_columns": text_columns,
        "label_column": label_column,
        "train_rows": len(train_t.rows),
        "test_rows": len(test_t.rows),
        "classes": classes,
        "macro_f1": round(
            float(
                f1_score(
                    test_t.labels, predicted, labels=test_classes, average="macro", zero_division=0
                )
            ),
            4,
        ),
        "accuracy": round(float(accuracy_score(test_t.labels, predicted)), 4),
        "per_class": {
            c: {
                "f1": round(float(f[i]), 4),
                "precision": round(float(p[i]), 4),
                "recall": round(float(r[i]), 4),
                "support": int(s[i]),
            }
            for i, c in enumerate(classes)
        },
        "selected": getattr(pipe, "selected_", None),
        "train_seconds": round(train_seconds, 3),
        "predictions_per_second": round(len(test_t.rows) / predict_seconds, 1),
        "unknown_test_labels": dict(unknown),
        "unknown_test_rows": sum(unknown.values()),
        "warnings": warnings,
    }
