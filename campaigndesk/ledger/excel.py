"""The ledger in Excel: the export in the offices' layout, and the import template with
the columns that `importing.py` reads back.

The export (序号, 任务名称, 牵头单位, 配合单位, 责任领导, 完成时限, 进展情况, 状态, 预警) runs
in bounded memory whatever the number of rows:

- rows come from the ledger's one filter (`LedgerFilter`) in its sort order, as plain
  values from one query read a chunk at a time, plus one query per chunk for its
  co-units and one for its latest reports; unit names come from one lookup table;
- openpyxl's write-only mode writes the sheet to a temporary file as rows are appended,
  with strings inline (no shared-string table growing with the rows); the data rows,
  of a fixed shape, are formatted as sheet XML directly (`_XmlRow`), each column's
  style an id computed once, every label translated once: 100,000 rows in about 4 s of
  CPU instead of 25 s cell by cell;
- a workbook is a zip whose index is written last, so it cannot go to the client row
  by row: it is saved into a SpooledTemporaryFile (in memory up to a few MB, on disk
  beyond) and the view streams that file in blocks.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaigndesk import clock
from campaigndesk.core.bilingual import current_is_english
from campaigndesk.core.uploads import XLSX
from campaigndesk.org import access
from campaigndesk.org.access import UNIT_ROLES
from campaigndesk.org.models import Unit

from .filters import DEFAULT_SORT, SORTS
from .models import ImportKind, Light, ProgressReport, Source, Task, TaskCoUnit, TaskStatus
from .queries import visible_tasks

XLSX_CONTENT_TYPE = XLSX.content_type
MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
EXPORT_CHUNK = 1000
LISTS_SHEET = "Lists"  # the template's hidden sheet of choices, named in its formulas


# --- the template's columns ----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    help: Promise
    # Headers recognised in any language: the office layout's Chinese words and English.
    aliases: tuple[str, ...]
    required: bool = False
    width: int = 16
    # Read for the person's convenience (a task's title beside its number), never imported.
    reference: bool = False


def norm_name(text: Any) -> str:
    """A header or name as compared: full-width folded, no spaces or markers, case-folded."""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"[\s*:：]+", "", value)


TASK_COLUMNS: tuple[Column, ...] = (
    Column(
        "title",
        gettext_lazy("Task"),
        gettext_lazy("What is to be done, in one line. Required."),
        ("任务名称", "任务", "task", "title", "tasktitle"),
        required=True,
        width=40,
    ),
    Column(
        "lead_unit",
        gettext_lazy("Lead unit"),
        gettext_lazy("The unit that answers for the task: its code or its name. Required."),
        ("牵头单位", "责任单位", "leadunit"),
        required=True,
        width=20,
    ),
    Column(
        "co_units",
        gettext_lazy("Co-responsible units"),
        gettext_lazy("Other units that share the task, separated by 、 or commas."),
        ("配合单位", "协办单位", "co-responsibleunits", "counits"),
        width=24,
    ),
    Column(
        "responsible_leader",
        gettext_lazy("Responsible leader"),
        gettext_lazy("The leader who answers for the task."),
        ("责任领导", "分管领导", "responsibleleader"),
        width=14,
    ),
    Column(
        "starts_on",
        gettext_lazy("Start date"),
        gettext_lazy("When work starts, e.g. 2018-10-08. Empty: today."),
        ("开始日期", "开始时间", "startdate", "start", "startson"),
        width=12,
    ),
    Column(
        "deadline",
        gettext_lazy("Deadline"),
        gettext_lazy("When the task must be done, e.g. 2018-12-31. Required."),
        ("完成时限", "截止日期", "完成时间", "deadline", "dueon"),
        required=True,
        width=12,
    ),
    Column(
        "key_task",
        gettext_lazy("Key task"),
        gettext_lazy("The number of the campaign's key task it serves."),
        ("重点任务", "重点任务编号", "keytask", "keytasknumber"),
        width=10,
    ),
    Column(
        "source",
        gettext_lazy("Source"),
        gettext_lazy(
            "Where the task comes from: work plan, inspection finding, adopted suggestion, "
            "meeting decision or leader's instruction. Empty: leader's instruction."
        ),
        ("任务来源", "来源", "source"),
        width=16,
    ),
    Column(
        "source_ref",
        gettext_lazy("Source reference"),
        gettext_lazy("Document number or the item it came from."),
        ("文号", "来源文号", "sourcereference"),
        width=16,
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        gettext_lazy("Details of the task."),
        ("任务内容", "具体内容", "任务描述", "description"),
        width=40,
    ),
)

PROGRESS_COLUMNS: tuple[Column, ...] = (
    Column(
        "task",
        gettext_lazy("Task number"),
        gettext_lazy("The task's number as shown on its page. Required."),
        ("任务编号", "任务id", "tasknumber", "taskid", "task no.", "taskno"),
        required=True,
        width=10,
    ),
    Column(
        "title",
        gettext_lazy("Task"),
        gettext_lazy("For your reference only; it is not imported."),
        ("任务名称", "任务", "task", "title"),
        width=40,
        reference=True,
    ),
    Column(
        "period",
        gettext_lazy("Period"),
        gettext_lazy(
            "The reporting period: its number, or any date within it. Empty: the current period."
        ),
        ("报告期", "报告期次", "填报日期", "period", "reportingperiod"),
        width=12,
    ),
    Column(
        "progress",
        gettext_lazy("Progress (%)"),
        gettext_lazy("How much of the task is done, a whole number from 0 to 100. Required."),
        ("进度(%)", "进度", "完成进度", "完成比例", "progress(%)", "progress"),
        required=True,
        width=10,
    ),
    Column(
        "text",
        gettext_lazy("Progress made"),
        gettext_lazy("What was done in the period. Required."),
        ("进展情况", "工作进展", "progressmade"),
        required=True,
        width=50,
    ),
    Column(
        "problems",
        gettext_lazy("Problems and next steps"),
        gettext_lazy("Problems met and what comes next."),
        ("存在问题", "存在问题和下步打算", "问题及下步打算", "problemsandnextsteps", "problems"),
        width=40,
    ),
)

# A column offices keep in every sheet; read as a row label and otherwise ignored.
NUMBER_ALIASES = ("序号", "no.", "no", "#")

COLUMNS_BY_KIND = {ImportKind.TASKS: TASK_COLUMNS, ImportKind.PROGRESS: PROGRESS_COLUMNS}


def columns_for(kind: str) -> tuple[Column, ...]:
    return COLUMNS_BY_KIND[ImportKind(kind)]


def header_map(kind: str) -> dict[str, Column | None]:
    """Normalised header → column (None for the ignored 序号 column)."""
    found: dict[str, Column | None] = {norm_name(a): None for a in NUMBER_ALIASES}
    for column in columns_for(kind):
        names = {*column.aliases, str(column.label)}
        with translation.override("en"):
            names.add(str(column.label))
        for name in names:
            found[norm_name(name)] = column
    found[norm_name(_("No."))] = None
    return found


# --- the export ------------------------------------------------------------------------------

# The offices' ledger layout (台账); each context names the Chinese word the column must have.
EXPORT_COLUMNS: tuple[tuple[Promise, int], ...] = (
    (pgettext_lazy("ledger column 序号", "No."), 6),
    (pgettext_lazy("ledger column 任务名称", "Task"), 44),
    (pgettext_lazy("ledger column 牵头单位", "Lead unit"), 18),
    (pgettext_lazy("ledger column 配合单位", "Co-responsible units"), 24),
    (pgettext_lazy("ledger column 责任领导", "Responsible leader"), 12),
    (pgettext_lazy("ledger column 完成时限", "Deadline"), 12),
    (pgettext_lazy("ledger column 进展情况", "Progress"), 54),
    (pgettext_lazy("ledger column 状态", "Status"), 14),
    (pgettext_lazy("ledger column 预警", "Warning"), 8),
)

LIGHT_WORDS = {
    Light.GREEN: pgettext_lazy("warning light 绿", "Green"),
    Light.YELLOW: pgettext_lazy("warning light 黄", "Yellow"),
    Light.RED: pgettext_lazy("warning light 红", "Red"),
    Light.GREY: pgettext_lazy("warning light 灰", "Grey"),
    Light.NONE: "",
}
LIGHT_FILLS = {
    Light.GREEN: "C6EFCE",
    Light.YELLOW: "FFEB9C",
    Light.RED: "FFC7CE",
    Light.GREY: "D9D9D9",
}
_ROW_FIELDS = (
    "id",
    "title",
    "lead_unit_id",
    "responsible_leader",
    "deadline",
    "progress",
    "status",
    "light",
)


def ledger_chunks(
    tasks: QuerySet[Task], sort: str = DEFAULT_SORT, size: int = EXPORT_CHUNK
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of `tasks` in the ledger's `sort` order, `size` at a time.

    One query read `size` rows at a time (a server-side cursor on PostgreSQL, fetchmany
    on SQLite): the database reads the sort's index, or sorts once when the filter has
    no campaign, and every row comes from the same read. Chunks by key (one query each)
    would sort the whole ledger again per chunk whenever no index fits the filter.
    """
    field, desc = SORTS.get(sort, SORTS[DEFAULT_SORT])
    ordered = tasks.order_by(*([f"-{field}", "-id"] if desc else [field, "id"]))
    chunk: list[tuple[Any, ...]] = []
    for row in ordered.values_list(*_ROW_FIELDS).iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def column_letter(index: int) -> str:
    """The letter of the column at 0-based `index` (0 → A)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _pick(zh: str, en: str, english: bool) -> str:
    return (en or zh) if english else (zh or en)


def _unit_names(english: bool) -> dict[int, tuple[str, str]]:
    """One query: every unit's (path, name in the language), looked up by id for each row
    (a city has hundreds of units; a ledger, a hundred thousand rows)."""
    return {
        pk: (path, _pick(zh, en, english))
        for pk, path, zh, en in Unit.objects.values_list("pk", "path", "name_zh", "name_en")
    }


def _co_units(ids: list[int], units: dict[int, tuple[str, str]], english: bool) -> dict[int, str]:
    """One query without joins: the co-responsible units of a chunk of tasks, in the
    tree's order, joined by 、 (or commas)."""
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for task_id, unit_id in TaskCoUnit.objects.filter(task_id__in=ids).values_list(
        "task_id", "unit_id"
    ):
        found[task_id].append(units.get(unit_id, ("", "")))
    sep = ", " if english else "、"
    return {
        task_id: sep.join(name for _p, name in sorted(names)) for task_id, names in found.items()
    }


