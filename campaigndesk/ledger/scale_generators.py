"""The `tasks` generator of `campaigndesk scale`: a synthetic ledger, written in bulk.

Tasks are planned as a stream from the seed, each top-level task followed by the
child tasks it was split into (and theirs), so task number n is the same whatever
count is asked for: `--tasks 500` after `--tasks 300` adds 200. The stream depends
on the seed, the units under the root, the campaign and the day (`clock.today()`):
the ledger is made as it would stand on that day, with deadlines spread over the
campaign, states and progress that fit each task's dates, lateness flags, and the
light `compute_light` gives it (a parent shows the worst of its own and its
children's, and their average progress), so the nightly `refresh_lights` finds
nothing to change.

About 70% of tasks are top-level: most go to the units right below the root
(districts, counties, zones, bureaus), some straight to a sub-unit; some are split
to units within the lead unit's subtree, one or two levels down. Some have
co-responsible units. Late tasks carry the reminders the hourly scan would have
issued (same keys), and a fraction of working tasks their weekly progress reports
for the last ended periods, when the campaign's reporting periods exist.

The tasks go to the demo campaign when it is loaded, else to the first campaign,
else to a campaign made for the seed. Their creator is the seed's office person
(`scale-<seed>-office`, an office supervisor over the root, who signs in with
`--password`): that is how a later run finds what this seed made.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import connection, models
from django.utils import timezone

from campaigndesk import clock
from campaigndesk.campaigns.models import (
    Campaign,
    CampaignStatus,
    KeyTask,
    Phase,
    ReportingCycle,
    WorkCalendar,
)
from campaigndesk.demo.dalian_campaign import CAMPAIGN_CODE as DEMO_CAMPAIGN
from campaigndesk.demo.names import NameMaker
from campaigndesk.demo.scale import ScaleContext, insert_rows, register_generator, reserve_ids
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind, User

from .figures import ledger_changed
from .lights import compute_light, expected_progress, worst
from .models import (
    Escalation,
    Light,
    Priority,
    ProgressReport,
    Reminder,
    ReminderKind,
    ReportingPeriod,
    Source,
    Task,
    TaskCoUnit,
    TaskStatus,
)
from .workdays import Workdays, for_campaign

ONE_DAY = dt.timedelta(days=1)
NOT_TASK_UNITS = (UnitKind.LEADING_GROUP, UnitKind.OFFICE)
_WORKING = (TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS)
TOP_LEVEL_SHARE_TO_SUBUNITS = 0.2  # of top-level tasks, assigned straight to a sub-unit
SPLIT_CHANCE = 0.42  # of accepted, working top-level tasks whose unit has sub-units
SPLIT_AGAIN_CHANCE = 0.3
CO_UNIT_CHANCE = 0.12
REPORTING_SHARE = 0.15  # of working leaf tasks that carry their weekly reports
REPORTED_PERIODS = 3  # at most: the last ended periods
# Working days late -> level reached, as ledger/scan.py escalates (liaison, head, office).
LATE_LADDER = ((1, Escalation.LIAISON), (3, Escalation.UNIT_HEAD), (5, Escalation.OFFICE))

# What tasks are about, by key task (in campaign order; a seventh reuses the first):
# whole verb phrases, so that every title reads as a sentence.
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "实践再深化",
        (
            "开展习近平新时代中国特色社会主义思想专题学习研讨",
            "组织学习总书记在深入推进东北振兴座谈会上的重要讲话精神",
            "举办解放思想大讨论专题读书班",
            "开展党委（党组）理论学习中心组专题学习",
            "组织基层宣讲团开展巡回宣讲",
            "开设解放思想大讨论学习专栏",
            "组织青年干部开展解放思想主题演讲",
            "编印学习研讨成果汇编",
            "召开解放思想专题民主生活会",
            "开展“学上海、找差距”专题研讨",
        ),
    ),
    (
        "调研再深入",
        (
            "开展“不忘初心”大调研，走访辖区企业和群众",
            "梳理制约发展的突出问题，建立问题清单",
            "围绕营商环境开展专题调研",
            "走访重点企业，收集企业诉求并建立台账",
            "开展民营经济发展情况专题调研",
            "摸清闲置土地和低效厂房底数",
            "开展城乡居民收入状况调研",
            "形成高质量调研报告并提出对策建议",
            "建立领导干部基层联系点制度",
            "开展老旧小区改造需求入户调查",
        ),
    ),
    (
        "对标再精准",
        (
            "对标上海浦东，梳理可复制推广经验清单",
            "学习上海“一网通办”经验，推进政务服务事项网上办理",
            "对标上海张江，制定科技创新政策清单",
            "学习上海自贸试验区经验，推进制度创新",
            "对标上海城市精细化管理，开展街区环境整治",
            "选派干部赴上海跟岗学习",
            "制定对标找差清单，明确赶超措施",
            "学习上海“店小二”服务经验，建立企业服务专员制度",
            "借鉴上海经验推进生活垃圾分类试点",
            "对标上海国际航运中心建设，提升港口通关效率",
        ),
    ),
    (
        "观念再更新",
        (
            "对照“七破七立”开展思想观念问题查摆",
            "建立干部担当作为激励和容错纠错机制",
            "破除“官本位”思想，开展服务意识专题教育",
            "清理不合理的市场干预措施",
            "开展“敢为人先”典型案例评选",
            "清理规范行政审批中介服务事项",
            "召开解放思想专题组织生活会",
            "梳理妨碍统一市场和公平竞争的政策文件",
        ),
    ),
    (
        "聚焦重点",
        (
            "梳理涉企审批事项并精简审批环节",
            "压缩企业开办时间至3个工作日以内",
            "推行工程建设项目审批“一张蓝图”",
            "清理规范涉企收费",
            "实施科技型中小企业梯度培育计划",
            "推进重点项目开工建设",
            "开展招商引资专项行动",
            "推进老旧小区改造",
            "落实蓝天、碧水、净土保卫战年度任务",
            "推进乡村振兴示范村建设",
            "深度融入“一带一路”建设，拓展对外合作",
            "补齐教育、医疗、养老等民生短板",
            "推进社区居家养老服务设施建设",
            "解决群众反映强烈的冬季供暖问题",
            "优化公交线网，解决群众出行难问题",
            "推行政务服务“最多跑一次”",
        ),
    ),
    (
        "作风再转变",
        (
            "开展形式主义、官僚主义问题专项整治",
            "整改窗口单位“门难进、脸难看、事难办”问题",
            "建立重点工作“马上就办”督办机制",
            "推行领导干部包保重点企业制度",
            "开展“店小二”式服务进企业活动",
            "建立企业投诉“首问负责”制",
            "严肃查处不作为、慢作为问题",
            "开展作风建设明察暗访",
            "落实基层减负要求，精简文件和会议",
            "建立问题整改销号台账",
        ),
    ),
)
PREFIXES = (
    "",
    "",
    "",
    "",
    "",
    "对标上海，",
    "聚焦“七破七立”，",
    "围绕群众反映强烈的问题，",
    "牵头",
)
SUFFIXES = ("", "", "", "", "", "，形成工作台账", "并建立长效机制", "（第一批）", "（第二批）")
LEADER_TITLES = (
    "（副区长）",
    "（副县长）",
    "（副局长）",
    "（副主任）",
    "（党委副书记）",
    "（副书记）",
)
SOURCE_WEIGHTS = (
    (Source.WORK_PLAN, 40),
    (Source.INSTRUCTION, 20),
    (Source.MEETING, 15),
    (Source.FINDING, 15),
    (Source.SUGGESTION, 10),
)
RETURN_REASONS = (
    "该事项不属于本单位职责范围，建议调整牵头单位。",
    "该事项已由上级部门统一组织实施，建议改由相关部门牵头、我单位配合。",
)
CANCEL_REASONS = (
    "与其他任务内容重复，按照减轻基层负担的要求予以取消。",
    "上级政策调整，该任务不再实施。",
)
SENT_BACK = "佐证材料不足以证明任务完成，请补充正式文件和现场照片后重新报送。"
NOTES = (
    "已按要求完成全部工作内容，相关文件、会议纪要和照片等佐证材料已上传。",
    "任务已完成，成果文件已印发，落实情况报告已上传。",
    "已完成整改并建立长效机制，整改前后对比材料已上传。",
)
REPORT_TEXTS = (
    (30, "已制定实施方案，明确责任分工和时间节点，正在开展摸底。"),
    (70, "按计划推进，阶段性工作已完成，正在征求相关单位意见。"),
    (101, "主体工作基本完成，正在完善佐证材料。"),
)


@dataclass(slots=True)
class _Unit:
    pk: int
    code: str
    path: str
    label: str
    children: list[int]  # positions in the unit list


@dataclass(slots=True)
class PlannedTask:
    index: int
    parent: int  # index of the parent task, -1 at the top
    root: int  # index of the top-level task of its family
    depth: int
    unit: int  # position in the unit list
    key_task: int  # position in the campaign's key tasks
    source: str
    source_ref: str
    title: str
    description: str
    leader: str
    priority: int
    starts_on: dt.date
    deadline: dt.date
    accept_by: dt.date
    status: str
    progress: int
    accepted_on: dt.date | None
    reported_on: dt.date | None
    closed_on: dt.date | None
    reason: str
    note: str
    reopened: bool
    co_units: tuple[int, ...]
    reports: bool  # carries its weekly reports (when it stays a leaf)
    late_mask: int  # which of those reports came late
    minute: int


@dataclass
class _Setting:
    """What the stream is drawn against."""

    campaign: Campaign
    units: list[_Unit]
    tops: list[int]  # positions of the units right below the root
    key_tasks: int
    today: dt.date
    ref: dt.date  # the day the ledger stands at: today, within the campaign's dates
    workdays: Workdays


def plan_tasks(seed: int, s: _Setting) -> Iterator[PlannedTask]:
    """The endless, deterministic stream of tasks for `seed`, parents before children."""
    rng = random.Random(f"campaigndesk.scale.tasks:{seed}")
    names = NameMaker(rng)
    counters = {source: 0 for source, _w in SOURCE_WEIGHTS}
    sources = [source for source, _w in SOURCE_WEIGHTS]
    weights = [w for _s, w in SOURCE_WEIGHTS]
    anywhere = list(range(len(s.units)))
    index = 0
    while True:
        if s.tops and rng.random() >= TOP_LEVEL_SHARE_TO_SUBUNITS:
            unit = rng.choice(s.tops)
        else:
            unit = rng.choice(anywhere)
        kt = rng.randrange(s.key_tasks)
        source = rng.choices(sources, weights)[0]
        counters[source] += 1
        start = _start_day(rng, s)
        top = _plan_one(
            rng,
            s,
            names,
            index=index,
            parent=None,
            unit=unit,
            kt=kt,
            source=source,
            ref_no=counters[source],
            starts_on=start,
            deadline=_deadline(rng, s, start),
        )
        top.co_units = _co_units(rng, s, unit)
        yield top
        index += 1
        family = [top]
        while family:
            parent = family.pop(0)
            kids = s.units[parent.unit].children
            chance = SPLIT_CHANCE if parent.depth == 0 else SPLIT_AGAIN_CHANCE
            if not kids or parent.depth >= 2 or parent.status not in _WORKING:
                continue
            if rng.random() >= chance:
                continue
            for kid in rng.sample(kids, rng.randint(min(2, len(kids)), min(4, len(kids)))):
                # Split once the parent is accepted, within a few days of its start.
                accepted = parent.accepted_on or parent.starts_on
                start = max(accepted, parent.starts_on + rng.randint(1, 6) * ONE_DAY)
                start = min(start, s.ref, parent.deadline)
                deadline = max(start, parent.deadline - rng.randint(0, 10) * ONE_DAY)
                child = _plan_one(
                    rng,
                    s,
                    names,
                    index=index,
                    parent=parent,
                    unit=kid,
                    kt=parent.key_task,
                    source=Source.SPLIT,
                    ref_no=0,
                    starts_on=start,
                    deadline=deadline,
                )
                yield child
                index += 1
                family.append(child)


def _start_day(rng: random.Random, s: _Setting) -> dt.date:
    """When the task was assigned: more at the start of the campaign than later."""
    span = (s.ref - s.campaign.starts_on).days
    return s.campaign.starts_on + int(span * rng.random() ** 1.5) * ONE_DAY


def _deadline(rng: random.Random, s: _Setting, start: dt.date) -> dt.date:
    days = rng.choice((10, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360))
    day = min(start + days * ONE_DAY, s.campaign.ends_on)
    if day.weekday() >= 5 and day - (day.weekday() - 4) * ONE_DAY >= start:
        day -= (day.weekday() - 4) * ONE_DAY  # due on the Friday rather than the weekend
    return max(day, start)


def _co_units(rng: random.Random, s: _Setting, lead: int) -> tuple[int, ...]:
    if len(s.tops) < 2 or rng.random() >= CO_UNIT_CHANCE:
        return ()
    others = [u for u in rng.sample(s.tops, min(3, len(s.tops))) if u != lead]
    return tuple(others[: rng.randint(1, 2)])


def _source_ref(source: str, n: int, year: int) -> str:
    if source == Source.WORK_PLAN:
        return f"工作方案第{n % 12 + 1}项措施"
    if source == Source.INSTRUCTION:
        return f"领导批示件（督办〔{year}〕{n}号）"
    if source == Source.MEETING:
        return f"领导小组第{n % 40 + 1}次会议纪要"
    if source == Source.FINDING:
        return f"督查发现问题 DC-{year}-{n:04d}"
    if source == Source.SUGGESTION:
        return f"群众建议 XLC-{year}-{n:05d}"
    return ""


def _plan_one(
    rng: random.Random,
    s: _Setting,
    names: NameMaker,
    *,
    index: int,
    parent: PlannedTask | None,
    unit: int,
    kt: int,
    source: str,
    ref_no: int,
    starts_on: dt.date,
    deadline: dt.date,
) -> PlannedTask:
    theme, actions = THEMES[kt % len(THEMES)]
    if parent is None:
        action = rng.choice(actions)
        title = rng.choice(PREFIXES) + action + rng.choice(SUFFIXES)
    else:
        action = title = f"{s.units[unit].label}落实：{_root_title(parent)}"
    due = f"{deadline.year}年{deadline.month}月{deadline.day}日"
    description = f"按照“{theme}”重点任务要求，{action}，{due}前完成并按周报送进展。"
    leader = names.person() + rng.choice(LEADER_TITLES)
    priority = rng.choices((Priority.NORMAL, Priority.HIGH, Priority.URGENT), (80, 15, 5))[0]
    accept_by = s.workdays.add(starts_on, s.campaign.accept_limit_days)
    task = PlannedTask(
        index=index,
        parent=parent.index if parent else -1,
        root=parent.root if parent else index,
        depth=parent.depth + 1 if parent else 0,
        unit=unit,
        key_task=kt,
        source=source,
        source_ref=_source_ref(source, ref_no, starts_on.year),
        title=title[:300],
        description=description,
        leader=leader,
        priority=priority,
        starts_on=starts_on,
        deadline=deadline,
        accept_by=accept_by,
        status=TaskStatus.ASSIGNED,
        progress=0,
        accepted_on=None,
        reported_on=None,
        closed_on=None,
        reason="",
        note="",
        reopened=False,
        co_units=(),
        reports=rng.random() < REPORTING_SHARE,
        late_mask=sum(1 << k for k in range(REPORTED_PERIODS) if rng.random() < 0.15),
        minute=rng.randrange(60),
    )
    _fate(rng, s, task)
    return task


def _root_title(task: PlannedTask) -> str:
    return task.title if task.depth == 0 else task.title.split("：", 1)[-1]


def _fate(rng: random.Random, s: _Setting, t: PlannedTask) -> None:
    """Where the task stands on the reference day, drawn to fit its dates."""
    ref, r = s.ref, rng.random()
    if r < 0.012:
        t.status, t.reason = TaskStatus.CANCELLED, rng.choice(CANCEL_REASONS)
        return
    r = rng.random()
    if t.accept_by >= ref:  # assigned lately: still within the time to accept
        if r < 0.55:
            return
        if r < 0.58:
            t.status, t.reason = TaskStatus.RETURNED, rng.choice(RETURN_REASONS)
            return
        status = TaskStatus.ACCEPTED if r < 0.85 else TaskStatus.IN_PROGRESS
    elif t.deadline < ref:  # past its deadline
        if r < 0.015:
            return  # never accepted: grey
        if r < 0.025:
            t.status, t.reason = TaskStatus.RETURNED, rng.choice(RETURN_REASONS)
            return
        status = (
            TaskStatus.CLOSED
            if r < 0.78
            else TaskStatus.REPORTED
            if r < 0.82
            else TaskStatus.IN_PROGRESS
        )
    else:  # under way
        if r < 0.03:
            return  # not accepted in time: grey
        if r < 0.04:
            t.status, t.reason = TaskStatus.RETURNED, rng.choice(RETURN_REASONS)
            return
        status = (
            TaskStatus.CLOSED
            if r < 0.10
            else TaskStatus.REPORTED
            if r < 0.15
            else TaskStatus.ACCEPTED
            if r < 0.25
            else TaskStatus.IN_PROGRESS
        )
    delay = rng.choices((0, 1, 2, 3, 4, 5, 7), (10, 30, 25, 20, 8, 4, 3))[0]
    t.accepted_on = min(ref, s.workdays.add(t.starts_on, delay))
    if status == TaskStatus.ACCEPTED and (ref - t.accepted_on).days > 10:
        status = TaskStatus.IN_PROGRESS  # accepted long ago: reports have begun
    t.status = status
    if status == TaskStatus.IN_PROGRESS:
        if t.deadline < ref:
            t.progress = rng.randint(30, 95)
        else:
            lag = rng.choices(
                (rng.randint(-8, 6), rng.randint(10, 28), rng.randint(31, 60)), (78, 14, 8)
            )[0]
            elapsed = expected_progress(t.starts_on, t.deadline, ref)
            t.progress = max(1, min(99, elapsed - lag))
        if rng.random() < 0.04:
            t.reopened, t.reason = True, SENT_BACK
    elif status in (TaskStatus.REPORTED, TaskStatus.CLOSED):
        t.progress = 100
        t.note = rng.choice(NOTES)
        if t.deadline < ref and rng.random() < 0.22:  # finished late
            day = t.deadline + rng.randint(1, 15) * ONE_DAY
        elif t.deadline < ref:
            day = t.deadline - rng.randint(0, 10) * ONE_DAY
        else:
            day = ref - rng.randint(0, 12) * ONE_DAY
        t.reported_on = min(ref, max(t.accepted_on, day))
        if status == TaskStatus.CLOSED:
            t.closed_on = min(ref, t.reported_on + rng.randint(0, 3) * ONE_DAY)


# --- writing ---------------------------------------------------------------------------------

TASK_COLUMNS = (
    "id",
    "campaign_id",
    "key_task_id",
    "phase_id",
    "parent_id",
    "depth",
    "title",
    "description",
    "source",
    "source_ref",
    "lead_unit_id",
    "unit_path",
    "responsible_leader",
    "starts_on",
    "deadline",
    "priority",
    "status",
    "progress",
    "light",
    "light_since",
    "accept_by",
    "return_by",
    "accepted_late",
    "report_late_count",
    "finished_late",
    "reminder_count",
    "reopen_count",
    "accepted_at",
    "reported_at",
    "closed_at",
    "reported_by_id",
    "completion_note",
    "status_reason",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)
CO_UNIT_COLUMNS = ("task_id", "unit_id", "unit_path", "accepted_at")
REPORT_COLUMNS = (
    "task_id",
    "period_id",
    "progress",
    "text",
    "problems",
    "reported_by_id",
    "reported_at",
    "is_late",
)
REMINDER_COLUMNS = ("task_id", "kind", "level", "key", "message", "created_at")
USER_COLUMNS = (
    "id",
    "password",
    "is_superuser",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_staff",
    "is_active",
    "date_joined",
    "full_name",
    "unit_id",
    "title",
    "phone",
)


@register_generator("tasks", order=20)
def generate_tasks(ctx: ScaleContext, count: int) -> dict[str, int]:
    """Make this seed's first `count` tasks (skipping those made before), in bulk."""
    made: dict[str, int] = {}
    setting = _setting(ctx, made)
    if setting is None:
        ctx.say("  tasks: no units below the root to give tasks to")
        return made
    office = _office_person(ctx, made)
    existing = list(
        Task.objects.filter(created_by=office).order_by("id").values_list("id", flat=True)
    )
    if len(existing) >= count:
        return made
    planned = list(islice(plan_tasks(ctx.seed, setting), count))
    ids = existing + reserve_ids(Task, count - len(existing))
    writer = _Writer(ctx, setting, planned, ids, office)
    writer.roll_up()
    first_new = len(existing)
    batch = ctx.batch_size
    made["tasks"] = _insert(Task, TASK_COLUMNS, writer.task_rows(first_new), batch)
    made["co_units"] = _insert(TaskCoUnit, CO_UNIT_COLUMNS, writer.co_unit_rows, batch)
    made["progress_reports"] = _insert(ProgressReport, REPORT_COLUMNS, writer.report_rows, batch)
    made["reminders"] = _insert(Reminder, REMINDER_COLUMNS, writer.reminder_rows, batch)
    writer.update_earlier_parents(first_new)
    ledger_changed(setting.campaign.pk)  # bulk inserts send no signals: the figures are stale
    _analyze(Task, TaskCoUnit, ProgressReport, Reminder)
    ctx.say(
        f"  tasks: {made['tasks']} new in campaign {setting.campaign.code}, "
        f"{len(existing)} already there; {made['co_units']} co-unit links, "
        f"{made['progress_reports']} progress reports, {made['reminders']} reminders"
    )
    return made


