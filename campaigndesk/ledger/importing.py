"""Importing new tasks and progress reports from an Excel (.xlsx) file.

Three steps, and nothing reaches the ledger unless all three pass:

1. The file: at most 10 MB, an .xlsx judged by its content (not its name), unpacking
   to a sane size, with a header row naming the template's columns (in Chinese or
   English) and at most 20,000 rows. A problem here refuses the upload at once.
2. The rows: every row is checked (units, dates, numbers, the person's right to act
   on the task) WITHOUT writing, and every problem goes into a report by row and column.
3. If no row has a problem, every row is written in ONE transaction through the same
   actions the screens use (`create_task`, `report_progress`), which check permission
   again and write the audit records. If any action still refuses a row, everything
   is rolled back and that row is reported.

This module does steps 1 and 2; `import_jobs.py` does step 3 and runs the jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from campaigndesk import clock
from campaigndesk.core.uploads import XLSX, check_upload
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .excel import (
    MAX_IMPORT_BYTES,
    MAX_ROWS,
    Column,
    column_letter,
    columns_for,
    header_map,
    norm_name,
)
from .models import ImportKind, ReportingPeriod, Source, Task, TaskStatus
from .queries import visible_tasks

logger = logging.getLogger(__name__)

MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before it is parsed
MAX_COLUMNS = 60
HEADER_SCAN_ROWS = 10
# Styled but empty rows often run on to the sheet's end; this many in a row end the data.
EMPTY_RUN_ENDS_DATA = 1000
MAX_REPORTED_ERRORS = 2000
TEXT_LIMIT = 10_000
CHECK_BATCH = 500


# --- reading the file ----------------------------------------------------------------------


class FileProblem(Exception):
    """The file as a whole cannot be imported; `messages` say why, for the person."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


FORMULA, ERROR = "formula", "error"


@dataclass(frozen=True, slots=True)
class Raw:
    """A cell as read: its value, and what kind of junk it is when it is junk."""

    value: Any
    junk: str = ""
    percent: bool = False


@dataclass
class SheetRow:
    number: int  # the row number in Excel, for the report
    cells: dict[str, Raw]


@dataclass
class Sheet:
    kind: str
    name: str
    headers: dict[str, str]  # column key → the header as written, with its letter
    rows: list[SheetRow]
    skipped: int = 0  # rows with nothing to import


