"""A deterministic, synthetic labelled set of citizen messages for developing the router.

Modelled on public municipal message boards (the columns of the well-known set:
留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 一级标签) with its seven first-level
categories. Each category has many sub-topics; messages vary in phrasing, place,
length and noise; some mention a second category's words (confusable), some are
short or English, and a small share carry a plausible but different label (real
boards are labelled by people). Synthetic text is far more regular than real
messages: figures measured here OVER-estimate real accuracy.

    python -m campaigndesk.triage.devdata OUT.csv [ROWS] [SEED] [SHARED_SHARE (0.1) | realistic]
"""

from __future__ import annotations

import csv
import random
import sys

CATEGORIES: dict[str, list[tuple[str, list[str]]]] = {
    "城乡建设": [
        (
            "小区物业",
            [
                "物业管理混乱",
                "物业费乱收",
                "物业不作为",
                "业委会选举",
                "电梯长期故障",
                "公共维修基金",
            ],
        ),
        (
            "房屋问题",
            [
                "房屋漏水",
                "墙体开裂",
                "违章搭建",
                "不动产证迟迟办不下来",
                "开发商延期交房",
                "房屋质量差",
            ],
        ),
        (
            "道路市政",
            ["路灯不亮", "井盖缺失", "人行道破损", "下水道堵塞", "自来水停水", "燃气管道老化"],
        ),
        (
            "拆迁安置",
            ["拆迁补偿不合理", "安置房迟迟不交付", "棚户区改造", "征地补偿款未到位", "强拆"],
        ),
        ("规划建设", ["小区规划变更", "容积率违规", "绿地被占用建房", "老旧小区改造", "加装电梯"]),
        ("施工扰民", ["夜间施工噪音", "工地渣土乱倒", "施工围挡占道", "工地违规作业"]),
    ],
    "环境保护": [
        ("大气污染", ["工厂排放废气", "焚烧垃圾浓烟", "空气刺鼻异味", "锅炉冒黑烟", "油烟污染"]),
        (
            "水污染",
            ["河道污水直排", "河水发黑发臭", "养殖废水", "工业废水排入水库", "饮用水源污染"],
        ),
        ("噪声污染", ["广场舞噪音", "商铺音响扰民", "工厂机器轰鸣", "KTV深夜噪音"]),
        ("固废垃圾", ["垃圾堆积无人清运", "建筑垃圾倾倒", "垃圾分类不落实", "垃圾站臭气熏天"]),
        ("生态破坏", ["非法采砂", "毁林开荒", "海边倾倒废料", "非法捕捞", "湿地被填埋"]),
        ("环评监管", ["企业未批先建", "环评造假", "排污许可", "环保设施不运行"]),
    ],
    "交通运输": [
        (
            "公交线路",
            ["公交车班次太少", "增设公交站点", "公交线路调整", "公交司机态度差", "末班车太早"],
        ),
        ("出租网约", ["出租车拒载", "出租车绕路", "网约车违规", "黑车拉客"]),
        ("道路拥堵", ["上下班高峰拥堵", "红绿灯配时不合理", "路口缺少信号灯", "停车难乱停车"]),
        ("驾考车管", ["驾照考试", "车辆年检排队", "驾校乱收费", "违章处理"]),
        ("货运物流", ["货车超载", "渣土车超速", "快递车辆通行", "物流园区"]),
        ("道路养护", ["高速公路收费", "国道坑洼不平", "桥梁限高", "乡村公路硬化"]),
    ],
    "教育文体": [
        (
            "入学招生",
            ["孩子入学难", "学区划分不合理", "幼儿园学位不足", "招生政策不公平", "转学手续"],
        ),
        ("学校收费", ["学校乱收费", "补课费", "校服费用", "课后托管收费"]),
        ("教师待遇", ["教师工资拖欠", "代课教师待遇", "教师职称评定", "乡村教师补贴"]),
        ("校园安全", ["校园欺凌", "学校食堂卫生", "校车安全", "学校周边安全"]),
        ("文体设施", ["图书馆开放时间", "体育场馆收费", "文化广场建设", "全民健身器材损坏"]),
        ("考试培训", ["校外培训机构", "中考政策", "高考加分", "职业教育"]),
    ],
    "劳动和社会保障": [
        ("欠薪讨薪", ["拖欠农民工工资", "公司拖欠工资", "老板跑路欠薪", "工资被克扣"]),
        ("社会保险", ["社保缴纳", "养老保险转移", "医保报销", "失业保险金", "社保卡办理"]),
        ("劳动合同", ["不签劳动合同", "违法解除合同", "加班不给加班费", "试用期被辞退"]),
        ("退休待遇", ["退休工资太低", "退休手续办理", "养老金调整", "企业退休人员待遇"]),
        ("就业创业", ["创业补贴", "就业培训", "公益性岗位", "大学生就业"]),
        ("低保救助", ["低保申请", "残疾人补贴", "高龄津贴", "困难救助"]),
    ],
    "商贸旅游": [
        ("消费维权", ["商家欺诈", "预付卡老板跑路", "虚假宣传", "售后不退款", "价格欺诈"]),
        ("市场监管", ["无证经营", "占道经营", "假冒伪劣产品", "缺斤少两"]),
        ("旅游服务", ["景区门票太贵", "导游强制购物", "旅行社违约", "景区管理混乱"]),
        ("传销诈骗", ["传销组织", "非法集资", "电信诈骗", "投资理财骗局"]),
        ("商业网点", ["菜市场改造", "超市关闭", "商业街规划", "夜市管理"]),
        ("电商快递", ["网购纠纷", "快递丢件", "直播带货", "外卖平台"]),
    ],
    "卫生计生": [
        ("医疗服务", ["医院看病难", "医生态度差", "挂号难", "医疗事故", "过度医疗"]),
        ("计划生育", ["二孩政策", "计生奖励", "独生子女补贴", "准生证办理", "社会抚养费"]),
        ("药品器械", ["药价虚高", "假药", "药店违规", "医疗器械"]),
        ("公共卫生", ["疫苗接种", "传染病防控", "病媒消杀", "食品卫生"]),
        ("基层医疗", ["乡镇卫生院", "村医待遇", "社区医院", "家庭医生签约"]),
        ("医保医改", ["新农合报销", "异地就医", "医改政策", "大病保险"]),
    ],
}