def _analyze(*tables: type[models.Model]) -> None:
    """Statistics for the tables just filled. Without them (autovacuum off, or not yet
    round) PostgreSQL plans the ledger's pages as if the tables were as empty as when
    the migrations analysed them: a deep page of the list sorted half the campaign
    (270 ms instead of 0.3 at city scale)."""
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int
) -> int:
    """`insert_rows` for rows whose dates and times are already what the backend takes.

    `insert_rows` converts every date through its model field, which is most of the
    time of a 100,000-task load. PostgreSQL's COPY takes Python dates and aware
    datetimes as they are; SQLite gets Django's own text form of them (ISO dates,
    datetimes in UTC), converted here column by column.
    """
    if connection.vendor == "postgresql":
        return _raw_insert(model, columns, rows, batch)
    if connection.vendor != "sqlite":
        return insert_rows(model, columns, rows, batch)
    fields = [model._meta.get_field(c).get_internal_type() for c in columns]
    stamps = [i for i, f in enumerate(fields) if f == "DateTimeField"]
    days = [i for i, f in enumerate(fields) if f == "DateField"]

    def text(row: Sequence[Any]) -> list[Any]:
        values = list(row)
        for i in stamps:
            if values[i] is not None:
                values[i] = str(values[i].astimezone(dt.UTC).replace(tzinfo=None))
        for i in days:
            if values[i] is not None:
                values[i] = values[i].isoformat()
        return values

    return _raw_insert(model, columns, map(text, rows), batch)


