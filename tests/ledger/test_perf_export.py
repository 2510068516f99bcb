"""The export's fast rows (written as sheet XML, not cell by cell) read back exactly as
Excel would show them: text with markup characters, spaces and control characters,
styles per column, co-units in the tree's order, and the queries of a chunk."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from campaigndesk import clock
from campaigndesk.ledger import actions
from campaigndesk.ledger.excel import LIGHT_FILLS, write_ledger
from campaigndesk.ledger.models import Light, Task

MOMENT = dt.datetime(2018, 10, 8, 10, tzinfo=dt.UTC)


@pytest.fixture
def awkward(world):
    with clock.frozen_at(MOMENT):
        return actions.create_task(
            world.office,
            campaign=world.campaign,
            title="  <b>A & B</b>\x07 \u5927\u8fde ",
            lead_unit=world.zhongshan,
            co_units=[world.street, world.bureau, world.ganjingzi],
            responsible_leader="李 & 王",
            deadline=dt.date(2018, 12, 31),
        )


def export(language: str = "en") -> openpyxl.worksheet.worksheet.Worksheet:
    out = io.BytesIO()
    with translation.override(language), clock.frozen_at(MOMENT):
        write_ledger(out, Task.objects.all())
    return openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]


def test_text_keeps_markup_characters_and_spaces_and_drops_control_characters(world, awkward):
    ws = export()
    assert ws.cell(3, 2).value == "  <b>A & B</b> \u5927\u8fde "
    assert ws.cell(3, 5).value == "李 & 王"
    assert ws.cell(3, 1).value == 1


def test_each_column_keeps_its_style(world, awkward):
    ws = export()
    title, deadline, progress, light = ws.cell(3, 2), ws.cell(3, 6), ws.cell(3, 7), ws.cell(3, 9)
    assert title.alignment.wrap_text and progress.alignment.wrap_text
    assert deadline.is_date and deadline.value.date() == dt.date(2018, 12, 31)
    assert deadline.number_format == "yyyy-mm-dd"
    task = Task.objects.get(pk=awkward.pk)
    assert task.light != Light.NONE
    assert light.fill.fgColor.rgb.endswith(LIGHT_FILLS[task.light])
    assert not ws.cell(3, 3).has_style  # unstyled columns stay plain


def test_co_units_follow_the_tree_in_each_language(world, awkward):
    # Ganjingzi, then its street office below it, then the bureau (made last).
    assert export("en").cell(3, 4).value == (
        "Ganjingzi District, A street office of Ganjingzi, Municipal Science and Technology Bureau"
    )
    assert export("zh-hans").cell(3, 4).value == "甘井子区、甘井子区某街道、市科技局"


def test_a_closed_task_has_no_light_and_the_sheet_lists_rows_after_the_header(world, awkward):
    with clock.frozen_at(MOMENT):
        actions.cancel_task(world.office, Task.objects.get(pk=awkward.pk), "重复")
    ws = export()
    assert ws.cell(3, 9).value is None
    assert ws.max_row == 3
    assert ws.auto_filter.ref == "A2:I3"