def check_file(upload: UploadedFile) -> None:
    """Size and kind, judged by content. Raises ValidationError with the person's message."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ValidationError(
            _(
                "%(name)s is an Excel 97-2003 (.xls) file, a password-protected workbook or "
                "a Word document. Open it in Excel and save it as an unprotected .xlsx workbook."
            )
            % {"name": upload.name}
        )
    check_upload(upload, allowed=(XLSX,), max_bytes=MAX_IMPORT_BYTES)


def _check_unpacked_size(fileobj: IO[bytes]) -> None:
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(_("The file is not a readable .xlsx workbook.")) from exc
    finally:
        fileobj.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            _(
                "The workbook unpacks to more than %(max)s MB. Remove pictures and unused "
                "sheets, or split it into smaller files."
            )
            % {"max": MAX_UNPACKED_BYTES // 1_048_576}
        )


_NOT_DATA_SHEETS = {norm_name(n) for n in ("说明", "填表说明", "instructions", "lists", "列表")}


def _data_sheet(workbook: Any) -> Any:
    for ws in workbook.worksheets:
        if getattr(ws, "sheet_state", "visible") != "visible":
            continue
        if norm_name(ws.title) in _NOT_DATA_SHEETS:
            continue
        return ws
    raise FileProblem(_("The workbook has no sheet with data."))


def _raw(cell: Any) -> Raw | None:
    value = getattr(cell, "value", None)
    if value is None:
        return None
    kind = getattr(cell, "data_type", "n")
    if kind == "f" or (isinstance(value, str) and value.startswith("=") and kind != "s"):
        return Raw(str(value), FORMULA)
    if kind == "e":
        return Raw(str(value), ERROR)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return None
        return Raw(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        fmt = getattr(cell, "number_format", "") or ""
        return Raw(value, percent="%" in fmt)
    return Raw(value)


def _find_header(rows: list[tuple[Any, ...]], kind: str) -> int | None:
    known = header_map(kind)
    for i, row in enumerate(rows):
        # A title above the header never equals a column's name: one match is the header.
        if any(v is not None and known.get(norm_name(v)) is not None for v in row):
            return i
    return None


def _describe_other_kind(rows: list[tuple[Any, ...]], kind: str) -> str:
    other = ImportKind.PROGRESS if kind == ImportKind.TASKS else ImportKind.TASKS
    if _find_header(rows, other) is None:
        return ""
    if other == ImportKind.PROGRESS:
        return _("The columns are those of a progress file: choose “Progress reports”.")
    return _("The columns are those of a tasks file: choose “New tasks”.")


def _shown(values: Iterable[Any]) -> str:
    shown = [str(v).strip()[:40] for v in values if v is not None and str(v).strip()]
    return "、".join(shown[:15]) or _("(nothing)")


def read_sheet(fileobj: IO[bytes], kind: str) -> Sheet:
    """The header and the rows of the first data sheet. Raises FileProblem."""
    from openpyxl import load_workbook

    _check_unpacked_size(fileobj)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # a hostile or damaged file: any parser error is the file's
        raise FileProblem(
            _("The file could not be opened as an Excel workbook; it may be damaged.")
        ) from exc
    try:
        return _read(workbook, kind)
    except FileProblem:
        raise
    except Exception as exc:  # the same, for errors met while reading the rows
        logger.info("unreadable import file", exc_info=True)
        raise FileProblem(
            _("The file could not be read to the end; it may be damaged. Save it again in Excel.")
        ) from exc
    finally:
        workbook.close()


def _named(column: Column) -> str:
    """The column's header in the person's language, and in the offices' Chinese words."""
    label, office = str(column.label), column.aliases[0]
    return label if norm_name(label) == norm_name(office) else f"{label} ({office})"


def _read(workbook: Any, kind: str) -> Sheet:
    ws = _data_sheet(workbook)
    ws.reset_dimensions()  # a wrong <dimension> tag would cut the rows short
    top = list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True))
    header_at = _find_header(top, kind)
    expected = "、".join(
        f"{_named(c)}{'*' if c.required else ''}" for c in columns_for(kind) if not c.reference
    )
    if header_at is None:
        first = next((r for r in top if any(v is not None for v in r)), ())
        raise FileProblem(
            *(
                m
                for m in (
                    _(
                        "No header row of the template was found at the top of the sheet "
                        "“%(sheet)s”. Its first row holds: %(found)s."
                    )
                    % {"sheet": ws.title, "found": _shown(first)},
                    _describe_other_kind(top, kind),
                    _("Expected columns (* required): %(expected)s.") % {"expected": expected},
                )
                if m
            )
        )
    header = top[header_at]
    known = header_map(kind)
    columns: dict[int, Column] = {}
    headers: dict[str, str] = {}
    unknown, repeated = [], []
    for index, value in enumerate(header):
        if value is None or not str(value).strip():
            continue
        name = norm_name(value)
        if name not in known:
            unknown.append(str(value).strip())
            continue
        column = known[name]
        if column is None:
            continue
        if column.key in headers:
            repeated.append(str(value).strip())
            continue
        columns[index] = column
        headers[column.key] = f"{str(value).strip()} ({column_letter(index)})"
    missing = [_named(c) for c in columns_for(kind) if c.required and c.key not in headers]
    problems = []
    if missing:
        problems.append(
            _("Missing columns: %(missing)s. The header row holds: %(found)s.")
            % {"missing": "、".join(missing), "found": _shown(header)}
        )
    if unknown:
        problems.append(
            _("Columns not in the template: %(unknown)s.") % {"unknown": "、".join(unknown)}
        )
    if repeated:
        problems.append(_("Columns given twice: %(repeated)s.") % {"repeated": "、".join(repeated)})
    if problems:
        other = _describe_other_kind(top, kind)
        raise FileProblem(
            *problems,
            *([other] if other else []),
            _("Expected columns (* required): %(expected)s.") % {"expected": expected},
        )

    last_col = max(columns) + 1
    data_keys = {c.key for c in columns.values() if not c.reference}
    if kind == ImportKind.PROGRESS:
        data_keys.discard("task")  # a row with only its task number is a task not reported on
    sheet = Sheet(kind=kind, name=ws.title, headers=headers, rows=[])
    number = header_at + 1
    empty_run = 0
    for cells in ws.iter_rows(min_row=header_at + 2, max_col=last_col):
        number += 1
        row = {}
        for index, column in columns.items():
            raw = _raw(cells[index]) if index < len(cells) else None
            if raw is not None:
                row[column.key] = raw
        if not data_keys & row.keys():
            if row:
                sheet.skipped += 1
            empty_run += 1
            if empty_run >= EMPTY_RUN_ENDS_DATA:
                break
            continue
        empty_run = 0
        if len(sheet.rows) >= MAX_ROWS:
            raise FileProblem(
                _(
                    "The file has more than %(max)s rows. Split it into files of at most "
                    "%(max)s rows each."
                )
                % {"max": f"{MAX_ROWS:,}"}
            )
        sheet.rows.append(SheetRow(number, row))
    if not sheet.rows:
        raise FileProblem(_("The sheet “%(sheet)s” has no rows to import.") % {"sheet": ws.title})
    return sheet