def _raw_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], batch: int
) -> int:
    opts = model._meta
    qn = connection.ops.quote_name
    names = ", ".join(qn(opts.get_field(c).column) for c in columns)
    table = qn(opts.db_table)
    total = 0
    it = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(it, batch)):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, chunk)
            total += len(chunk)
    return total


def _setting(ctx: ScaleContext, made: dict[str, int]) -> _Setting | None:
    rows = (
        Unit.objects.subtree_of(ctx.root)
        .exclude(pk=ctx.root.pk)
        .exclude(kind__in=NOT_TASK_UNITS)
        .filter(is_active=True)
        .order_by("code")
        .values_list("pk", "code", "path", "short_name_zh", "name_zh", "parent_id")
    )
    units = [_Unit(pk, code, path, short or name, []) for pk, code, path, short, name, _p in rows]
    if not units:
        return None
    position = {u.pk: i for i, u in enumerate(units)}
    tops = []
    for i, (_pk, _code, _path, _short, _name, parent) in enumerate(rows):
        if parent == ctx.root.pk:
            tops.append(i)
        elif parent in position:
            units[position[parent]].children.append(i)
    campaign = _campaign(ctx, made)
    today = clock.today()
    return _Setting(
        campaign=campaign,
        units=units,
        tops=tops,
        key_tasks=max(1, campaign.key_tasks.count()),
        today=today,
        ref=min(max(today, campaign.starts_on), campaign.ends_on),
        workdays=for_campaign(campaign),
    )