def _latest_reports(ids: list[int]) -> dict[int, str]:
    """One query: the text of each task's latest progress report (by period)."""
    latest = (
        ProgressReport.objects.filter(task_id=OuterRef("pk"))
        .order_by("-period__number", "-pk")
        .values("text")[:1]
    )
    return {
        pk: text
        for pk, text in Task.objects.filter(pk__in=ids)
        .order_by()
        .annotate(latest=Subquery(latest))
        .values_list("pk", "latest")
        if text
    }


class _Cell:
    """A styled cell reused for every row of its column: write-only mode writes a row out
    as soon as it is appended, so one object per column is enough (and much faster)."""

    def __init__(self, ws: Any, **style: Any):
        from openpyxl.cell import WriteOnlyCell

        self.ws, self.style = ws, style
        self.cell = WriteOnlyCell(ws)
        for name, value in style.items():
            setattr(self.cell, name, value)

    def fresh(self, value: Any) -> Any:
        """A new cell in this style, for rows that hold several cells of one style."""
        return _Cell(self.ws, **self.style)(value)

    def __call__(self, value: Any) -> Any:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.utils.exceptions import IllegalCharacterError

        cell = self.cell
        try:
            cell.value = value
        except IllegalCharacterError:
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if cell.data_type == "f":  # text that starts with "=" stays text, never a formula
            cell.data_type = "s"
        return cell