# Words a message borrows from another category (the confusable cases).
CROSS = {
    "城乡建设": ["环境保护", "交通运输"],
    "环境保护": ["城乡建设", "卫生计生"],
    "交通运输": ["城乡建设", "教育文体"],
    "教育文体": ["交通运输", "劳动和社会保障"],
    "劳动和社会保障": ["卫生计生", "城乡建设"],
    "商贸旅游": ["劳动和社会保障", "交通运输"],
    "卫生计生": ["劳动和社会保障", "环境保护"],
}

# Subjects that real boards file under either of two categories (people label them):
# a message on one of these gets one of the labels with the given odds.
SHARED: list[tuple[list[str], dict[str, float]]] = [
    (["夜间施工噪音", "工地噪音扰民", "搅拌站噪音"], {"城乡建设": 0.6, "环境保护": 0.4}),
    (["工地扬尘", "渣土车扬尘", "拆迁扬尘"], {"城乡建设": 0.5, "环境保护": 0.5}),
    (["医保报销比例", "异地医保报销", "医保卡刷卡"], {"劳动和社会保障": 0.5, "卫生计生": 0.5}),
    (["校车超载", "学校门口拥堵", "接送孩子停车"], {"教育文体": 0.5, "交通运输": 0.5}),
    (["工地拖欠工资", "建筑工人欠薪", "包工头跑路"], {"劳动和社会保障": 0.7, "城乡建设": 0.3}),
    (["食品安全", "餐馆卫生差", "过期食品"], {"卫生计生": 0.4, "商贸旅游": 0.6}),
    (["物业乱收费", "停车费乱收", "水电费加价"], {"城乡建设": 0.6, "商贸旅游": 0.4}),
    (["景区道路拥堵", "旅游大巴乱停", "景区停车难"], {"商贸旅游": 0.5, "交通运输": 0.5}),
    (["垃圾焚烧厂选址", "医疗废物处置", "诊所污水"], {"环境保护": 0.6, "卫生计生": 0.4}),
    (["退休教师待遇", "民办教师养老", "教师社保"], {"教育文体": 0.5, "劳动和社会保障": 0.5}),
]

