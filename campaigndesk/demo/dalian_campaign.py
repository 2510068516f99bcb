"""The Dalian 2018 campaign, its two phases and six key tasks, in Chinese and English.

Built from the report of the meeting of 22 November 2018 (shared/domain/source-article.txt,
a machine translation): the English here is rewritten from the Chinese, not copied from
the garbled translation. The "seven breaks, seven establishments" of phase one are
not spelt out in the report; the list below is the demo's plausible rendering of the
problems the report names under the fourth key task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import dalian_units as units

CAMPAIGN_CODE = "dalian-2018"

TITLE_ZH = "解放思想推动高质量发展大讨论大实践活动"
TITLE_EN = (
    '"Emancipate the Mind, Promote High-Quality Development" discussion and practice activity'
)

# Six phrases of four characters: the "24 characters" of the report.
THEME_ZH = "解放思想、学习上海、更新观念、深化改革、真抓实干、全面振兴"
THEME_EN = (
    "Emancipate the mind, learn from Shanghai, renew ideas, deepen reform, "
    "work hard and in earnest, revitalise Dalian in full."
)

SUMMARY_ZH = (
    "按照中央和省委要求，中共大连市委决定深入开展“解放思想推动高质量发展”大讨论大实践活动，"
    "主要内容概括为“解放思想、学习上海、更新观念、深化改革、真抓实干、全面振兴”24个字。"
    "2018年11月22日，全市大讨论活动总结暨解放思想推动高质量发展大讨论大实践活动动员大会召开，"
    "省委常委、市委书记谭作钧出席并讲话，市委副书记、市长谭成旭主持会议；"
    "甘井子区、市城乡规划局、市科学技术局、市商务局、高新区负责同志作交流发言。\n\n"
    "活动分两个阶段进行，突出抓好六项重点任务。市委大讨论大实践活动领导小组负责总体设计、"
    "统筹协调，领导小组办公室负责督促检查、宣传报道等工作。各地区各部门要明确组织机构，"
    "制定具体工作方案，上下联动、密切配合；党委（党组）主要负责同志要亲自部署、亲自参与、"
    "亲自推动。要对活动开展情况和实际成效进行督促检查，建立台账、形成清单、及时整改，"
    "对活动开展不力的严肃问责。要汇聚各方力量，广泛开展“我为大连振兴发展献良策”活动，"
    "加大舆论宣传力度，营造人人关心、人人参与的浓厚氛围。"
)
SUMMARY_EN = (
    "As the Party Central Committee and the provincial Party committee require, the CPC Dalian "
    "Municipal Committee decided to hold a city-wide discussion and practice activity on "
    '"emancipating the mind to promote high-quality development", summed up in 24 '
    "characters: emancipate the mind, learn from Shanghai, renew ideas, deepen reform, work "
    "hard and in earnest, revitalise Dalian in full. On 22 November 2018 the city held the "
    "meeting that summed up the previous discussion activity and launched this one. Tan "
    "Zuojun, member of the Standing Committee of the Liaoning Provincial Party Committee and "
    "Secretary of the Dalian Municipal Party Committee, attended and spoke; Tan Chengxu, "
    "Deputy Secretary of the Municipal Party Committee and Mayor, chaired the meeting. The "
    "leaders of Ganjingzi District, the City Planning Bureau, the Municipal Science and "
    "Technology Bureau, the Municipal Bureau of Commerce and the High-tech Zone made exchange "
    "statements.\n\n"
    "The activity runs in two phases and concentrates on six key tasks. The municipal Party "
    "committee's leading group designs and coordinates the whole; its office supervises, "
    "inspects and publicises. Every district, county and department sets up its organisation, "
    "writes a specific work plan and works closely with the levels above and below; the "
    "principal leaders of each Party committee (Party group) plan, take part and push in "
    "person. The office checks how the activity is carried out and what it achieves, keeps a "
    "ledger, draws up lists, has problems rectified in time and holds units that fail to act "
    "to account. The public is invited to offer good plans for Dalian's revitalisation "
    '("I offer a good plan for the development of Dalian"), and publicity builds an '
    "atmosphere in which everyone cares and takes part."
)

STARTS_ON = dt.date(2018, 11, 22)  # the mobilisation meeting: "from now to the end of the year"
ENDS_ON = dt.date(2019, 12, 31)

CALENDAR_NAME_ZH = "中国大陆工作日（大连）"
CALENDAR_NAME_EN = "Mainland China working days (Dalian)"


@dataclass(frozen=True)
class DaySpec:
    date: dt.date
    is_workday: bool
    note: str


# The office's own corrections on top of the national holiday schedule.
CALENDAR_DAYS: tuple[DaySpec, ...] = (
    DaySpec(dt.date(2018, 11, 24), True, "动员大会后周六集中学习研讨"),
    DaySpec(dt.date(2019, 1, 2), False, "补休（2018年11月24日集中学习研讨）"),
)


@dataclass(frozen=True)
class PhaseSpec:
    number: int
    name_zh: str
    name_en: str
    starts_on: dt.date
    ends_on: dt.date
    aim_zh: str
    aim_en: str


SEVEN_BREAKS_ZH = (
    "一破“不敢闯、不敢试”的保守思想，立敢为人先、大胆探索的进取意识；",
    "二破“官本位”思想，立主动服务、提高服务质量的服务意识；",
    "三破因循守旧的老套思维，立蹚出新路、闯出新路的创新思维；",
    "四破“重管理、轻市场”的计划思维，立尊重市场规律、减少不合理干预的市场意识；",
    "五破安于现状、不思进取的懈怠心态，立逢山开路、遇水架桥的奋斗精神；",
    "六破各自为政、部门利益至上的本位观念，立上下联动、协同推进的全局观念；",
    "七破作风漂浮、不抓落实的不良习气，立真抓实干、马上就办的务实作风。",
)
SEVEN_BREAKS_EN = (
    "1. Break the caution that dares not venture or experiment; establish the will to lead "
    "and explore boldly.",
    "2. Break the officialdom mentality; establish service-mindedness and better service.",
    "3. Break stale, routine thinking; establish innovative thinking that finds new roads.",
    "4. Break the planned-economy habit of managing rather than serving the market; establish "
    "respect for the market and cut unreasonable interference in it.",
    "5. Break complacency; establish the fighting spirit that cuts roads through mountains "
    "and bridges rivers.",
    "6. Break departmentalism; establish whole-city thinking and joint effort across levels.",
    "7. Break superficial work that never follows through; establish real, hard work done at once.",
)

PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        number=1,
        name_zh="第一阶段：突破观念障碍，实现“七破七立”",
        name_en='Phase one: break through conceptual barriers ("seven breaks, seven '
        'establishments")',
        starts_on=STARTS_ON,
        ends_on=dt.date(2018, 12, 31),
        aim_zh=(
            "从动员大会起到2018年年底，重点突破制约振兴发展的观念障碍，实现“七破七立”：\n"
            + "\n".join(SEVEN_BREAKS_ZH)
        ),
        aim_en=(
            "From the mobilisation meeting to the end of 2018: break through the conceptual "
            "barriers that hold back Dalian's revitalisation and achieve the \"seven breaks, "
            'seven establishments":\n' + "\n".join(SEVEN_BREAKS_EN)
        ),
    ),
    PhaseSpec(
        number=2,
        name_zh="第二阶段：研讨落实高质量发展目标任务，推动活动常态化",
        name_en="Phase two: set and carry out the goals of high-quality development, make "
        "the practice routine",
        starts_on=dt.date(2019, 1, 1),
        ends_on=ENDS_ON,
        aim_zh=(
            "2019年全年，重点研讨落实新时代大连高质量发展的目标、主要任务和行动方案，"
            "把对标上海的经验转化为具体举措，推动大讨论大实践活动常态化、制度化，"
            "以活动成果推动全面振兴、全方位振兴取得新突破。"
        ),
        aim_en=(
            "Throughout 2019: discuss and carry out the goals, main tasks and action plan for "
            "Dalian's high-quality development in the new era, turn what was learnt from "
            "Shanghai into concrete measures, and make the discussion and practice a routine, "
            "institutional part of the work, so that its results drive a new breakthrough in "
            "Dalian's all-round revitalisation."
        ),
    ),
)


@dataclass(frozen=True)
class KeyTaskSpec:
    number: int
    code: str
    title_zh: str
    title_en: str
    content_zh: str
    content_en: str
    lead_unit: str


KEY_TASKS: tuple[KeyTaskSpec, ...] = (
    KeyTaskSpec(
        1,
        "KT1",
        "实践再深化，在自觉践行习近平新时代中国特色社会主义思想上下功夫",
        "Deepen practice: apply Xi Jinping Thought on Socialism with Chinese Characteristics "
        "for a New Era consciously",
        "把学习贯彻习近平新时代中国特色社会主义思想同落实党的十九大提出的新目标新任务结合起来，"
        "同学习贯彻习近平总书记在辽宁考察时和在深入推进东北振兴座谈会上的重要讲话精神结合起来。"
        "做到内化于心、外化于行，把这一思想贯穿谋划工作、作出决策、推动落实的全过程，"
        "找准推动工作的正确方向，找到改革创新的思路和解决问题的路径方法；勇于实践，"
        "及时更新观念，大胆实践创新，确保党中央决策部署在大连落地生根。",
        "Combine the study of Xi Jinping Thought with the new goals and tasks set by the 19th "
        "Party Congress, and with the speeches General Secretary Xi Jinping gave during his "
        "inspection of Liaoning and at the symposium on further revitalising the Northeast. "
        "Take the thought to heart and act on it: let it run through planning, decisions and "
        "implementation, so as to find the right direction for the work, fresh ideas for reform "
        "and innovation, and practical ways to solve problems. Dare to practise, update ideas "
        "in time and innovate boldly, so that the decisions of the Party Central Committee take "
        "root in Dalian.",
        "DL-XCB",
    ),
    KeyTaskSpec(
        2,
        "KT2",
        "调研再深入，在准确把握市情上下功夫",
        "Deepen research: grasp the city's real conditions accurately",
        "深入实际、深入基层、深入群众，真正听实话、察实情、获真知、收实效；摸清底数、找准问题、"
        "剖析原因，对市情再挖掘、再认识；聚焦解决问题，找准突破口，逐步突破，用实招、出真招、"
        "下硬招，啃下“硬骨头”。",
        "Go into real situations, to the grassroots and among the people; hear the truth, see "
        "the facts, gain real knowledge and get results. Establish the baseline figures, pin "
        "down the problems and analyse their causes, so that the city's conditions are examined "
        "and understood anew. Concentrate on solving problems: find where to break through, "
        "advance step by step, and use practical, genuine and tough measures to crack the "
        '"hard bones".',
        "DL-ZYS",
    ),
    KeyTaskSpec(
        3,
        "KT3",
        "对标再精准，在学习上海先进经验上下功夫",
        "Benchmark precisely: learn from Shanghai's advanced experience",
        "学习上海的发展思路，全面对标，既知其然，又知其所以然，推动发展思路创新；"
        "突出薄弱环节，学会“弹钢琴”，对症下药、精准施策；推动经验转化，坚持实事求是，"
        "做到精准落地、复制推广，务求取得实效。",
        "Study Shanghai's approach to development and benchmark against it across the board, "
        "understanding not only what it does but why, so that Dalian's own thinking about "
        'development is renewed. Concentrate on weak links, learn to "play the piano" '
        "(balance the whole while pressing the key points) and prescribe the right remedy "
        "for each problem. Turn experience into practice: seek truth from facts, adopt and "
        "spread what fits Dalian precisely, and insist on results.",
        "DL-FGW",
    ),
    KeyTaskSpec(
        4,
        "KT4",
        "观念再更新，在着力解决思想解放不够的问题上下功夫",
        "Renew ideas: solve the problem of a mind not yet emancipated enough",
        "着力解决不敢闯、不敢试的问题，敢于大胆尝试；解决官本位思想问题，强化服务意识，"
        "提高服务质量；解决老套思维问题，自觉运用创新思维找到破解之道，蹚出新路、闯出新路；"
        "解决市场意识欠缺问题，进一步开放市场，减少对市场的不合理干预；"
        "解决艰苦奋斗精神不足问题，始终保持逢山开路、遇水架桥的拼劲、韧劲和干劲。",
        "Overcome the reluctance to venture and experiment, and dare to try boldly. Overcome "
        "the officialdom mentality: strengthen service-mindedness and raise the quality of "
        "service. Overcome stale thinking: use innovative thinking to find solutions and open "
        "new roads. Overcome the lack of market awareness: open the market further and cut "
        "unreasonable interference in it. Overcome the lack of fighting spirit: keep the drive, "
        "grit and energy to cut roads through mountains and bridge rivers.",
        "DL-ZZB",
    ),
    KeyTaskSpec(
        5,
        "KT5",
        "聚焦重点，在优化营商环境和创新驱动、协调发展、生态建设、开放合作、改善民生上下功夫",
        "Focus on the business environment, innovation, coordinated development, ecology, "
        "opening up and people's livelihood",
        "坚持全面深化改革，优化营商环境，充分释放改革红利；坚持创新发展，培育发展新动能，"
        "激发创新内生动力；坚持协调发展，科学精准施策，构建城乡联动、陆海统筹发展新格局；"
        "坚持绿色发展，加强生态建设和环境保护，提升美丽大连建设水平；坚持开放发展，"
        "深度融入“一带一路”建设，努力打造高水平开放合作新格局；坚持共享发展，"
        "加快补齐民生短板，不断提升广大群众的获得感、幸福感、安全感。",
        "Deepen reform across the board, improve the business environment and release the "
        "dividends of reform in full. Pursue innovation-driven development: foster new drivers "
        "of growth and stimulate innovation from within. Pursue coordinated development with "
        "precise, well-founded policy, building a new pattern in which town and country, land "
        "and sea develop together. Pursue green development: strengthen ecological "
        "construction and environmental protection and raise the standard of a beautiful "
        'Dalian. Pursue open development: join deeply in the "Belt and Road" and build a new, '
        "high level of open cooperation. Pursue shared development: close the gaps in public "
        "services quickly and keep raising people's sense of gain, happiness and security.",
        "DL-YSJ",
    ),
    KeyTaskSpec(
        6,
        "KT6",
        "作风再转变，在艰苦奋斗上下功夫",
        "Change the style of work: work hard and keep up the struggle",
        "发扬奋斗精神，苦干实干、拼搏进取，跑出振兴发展加速度；发扬“钉钉子”精神，咬定目标、"
        "压实责任，抓好工作落实；主动服务，树立“处处都是窗口、人人都是形象”的意识，"
        "当好新时代“店小二”；加强党的全面领导，认真落实党中央关于东北振兴的决策部署，"
        "严肃党内政治生活，树立正确用人导向，巩固反腐败斗争压倒性态势，营造良好政治生态。",
        "Carry forward the spirit of struggle: work hard and in earnest, strive and forge "
        'ahead, and speed up revitalisation. Carry forward the "nail-hammering" spirit: hold '
        "fast to targets, fix responsibility and see the work through. Serve without being "
        "asked, in the conviction that \"every place is a window and everyone is the city's "
        'face", and be a good "shop assistant" to businesses and citizens in the new era. '
        "Strengthen the Party's overall leadership and carry out the Central Committee's "
        "decisions on the revitalisation of the Northeast; keep political life within the "
        "Party serious, promote people on the right criteria, consolidate the overwhelming "
        "momentum of the fight against corruption and build a healthy political environment.",
        "DL-JW",
    ),
)

# The lead unit of the campaign is the leading group; its office runs it day to day.
LEAD_UNIT = units.LEADING_GROUP
OFFICE_UNIT = units.OFFICE
