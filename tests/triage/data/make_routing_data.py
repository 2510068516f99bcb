"""Rebuild the small labelled files the routing tests read (deterministic):

.venv/bin/python tests/triage/data/make_routing_data.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

from campaigndesk.triage.devdata import generate

HERE = Path(__file__).parent
COLUMNS = ["留言编号", "留言主题", "留言详情", "一级标签"]


def write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def main() -> None:
    rows = generate(280, seed=7, noise=0.0)
    rows[3]["留言详情"] = ""  # an empty body
    rows[5]["留言主题"] = ""
    rows[8]["留言详情"] = rows[8]["留言详情"] * 400  # a very long text
    write(HERE / "routing_small.csv", rows)
    write(HERE / "routing_train.csv", rows[:200])
    test = [dict(r) for r in rows[200:]]
    for r in test[:4]:
        r["一级标签"] = "农村农业"  # a label the training file does not have
    write(HERE / "routing_test.csv", test)
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for r in rows:
        ws.append([r[c] for c in COLUMNS])
    wb.save(HERE / "routing_small.xlsx")


if __name__ == "__main__":
    main()
