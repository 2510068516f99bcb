"""Offline intake: suggestions gathered on paper, at meetings or by the hotline, imported
from an Excel (.xlsx) file.

All or nothing, in two steps:

1. `validate(file, campaign)` reads the file (at most 10 MB, an .xlsx judged by its
   content, at most 20,000 rows) and checks EVERY row without writing anything. Each
   problem goes into a report by row and column, in the person's language.
2. `import_rows(actor, file, campaign)` writes only when the report is clean, every row
   in ONE transaction through `intake.submit` (the same cleaning, audit record and
   intake hooks as the portal; no rate limit). If intake still refuses a row, nothing
   is kept and the report names that row.

The day a suggestion was gathered and where (the meeting, the street office) are kept
in its source note, "2018-12-05 甘井子区企业家座谈会"; its received time is the import's.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.audit.models import Verb
from campaigndesk.core.uploads import XLSX, check_upload
from campaigndesk.org import access
from campaigndesk.org.models import PATH_STEP, Unit, UnitKind

from . import intake
from .models import Category, Channel

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # a zip bomb is refused before it is parsed
MAX_COLUMNS = 40
HEADER_SCAN_ROWS = 10
MAX_NOTE = 180  # the source note's room once the date is put in front of it
IMPORT_CLIENT = "import"
OFFLINE_CHANNELS = (Channel.PAPER, Channel.MEETING, Channel.HOTLINE, Channel.OTHER)
DISTRICT_KINDS = (UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.ZONE)
TEMPLATE_NAME = "suggestions-import-template.xlsx"


# --- the columns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the offices' Chinese header, recognised whatever the language
    label: Promise  # the header in the person's language
    help: Promise
    required: bool = False
    width: int = 16


COLUMNS: tuple[Column, ...] = (
    Column(
        "title",
        "标题",
        gettext_lazy("Title"),
        gettext_lazy("The suggestion in one line, at most 120 characters."),
        required=True,
        width=30,
    ),
    Column(
        "body",
        "内容",
        gettext_lazy("Text"),
        gettext_lazy("The suggestion as written down, at least 10 characters."),
        required=True,
        width=60,
    ),
    Column(
        "category",
        "类别",
        gettext_lazy("Category"),
        gettext_lazy("A category of the campaign, by its name or code."),
    ),
    Column(
        "district",
        "涉及区域",
        gettext_lazy("District concerned"),
        gettext_lazy("A district, county or zone, by its name or code."),
    ),
    Column("name", "姓名", gettext_lazy("Name"), gettext_lazy("Who made the suggestion.")),
    Column("phone", "电话", gettext_lazy("Phone"), gettext_lazy("Digits only.")),
    Column("email", "邮箱", gettext_lazy("Email"), gettext_lazy("An email address.")),
    Column(
        "channel",
        "来源",
        gettext_lazy("Channel"),
        gettext_lazy("paper, meeting, hotline or other (纸质, 会议, 热线, 其他)."),
        required=True,
    ),
    Column(
        "source_note",
        "收集地点或会议",
        gettext_lazy("Where gathered or meeting"),
        gettext_lazy("The meeting, office or event where it was gathered."),
        width=30,
    ),
    Column(
        "date",
        "收集日期",
        gettext_lazy("Date gathered"),
        gettext_lazy("The day it was gathered, like 2018-12-05; not before the campaign began."),
        required=True,
        width=14,
    ),
)
BY_KEY = {c.key: c for c in COLUMNS}

# Channel names recognised besides the codes and the labels in both languages.
CHANNEL_WORDS: dict[str, tuple[str, ...]] = {
    Channel.PAPER: ("纸质", "书面", "信件", "来信", "意见箱", "纸质表格", "letter", "form"),
    Channel.MEETING: ("会议", "座谈会", "座谈", "研讨会", "论坛", "forum"),
    Channel.HOTLINE: ("热线", "电话", "12345", "phone"),
    Channel.OTHER: ("其他", "其它"),
}


def norm(text: Any) -> str:
    """A header or name as compared: full-width folded, no spaces or markers, case-folded."""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = value.replace("(必填)", "").replace("(required)", "")
    return re.sub(r"[\s*:：]+", "", value)


def _in_both_languages(text: Promise) -> set[str]:
    names = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            names.add(norm(str(text)))
    return names


def _header_names() -> dict[str, str]:
    """Every header recognised → column key: the Chinese header, the label in both
    languages, the key, and the Chinese and English together ("标题 Title")."""
    names: dict[str, str] = {}
    for column in COLUMNS:
        labels = _in_both_languages(column.label)
        for name in {norm(column.zh), norm(column.key), *labels}:
            names[name] = column.key
        for label in labels:
            names[norm(column.zh) + label] = column.key
            names[norm(column.zh) + "/" + label] = column.key
            names[norm(column.zh) + "(" + label + ")"] = column.key
    names[norm("收集地点")] = "source_note"
    names[norm("日期")] = "date"
    return names


def _channel_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in Channel.choices:
        if value not in OFFLINE_CHANNELS:
            continue
        for name in {norm(value), *_in_both_languages(label), *map(norm, CHANNEL_WORDS[value])}:
            names[name] = value
    return names


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- the report ---------------------------------------------------------------------------


@dataclass
class Problem:
    row: int | None  # the row number in Excel; None for the file as a whole
    column: str  # the column's header as the person reads it; "" for the file or the row
    message: str
    field: str = ""  # the column's key (title, body, ...)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class Parsed:
    """One row, checked and ready for `intake.submit`."""

    row: int
    title: str
    body: str
    category: Category | None
    district: Unit | None
    name: str
    phone: str
    email: str
    channel: str
    source_note: str
    gathered_on: dt.date


@dataclass
class ImportReport:
    rows: int = 0  # data rows found in the file
    problems: list[Problem] = field(default_factory=list)
    parsed: list[Parsed] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.parsed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "problems": [p.as_dict() for p in self.problems],
        }

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class FileProblem(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class RowError(Exception):
    """One cell's problem."""