# --- checking the rows --------------------------------------------------------------------


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class RowError(Exception):
    """One cell's problem, raised by the converters below."""


def _junk(raw: Raw) -> None:
    if raw.junk == FORMULA:
        raise RowError(
            _("The cell holds a formula (%(formula)s). Paste the values instead of formulas.")
            % {"formula": raw.value[:40]}
        )
    if raw.junk == ERROR:
        raise RowError(_("The cell holds an error value (%(value)s).") % {"value": raw.value})


def as_text(raw: Raw | None, limit: int, *, required: bool = False) -> str:
    if raw is None:
        if required:
            raise RowError(_("This cell is required."))
        return ""
    _junk(raw)
    value = raw.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", str(value)).strip()
    if len(text) > limit:
        raise RowError(
            _("The text is %(length)s characters long; at most %(limit)s are allowed.")
            % {"length": len(text), "limit": limit}
        )
    if required and not text:
        raise RowError(_("This cell is required."))
    return text


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def as_date(raw: Raw | None, *, required: bool = False) -> dt.date | None:
    from openpyxl.utils.datetime import from_excel

    if raw is None:
        if required:
            raise RowError(_("This cell is required."))
        return None
    _junk(raw)
    value = raw.value
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 29991231 and float(value).is_integer():
            value = str(int(value))
        elif 20000 <= value < 80000:  # a date serial (1954-2119) in a cell not formatted as date
            return from_excel(value).date()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError(
        _("“%(value)s” is not a date. Write dates like 2018-12-31.") % {"value": text[:40]}
    )