PLACES = [
    "西地省",
    "A市",
    "A1区",
    "A2区",
    "A3区",
    "A4县",
    "A5县",
    "A6区",
    "A7县",
    "K市",
    "L市",
    "甘井子区",
    "中山区",
    "西岗区",
    "沙河口区",
    "金州区",
    "旅顺口区",
    "普兰店区",
    "瓦房店市",
    "庄河市",
]
STREETS = [
    "人民路",
    "解放路",
    "中山路",
    "建设街道",
    "幸福街道",
    "和平社区",
    "光明村",
    "新华路",
    "五一路",
]
ESTATES = [
    "阳光小区",
    "金色家园",
    "滨江花园",
    "锦绣城",
    "幸福里",
    "东方明珠小区",
    "翠苑",
    "红星美凯龙",
]
OPENERS = [
    "尊敬的领导您好：",
    "领导好，",
    "您好！",
    "各位领导：",
    "书记您好，",
    "市长您好：",
    "",
    "",
    "我是{place}的一名市民，",
    "本人住在{place}{estate}，",
    "反映一个问题：",
]
MIDDLES = [
    "{topic}的问题已经持续很久了。",
    "{place}{street}一带{topic}，严重影响居民生活。",
    "我们多次向有关部门反映{topic}，至今没有解决。",
    "关于{topic}，群众意见很大。",
    "{estate}的{topic}问题，希望政府重视。",
    "最近{topic}越来越严重，{kw2}也没人管。",
    "请问{topic}该找哪个部门？",
    "{topic}，{kw2}，希望尽快处理。",
    "去年就反映过{topic}，答复说会处理，但到现在还是老样子。",
]
CLOSERS = [
    "恳请相关部门尽快解决！",
    "望领导重视。",
    "谢谢！",
    "希望给个答复。",
    "盼回复。",
    "",
    "请给老百姓一个说法。",
    "万分感谢！",
    "希望有关部门能够落实到位。",
]
FILLER = [
    "我们家里有老人和小孩，",
    "这个情况大家都知道，",
    "周边几百户居民都受到影响，",
    "打了12345热线也没有用，",
    "社区说不归他们管，",
    "街道办推来推去，",
    "已经拍了照片留存，",
    "每天上下班都要经过这里，",
    "说实话心里很着急，",
    "网上也有很多人反映，",
]
ENGLISH = {
    "城乡建设": [
        "property management",
        "leaking roof",
        "broken street lights",
        "illegal building",
        "housing relocation compensation",
        "elevator out of order",
    ],
    "环境保护": [
        "air pollution",
        "factory smoke",
        "river sewage",
        "noise at night",
        "garbage not collected",
        "illegal sand mining",
    ],
    "交通运输": [
        "bus route",
        "taxi refused",
        "traffic jam",
        "traffic lights",
        "parking",
        "driving licence test",
    ],
    "教育文体": [
        "school enrolment",
        "kindergarten places",
        "school fees",
        "teacher salary",
        "library hours",
        "sports ground",
    ],
    "劳动和社会保障": [
        "unpaid wages",
        "social insurance",
        "labour contract",
        "pension",
        "unemployment benefit",
        "minimum living allowance",
    ],
    "商贸旅游": [
        "consumer fraud",
        "prepaid card",
        "scenic area tickets",
        "tour guide forced shopping",
        "pyramid scheme",
        "fake goods",
    ],
    "卫生计生": [
        "hospital registration",
        "doctor attitude",
        "medicine prices",
        "vaccination",
        "second child policy",
        "medical insurance reimbursement",
    ],
}
EN_TEMPLATES = [
    "Dear mayor, {kw} in {place} has been a problem for months. Please help.",
    "Complaint about {kw} near {street}, nobody has responded to us.",
    "I would like to report {kw}. {kw2} is also an issue. Thank you.",
    "{kw} - residents of {estate} ask the city to act.",
]


def _pick(rng: random.Random, seq: list[str]) -> str:
    return seq[rng.randrange(len(seq))]


def message(
    rng: random.Random, label: str, confusable: float = 0.12, kws: list[str] | None = None
) -> tuple[str, str]:
    """One (title, body) for `label` (on the given keywords, else one of its sub-topics)."""
    if kws is None:
        sub, kws = CATEGORIES[label][rng.randrange(len(CATEGORIES[label]))]
    else:
        sub = kws[0]
    topic, kw2 = _pick(rng, kws), _pick(rng, kws)
    place, street, estate = _pick(rng, PLACES), _pick(rng, STREETS), _pick(rng, ESTATES)
    if rng.random() < 0.05:  # English
        en = ENGLISH[label]
        kw, k2 = _pick(rng, en), _pick(rng, en)
        body = _pick(rng, EN_TEMPLATES).format(
            kw=kw, kw2=k2, place=place, street=street, estate=estate
        )
        return kw.capitalize(), body
    fmt = {"topic": topic, "kw2": kw2, "place": place, "street": street, "estate": estate}
    title_forms = [
        "{place}{topic}",
        "关于{place}{street}{topic}的问题",
        "{estate}{topic}",
        "反映{topic}",
        "{topic}问题何时解决？",
        "投诉{place}{topic}",
        "建议解决{sub}问题",
        "{place}的{topic}",
    ]
    title = _pick(rng, title_forms).format(sub=sub, **fmt)
    parts = [_pick(rng, OPENERS).format(**fmt)]
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        if rng.random() < 0.5:
            parts.append(_pick(rng, FILLER))
        parts.append(_pick(rng, MIDDLES).format(**fmt))
    if rng.random() < confusable:  # confusable: borrow a neighbour's words
        other = _pick(rng, CROSS[label])
        _, okws = CATEGORIES[other][rng.randrange(len(CATEGORIES[other]))]
        parts.append(f"另外{_pick(rng, okws)}也存在，")
    parts.append(_pick(rng, CLOSERS))
    body = "".join(parts)
    if rng.random() < 0.08:  # a one-line message
        body = title
    if rng.random() < 0.03:  # very long
        body = body * rng.randint(5, 20)
    return title, body