def _plain(ws: Any, value: Any) -> Any:
    """A value for an unstyled cell: characters Excel refuses are dropped, and text that
    starts with "=" goes in a text cell, never a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith("="):
        return _Cell(ws)(value)
    return value or None


# Day 0 of Excel's 1900 date system, for dates after February 1900 (a deadline always is).
EXCEL_DAY_ZERO = dt.date(1899, 12, 30)
_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


class _XmlRow(tuple):
    """A data row of the export, rendered straight to sheet XML.

    openpyxl turns every value into a cell object and writes it through lxml's
    incremental writer element by element: about 150 µs a row, most of the export's
    time. The ledger's rows have a fixed shape, so each is formatted as one XML string
    (numbers, inline strings, the date as an Excel serial day, the column styles' ids)
    and written to the sheet's file as it is (see `_take_xml_rows`).
    Values are (kind, value, style id) triples; kinds: "n" number, "s" text, "d" date.
    """

    def xml(self, row: int) -> str:
        cells = []
        for column, (kind, value, style) in enumerate(self):
            if value is None or value == "":
                continue
            ref = f"{_LETTERS[column]}{row}"
            s = f' s="{style}"' if style else ""
            if kind == "s":
                text = str(value)
                if _ILLEGAL.search(text):
                    text = _ILLEGAL.sub("", text)
                space = ' xml:space="preserve"' if text != text.strip() else ""
                cells.append(
                    f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>'
                    f"{text.translate(_XML_ESCAPES)}</t></is></c>"
                )
            elif kind == "d":
                cells.append(f'<c r="{ref}"{s} t="n"><v>{(value - EXCEL_DAY_ZERO).days}</v></c>')
            else:
                cells.append(f'<c r="{ref}"{s} t="n"><v>{value}</v></c>')
        return f'<row r="{row}">{"".join(cells)}</row>'


def _letters() -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i) for i in range(1, 27)]


_LETTERS = _letters()


def _ILLEGAL_RE() -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


_ILLEGAL = _ILLEGAL_RE()


def _sheet_writer(ws: Any) -> Any:
    """openpyxl's worksheet writer for `ws`, writing through a file object we hold."""
    from lxml.etree import xmlfile
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.xml.constants import SHEET_MAIN_NS

    class SheetWriter(WorksheetWriter):
        fh: Any = None

        def get_stream(self) -> Any:
            # WorksheetWriter.get_stream, on an open file rather than a file name.
            with open(self.out, "wb") as fh, xmlfile(fh) as xf:
                self.fh = fh
                with xf.element("worksheet", xmlns=SHEET_MAIN_NS):
                    try:
                        while True:
                            el = yield
                            if el is True:
                                yield xf
                            elif el is not None:
                                xf.write(el)
                    except GeneratorExit:
                        pass

    return SheetWriter(ws)


def _take_xml_rows(ws: Any) -> None:
    """Let `_XmlRow`s through the write-only sheet `ws` as raw XML; other rows (the
    heading and the header) go the usual way. Call before the first append.

    openpyxl's write-only sheet sends each appended row to its writer; here the
    writer writes through a file we hold, so a pre-rendered row is written to that
    file after flushing lxml's buffer (keeping the order), in the <sheetData> element
    lxml has open. The sheet's XML carries no declaration, so it is read as UTF-8.
    """
    writer = ws._writer = _sheet_writer(ws)
    writer.write_top()
    to_cells, write_row = ws._values_to_row, writer.write_row

    def values_to_row(values: Any, row_idx: int) -> Any:
        return values if isinstance(values, _XmlRow) else to_cells(values, row_idx)

    def write(xf: Any, row: Any, row_idx: int) -> None:
        if isinstance(row, _XmlRow):
            xf.flush()
            writer.fh.write(row.xml(row_idx).encode())
        else:
            write_row(xf, row, row_idx)

    ws._values_to_row, writer.write_row = values_to_row, write


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31] or "Sheet1"