def _campaign(ctx: ScaleContext, made: dict[str, int]) -> Campaign:
    """The demo campaign, else the first campaign, else one made for this seed."""
    campaign = (
        Campaign.objects.filter(code=DEMO_CAMPAIGN).first()
        or Campaign.objects.order_by("pk").first()
    )
    if campaign is not None:
        return Campaign.objects.select_related("calendar").get(pk=campaign.pk)
    today = clock.today()
    starts, ends = today - dt.timedelta(days=60), today + dt.timedelta(days=300)
    (calendar,) = WorkCalendar.objects.bulk_create(
        [WorkCalendar(name_zh="中国大陆工作日", name_en="Mainland China working days")]
    )
    (campaign,) = Campaign.objects.bulk_create(
        [
            Campaign(
                code=f"scale-{ctx.seed}",
                title_zh=f"规模测试专项行动（种子 {ctx.seed}）",
                title_en=f"Scale test campaign (seed {ctx.seed})",
                starts_on=starts,
                ends_on=ends,
                status=CampaignStatus.ACTIVE,
                calendar=calendar,
                reporting_cycle=ReportingCycle.WEEKLY,
                lead_unit=ctx.root,
                office_unit=ctx.root,
                is_public=False,
            )
        ]
    )
    middle = starts + (ends - starts) / 2
    Phase.objects.bulk_create(
        [
            Phase(
                campaign=campaign, number=1, name_zh="第一阶段", starts_on=starts, ends_on=middle
            ),
            Phase(
                campaign=campaign,
                number=2,
                name_zh="第二阶段",
                starts_on=middle + ONE_DAY,
                ends_on=ends,
            ),
        ]
    )
    KeyTask.objects.bulk_create(
        KeyTask(campaign=campaign, number=n, code=f"KT{n}", title_zh=theme)
        for n, (theme, _actions) in enumerate(THEMES, 1)
    )
    made.update(campaigns=1, phases=2, key_tasks=len(THEMES))
    return Campaign.objects.select_related("calendar").get(pk=campaign.pk)