def generate(
    rows: int = 10_000,
    seed: int = 0,
    noise: float = 0.03,
    confusable: float = 0.12,
    shared: float = 0.0,
) -> list[dict[str, str]]:
    """`rows` messages; `noise` is the share relabelled to a neighbour, `confusable` the
    share borrowing a neighbour's words, `shared` the share on a two-category subject."""
    rng = random.Random(seed)
    labels = list(CATEGORIES)
    # Unbalanced like real boards: construction and labour are the most common.
    weights = [0.22, 0.10, 0.09, 0.17, 0.18, 0.14, 0.10]
    out = []
    for i in range(rows):
        label = rng.choices(labels, weights)[0]
        if shared and rng.random() < shared:
            kws, odds = SHARED[rng.randrange(len(SHARED))]
            label = rng.choices(list(odds), list(odds.values()))[0]
            title, body = message(rng, label, confusable, kws)
        else:
            title, body = message(rng, label, confusable)
        if rng.random() < noise:
            label = _pick(rng, CROSS[label])
        out.append(
            {
                "留言编号": str(100000 + i),
                "留言用户": f"A{rng.randrange(10**8):08d}",
                "留言主题": title,
                "留言时间": f"2019-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 10:00:00",
                "留言详情": body,
                "一级标签": label,
            }
        )
    return out


GENERIC_TITLES = ["咨询一个问题", "投诉", "求助", "关于反映问题的信", "建议", "请领导关注", "急！"]
GENERIC_BODIES = ["如题。", "具体情况如题，请尽快处理。", "情况如标题所述，望答复。"]
# Skewed like real boards: the largest category five times the smallest.
REALISTIC_WEIGHTS = [0.30, 0.06, 0.07, 0.17, 0.20, 0.12, 0.08]


def _fragment(rng: random.Random, phrase: str) -> str:
    """A 2–4 character window of a phrase: real messages rarely repeat a canonical term."""
    if len(phrase) <= 3 or not "\u4e00" <= phrase[0] <= "\u9fff":
        return phrase
    n = rng.randint(2, min(4, len(phrase) - 1))
    start = rng.randrange(len(phrase) - n + 1)
    return phrase[start : start + n]


def _typos(rng: random.Random, text: str, rate: float = 0.08) -> str:
    return "".join(ch for ch in text if rng.random() >= rate)


def generate_realistic(rows: int = 10_000, seed: int = 0) -> list[dict[str, str]]:
    """A harder set than `generate`: terms cut to fragments that several categories share
    (噪音, 物业, 工资, 医保 ...), a quarter on two-category subjects, 30 % borrowing a
    neighbour's words, 6 % relabelled, stronger class imbalance, dropped characters,
    generic titles ("投诉") and generic bodies ("如题。"), short and very long texts."""
    rng = random.Random(seed)
    labels = list(CATEGORIES)
    out = []
    for i in range(rows):
        label = rng.choices(labels, REALISTIC_WEIGHTS)[0]
        if rng.random() < 0.25:
            kws, odds = SHARED[rng.randrange(len(SHARED))]
            label = rng.choices(list(odds), list(odds.values()))[0]
        else:
            _sub, kws = CATEGORIES[label][rng.randrange(len(CATEGORIES[label]))]
        kws = [_fragment(rng, k) if rng.random() < 0.5 else k for k in kws]
        title, body = message(rng, label, 0.3, kws)
        if rng.random() < 0.15:
            body = _typos(rng, body)
        if rng.random() < 0.10:
            title = _pick(rng, GENERIC_TITLES)
        elif rng.random() < 0.08:
            body = _pick(rng, GENERIC_BODIES)
        if rng.random() < 0.06:
            label = _pick(rng, CROSS[label])
        out.append(
            {
                "留言编号": str(100000 + i),
                "留言主题": title,
                "留言详情": body,
                "一级标签": label,
            }
        )
    return out


def write_csv(path: str, rows: list[dict[str, str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":  # pragma: no cover
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    if len(sys.argv) > 4 and sys.argv[4] == "realistic":
        write_csv(out, generate_realistic(n, seed))
    else:
        shared = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
        write_csv(out, generate(n, seed, shared=shared))