def as_whole_number(raw: Raw | None, *, lowest: int, highest: int) -> int | None:
    if raw is None:
        return None
    _junk(raw)
    value = raw.value
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().lstrip("#").rstrip("%").strip()
        try:
            value = float(text)
        except ValueError:
            raise RowError(
                _("“%(value)s” is not a whole number.") % {"value": value[:40]}
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(_("“%(value)s” is not a whole number.") % {"value": str(value)[:40]})
    if raw.percent and 0 <= value <= 1:
        value = value * 100
    if not float(value).is_integer():
        raise RowError(_("“%(value)s” is not a whole number.") % {"value": value})
    number = int(value)
    if not lowest <= number <= highest:
        raise RowError(
            _("%(value)s is outside the range %(low)s to %(high)s.")
            % {"value": number, "low": lowest, "high": highest}
        )
    return number


class Report:
    """What the checks and the writing found, kept for the job's page."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.errors: list[Problem] = []
        self.error_count = 0

    def add(self, row: int, key: str | None, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            column = self.sheet.headers.get(key, "") if key else ""
            self.errors.append(Problem(row, column, message))

    def as_dict(self, written: int = 0) -> dict[str, Any]:
        return {
            "errors": [p.as_dict() for p in self.errors],
            "error_count": self.error_count,
            "written": written,
            "rows": len(self.sheet.rows),
            "skipped": self.sheet.skipped,
            "sheet": self.sheet.name,
        }


Tick = Callable[[int], None]


def no_tick(_done: int) -> None:
    return None


# Chinese names of the sources as offices write them, beside the labels of both languages.
_SOURCE_ALIASES = {
    Source.WORK_PLAN: ("工作方案", "工作计划", "方案"),
    Source.FINDING: ("督查发现", "督查发现问题", "督查"),
    Source.SUGGESTION: ("群众建议", "采纳建议", "建议", "献良策"),
    Source.MEETING: ("会议决定", "会议决策", "会议"),
    Source.INSTRUCTION: ("领导批示", "领导交办", "批示"),
}


def _sources() -> dict[str, str]:
    found: dict[str, str] = {}
    for value, label in Source.choices:
        if value == Source.SPLIT:
            continue
        names = {value, str(label), *_SOURCE_ALIASES.get(value, ())}
        with translation.override("en"):
            names.add(str(label))
        for name in names:
            found[norm_name(name)] = value
    return found


class _Names:
    """Look-ups by several names (code, Chinese name, English name), refusing ambiguity."""

    def __init__(self) -> None:
        self._by: dict[str, set[Any]] = defaultdict(set)

    def add(self, obj: Any, *names: Any) -> None:
        for name in names:
            if name not in (None, ""):
                self._by[norm_name(name)].add(obj)

    def get(self, name: str) -> tuple[Any | None, bool]:
        """(the object, whether the name is ambiguous)."""
        hits = self._by.get(norm_name(name), set())
        if len(hits) == 1:
            return next(iter(hits)), False
        return None, len(hits) > 1


_SPLIT_UNITS = re.compile(r"[、,，;；\n]+")


def _unit_names(user: Any) -> _Names:
    names = _Names()
    for unit in access.visible_units(user).filter(is_active=True).order_by("path"):
        names.add(unit, unit.code, unit.name_zh, unit.name_en, unit.short_name_zh)
    return names


def _unit(names: _Names, text: str) -> Unit:
    unit, ambiguous = names.get(text)
    if ambiguous:
        raise RowError(
            _("More than one unit is called “%(name)s”. Use the unit's code instead.")
            % {"name": text}
        )
    if unit is None:
        raise RowError(
            _("The unit “%(name)s” is unknown. Use a unit's code or its full name.")
            % {"name": text[:60]}
        )
    return unit


@dataclass
class TaskRow:
    number: int
    fields: dict[str, Any] = field(default_factory=dict)


class _RowCheck:
    """One row being checked: converts its cells and files each problem in the report."""

    def __init__(self, row: SheetRow, report: Report):
        self.row, self.report, self.ok = row, report, True

    def get(self, key: str, convert: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return convert(self.row.cells.get(key), *args, **kwargs)
        except RowError as exc:
            self.fail(key, str(exc))
            return None

    def fail(self, key: str, message: str) -> None:
        self.ok = False
        self.report.add(self.row.number, key, message)


def _unit_cell(raw: Raw | None, names: _Names, *, required: bool) -> Unit | None:
    text = as_text(raw, 200, required=required)
    return _unit(names, text) if text else None


def _co_units_cell(raw: Raw | None, names: _Names) -> list[Unit]:
    found: list[Unit] = []
    unknown: list[str] = []
    for name in _SPLIT_UNITS.split(as_text(raw, 2000)):
        if not name.strip():
            continue
        try:
            unit = _unit(names, name.strip())
        except RowError as exc:
            unknown.append(str(exc))
            continue
        if unit not in found:
            found.append(unit)
    if unknown:
        raise RowError(" ".join(unknown))
    return found


def _key_task_cell(raw: Raw | None, key_tasks: _Names) -> Any:
    text = as_text(raw, 300)
    if not text:
        return None
    key_task, _ambiguous = key_tasks.get(text)
    if key_task is None:
        raise RowError(
            _("The campaign has no key task “%(key)s”. Give the key task's number.")
            % {"key": text[:60]}
        )
    return key_task


def _source_cell(raw: Raw | None, sources: dict[str, str]) -> str:
    text = as_text(raw, 60)
    if not text:
        return Source.INSTRUCTION
    source = sources.get(norm_name(text))
    if source is None:
        choices = "、".join(str(label) for value, label in Source.choices if value != Source.SPLIT)
        raise RowError(
            _("“%(value)s” is not a source. Use one of: %(choices)s.")
            % {"value": text[:40], "choices": choices}
        )
    return source


def check_task_rows(
    user: Any, campaign: Any, sheet: Sheet, report: Report, tick: Tick = no_tick
) -> list[TaskRow]:
    """Turn the rows into `create_task` arguments, reporting every problem. Writes nothing."""
    units = _unit_names(user)
    key_tasks = _Names()
    for kt in campaign.key_tasks.all():
        key_tasks.add(kt, kt.number, kt.code, kt.title_zh, kt.title_en)
    sources = _sources()
    default_start = max(clock.today(), campaign.starts_on)
    good: list[TaskRow] = []
    seen: dict[tuple[str, int], int] = {}
    for done, row in enumerate(sheet.rows, start=1):
        check = _RowCheck(row, report)
        fields = {
            "title": check.get("title", as_text, 300, required=True),
            "lead_unit": check.get("lead_unit", _unit_cell, units, required=True),
            "co_units": check.get("co_units", _co_units_cell, units) or [],
            "responsible_leader": check.get("responsible_leader", as_text, 80),
            "starts_on": check.get("starts_on", as_date),
            "deadline": check.get("deadline", as_date, required=True),
            "key_task": check.get("key_task", _key_task_cell, key_tasks),
            "source": check.get("source", _source_cell, sources),
            "source_ref": check.get("source_ref", as_text, 120),
            "description": check.get("description", as_text, TEXT_LIMIT),
        }
        deadline, lead = fields["deadline"], fields["lead_unit"]
        if deadline is not None:
            start = fields["starts_on"] or default_start
            if deadline < start:
                check.fail(
                    "deadline",
                    _("The deadline (%(deadline)s) is before the start (%(start)s).")
                    % {"deadline": deadline, "start": start},
                )
            elif deadline > campaign.ends_on:
                check.fail(
                    "deadline",
                    _("The deadline is after the campaign ends (%(end)s).")
                    % {"end": campaign.ends_on},
                )
        if check.ok:
            fields["co_units"] = [u for u in fields["co_units"] if u != lead]
            key = (norm_name(fields["title"]), lead.pk)
            if key in seen:
                check.fail(
                    "title",
                    _("This task repeats row %(row)s (same task and lead unit).")
                    % {"row": seen[key]},
                )
            else:
                seen[key] = row.number
                good.append(TaskRow(row.number, fields))
        if done % 100 == 0:
            tick(done)
    _refuse_existing_tasks(campaign, good, report)
    tick(len(sheet.rows))
    return good


def _refuse_existing_tasks(campaign: Any, rows: list[TaskRow], report: Report) -> None:
    """A file imported twice would double the ledger: a task already there is refused."""
    for start in range(0, len(rows), CHECK_BATCH):
        batch = rows[start : start + CHECK_BATCH]
        existing = {
            (norm_name(title), unit_id): pk
            for title, unit_id, pk in Task.objects.filter(
                campaign=campaign, title__in={r.fields["title"] for r in batch}
            ).values_list("title", "lead_unit_id", "pk")
        }
        for r in batch:
            pk = existing.get((norm_name(r.fields["title"]), r.fields["lead_unit"].pk))
            if pk is not None:
                report.add(
                    r.number,
                    "title",
                    _("This task is already on the ledger for this lead unit (task %(pk)s).")
                    % {"pk": pk},
                )


@dataclass
class ProgressRow:
    number: int
    task: Task
    period: ReportingPeriod
    progress: int
    text: str
    problems: str


def _period(raw: Raw | None, campaign_periods: list[ReportingPeriod]) -> ReportingPeriod:
    if raw is None:
        day = clock.today()
    elif (
        isinstance(raw.value, int | float) and not isinstance(raw.value, bool) and raw.value < 1000
    ):
        number = as_whole_number(raw, lowest=1, highest=999)
        for period in campaign_periods:
            if period.number == number:
                return period
        raise RowError(_("The campaign has no reporting period %(number)s.") % {"number": number})
    elif isinstance(raw.value, str) and raw.value.strip().isdigit() and len(raw.value) < 4:
        return _period(Raw(int(raw.value)), campaign_periods)
    else:
        day = as_date(raw)
    for period in campaign_periods:
        if period.starts_on <= day <= period.ends_on:
            return period
    raise RowError(_("No reporting period of the campaign covers %(day)s.") % {"day": day})


def check_progress_rows(
    user: Any, sheet: Sheet, report: Report, tick: Tick = no_tick
) -> list[ProgressRow]:
    """Turn the rows into `report_progress` arguments, reporting every problem. Writes nothing.

    A task the person cannot see is reported as unknown, exactly like a number that
    does not exist, so an import never reveals another unit's tasks.
    """
    ids: dict[int, int] = {}
    for row in sheet.rows:
        try:
            pk = as_whole_number(row.cells.get("task"), lowest=1, highest=2**62)
        except RowError:
            continue
        if pk is not None:
            ids[row.number] = pk
    tasks: dict[int, Task] = {}
    split: set[int] = set()
    wanted = sorted(set(ids.values()))
    for start in range(0, len(wanted), CHECK_BATCH):
        batch = wanted[start : start + CHECK_BATCH]
        for t in visible_tasks(user).filter(pk__in=batch).select_related("campaign", "lead_unit"):
            tasks[t.pk] = t
        split.update(
            Task.objects.filter(parent_id__in=batch)
            .exclude(status=TaskStatus.CANCELLED)
            .values_list("parent_id", flat=True)
        )
    periods: dict[int, list[ReportingPeriod]] = defaultdict(list)
    for period in ReportingPeriod.objects.filter(
        campaign_id__in={t.campaign_id for t in tasks.values()}
    ).order_by("number"):
        periods[period.campaign_id].append(period)

    good: list[ProgressRow] = []
    seen: dict[tuple[int, int], int] = {}
    for done, row in enumerate(sheet.rows, start=1):
        if done % 100 == 0:
            tick(done)
        check = _RowCheck(row, report)
        pk = check.get("task", as_whole_number, lowest=1, highest=2**62)
        if pk is None:
            if check.ok:
                check.fail("task", _("This cell is required."))
            continue
        t = tasks.get(pk)
        if t is None:
            check.fail("task", _("Task %(pk)s is unknown.") % {"pk": pk})
            continue
        if not access.can(user, "ledger.act_for_unit", t):
            check.fail(
                "task",
                _("Task %(pk)s is reported on by its lead unit, %(unit)s.")
                % {"pk": pk, "unit": t.lead_unit.name},
            )
            continue
        if t.status not in (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS):
            check.fail(
                "task",
                _("Task %(pk)s is %(status)s; progress is reported on accepted tasks only.")
                % {"pk": pk, "status": t.get_status_display()},
            )
        if pk in split:
            check.fail(
                "task",
                _("Task %(pk)s is split; its progress is rolled up from its child tasks.")
                % {"pk": pk},
            )
        period = check.get("period", _period, periods[t.campaign_id])
        progress = check.get("progress", as_whole_number, lowest=0, highest=100)
        if progress is None and "progress" not in row.cells:
            check.fail("progress", _("This cell is required."))
        text = check.get("text", as_text, TEXT_LIMIT, required=True)
        problems = check.get("problems", as_text, TEXT_LIMIT)
        if period is not None:
            if period.is_locked:
                check.fail(
                    "period",
                    _("The period %(period)s is locked by the office.") % {"period": period},
                )
            elif (pk, period.pk) in seen:
                check.fail(
                    "period",
                    _("Row %(row)s already reports on task %(pk)s for this period.")
                    % {"row": seen[(pk, period.pk)], "pk": pk},
                )
            else:
                seen[(pk, period.pk)] = row.number
        if check.ok:
            good.append(ProgressRow(row.number, t, period, progress, text, problems))
    tick(len(sheet.rows))
    return good