# --- reading the file ---------------------------------------------------------------------


@dataclass
class _Sheet:
    headers: dict[str, str]  # column key → header as written, with its letter
    rows: list[tuple[int, dict[str, Any]]]


def _check_file(upload: Any) -> None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileProblem(
            _(
                "%(name)s is an Excel 97-2003 (.xls) file or a protected workbook. Open it in "
                "Excel and save it as an unprotected .xlsx workbook."
            )
            % {"name": _file_name(upload)}
        )
    try:
        check_upload(upload, (XLSX,), MAX_IMPORT_BYTES)
    except ValidationError as exc:
        raise FileProblem(" ".join(exc.messages)) from None
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileProblem(_("The file is not a readable .xlsx workbook.")) from None
    finally:
        upload.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileProblem(
            _("The workbook unpacks to more than %(max)s MB. Remove pictures and other sheets.")
            % {"max": MAX_UNPACKED_BYTES // 1_048_576}
        )


def _file_name(upload: Any) -> str:
    return str(getattr(upload, "name", "") or _("The file")).rsplit("/", 1)[-1]


_NOT_DATA_SHEETS = {norm(n) for n in ("说明", "填表说明", "instructions", "lists", "列表")}


def _read(upload: Any) -> _Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(upload, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged or hostile file: any parser error is the file's
        raise FileProblem(
            _("The file could not be opened as an Excel workbook; it may be damaged.")
        ) from exc
    try:
        return _read_sheet(workbook)
    except FileProblem:
        raise
    except Exception as exc:
        raise FileProblem(
            _("The file could not be read to the end; it may be damaged. Save it again in Excel.")
        ) from exc
    finally:
        workbook.close()


def _expected() -> str:
    return "、".join(f"{c.zh}{'*' if c.required else ''}" for c in COLUMNS)


def _read_sheet(workbook: Any) -> _Sheet:
    sheets = [
        ws
        for ws in workbook.worksheets
        if getattr(ws, "sheet_state", "visible") == "visible"
        and norm(ws.title) not in _NOT_DATA_SHEETS
    ]
    if not sheets:
        raise FileProblem(_("The workbook has no sheet with data."))
    ws = sheets[0]
    ws.reset_dimensions()  # a wrong <dimension> tag would cut the rows short
    names = _header_names()
    top = list(ws.iter_rows(max_row=HEADER_SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True))
    header_at = None
    for i, row in enumerate(top):
        if sum(1 for v in row if v is not None and norm(v) in names) >= 2:
            header_at = i
            break
    if header_at is None:
        raise FileProblem(
            _(
                "No header row of the template was found at the top of the sheet “%(sheet)s”. "
                "Expected the columns (* required): %(expected)s."
            )
            % {"sheet": ws.title, "expected": _expected()}
        )
    positions: dict[int, str] = {}
    headers: dict[str, str] = {}
    unknown, repeated = [], []
    for index, value in enumerate(top[header_at]):
        if value is None or not str(value).strip():
            continue
        key = names.get(norm(value))
        if key is None:
            unknown.append(str(value).strip())
        elif key in headers:
            repeated.append(str(value).strip())
        else:
            positions[index] = key
            headers[key] = f"{str(value).strip()} ({column_letter(index)})"
    missing = [f"{c.zh} ({c.label})" for c in COLUMNS if c.required and c.key not in headers]
    problems = []
    if missing:
        problems.append(_("Missing columns: %(missing)s.") % {"missing": "、".join(missing)})
    if unknown:
        problems.append(
            _("Columns not in the template: %(unknown)s.") % {"unknown": "、".join(unknown)}
        )
    if repeated:
        problems.append(_("Columns given twice: %(repeated)s.") % {"repeated": "、".join(repeated)})
    if problems:
        problems.append(
            _("Expected the columns (* required): %(expected)s.") % {"expected": _expected()}
        )
        raise FileProblem(" ".join(problems))
    last_col = max(positions) + 1
    rows: list[tuple[int, dict[str, Any]]] = []
    number = header_at + 1
    for cells in ws.iter_rows(min_row=header_at + 2, max_col=last_col, values_only=True):
        number += 1
        values = {}
        for index, key in positions.items():
            value = cells[index] if index < len(cells) else None
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None:
                values[key] = value
        if not values:
            continue
        if len(rows) >= MAX_ROWS:
            raise FileProblem(
                _(
                    "The file has more than %(max)s rows. Split it into files of at most "
                    "%(max)s rows each."
                )
                % {"max": f"{MAX_ROWS:,}"}
            )
        rows.append((number, values))
    if not rows:
        raise FileProblem(_("The sheet “%(sheet)s” has no rows to import.") % {"sheet": ws.title})
    return _Sheet(headers, rows)


# --- checking the rows ---------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _clean(value: Any, key: str, max_length: int, min_length: int = 0, multiline=False) -> str:
    try:
        return intake.clean_text(
            _text(value),
            field=key,
            max_length=max_length,
            min_length=min_length,
            multiline=multiline,
        )
    except ValidationError as exc:
        raise RowError(" ".join(exc.messages)) from None


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


def _date(value: Any) -> dt.date:
    from openpyxl.utils.datetime import from_excel

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 19000101 <= value <= 29991231 and float(value).is_integer():
            value = str(int(value))
        elif 20000 <= value < 80000:  # a date serial in a cell not formatted as a date
            return from_excel(value).date()
    text = unicodedata.normalize("NFKC", str(value)).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RowError(
        _("“%(value)s” is not a date. Write dates like 2018-12-05.") % {"value": text[:40]}
    )


def districts_of(campaign: Any) -> list[Unit]:
    """The districts, counties and zones of the campaign's city (the portal's choice)."""
    units = Unit.objects.filter(is_active=True, kind__in=DISTRICT_KINDS)
    unit = campaign.office_unit or campaign.lead_unit
    if unit is not None:
        units = units.filter(path__startswith=unit.path[: PATH_STEP + 1])
    return list(units.order_by("sort_order", "path"))


class _Lookups:
    """Names and codes → the campaign's categories and districts, and channel names."""

    def __init__(self, campaign: Any) -> None:
        self.categories: dict[str, Category] = {}
        self.category_names: list[str] = []
        for c in Category.objects.filter(campaign=campaign).order_by("sort_order", "code"):
            for name in (c.code, c.name_zh, c.name_en):
                if name:
                    self.categories.setdefault(norm(name), c)
            self.category_names.append(c.name)
        self.districts: dict[str, Unit] = {}
        for u in districts_of(campaign):
            for name in (u.code, u.name_zh, u.name_en, u.short_name_zh):
                if name:
                    self.districts.setdefault(norm(name), u)
        self.channels = _channel_names()


def _check_row(values: dict[str, Any], look: _Lookups, campaign: Any) -> tuple[dict, dict]:
    """The row's cleaned values and its problems, both by column key."""
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}

    def take(key: str, convert: Any) -> None:
        raw = values.get(key)
        column = BY_KEY[key]
        if raw is None:
            if column.required:
                errors[key] = _("This cell is required.")
            out[key] = None if key in ("category", "district", "date") else ""
            return
        try:
            out[key] = convert(raw)
        except RowError as exc:
            errors[key] = str(exc)

    take("title", lambda v: _clean(v, "title", intake.MAX_TITLE, 2))
    take("body", lambda v: _clean(v, "body", intake.MAX_BODY, intake.MIN_BODY, multiline=True))

    def category(v: Any) -> Category:
        found = look.categories.get(norm(_text(v)))
        if found is None:
            raise RowError(
                _("“%(value)s” is not a category of this campaign. Use one of: %(choices)s.")
                % {"value": _text(v)[:40], "choices": "、".join(look.category_names) or "—"}
            )
        return found

    def district(v: Any) -> Unit:
        found = look.districts.get(norm(_text(v)))
        if found is None:
            raise RowError(
                _(
                    "“%(value)s” is not a district, county or zone of the campaign's city. "
                    "Give its name or code."
                )
                % {"value": _text(v)[:40]}
            )
        return found

    def phone(v: Any) -> str:
        text = _clean(v, "phone", 30)
        if text and not re.fullmatch(r"[0-9+()\- ]{5,30}", text):
            raise RowError(_("Enter a phone number with digits only."))
        return text

    def email(v: Any) -> str:
        text = _clean(v, "email", 254)
        try:
            validate_email(text)
        except ValidationError:
            raise RowError(
                _("“%(value)s” is not an email address.") % {"value": text[:60]}
            ) from None
        return text

    def channel(v: Any) -> str:
        found = look.channels.get(norm(_text(v)))
        if found is None:
            raise RowError(
                _("“%(value)s” is not a channel. Use paper, meeting, hotline or other.")
                % {"value": _text(v)[:40]}
            )
        return found

    def gathered(v: Any) -> dt.date:
        day = _date(v)
        if day > clock.today():
            raise RowError(_("The date %(date)s lies in the future.") % {"date": day.isoformat()})
        if day < campaign.starts_on:
            raise RowError(
                _("The date %(date)s is before the campaign began (%(start)s).")
                % {"date": day.isoformat(), "start": campaign.starts_on.isoformat()}
            )
        return day

    take("category", category)
    take("district", district)
    take("name", lambda v: _clean(v, "name", 60))
    take("phone", phone)
    take("email", email)
    take("channel", channel)
    take("source_note", lambda v: _clean(v, "source_note", MAX_NOTE))
    take("date", gathered)
    return out, errors


Tick = Callable[[int], None]  # told how many rows are done, for a progress bar


def no_tick(done: int) -> None:
    return None


def read(file: Any, campaign: Any) -> tuple[ImportReport, _Sheet | None]:
    """The file checked and its rows read, but not yet checked: (report, sheet), or the
    report with the file's problem and no sheet."""
    report = ImportReport()
    if not campaign.accepts_suggestions:
        report.problems.append(
            Problem(None, "", _("This campaign is not taking suggestions at the moment."))
        )
        return report, None
    try:
        _check_file(file)
        sheet = _read(file)
    except FileProblem as exc:
        report.problems.append(Problem(None, "", exc.message))
        return report, None
    report.rows = len(sheet.rows)
    return report, sheet


def check_rows(report: ImportReport, sheet: _Sheet, campaign: Any, tick: Tick = no_tick) -> None:
    """Check every row of a read sheet into `report`, writing nothing."""
    look = _Lookups(campaign)
    for done, (number, values) in enumerate(sheet.rows, start=1):
        if done % 100 == 0:
            tick(done)
        out, errors = _check_row(values, look, campaign)
        for key, message in errors.items():
            header = sheet.headers.get(key) or str(BY_KEY[key].label)
            report.problems.append(Problem(number, header, message, key))
        if errors:
            continue
        day: dt.date = out["date"]
        note = f"{day.isoformat()} {out['source_note']}".strip()
        report.parsed.append(
            Parsed(
                row=number,
                title=out["title"],
                body=out["body"],
                category=out["category"],
                district=out["district"],
                name=out["name"],
                phone=out["phone"],
                email=out["email"],
                channel=out["channel"],
                source_note=note,
                gathered_on=day,
            )
        )
    tick(len(sheet.rows))
    if report.problems:
        report.parsed = []


def validate(file: Any, campaign: Any, tick: Tick = no_tick) -> ImportReport:
    """Check the file and every row, writing nothing: the report lists every problem."""
    report, sheet = read(file, campaign)
    if sheet is not None:
        check_rows(report, sheet, campaign, tick)
    return report


class _RollBack(Exception):
    pass


def write(
    actor: Any, report: ImportReport, campaign: Any, file_name: str, tick: Tick = no_tick
) -> int | ImportReport:
    """Take in every row of a clean report in ONE transaction: the count, or the report
    naming the row intake refused (nothing is kept then)."""
    access.require(actor, "suggestions.triage")
    try:
        with transaction.atomic():
            for done, row in enumerate(report.parsed, start=1):
                try:
                    intake.submit(
                        campaign=campaign,
                        title=row.title,
                        body=row.body,
                        client=IMPORT_CLIENT,
                        category=row.category,
                        district=row.district,
                        name=row.name,
                        phone=row.phone,
                        email=row.email,
                        channel=row.channel,
                        source_note=row.source_note,
                        actor=actor,
                        throttle=False,
                    )
                except ValidationError as exc:
                    report.problems.append(Problem(row.row, "", " ".join(exc.messages)))
                    raise _RollBack from None
                if done % 50 == 0:
                    tick(done)
            trail.record(
                actor,
                Verb.ACTION,
                campaign,
                action="suggestions.import",
                after={"rows": len(report.parsed), "file": file_name[:200]},
            )
    except _RollBack:
        report.parsed = []
        return report
    tick(len(report.parsed))
    return len(report.parsed)


def import_rows(actor: Any, file: Any, campaign: Any) -> int | ImportReport:
    """Write every row of a clean file in one transaction; the report when it is not clean.

    Only the office imports (`suggestions.triage`): it vouches for the suggestions it
    typed in. Raises PermissionDenied for anyone else, before reading the file.
    """
    access.require(actor, "suggestions.triage")
    report = validate(file, campaign)
    if not report.ok:
        return report
    return write(actor, report, campaign, _file_name(file))


# --- the template --------------------------------------------------------------------------


def _instructions(campaign: Any) -> list[str]:
    lines = [
        _("How to fill in this template"),
        _("One row per suggestion. Keep the header row as it is; columns marked * are required."),
        _(
            "Nothing is imported unless every row is correct: the import first checks every "
            "row and lists each problem by row and column."
        ),
        _("Write dates like 2018-12-05, or use Excel dates. Type values, not formulas."),
        _("At most %(rows)s rows and %(size)s MB per file. Empty rows are skipped.")
        % {"rows": f"{MAX_ROWS:,}", "size": MAX_IMPORT_BYTES // 1_048_576},
        _(
            "Contact details are seen only by the office and the unit that answers; they are "
            "never published."
        ),
    ]
    if campaign is not None:
        lines.append(_("Campaign: %(title)s") % {"title": campaign.title})
    return [*lines, ""]


def build_template(campaign: Any = None) -> bytes:
    """The import template: the header row (the offices' Chinese words), an instructions
    sheet and, for a campaign, drop-down lists of its categories and districts."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "建议"
    ws.append([f"{c.zh}{'*' if c.required else ''}" for c in COLUMNS])
    for index, column in enumerate(COLUMNS):
        cell = ws.cell(row=1, column=index + 1)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[column_letter(index)].width = column.width
    ws.freeze_panes = "A2"
    last = MAX_ROWS + 1
    lists = [
        ("channel", [str(label) for value, label in Channel.choices if value in OFFLINE_CHANNELS])
    ]
    if campaign is not None:
        lists.append(
            (
                "category",
                [
                    c.name
                    for c in Category.objects.filter(campaign=campaign).order_by(
                        "sort_order", "code"
                    )
                ],
            )
        )
        lists.append(("district", [u.name for u in districts_of(campaign)]))
    positions = {c.key: i for i, c in enumerate(COLUMNS)}
    hidden = wb.create_sheet("Lists")
    hidden.sheet_state = "hidden"
    for list_col, (key, values) in enumerate(lists):
        letter = column_letter(list_col)
        hidden.cell(row=1, column=list_col + 1, value=BY_KEY[key].zh)
        for i, value in enumerate(values, 2):
            hidden.cell(row=i, column=list_col + 1, value=value)
        if not values:
            continue
        dv = DataValidation(
            type="list",
            formula1=f"=Lists!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
        )
        target = column_letter(positions[key])
        dv.add(f"{target}2:{target}{last}")
        ws.add_data_validation(dv)
    notes = wb.create_sheet("说明")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 26
    notes.column_dimensions["C"].width = 10
    notes.column_dimensions["D"].width = 80
    for line in _instructions(campaign):
        notes.append([line])
    notes.append([_("Column"), "", _("Required"), _("What to enter")])
    for column in COLUMNS:
        notes.append(
            [column.zh, str(column.label), _("yes") if column.required else "", str(column.help)]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


__all__ = [
    "COLUMNS",
    "MAX_ROWS",
    "ImportReport",
    "Problem",
    "build_template",
    "import_rows",
    "validate",
]
