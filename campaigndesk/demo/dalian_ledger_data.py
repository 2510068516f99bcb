"""What happened on the Dalian 2018 ledger between the meeting of 22 November and
20 December 2018: the units' work plans, with the dates things were done (the tasks the
office assigned itself are in `dalian_ledger_tasks`).

Only the data lives here; `dalian_ledger.py` plays it through the actions. Everything
is fictional but shaped by the source article and by how supervision offices work
(shared/domain/practice.md): the six key tasks, the units that spoke at the meeting,
decisions of the leading group's meeting, leaders' instructions, findings of the
office's inspection teams and suggestions adopted from the public. People are
fictional; the real officials of the article appear in no task.

A task's story is told by its fields: when it was assigned, accepted (or returned),
how fast it progressed in the weekly reports (`pace` against the time elapsed; a
pace below 1 falls behind), which reports were missed or late, when it was reported
done, sent back, closed or cancelled, which reminders it drew, and its child tasks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from campaigndesk.ledger.models import Priority, ReminderKind, Source

from . import dalian_units as du

D = dt.date
DEMO_DAY = D(2018, 12, 20)  # the day the demo's clock runs from (make demo)
LOCK_DAY = D(2018, 12, 11)  # the office locks the first two weekly periods
LOCKED_PERIODS = (1, 2)

OVERDUE, NOT_ACCEPTED = ReminderKind.OVERDUE, ReminderKind.NOT_ACCEPTED
BEFORE, LATE_REPORT, MANUAL = (
    ReminderKind.BEFORE_DEADLINE,
    ReminderKind.LATE_REPORT,
    ReminderKind.MANUAL,
)
LIAISON, HEAD, OFFICE = "liaison", "unit_head", "office"


@dataclass(frozen=True)
class TaskSpec:
    key: str
    unit: str  # code of the lead unit
    kt: int  # key task number
    title: str
    deadline: dt.date
    on: dt.date | None = None  # assigned (or split) on; plan tasks: the approval day
    source: str = Source.INSTRUCTION
    ref: str = ""
    description: str = ""
    co: tuple[str, ...] = ()
    leader: str = ""
    priority: int = Priority.NORMAL
    milestones: tuple[tuple[str, dt.date], ...] = ()
    accept: dt.date | None = None
    returned: tuple[dt.date, str] | None = None
    reassign: tuple[dt.date, str, dt.date | None] | None = None  # (on, unit, accepted on)
    pace: float = 1.0
    skip: tuple[int, ...] = ()  # periods left without a report
    late: tuple[int, ...] = ()  # periods reported after their due day
    done: dt.date | None = None
    note: str = ""
    done_by_head: bool = False
    sent_back: tuple[dt.date, str] | None = None
    closed: dt.date | None = None
    cancelled: tuple[dt.date, str] | None = None
    reminders: tuple[tuple[dt.date, str, str], ...] = ()  # (day, kind, level)
    children: tuple[TaskSpec, ...] = ()


@dataclass(frozen=True)
class Revision:
    """An approved plan edited and sent again, for the office to compare."""

    on: dt.date
    changes: tuple[tuple[int, tuple[tuple[str, object], ...]], ...]
    added: tuple[TaskSpec, ...]
    submitted: dt.date
    endorsed: dt.date | None = None


@dataclass(frozen=True)
class PlanSpec:
    unit: str
    summary: str
    started: dt.date
    measures: tuple[TaskSpec, ...]
    submitted: dt.date | None = None
    endorsed: dt.date | None = None
    approved: tuple[dt.date, str] | None = None
    returned: tuple[dt.date, str] | None = None
    revision: Revision | None = None


# Two communities of the Jiaojinshan street office, so a task goes down two levels.
JINLONG = "DL-GJZ-JJS-JL"
JIAOBEI = "DL-GJZ-JJS-JB"
COMMUNITIES = (
    (
        JINLONG,
        du.JIAOJINSHAN,
        "椒金山街道金龙社区",
        "Jinlong Community, Jiaojinshan Street Office",
        "金龙社区",
        10,
    ),
    (
        JIAOBEI,
        du.JIAOJINSHAN,
        "椒金山街道椒北社区",
        "Jiaobei Community, Jiaojinshan Street Office",
        "椒北社区",
        20,
    ),
)

# Fictional liaisons and heads of the units that have plans or tasks, given in order
# to the units below that have no demo account yet (usernames follow the unit code:
# DL-GJZ-PY -> gjz_py_liaison).
NAMES: tuple[str, ...] = (
    "王海燕",
    "刘晓东",
    "张丽华",
    "李志强",
    "陈晓燕",
    "杨国栋",
    "赵丽娟",
    "黄建军",
    "周晓梅",
    "吴国庆",
    "徐春燕",
    "孙志明",
    "胡晓光",
    "朱丽萍",
    "高建平",
    "林晓红",
    "何建新",
    "郭海燕",
    "马国强",
    "罗晓丽",
    "梁志刚",
    "宋晓军",
    "郑丽君",
    "谢建国",
    "韩晓鹏",
    "唐丽娜",
    "冯建伟",
    "于晓丹",
    "董海峰",
    "萧雅琴",
    "程国华",
    "曹晓东",
    "袁丽敏",
    "邓志勇",
    "许晓雯",
    "傅建明",
    "沈丽霞",
    "曾国斌",
    "彭晓宁",
    "吕建华",
    "苏晓琳",
    "卢志国",
    "蒋丽娅",
    "蔡晓峰",
    "贾国平",
    "丁晓慧",
    "魏建林",
    "薛丽红",
    "钟晓峰",
    "汪丽萍",
    "田国伟",
    "任晓琴",
    "姜建波",
    "范丽芳",
    "方志华",
    "石晓燕",
    "姚国林",
    "廖晓梅",
    "邹建军",
    "熊丽君",
)
HEAD_UNITS = (
    du.HIGH_TECH_ZONE,
    du.COMMERCE_BUREAU,
    du.PLANNING_BUREAU,
    "DL-YSJ",
    "DL-SHK",
    "DL-ZH",
    "DL-XG",
    du.ZHONGSHAN,
)

# --- work plans -------------------------------------------------------------------------------

GJZ_PLAN = PlanSpec(
    unit=du.GANJINGZI,
    summary=(
        "以“学上海、找差距、抓落实”为主线，区委常委会每月听取一次活动进展汇报，"
        "建立区级领导包保街道和部门制度，形成问题、任务、责任三张清单，"
        "确保“七破七立”在甘井子区见到实效。"
    ),
    started=D(2018, 11, 24),
    submitted=D(2018, 11, 26),
    endorsed=D(2018, 11, 27),
    approved=(D(2018, 11, 29), "同意。请按周报送进展，“不忘初心”大调研要分解到街道和社区。"),
    measures=(
        TaskSpec(
            "gjz-study",
            du.GANJINGZI,
            1,
            "区委理论学习中心组开展解放思想专题学习研讨",
            D(2018, 12, 14),
            description=(
                "围绕习近平新时代中国特色社会主义思想和总书记在深入推进东北振兴座谈会上的"
                "重要讲话精神，开展3次专题学习研讨，区级领导每人撰写1篇研讨发言材料。"
            ),
            leader="孙志远（区委副书记）",
            milestones=(("第一次专题研讨", D(2018, 12, 5)), ("形成研讨成果汇编", D(2018, 12, 14))),
            pace=1.1,
            done=D(2018, 12, 13),
            note="已开展3次专题学习研讨，区级领导撰写研讨发言材料16篇，成果汇编已印发，"
            "会议记录、照片和汇编电子版已上传。",
            closed=D(2018, 12, 14),
        ),
        TaskSpec(
            "gjz-survey",
            du.GANJINGZI,
            2,
            "开展“不忘初心”大调研，区级领导走访企业、社区和群众",
            D(2019, 1, 31),
            description=(
                "区级领导每人联系1个街道、5家企业，深入一线听实话、察实情，"
                "每月形成调研报告，梳理问题清单并推动解决。"
            ),
            leader="孙志远（区委副书记）",
            children=(
                TaskSpec(
                    "jjs-survey",
                    du.JIAOJINSHAN,
                    2,
                    "椒金山街道开展“不忘初心”大调研，入户走访辖区企业和居民",
                    D(2019, 1, 20),
                    on=D(2018, 12, 3),
                    accept=D(2018, 12, 4),
                    children=(
                        TaskSpec(
                            "jl-survey",
                            JINLONG,
                            2,
                            "金龙社区入户走访居民，收集群众意见建议并建立台账",
                            D(2019, 1, 10),
                            on=D(2018, 12, 5),
                            accept=D(2018, 12, 6),
                            pace=1.2,
                        ),
                        TaskSpec(
                            "jb-survey",
                            JIAOBEI,
                            2,
                            "椒北社区走访辖区商户和小微企业，梳理经营困难问题清单",
                            D(2019, 1, 10),
                            on=D(2018, 12, 5),
                            accept=D(2018, 12, 6),
                            pace=0.7,
                        ),
                    ),
                ),
                TaskSpec(
                    "py-survey",
                    "DL-GJZ-PY",
                    2,
                    "泡崖街道开展“不忘初心”大调研，走访辖区重点企业",
                    D(2019, 1, 20),
                    on=D(2018, 12, 3),
                    accept=D(2018, 12, 4),
                    pace=1.1,
                ),
                TaskSpec(
                    "hq-survey",
                    "DL-GJZ-HQ",
                    2,
                    "红旗街道开展“不忘初心”大调研，走访涉农社区和种植养殖大户",
                    D(2019, 1, 20),
                    on=D(2018, 12, 3),
                    accept=D(2018, 12, 5),
                    pace=0.5,
                    late=(4,),
                ),
            ),
        ),
        TaskSpec(
            "gjz-pudong",
            du.GANJINGZI,
            3,
            "对标上海浦东新区，梳理区级可复制推广经验清单",
            D(2018, 12, 28),
            description=(
                "组织相关部门赴浦东新区学习考察，对照营商环境、社会治理、城市管理等领域找差距，"
                "形成不少于20项可复制推广经验清单，逐项明确落地部门。"
            ),
            leader="刘振东（副区长）",
            pace=1.1,
        ),
        TaskSpec(
            "gjz-approvals",
            du.GANJINGZI,
            5,
            "梳理涉企审批事项并精简，区级审批事项压减30%以上",
            D(2019, 3, 29),
            description=(
                "全面梳理区级行政审批和涉企服务事项，对照浦东新区“证照分离”改革清单，"
                "提出取消、合并、下放和告知承诺事项清单，区级审批事项压减30%以上。"
            ),
            leader="刘振东（副区长）",
            late=(3,),
        ),
        TaskSpec(
            "gjz-one-window",
            du.GANJINGZI,
            5,
            "推行企业开办“一窗通”，开办时间压缩至3个工作日以内",
            D(2018, 12, 21),
            description="营业执照、公章刻制、发票申领一窗受理、并联办理，企业开办全程不超过3个工作日。",
            leader="王立军（副区长）",
            pace=1.1,
            done=D(2018, 12, 19),
            note="区政务服务中心已设立企业开办“一窗通”专区，营业执照、公章刻制、发票申领实现"
            "一窗受理、并联办理，11月以来新开办企业平均用时2.5个工作日。办理流程图、窗口照片"
            "和12月办件统计表已上传。",
        ),
        TaskSpec(
            "gjz-shop-assistant",
            du.GANJINGZI,
            6,
            "推行“店小二”式服务，建立区级领导包保重点企业制度",
            D(2019, 9, 30),
            description="区级领导每人包保3至5家重点企业，每季度至少上门服务1次，企业诉求限时办结。",
            leader="王立军（副区长）",
            skip=(2, 3, 4),
            reminders=((D(2018, 12, 18), LATE_REPORT, LIAISON),),
        ),
        TaskSpec(
            "gjz-seven-breaks",
            du.GANJINGZI,
            4,
            "对照“七破七立”召开解放思想专题组织生活会",
            D(2018, 12, 25),
            description="各级党组织对照“七破七立”查摆思想观念问题，形成问题清单和整改措施。",
            leader="孙志远（区委副书记）",
            reminders=((DEMO_DAY, BEFORE, LIAISON),),
        ),
    ),
)

KJJ_PLAN = PlanSpec(
    unit=du.SCIENCE_BUREAU,
    summary=(
        "对标上海建设具有全球影响力的科技创新中心的做法，聚焦科技政策、创新主体培育和"
        "科技领域“放管服”改革，形成政策、项目、服务三张清单。"
    ),
    started=D(2018, 11, 26),
    submitted=D(2018, 11, 27),
    endorsed=D(2018, 11, 28),
    approved=(D(2018, 11, 30), "同意。政策清单请与市发改委对标找差清单衔接。"),
    measures=(
        TaskSpec(
            "kjj-policy",
            du.SCIENCE_BUREAU,
            3,
            "对标上海科创中心建设，制定大连科技创新政策清单",
            D(2019, 2, 28),
            description="梳理上海科创中心建设政策文件，逐条比对本市现行科技政策，提出新增、修订和废止清单。",
            leader="周海涛（局长）",
            children=(
                TaskSpec(
                    "zcc-policy",
                    "DL-KJJ-ZCC",
                    3,
                    "起草《大连市对标上海加快科技创新若干政策措施（征求意见稿）》",
                    D(2019, 1, 31),
                    on=D(2018, 12, 3),
                    accept=D(2018, 12, 4),
                ),
            ),
        ),
        TaskSpec(
            "kjj-gazelles",
            du.SCIENCE_BUREAU,
            5,
            "实施科技型中小企业“雏鹰—瞪羚—独角兽”梯度培育计划",
            D(2019, 6, 28),
            description="建立梯度培育企业库，2019年新认定雏鹰企业200家、瞪羚企业30家。",
            leader="周海涛（局长）",
        ),
        TaskSpec(
            "kjj-transfer",
            du.SCIENCE_BUREAU,
            5,
            "推动驻连高校和科研院所科技成果在连转化",
            D(2019, 6, 28),
            description="建立高校院所科技成果清单和企业技术需求清单，组织对接活动，促成一批成果在连落地。",
            leader="周海涛（局长）",
            late=(4,),
        ),
        TaskSpec(
            "kjj-red-tape",
            du.SCIENCE_BUREAU,
            4,
            "深化科技领域“放管服”改革，精简科技项目申报材料",
            D(2018, 12, 14),
            description="取消与科技项目申报无关的证明材料，推行“一表申报”，申报材料精简一半以上。",
            leader="周海涛（局长）",
            pace=0.9,
            done=D(2018, 12, 17),
            note="科技项目申报材料由18项精简为8项，推行“一表申报”，新版申报指南已印发，文件已上传。",
            closed=D(2018, 12, 19),
        ),
        TaskSpec(
            "kjj-study",
            du.SCIENCE_BUREAU,
            1,
            "局党组开展解放思想大讨论专题学习研讨",
            D(2018, 12, 7),
            leader="周海涛（局长）",
            done=D(2018, 12, 6),
            note="局党组召开专题学习研讨会2次，处级以上干部交流发言12人次，会议纪要已上传。",
            closed=D(2018, 12, 7),
        ),
    ),
)

GXQ_PLAN = PlanSpec(
    unit=du.HIGH_TECH_ZONE,
    summary=(
        "对标上海浦东张江，围绕创新政策、企业服务、干部能力三个方面补短板，"
        "把高新区建成全市解放思想、改革创新的先行区。"
    ),
    started=D(2018, 11, 26),
    submitted=D(2018, 11, 27),
    endorsed=D(2018, 11, 28),
    approved=(D(2018, 11, 30), "同意。"),
    measures=(
        TaskSpec(
            "gxq-zhangjiang",
            du.HIGH_TECH_ZONE,
            3,
            "制定高新区对标浦东张江的创新政策清单",
            D(2019, 1, 31),
            description="对照张江科学城在人才、金融、知识产权方面的政策，形成高新区政策清单。",
            leader="高建平（管委会副主任）",
        ),
        TaskSpec(
            "gxq-service-centre",
            du.HIGH_TECH_ZONE,
            5,
            "建设高新区企业服务中心，企业办事“最多跑一次”",
            D(2019, 3, 29),
            description="整合区内审批和服务窗口，设立企业服务中心，公布“最多跑一次”事项清单。",
            leader="高建平（管委会副主任）",
            skip=(4,),
        ),
        TaskSpec(
            "gxq-secondment",
            du.HIGH_TECH_ZONE,
            4,
            "组织干部赴上海浦东、张江跟岗学习",
            D(2018, 12, 28),
            description="选派中青年干部赴浦东新区和张江科学城相关部门跟岗学习，回来后形成学习报告。",
            leader="林晓红（管委会副主任）",
            pace=1.2,
            done=D(2018, 12, 18),
            note="首批20名干部已完成为期两周的跟岗学习，形成学习报告20篇和改进建议35条，"
            "学习报告汇编已上传。",
        ),
        TaskSpec(
            "gxq-software",
            du.HIGH_TECH_ZONE,
            5,
            "推动软件和信息技术服务业集聚发展，新引进重点企业10家以上",
            D(2019, 6, 28),
            leader="高建平（管委会副主任）",
        ),
    ),
    revision=Revision(
        on=D(2018, 12, 14),
        changes=(
            (
                1,
                (
                    ("deadline", D(2019, 3, 29)),
                    (
                        "description",
                        "对照张江科学城在人才、金融、知识产权、科技成果转化方面的政策，"
                        "形成高新区政策清单，报管委会审定后分批出台。",
                    ),
                ),
            ),
            (3, (("title", "分两批组织50名干部赴上海浦东、张江跟岗学习"),)),
        ),
        added=(
            TaskSpec(
                "gxq-projects",
                du.HIGH_TECH_ZONE,
                6,
                "建立重点项目“一个项目、一名领导、一个专班”推进机制",
                D(2019, 4, 30),
                description="对区内在建和拟建重点项目逐一明确包保领导和工作专班，每月调度一次。",
                leader="高建平（管委会副主任）",
            ),
        ),
        submitted=D(2018, 12, 17),
        endorsed=D(2018, 12, 18),
    ),
)

YSJ_PLAN = PlanSpec(
    unit="DL-YSJ",
    summary="以对标上海、对标世界银行营商环境评价为抓手，推进审批制度改革，让企业和群众办事更便利。",
    started=D(2018, 11, 28),
    submitted=D(2018, 11, 29),
    endorsed=D(2018, 11, 30),
    approved=(D(2018, 12, 3), "同意。审批事项清单请于2019年3月底前提请市政府常务会议审议。"),
    measures=(
        TaskSpec(
            "ysj-approval-list",
            "DL-YSJ",
            5,
            "梳理全市涉企行政审批事项，提出取消、下放和调整清单",
            D(2019, 3, 29),
            description="会同各部门逐项梳理市级行政职权和涉企审批事项，提出取消、下放、调整事项清单。",
            leader="徐春燕（局长）",
        ),
        TaskSpec(
            "ysj-evaluation",
            "DL-YSJ",
            5,
            "对标世界银行营商环境评价指标，开展全市营商环境评价",
            D(2019, 6, 28),
            leader="徐春燕（局长）",
        ),
        TaskSpec(
            "ysj-hotline",
            "DL-YSJ",
            6,
            "开通营商环境投诉举报平台，建立投诉办理“首问负责”制",
            D(2019, 1, 15),
            description="整合现有投诉渠道，开通统一的营商环境投诉举报平台，投诉件限时办结并回访。",
            leader="徐春燕（局长）",
            pace=0.1,
            reminders=((D(2018, 12, 19), MANUAL, OFFICE),),
        ),
    ),
)

SWJ_PLAN = PlanSpec(
    unit=du.COMMERCE_BUREAU,
    summary="学习上海扩大开放的经验，围绕外资、外贸和跨境电商，推动高水平开放合作。",
    started=D(2018, 12, 10),
    submitted=D(2018, 12, 17),
    endorsed=D(2018, 12, 19),
    measures=(
        TaskSpec(
            "swj-expo",
            du.COMMERCE_BUREAU,
            3,
            "学习上海进口博览会经验，组织企业参加第二届中国国际进口博览会",
            D(2019, 11, 8),
            leader="董海峰（副局长）",
        ),
        TaskSpec(
            "swj-fdi",
            du.COMMERCE_BUREAU,
            5,
            "建立重点外资项目“一对一”服务机制",
            D(2019, 3, 29),
            description="对投资额5000万美元以上的外资项目逐一明确服务专员，协调解决项目落地问题。",
            leader="董海峰（副局长）",
        ),
        TaskSpec(
            "swj-ecommerce",
            du.COMMERCE_BUREAU,
            5,
            "推进跨境电子商务综合试验区建设，培育跨境电商龙头企业",
            D(2019, 6, 28),
            leader="董海峰（副局长）",
        ),
    ),
)

GHJ_PLAN = PlanSpec(
    unit=du.PLANNING_BUREAU,
    summary="对标上海规划管理改革，推进“多规合一”，压缩规划审批时限，提升城市设计水平。",
    started=D(2018, 12, 12),
    submitted=D(2018, 12, 19),
    measures=(
        TaskSpec(
            "ghj-one-map",
            du.PLANNING_BUREAU,
            5,
            "对标上海“多规合一”，推进全市空间规划“一张图”建设",
            D(2019, 9, 30),
            leader="程国华（副局长）",
        ),
        TaskSpec(
            "ghj-permits",
            du.PLANNING_BUREAU,
            4,
            "压缩建设项目规划审批时限，规划许可办理时间压缩一半",
            D(2019, 3, 29),
            leader="程国华（副局长）",
        ),
        TaskSpec(
            "ghj-design",
            du.PLANNING_BUREAU,
            2,
            "开展城市设计专题调研，形成城市风貌管控建议",
            D(2019, 5, 31),
            leader="程国华（副局长）",
        ),
    ),
)

ZS_PLAN = PlanSpec(
    unit=du.ZHONGSHAN,
    summary="深入开展大讨论大实践活动，推动中山区各项工作再上新台阶。",
    started=D(2018, 11, 26),
    submitted=D(2018, 11, 28),
    returned=(
        D(2018, 12, 5),
        "措施与六项重点任务对应不够，缺少“不忘初心”大调研和对标上海的具体举措；"
        "完成时限均为2019年年底，过于笼统。请细化到月、明确责任领导后重新报送。",
    ),
    measures=(
        TaskSpec(
            "zs-discuss",
            du.ZHONGSHAN,
            1,
            "深入开展解放思想大讨论",
            D(2019, 12, 31),
        ),
        TaskSpec(
            "zs-business",
            du.ZHONGSHAN,
            5,
            "持续优化营商环境",
            D(2019, 12, 31),
        ),
        TaskSpec(
            "zs-style",
            du.ZHONGSHAN,
            6,
            "切实转变干部作风",
            D(2019, 12, 31),
        ),
    ),
)

XG_PLAN = PlanSpec(
    unit="DL-XG",
    summary="（草稿）围绕“不忘初心”大调研和学习上海黄浦区城市精细化管理经验制定措施。",
    started=D(2018, 12, 12),
    measures=(
        TaskSpec(
            "xg-survey",
            "DL-XG",
            2,
            "开展“不忘初心”大调研，走访辖区重点企业和商户",
            D(2019, 1, 31),
        ),
        TaskSpec(
            "xg-huangpu",
            "DL-XG",
            3,
            "学习上海黄浦区经验，推进老城区精细化管理",
            D(2019, 6, 28),
        ),
    ),
)

PLANS: tuple[PlanSpec, ...] = (
    GJZ_PLAN,
    KJJ_PLAN,
    GXQ_PLAN,
    YSJ_PLAN,
    SWJ_PLAN,
    GHJ_PLAN,
    ZS_PLAN,
    XG_PLAN,
)
"""Every plan state: approved with tasks (甘井子区, 市科技局, 市营商局), approved then
revised and endorsed again (高新区), endorsed (市商务局), submitted (市规划局),
returned with the office's comment (中山区) and a draft (西岗区)."""
