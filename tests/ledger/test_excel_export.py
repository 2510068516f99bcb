"""The ledger exported to Excel in the offices' layout: the rows a person sees, in both
languages, streamed, in memory that does not grow with the number of rows."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import tracemalloc

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import FileResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.excel import EXPORT_COLUMNS, ledger_chunks, write_ledger
from campaigndesk.ledger.filters import SORTS
from campaigndesk.ledger.models import Light, Task, TaskStatus
from campaigndesk.ledger.periods import ensure_periods, period_on

MOMENT = dt.datetime(2018, 10, 8, 10, tzinfo=dt.UTC)
ENGLISH_HEADERS = [
    "No.",
    "Task",
    "Lead unit",
    "Co-responsible units",
    "Responsible leader",
    "Deadline",
    "Progress",
    "Status",
    "Warning",
]
OFFICE_LAYOUT = [
    "序号",
    "任务名称",
    "牵头单位",
    "配合单位",
    "责任领导",
    "完成时限",
    "进展情况",
    "状态",
    "预警",
]


@pytest.fixture
def ledger(world):
    """Two Ganjingzi tasks (one shared with the bureau, one reported on) and a Zhongshan task."""
    world.campaign.title_en = "Emancipate the mind"
    world.campaign.title_zh = "解放思想大讨论"
    world.campaign.save()
    with clock.frozen_at(MOMENT):
        ensure_periods(world.campaign)
        reported = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="优化营商环境",
            lead_unit=world.ganjingzi,
            co_units=[world.bureau],
            responsible_leader="王某",
            deadline=dt.date(2018, 11, 30),
        )
        shared = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="=SUM(1,2) is text, not a formula",
            lead_unit=world.ganjingzi,
            deadline=dt.date(2018, 11, 20),
        )
        other = actions.create_task(
            world.office,
            campaign=world.campaign,
            title="中山区任务",
            lead_unit=world.zhongshan,
            deadline=dt.date(2018, 12, 5),
        )
        actions.accept_task(world.gjz_liaison, reported)
        actions.report_progress(
            world.gjz_liaison,
            reported,
            period_on(world.campaign, clock.today()),
            progress=40,
            text="完成调研",
        )
    return {"reported": reported, "shared": shared, "other": other}


def rows_of(content: bytes) -> tuple[openpyxl.worksheet.worksheet.Worksheet, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    return ws, [tuple(c.value for c in row) for row in ws.iter_rows()]


def download(client, language: str = "en", **params) -> bytes:
    response = client.get(reverse("ledger:export"), params, headers={"accept-language": language})
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_office_export_lists_every_task_in_the_office_layout(world, ledger, client_for):
    with clock.frozen_at(MOMENT):
        content = download(client_for(world.office), campaign=world.campaign.pk)
    ws, rows = rows_of(content)
    title, header, *body = rows
    assert header == tuple(ENGLISH_HEADERS)
    assert "Emancipate the mind" in title[0]
    assert [r[0] for r in body] == [1, 2, 3]  # 序号 numbers the rows
    assert [r[1] for r in body] == [
        "=SUM(1,2) is text, not a formula",
        "优化营商环境",
        "中山区任务",
    ]  # the default sort: deadline, then id
    assert ws.cell(3, 2).data_type == "s"  # a title starting with "=" is never a formula
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["B"].width == EXPORT_COLUMNS[1][1]
    deadline = ws.cell(4, 6)
    assert deadline.is_date and deadline.value.date() == dt.date(2018, 11, 30)
    assert ws.auto_filter.ref == "A2:I5"


def test_export_rows_carry_units_leader_progress_status_and_light(world, ledger, client_for):
    with translation.override("en"), clock.frozen_at(MOMENT):
        content = download(client_for(world.office))
        _ws, rows = rows_of(content)
        reported = next(r for r in rows[2:] if r[1] == "优化营商环境")
        status = str(TaskStatus.IN_PROGRESS.label)
    _n, _title, lead, co, leader, _deadline, progress, status_word, light = reported
    assert lead == world.ganjingzi.name_en
    assert co == world.bureau.name_en
    assert leader == "王某"
    assert progress == "40%: 完成调研"  # the latest progress and the latest report
    assert status_word == status
    assert light in ("Green", "Yellow", "Red", "Grey")


def test_gjz_liaison_exports_no_zhongshan_task(world, ledger, client_for):
    with clock.frozen_at(MOMENT):
        _ws, rows = rows_of(download(client_for(world.gjz_liaison)))
    titles = {r[1] for r in rows[2:]}
    assert titles == {"优化营商环境", "=SUM(1,2) is text, not a formula"}
    assert "中山区任务" not in titles


def test_export_takes_the_lists_filter_and_sort(world, ledger, client_for):
    with clock.frozen_at(MOMENT):
        content = download(client_for(world.office), status=TaskStatus.ASSIGNED, sort="-deadline")
    _ws, rows = rows_of(content)
    assert [r[1] for r in rows[2:]] == ["中山区任务", "=SUM(1,2) is text, not a formula"]


def test_export_heading_and_names_follow_the_language(world, ledger):
    def export(language: str) -> list[tuple]:
        out = io.BytesIO()
        with translation.override(language), clock.frozen_at(MOMENT):
            from campaigndesk.ledger.excel import export_heading

            write_ledger(out, Task.objects.all(), heading=export_heading(world.campaign))
        return rows_of(out.getvalue())[1]

    english, chinese = export("en"), export("zh-hans")
    assert "Emancipate the mind" in english[0][0] and "2018-10-08" in english[0][0]
    assert "解放思想大讨论" in chinese[0][0]
    assert english[1] == tuple(ENGLISH_HEADERS)
    assert english[3][2] == "Ganjingzi District" and chinese[3][2] == "甘井子区"
    assert chinese[3][3] == world.bureau.name_zh


def test_chinese_export_uses_the_offices_column_words(world, ledger):
    with translation.override("zh-hans"):
        if str(EXPORT_COLUMNS[1][0]) == "Task":
            pytest.skip("the zh-Hans catalogue has no ledger columns yet (translated in one pass)")
        out = io.BytesIO()
        write_ledger(out, Task.objects.all())
    assert list(rows_of(out.getvalue())[1][1]) == OFFICE_LAYOUT


def test_export_is_streamed_as_a_dated_xlsx_attachment(world, ledger, client_for):
    with clock.frozen_at(MOMENT):
        response = client_for(world.viewer).get(reverse("ledger:export"))
    assert isinstance(response, FileResponse) and response.streaming
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "2018-10-08" in response["Content-Disposition"]
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    assert body.startswith(b"PK")


def test_a_bad_filter_is_a_page_that_names_it_not_a_500(world, ledger, client_for):
    response = client_for(world.office).get(
        reverse("ledger:export"), {"due_from": "someday", "light": "purple"}
    )
    assert response.status_code == 400
    assert b"errorlist" in response.content


def test_gjz_liaison_cannot_export_zhongshan_by_naming_it(world, ledger, client_for):
    response = client_for(world.gjz_liaison).get(
        reverse("ledger:export"), {"unit": world.zhongshan.pk}
    )
    assert response.status_code == 400  # the unit is not one of theirs: a filter error


def test_export_needs_a_role_and_a_sign_in_and_only_answers_get(world, client_for):
    url = reverse("ledger:export")
    assert client_for(world.nobody).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert client_for(world.office).post(url).status_code == 405


def bulk_tasks(world, count: int, start: int = 0) -> None:
    """Volume for memory and query tests: rows written directly, not through actions."""
    now = MOMENT
    units = [world.ganjingzi, world.zhongshan, world.street]
    Task.objects.bulk_create(
        [
            Task(
                campaign=world.campaign,
                title=f"批量任务 {start + i} " + "内容" * 20,
                lead_unit=units[i % 3],
                unit_path=units[i % 3].path,
                responsible_leader="李某",
                starts_on=dt.date(2018, 10, 8),
                deadline=dt.date(2018, 11, 1) + dt.timedelta(days=i % 60),
                status=TaskStatus.IN_PROGRESS,
                light=Light.GREEN,
                progress=i % 100,
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ],
        batch_size=500,
    )


def peak_of_export(chunk_size: int) -> tuple[int, int]:
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            rows = write_ledger(out, Task.objects.all(), chunk_size=chunk_size)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return rows, peak


def test_export_memory_does_not_grow_with_the_number_of_rows(world):
    bulk_tasks(world, 500)
    rows, small = peak_of_export(chunk_size=250)
    assert rows == 500
    bulk_tasks(world, 1500, start=500)
    rows, large = peak_of_export(chunk_size=250)
    assert rows == 2000
    # Four times the rows: the peak is that of one chunk, not of the whole ledger.
    assert large < small * 1.5
    assert large < 20 * 1024 * 1024


def queries_of_export(chunk_size: int) -> int:
    with CaptureQueriesContext(connection) as captured, tempfile.TemporaryFile() as out:
        write_ledger(out, Task.objects.all(), chunk_size=chunk_size)
    return len(captured.captured_queries)


def test_export_runs_two_queries_per_chunk(world):
    bulk_tasks(world, 120)
    # 1 the units' names, 2 the tasks (one query, read 50 rows at a time), then for
    # each of 3 chunks: co-units and latest reports = 8 queries.
    assert queries_of_export(chunk_size=50) == 8
    bulk_tasks(world, 120, start=120)
    # 240 rows: 5 chunks × the same 2 queries + 2 = 12; nothing else grows with the rows.
    assert queries_of_export(chunk_size=50) == 12


def test_export_of_10_and_100_rows_in_one_chunk_runs_the_same_queries(world):
    bulk_tasks(world, 10)
    few = queries_of_export(chunk_size=1000)
    bulk_tasks(world, 90, start=10)
    # The units' names, the tasks, their co-units, their latest reports.
    assert queries_of_export(chunk_size=1000) == few == 4


def test_export_command_writes_the_file_and_reports_time_and_memory(world, ledger, tmp_path):
    out = tmp_path / "ledger.xlsx"
    stdout = io.StringIO()
    call_command(
        "export_ledger",
        "--out",
        str(out),
        "--lang",
        "en",
        "--user",
        "gjz_liaison",
        f"campaign={world.campaign.pk}",
        stdout=stdout,
    )
    assert "2 rows written" in stdout.getvalue()
    assert "peak memory" in stdout.getvalue()
    _ws, rows = rows_of(out.read_bytes())
    assert len(rows) == 4


def test_export_command_refuses_a_bad_filter(world, tmp_path):
    with pytest.raises(CommandError, match="light"):
        call_command("export_ledger", "--out", str(tmp_path / "x.xlsx"), "light=purple")
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command("export_ledger", "--out", str(tmp_path / "x.xlsx"), "campaign")


@pytest.mark.parametrize("sort", ["deadline", "-deadline", "updated", "priority", "created"])
def test_keyset_chunks_walk_every_task_once_in_the_lists_order(world, sort):
    bulk_tasks(world, 95)  # many tasks share a deadline: the id breaks the ties
    seen = [row[0] for rows in ledger_chunks(Task.objects.all(), sort, 7) for row in rows]
    field, desc = SORTS[sort]
    expected = list(
        Task.objects.order_by(*([f"-{field}", "-id"] if desc else [field, "id"])).values_list(
            "id", flat=True
        )
    )
    assert seen == expected