def _office_person(ctx: ScaleContext, made: dict[str, int]) -> User:
    """The seed's office supervisor, who assigns its tasks (and marks them as this seed's)."""
    username = f"scale-{ctx.seed}-office"
    person = User.objects.filter(username=username).first()
    if person is not None:
        return person
    (pk,) = reserve_ids(User, 1)
    now = timezone.now()
    row = (pk, ctx.password_hash, False, username, "", "", "", False, True, now)
    row += ("督查员（规模数据）", ctx.root.pk, "领导小组办公室督查员", "")
    insert_rows(User, USER_COLUMNS, [row])
    insert_rows(
        RoleGrant, ("user_id", "unit_id", "role", "granted_at"), [(pk, ctx.root.pk, "office", now)]
    )
    made.update(people=made.get("people", 0) + 1, grants=made.get("grants", 0) + 1)
    return User.objects.get(pk=pk)


class _Writer:
    """Turns the planned tasks into rows: rolls figures up, derives reports and reminders."""

    def __init__(
        self,
        ctx: ScaleContext,
        s: _Setting,
        planned: list[PlannedTask],
        ids: list[int],
        office: User,
    ) -> None:
        self.s, self.planned, self.ids, self.office = s, planned, ids, office
        c = s.campaign
        self.key_tasks = list(c.key_tasks.order_by("number").values_list("pk", flat=True))
        self.phases = list(c.phases.order_by("number").values_list("pk", "starts_on", "ends_on"))
        self.periods = list(
            ReportingPeriod.objects.filter(campaign=c, due_on__lt=s.today).order_by("number")
        )[-REPORTED_PERIODS:]
        self.liaisons: dict[int, int] = {}
        grants = RoleGrant.objects.filter(
            role=Role.LIAISON, unit__path__startswith=ctx.root.path
        ).order_by("-user_id")
        for unit_id, user_id in grants.values_list("unit_id", "user_id"):
            self.liaisons[unit_id] = user_id  # the first liaison of each unit wins
        self.tz = timezone.get_current_timezone()
        self.children: dict[int, list[int]] = {}
        for t in planned:
            if t.parent >= 0:
                self.children.setdefault(t.parent, []).append(t.index)
        self.lights: list[str] = [Light.NONE] * len(planned)
        self.co_unit_rows: list[tuple[Any, ...]] = []
        self.report_rows: list[tuple[Any, ...]] = []
        self.reminder_rows: list[tuple[Any, ...]] = []

    def at(self, day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.tz)

    def roll_up(self) -> None:
        """Children before parents (they come later in the stream): a parent's progress is
        its live children's average and its light the worst of its own and theirs."""
        c, s = self.s.campaign, self.s
        for t in reversed(self.planned):
            kids = self.children.get(t.index, ())
            live = [
                self.planned[k].progress
                for k in kids
                if self.planned[k].status != TaskStatus.CANCELLED
            ]
            if live:
                t.progress = round(sum(live) / len(live))
            own = compute_light(
                status=t.status,
                deadline=t.deadline,
                starts_on=t.starts_on,
                progress=t.progress,
                accept_by=t.accept_by,
                today=s.today,
                workdays=s.workdays,
                window=c.warning_window_days,
                lag_yellow=c.lag_yellow_points,
                lag_red=c.lag_red_points,
            )
            self.lights[t.index] = worst([own, *(self.lights[k] for k in kids)])

    def task_rows(self, first: int) -> Iterator[tuple[Any, ...]]:
        s, c = self.s, self.s.campaign
        return_limit = c.return_limit_days
        for t in self.planned[first:]:
            pk = self.ids[t.index]
            unit = s.units[t.unit]
            m = t.minute
            created = self.at(t.starts_on, 9, m)
            accepted = self.at(t.accepted_on, 10, m) if t.accepted_on else None
            reported = self.at(t.reported_on, 16, m) if t.reported_on else None
            closed = self.at(t.closed_on, 11, m) if t.closed_on else None
            liaison = self.liaisons.get(unit.pk)
            leaf = t.index not in self.children
            late_reports = self._reports(t, pk, liaison, leaf)
            reminders = self._reminders(t, pk)
            for co in t.co_units:
                co_unit = s.units[co]
                self.co_unit_rows.append((pk, co_unit.pk, co_unit.path, accepted))
            light = self.lights[t.index]
            steps = (accepted, reported, closed)
            version = 1 + sum(x is not None for x in steps) + 2 * t.reopened + late_reports[1]
            yield (
                pk,
                c.pk,
                self.key_tasks[t.key_task] if t.key_task < len(self.key_tasks) else None,
                self._phase(t.deadline),
                self.ids[t.parent] if t.parent >= 0 else None,
                t.depth,
                t.title,
                t.description,
                t.source,
                t.source_ref,
                unit.pk,
                unit.path,
                t.leader,
                t.starts_on,
                t.deadline,
                t.priority,
                t.status,
                t.progress,
                light,
                max(t.starts_on, s.today - (m % 15) * ONE_DAY),
                t.accept_by,
                s.workdays.add(t.starts_on, return_limit),
                bool(t.accepted_on and t.accepted_on > t.accept_by),
                late_reports[0],
                bool(t.reported_on and t.reported_on > t.deadline),
                reminders,
                int(t.reopened),
                accepted,
                reported,
                closed,
                (liaison or self.office.pk) if reported else None,
                t.note,
                t.reason,
                self.office.pk,
                created,
                max(x for x in (created, *steps) if x is not None),
                version,
            )

    def _phase(self, day: dt.date) -> int | None:
        for pk, starts, ends in self.phases:
            if starts <= day <= ends:
                return pk
        return None

    def _reports(self, t: PlannedTask, pk: int, liaison: int | None, leaf: bool) -> tuple[int, int]:
        """The task's weekly reports for the last ended periods; returns (late, written)."""
        if not (t.reports and leaf and self.periods and t.accepted_on and t.progress):
            return 0, 0
        if t.status not in (TaskStatus.IN_PROGRESS, TaskStatus.REPORTED, TaskStatus.CLOSED):
            return 0, 0
        periods = [
            p
            for p in self.periods
            if p.ends_on - 2 * ONE_DAY > t.accepted_on
            and (t.reported_on is None or p.ends_on < t.reported_on)
        ]
        final = t.progress if t.status == TaskStatus.IN_PROGRESS else 90
        late = 0
        for k, period in enumerate(periods):
            progress = max(1, round(final * (k + 1) / len(periods)))
            is_late = bool(t.late_mask & (1 << k))
            day = period.due_on + 2 * ONE_DAY if is_late else period.ends_on - 2 * ONE_DAY
            if day > self.s.today:
                day, is_late = period.ends_on - 2 * ONE_DAY, False
            late += is_late
            text = next(text for top, text in REPORT_TEXTS if progress < top)
            self.report_rows.append(
                (
                    pk,
                    period.pk,
                    progress,
                    text,
                    "",
                    liaison or self.office.pk,
                    self.at(day, 17, t.minute),
                    is_late,
                )
            )
        return late, len(periods)

    def _reminders(self, t: PlannedTask, pk: int) -> int:
        """The reminders the hourly scan would have issued by today, with its keys."""
        today, workdays = self.s.today, self.s.workdays
        if t.status == TaskStatus.ASSIGNED and t.accept_by < today:
            kind, since, prefix = ReminderKind.NOT_ACCEPTED, t.accept_by, "not_accepted"
        elif t.status in (*_WORKING, TaskStatus.ASSIGNED) and t.deadline < today:
            kind, since, prefix = ReminderKind.OVERDUE, t.deadline, "overdue"
        else:
            return 0
        late = workdays.count_between(since, today)
        issued = 0
        for days, level in reversed(LATE_LADDER):
            if late < days:
                break
            when = self.at(workdays.add(since, days), 8, t.minute)
            key = f"{prefix}:{since.isoformat()}:{level}"
            self.reminder_rows.append((pk, kind, level, key, "", when))
            issued += 1
        return issued

    def update_earlier_parents(self, first: int) -> None:
        """Tasks of an earlier run that gained children in this one: new figures."""
        touched: set[int] = set()
        for t in self.planned[first:]:
            parent = t.parent
            while 0 <= parent < first and parent not in touched:
                touched.add(parent)
                parent = self.planned[parent].parent
        for index in sorted(touched):
            t = self.planned[index]
            Task.objects.filter(pk=self.ids[index]).update(
                progress=t.progress, light=self.lights[index]
            )
