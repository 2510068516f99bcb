"""Offline intake: suggestions gathered on paper or at meetings, imported from .xlsx."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook, load_workbook

from campaigndesk import clock
from campaigndesk.audit.models import AuditRecord
from campaigndesk.audit.trail import verify
from campaigndesk.suggestions import importing
from campaigndesk.suggestions.models import Channel, Status, Suggestion

HEADER = [
    "标题",
    "内容",
    "类别",
    "涉及区域",
    "姓名",
    "电话",
    "邮箱",
    "来源",
    "收集地点或会议",
    "收集日期",
]


@pytest.fixture(autouse=True)
def on_a_campaign_day_in_english():
    with clock.frozen_at(dt.datetime(2018, 12, 10, 10, tzinfo=dt.UTC)), translation.override("en"):
        yield


def row(n: int = 1, **changes):
    values = {
        "标题": f"建议在甘井子区增设便民菜市场{n}",
        "内容": "甘井子区泡崖街道周边几个小区只有一个小超市，买菜要走很远，建议规划建设菜市场。",
        "类别": "营商环境",
        "涉及区域": "甘井子区",
        "姓名": "王大爷",
        "电话": 13900000000 + n,
        "邮箱": "",
        "来源": "会议",
        "收集地点或会议": "甘井子区居民代表座谈会",
        "收集日期": dt.datetime(2018, 12, 5),
    }
    values.update(changes)
    return [values[h] for h in HEADER]


def xlsx(rows, header=HEADER, name="offline.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def test_a_valid_file_is_imported_whole_and_each_suggestion_is_audited(world, category):
    before = AuditRecord.objects.count()
    rows = [row(1), row(2, 来源="纸质", 类别="business", 涉及区域="ZS", 邮箱="a@example.com")]
    result = importing.import_rows(world.office, xlsx(rows), world.campaign)

    assert result == 2
    made = list(Suggestion.objects.order_by("id"))
    assert [s.channel for s in made] == [Channel.MEETING, Channel.PAPER]
    assert made[0].district == world.ganjingzi and made[1].district == world.zhongshan
    assert all(s.category == category and s.status == Status.RECEIVED for s in made)
    assert made[0].source_note == "2018-12-05 甘井子区居民代表座谈会"
    assert made[0].phone == "13900000001" and made[1].email == "a@example.com"
    assert made[0].client_hash == importing.IMPORT_CLIENT
    records = AuditRecord.objects.order_by("pk")[before:]
    actions = [r.action for r in records]
    assert actions.count("suggestions.submit") == 2
    assert actions[-1] == "suggestions.import"
    assert {r.actor_id for r in records} == {world.office.pk}
    assert verify().ok


def test_one_bad_row_in_fifty_writes_nothing_and_the_report_names_the_row(world, category):
    rows = [row(n) for n in range(1, 51)]
    rows[36] = row(37, 涉及区域="火星区")  # sheet row 38 (the header is row 1)
    before = AuditRecord.objects.count()

    report = importing.import_rows(world.office, xlsx(rows), world.campaign)

    assert isinstance(report, importing.ImportReport) and not report.ok
    assert report.rows == 50
    assert [(p.row, p.field) for p in report.problems] == [(38, "district")]
    assert "火星区" in report.problems[0].message
    assert report.problems[0].column == "涉及区域 (D)"
    assert "Row 38" in str(report.problems[0])
    assert not Suggestion.objects.exists()
    assert AuditRecord.objects.count() == before


def test_the_report_lists_every_problem_of_every_row_at_once(world, category):
    rows = [
        row(1, 标题="", 收集日期="下周一"),
        row(2, 来源="微信", 电话="call me", 邮箱="not-an-email"),
        row(3, 类别="旅游", 内容="太短"),
    ]
    report = importing.validate(xlsx(rows), world.campaign)

    found = {(p.row, p.field) for p in report.problems}
    assert found == {
        (2, "title"),
        (2, "date"),
        (3, "channel"),
        (3, "phone"),
        (3, "email"),
        (4, "category"),
        (4, "body"),
    }
    assert not Suggestion.objects.exists()


def test_a_file_that_is_not_xlsx_is_refused_with_a_clear_message(world):
    fake = SimpleUploadedFile("suggestions.xlsx", b"MZ\x90\x00 this is an exe renamed")
    report = importing.validate(fake, world.campaign)

    assert report.rows == 0 and len(report.problems) == 1
    assert report.problems[0].row is None
    assert "is not an accepted file" in report.problems[0].message


def test_an_old_xls_file_is_told_to_be_saved_as_xlsx(world):
    old = SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)
    report = importing.validate(old, world.campaign)
    assert ".xlsx" in report.problems[0].message


def test_wrong_columns_are_named_with_the_expected_ones(world):
    header = ["标题", "内容", "意见", "备注"]
    report = importing.validate(xlsx([["a", "b"]], header=header), world.campaign)
    (problem,) = report.problems
    assert "Missing columns: 来源 (Channel)、收集日期 (Date gathered)." in problem.message
    assert "意见" in problem.message and "备注" in problem.message  # the unknown ones
    assert "收集日期*" in problem.message  # what is expected


def test_a_sheet_without_the_template_header_is_refused(world):
    report = importing.validate(xlsx([["x"]], header=["随便写的"]), world.campaign)
    assert "No header row" in report.problems[0].message


def test_unknown_district_and_bad_and_future_dates_are_reported(world, category):
    rows = [
        row(1, 涉及区域="某某区"),
        row(2, 收集日期="2018-13-45"),
        row(3, 收集日期=dt.datetime(2019, 1, 5)),
        row(4, 收集日期=dt.datetime(2018, 8, 1)),
    ]
    report = importing.validate(xlsx(rows), world.campaign)

    by_row = {p.row: p for p in report.problems}
    assert by_row[2].field == "district" and "某某区" in by_row[2].message
    assert by_row[3].field == "date" and "2018-13-45" in by_row[3].message
    assert "future" in by_row[4].message
    assert "before the campaign began" in by_row[5].message


def test_districts_and_categories_match_by_name_or_code_in_either_language(world, category):
    rows = [
        row(1, 涉及区域="Zhongshan District", 类别="Business environment", 来源="hotline"),
        row(2, 涉及区域="gjz", 类别="BUSINESS", 来源="Paper form", 收集日期="2018/12/01"),
        row(3, 涉及区域="", 类别="", 来源="其他", 收集日期=20181203),
    ]
    report = importing.validate(xlsx(rows), world.campaign)

    assert report.ok, report.lines()
    assert [p.channel for p in report.parsed] == [Channel.HOTLINE, Channel.PAPER, Channel.OTHER]
    assert [p.district for p in report.parsed] == [world.zhongshan, world.ganjingzi, None]
    assert [p.gathered_on.day for p in report.parsed] == [5, 1, 3]


def test_english_headers_are_read_too(world, category):
    header = [
        "Title",
        "Text",
        "Category",
        "District concerned",
        "Name",
        "Phone",
        "Email",
        "Channel",
        "Where gathered or meeting",
        "Date gathered",
    ]
    report = importing.validate(xlsx([row(1)], header=header), world.campaign)
    assert report.ok, report.lines()


def test_more_than_twenty_thousand_rows_are_refused(world, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    report = importing.validate(xlsx([row(n) for n in range(6)]), world.campaign)
    assert "more than 5 rows" in report.problems[0].message
    assert not Suggestion.objects.exists()


def test_the_report_speaks_the_persons_language(world, category):
    with translation.override("zh-hans"):
        report = importing.validate(xlsx([row(1, 收集日期="明天")]), world.campaign)
        line = str(report.problems[0])
    english = str(importing.validate(xlsx([row(1, 收集日期="明天")]), world.campaign).problems[0])
    assert "明天" in line and "明天" in english
    assert english.startswith("Row 2, 收集日期 (J): ")
    # The Chinese words come from the catalogue once it holds them; never an empty report.
    assert line


def test_only_the_office_imports(world, category):
    with pytest.raises(PermissionDenied):
        importing.import_rows(world.gjz_liaison, xlsx([row(1)]), world.campaign)
    assert not Suggestion.objects.exists()


def test_a_campaign_not_taking_suggestions_refuses_the_import(world, category):
    world.campaign.accepts_suggestions = False
    world.campaign.save(update_fields=["accepts_suggestions"])
    report = importing.import_rows(world.office, xlsx([row(1)]), world.campaign)
    assert "not taking suggestions" in report.problems[0].message
    assert not Suggestion.objects.exists()


def test_the_template_reads_back_with_its_header_and_lists(world, category):
    data = importing.build_template(world.campaign)
    wb = load_workbook(io.BytesIO(data))
    assert [c.value for c in wb.worksheets[0][1]][:2] == ["标题*", "内容*"]
    lists = wb["Lists"]
    values = {c.value for col in lists.iter_cols() for c in col}
    # In the person's language; the import reads names in either language.
    assert category.name in values and world.ganjingzi.name in values
    assert "说明" in wb.sheetnames
    # An empty template is a file with no rows, not a crash.
    empty = SimpleUploadedFile("t.xlsx", data)
    assert "no rows" in importing.validate(empty, world.campaign).problems[0].message


# --- the command ---------------------------------------------------------------------------


@pytest.fixture
def sheet_file(tmp_path):
    def make(rows):
        path = tmp_path / "offline.xlsx"
        path.write_bytes(xlsx(rows).read())
        return str(path)

    return make


def test_the_command_dry_run_checks_and_writes_nothing(world, category, sheet_file):
    out = StringIO()
    path = sheet_file([row(1), row(2)])
    call_command(
        "import_suggestions",
        path,
        "--campaign",
        world.campaign.code,
        "--user",
        "office",
        "--dry-run",
        stdout=out,
    )
    assert "2 rows checked" in out.getvalue()
    assert not Suggestion.objects.exists()


def test_the_command_imports_as_the_office_person(world, category, sheet_file):
    out = StringIO()
    path = sheet_file([row(1), row(2)])
    call_command(
        "import_suggestions",
        path,
        "--campaign",
        world.campaign.code,
        "--user",
        "office",
        stdout=out,
    )
    assert "2 suggestions imported" in out.getvalue()
    assert Suggestion.objects.count() == 2
    sources = set(
        AuditRecord.objects.filter(action="suggestions.submit").values_list("source", flat=True)
    )
    assert sources == {"command:import_suggestions"}


def test_the_command_prints_the_report_and_fails_on_a_bad_file(world, category, sheet_file):
    out = StringIO()
    path = sheet_file([row(1), row(2, 来源="传真")])
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(
            "import_suggestions",
            path,
            "--campaign",
            world.campaign.code,
            "--user",
            "office",
            "--lang",
            "en",
            stdout=out,
        )
    assert "Row 3" in out.getvalue() and "传真" in out.getvalue()
    assert not Suggestion.objects.exists()


def test_the_command_refuses_someone_outside_the_office(world, category, sheet_file):
    with pytest.raises(CommandError, match="only the office"):
        call_command(
            "import_suggestions",
            sheet_file([row(1)]),
            "--campaign",
            world.campaign.code,
            "--user",
            "gjz_liaison",
        )


def test_the_command_writes_the_template(world, category, tmp_path):
    target = tmp_path / "template.xlsx"
    call_command(
        "import_suggestions",
        "--campaign",
        world.campaign.code,
        "--template",
        str(target),
        stdout=StringIO(),
    )
    assert load_workbook(target).worksheets[0]["A1"].value == "标题*"