def export_heading(campaign: Any = None) -> str:
    today = clock.today().isoformat()
    if campaign is not None:
        return _("%(campaign)s: task ledger, exported on %(date)s") % {
            "campaign": campaign.title,
            "date": today,
        }
    return _("Task ledger, exported on %(date)s") % {"date": today}


def write_ledger(
    out: IO[bytes],
    tasks: QuerySet[Task],
    *,
    sort: str = DEFAULT_SORT,
    heading: str = "",
    chunk_size: int = EXPORT_CHUNK,
) -> int:
    """Write `tasks` as the offices' ledger sheet into `out`, in the active language.

    Returns the number of task rows. Memory stays that of one chunk of rows.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    english = current_is_english()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(_("Ledger")))
    for index, (_label, width) in enumerate(EXPORT_COLUMNS, start=1):
        ws.column_dimensions[column_letter(index - 1)].width = width
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    wrap = Alignment(vertical="top", wrap_text=True)
    _take_xml_rows(ws)
    head = _Cell(ws, font=Font(bold=True, size=14))
    ws.append([head.fresh(heading or export_heading())])
    label = _Cell(
        ws,
        font=Font(bold=True),
        fill=PatternFill("solid", fgColor="DDEBF7"),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    ws.append([label.fresh(str(text)) for text, _width in EXPORT_COLUMNS])
    # Only the columns that need a style have one (wrapped text, the date format, the
    # light's colour): the ids of those styles in the workbook, written in each row.
    wrapped = _Cell(ws, alignment=wrap).cell.style_id
    dated = _Cell(ws, number_format="yyyy-mm-dd").cell.style_id
    lights = {
        light: (_Cell(ws, fill=PatternFill("solid", fgColor=colour)).cell.style_id)
        for light, colour in LIGHT_FILLS.items()
    }
    # Every label translated once, not once a row.
    status_labels = {value: str(label) for value, label in TaskStatus.choices}
    light_words = {value: str(word) for value, word in LIGHT_WORDS.items()}
    with_report = _("%(progress)s%%: %(text)s")
    count = 0
    units = _unit_names(english)
    for rows in ledger_chunks(tasks, sort, chunk_size):
        ids = [row[0] for row in rows]
        co_units, reports = _co_units(ids, units, english), _latest_reports(ids)
        for pk, title, lead, leader, deadline, progress, status, light in rows:
            count += 1
            report = reports.get(pk)
            ws.append(
                _XmlRow(
                    (
                        ("n", count, 0),
                        ("s", title, wrapped),
                        ("s", units.get(lead, ("", ""))[1], 0),
                        ("s", co_units.get(pk), 0),
                        ("s", leader, 0),
                        ("d", deadline, dated),
                        (
                            "s",
                            with_report % {"progress": progress, "text": report}
                            if report
                            else f"{progress}%",
                            wrapped,
                        ),
                        ("s", status_labels.get(status, status), 0),
                        ("s", light_words.get(light), lights.get(light, 0)),
                    )
                )
            )
    last = column_letter(len(EXPORT_COLUMNS) - 1)
    ws.merged_cells.add(f"A1:{last}1")
    ws.auto_filter.ref = f"A2:{last}{count + 2}"
    wb.save(out)
    return count


# --- the import template -----------------------------------------------------------------------


def _instructions(kind: str) -> list[str]:
    lines = [
        _("How to fill in this template"),
        "",
        (
            _("One row per task. Keep the header row as it is; columns marked * are required.")
            if kind == ImportKind.TASKS
            else _(
                "One row per task you report on. Keep the header row as it is; columns marked "
                "* are required. Rows that give only a task number are skipped."
            )
        ),
        _(
            "Nothing is imported unless every row is correct: the import first checks every "
            "row and lists each problem by row and column."
        ),
        _("Write dates like 2018-12-31, or use Excel dates. Type values, not formulas."),
        _("At most %(rows)s rows and %(size)s MB per file. Empty rows are skipped.")
        % {"rows": f"{MAX_ROWS:,}", "size": MAX_IMPORT_BYTES // 1_048_576},
    ]
    if kind == ImportKind.TASKS:
        lines.append(
            _(
                "Give units by their code or full name, as in the drop-down list. Separate "
                "several co-responsible units with 、 or commas."
            )
        )
    return [*lines, ""]


def _progress_rows(user: Any) -> Iterator[tuple[int, str]]:
    """The tasks the person reports on: led by their units, being worked on, not split."""
    live = [s for s in TaskStatus.values if s != TaskStatus.CANCELLED]
    return (
        visible_tasks(user)
        .filter(access.unit_filter(user, "lead_unit", UNIT_ROLES))
        .filter(status__in=(TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS))
        .exclude(children__status__in=live)
        .order_by("deadline", "id")
        .values_list("id", "title")[:MAX_ROWS]
        .iterator(chunk_size=2000)
    )


def write_template(out: IO[bytes], kind: str, user: Any, campaign: Any = None) -> None:
    """The import template of `kind`: the data sheet with its header (and, for progress,
    a row for each task the person reports on), the instructions, and drop-down lists."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = columns_for(kind)
    wb = Workbook(write_only=True)
    title = _("Tasks") if kind == ImportKind.TASKS else _("Progress")
    data = wb.create_sheet(_sheet_title(title))
    for index, column in enumerate(columns):
        data.column_dimensions[column_letter(index)].width = column.width
    data.freeze_panes = "A2"
    label = _Cell(
        data,
        font=Font(bold=True),
        fill=PatternFill("solid", fgColor="DDEBF7"),
        alignment=Alignment(horizontal="center", wrap_text=True),
    )
    data.append([label.fresh(f"{c.label}{'*' if c.required else ''}") for c in columns])
    last_row = MAX_ROWS + 1
    if kind == ImportKind.PROGRESS:
        for pk, task_title in _progress_rows(user):
            data.append([pk, _plain(data, task_title)])
    lists: list[tuple[str, list[str]]] = []
    if kind == ImportKind.TASKS:
        units = access.visible_units(user).filter(is_active=True).order_by("path")
        lists.append(("lead_unit", [u.name for u in units]))
        if campaign is not None:
            lists.append(("key_task", [kt.title for kt in campaign.key_tasks.order_by("number")]))
        lists.append(
            ("source", [str(label) for value, label in Source.choices if value != Source.SPLIT])
        )
    positions = {c.key: index for index, c in enumerate(columns)}
    for list_col, (key, values) in enumerate(lists):
        if not values:
            continue
        letter = column_letter(list_col)
        dv = DataValidation(
            type="list",
            formula1=f"={LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning",
            errorTitle=_("Not in the list"),
            error=(
                _("Pick a unit from the list, or type its code.")
                if key == "lead_unit"
                else _("Pick a value from the list.")
            ),
        )
        column = column_letter(positions[key])
        dv.add(f"{column}2:{column}{last_row}")
        data.data_validations.append(dv)

    notes = wb.create_sheet(_sheet_title(_("Instructions")))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    bold = _Cell(notes, font=Font(bold=True))
    for line in _instructions(kind):
        notes.append([line])
    notes.append(
        [bold.fresh(_("Column")), bold.fresh(_("Required")), bold.fresh(_("What to enter"))]
    )
    for column in columns:
        notes.append([str(column.label), _("yes") if column.required else "", str(column.help)])

    if lists:
        sheet = wb.create_sheet(LISTS_SHEET)
        sheet.sheet_state = "hidden"
        sheet.append([str(next(c.label for c in columns if c.key == key)) for key, _v in lists])
        longest = max(len(values) for _key, values in lists)
        for i in range(longest):
            sheet.append([_plain(sheet, v[i]) if i < len(v) else None for _key, v in lists])
    wb.save(out)
