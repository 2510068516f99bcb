"""The units of the Dalian 2018 demo: the city, the campaign's leading group and office,
the districts, counties and county-level cities, the zones, the municipal departments
and a few sub-units.

Names are those in use around 2018; where the 2018-19 institutional reform renamed a
bureau, the name that a reader today recognises is used (工信局, 卫健委, 应急管理局).
Codes are stable: tests, fixtures and the scale command refer to them.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigndesk.org.models import UnitKind

CITY = "DL"
LEADING_GROUP = "DL-LG"
OFFICE = "DL-LGO"
GANJINGZI = "DL-GJZ"
JIAOJINSHAN = "DL-GJZ-JJS"
ZHONGSHAN = "DL-ZS"
HIGH_TECH_ZONE = "DL-GXQ"
SCIENCE_BUREAU = "DL-KJJ"
PLANNING_BUREAU = "DL-GHJ"
COMMERCE_BUREAU = "DL-SWJ"

# The units whose leaders made exchange statements at the meeting of 22 November 2018.
NAMED_IN_ARTICLE = (GANJINGZI, PLANNING_BUREAU, SCIENCE_BUREAU, COMMERCE_BUREAU, HIGH_TECH_ZONE)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    parent: str | None
    kind: str
    name_zh: str
    name_en: str
    short_name_zh: str = ""
    sort_order: int = 0


def _u(code, parent, kind, name_zh, name_en, short="", order=0) -> UnitSpec:
    return UnitSpec(code, parent, kind, name_zh, name_en, short, order)


K = UnitKind

# Parents come before their children.
UNITS: tuple[UnitSpec, ...] = (
    _u(CITY, None, K.CITY, "大连市", "Dalian", "大连", 0),
    _u(
        LEADING_GROUP,
        CITY,
        K.LEADING_GROUP,
        "解放思想推动高质量发展大讨论大实践活动领导小组",
        "Leading Group of the Emancipate-the-Mind, High-Quality-Development "
        "Discussion and Practice Activity",
        "大讨论领导小组",
        10,
    ),
    _u(
        OFFICE,
        LEADING_GROUP,
        K.OFFICE,
        "解放思想推动高质量发展大讨论大实践活动领导小组办公室",
        "Office of the Leading Group of the Emancipate-the-Mind, High-Quality-Development "
        "Discussion and Practice Activity",
        "领导小组办公室",
        10,
    ),
    # Districts.
    _u(ZHONGSHAN, CITY, K.DISTRICT, "中山区", "Zhongshan District", "中山区", 100),
    _u("DL-XG", CITY, K.DISTRICT, "西岗区", "Xigang District", "西岗区", 110),
    _u("DL-SHK", CITY, K.DISTRICT, "沙河口区", "Shahekou District", "沙河口区", 120),
    _u(GANJINGZI, CITY, K.DISTRICT, "甘井子区", "Ganjingzi District", "甘井子区", 130),
    _u("DL-LSK", CITY, K.DISTRICT, "旅顺口区", "Lüshunkou District", "旅顺口区", 140),
    _u("DL-JZ", CITY, K.DISTRICT, "金州区", "Jinzhou District", "金州区", 150),
    _u("DL-PLD", CITY, K.DISTRICT, "普兰店区", "Pulandian District", "普兰店区", 160),
    # County-level cities and the county.
    _u("DL-WFD", CITY, K.COUNTY, "瓦房店市", "Wafangdian City", "瓦房店市", 200),
    _u("DL-ZH", CITY, K.COUNTY, "庄河市", "Zhuanghe City", "庄河市", 210),
    _u("DL-CH", CITY, K.COUNTY, "长海县", "Changhai County", "长海县", 220),
    # Zones.
    _u(
        "DL-JP",
        CITY,
        K.ZONE,
        "大连金普新区",
        "Dalian Jinpu New Area",
        "金普新区",
        300,
    ),
    _u(
        HIGH_TECH_ZONE,
        CITY,
        K.ZONE,
        "大连高新技术产业园区",
        "Dalian High-tech Industrial Zone",
        "高新区",
        310,
    ),
    _u(
        "DL-CXD",
        CITY,
        K.ZONE,
        "大连长兴岛经济技术开发区",
        "Dalian Changxing Island Economic and Technological Development Zone",
        "长兴岛经济区",
        320,
    ),
    _u(
        "DL-HYK",
        CITY,
        K.ZONE,
        "大连花园口经济区",
        "Dalian Huayuankou Economic Zone",
        "花园口经济区",
        330,
    ),
    # Departments of the municipal Party committee.
    _u(
        "DL-ZZB",
        CITY,
        K.BUREAU,
        "中共大连市委组织部",
        "Organisation Department of the CPC Dalian Municipal Committee",
        "市委组织部",
        400,
    ),
    _u(
        "DL-XCB",
        CITY,
        K.BUREAU,
        "中共大连市委宣传部",
        "Publicity Department of the CPC Dalian Municipal Committee",
        "市委宣传部",
        410,
    ),
    _u(
        "DL-ZYS",
        CITY,
        K.BUREAU,
        "中共大连市委政策研究室",
        "Policy Research Office of the CPC Dalian Municipal Committee",
        "市委政研室",
        420,
    ),
    _u(
        "DL-JW",
        CITY,
        K.BUREAU,
        "大连市纪委监委",
        "Dalian Municipal Commission for Discipline Inspection and Supervisory Commission",
        "市纪委监委",
        430,
    ),
    # Bureaus and commissions of the municipal government.
    _u(
        "DL-FGW",
        CITY,
        K.BUREAU,
        "市发展和改革委员会",
        "Municipal Development and Reform Commission",
        "市发改委",
        500,
    ),
    _u(
        "DL-GXJ",
        CITY,
        K.BUREAU,
        "市工业和信息化局",
        "Municipal Bureau of Industry and Information Technology",
        "市工信局",
        505,
    ),
    _u(
        SCIENCE_BUREAU,
        CITY,
        K.BUREAU,
        "市科学技术局",
        "Municipal Science and Technology Bureau",
        "市科技局",
        510,
    ),
    _u(
        COMMERCE_BUREAU,
        CITY,
        K.BUREAU,
        "市商务局",
        "Municipal Bureau of Commerce",
        "市商务局",
        515,
    ),
    _u(
        PLANNING_BUREAU,
        CITY,
        K.BUREAU,
        "市城乡规划局",
        "City Planning Bureau",
        "市规划局",
        520,
    ),
    _u(
        "DL-YSJ",
        CITY,
        K.BUREAU,
        "市营商环境建设局",
        "Municipal Business Environment Development Bureau",
        "市营商局",
        525,
    ),
    _u(
        "DL-JRJ",
        CITY,
        K.BUREAU,
        "市金融发展局",
        "Municipal Financial Development Bureau",
        "市金融局",
        530,
    ),
    _u("DL-CZJ", CITY, K.BUREAU, "市财政局", "Municipal Finance Bureau", "市财政局", 535),
    _u("DL-JYJ", CITY, K.BUREAU, "市教育局", "Municipal Education Bureau", "市教育局", 540),
    _u(
        "DL-GAJ",
        CITY,
        K.BUREAU,
        "市公安局",
        "Municipal Public Security Bureau",
        "市公安局",
        545,
    ),
    _u("DL-MZJ", CITY, K.BUREAU, "市民政局", "Municipal Civil Affairs Bureau", "市民政局", 550),
    _u(
        "DL-RSJ",
        CITY,
        K.BUREAU,
        "市人力资源和社会保障局",
        "Municipal Human Resources and Social Security Bureau",
        "市人社局",
        555,
    ),
    _u(
        "DL-STJ",
        CITY,
        K.BUREAU,
        "市生态环境局",
        "Municipal Ecology and Environment Bureau",
        "市生态环境局",
        560,
    ),
    _u(
        "DL-ZJJ",
        CITY,
        K.BUREAU,
        "市住房和城乡建设局",
        "Municipal Housing and Urban-Rural Development Bureau",
        "市住建局",
        565,
    ),
    _u(
        "DL-JTJ",
        CITY,
        K.BUREAU,
        "市交通运输局",
        "Municipal Transport Bureau",
        "市交通局",
        570,
    ),
    _u(
        "DL-NYJ",
        CITY,
        K.BUREAU,
        "市农业农村局",
        "Municipal Agriculture and Rural Affairs Bureau",
        "市农业农村局",
        575,
    ),
    _u(
        "DL-WLJ",
        CITY,
        K.BUREAU,
        "市文化和旅游局",
        "Municipal Culture and Tourism Bureau",
        "市文旅局",
        580,
    ),
    _u(
        "DL-WJW",
        CITY,
        K.BUREAU,
        "市卫生健康委员会",
        "Municipal Health Commission",
        "市卫健委",
        585,
    ),
    _u(
        "DL-SCJ",
        CITY,
        K.BUREAU,
        "市市场监督管理局",
        "Municipal Administration for Market Regulation",
        "市市场监管局",
        590,
    ),
    _u(
        "DL-CGJ",
        CITY,
        K.BUREAU,
        "市城市管理局",
        "Municipal Urban Management Bureau",
        "市城管局",
        595,
    ),
    _u(
        "DL-YJJ",
        CITY,
        K.BUREAU,
        "市应急管理局",
        "Municipal Emergency Management Bureau",
        "市应急局",
        600,
    ),
    _u("DL-TJJ", CITY, K.BUREAU, "市统计局", "Municipal Statistics Bureau", "市统计局", 605),
    _u(
        "DL-XFJ",
        CITY,
        K.BUREAU,
        "市信访局",
        "Municipal Bureau of Letters and Calls",
        "市信访局",
        610,
    ),
    # Sub-units: street offices of Ganjingzi and Zhongshan, a division of a bureau.
    _u(
        JIAOJINSHAN,
        GANJINGZI,
        K.SUBUNIT,
        "甘井子区椒金山街道",
        "Jiaojinshan Street Office, Ganjingzi District",
        "椒金山街道",
        10,
    ),
    _u(
        "DL-GJZ-PY",
        GANJINGZI,
        K.SUBUNIT,
        "甘井子区泡崖街道",
        "Paoya Street Office, Ganjingzi District",
        "泡崖街道",
        20,
    ),
    _u(
        "DL-GJZ-HQ",
        GANJINGZI,
        K.SUBUNIT,
        "甘井子区红旗街道",
        "Hongqi Street Office, Ganjingzi District",
        "红旗街道",
        30,
    ),
    _u(
        "DL-ZS-RML",
        ZHONGSHAN,
        K.SUBUNIT,
        "中山区人民路街道",
        "Renminlu Street Office, Zhongshan District",
        "人民路街道",
        10,
    ),
    _u(
        "DL-KJJ-ZCC",
        SCIENCE_BUREAU,
        K.SUBUNIT,
        "市科学技术局政策法规处",
        "Policy and Regulations Division, Municipal Science and Technology Bureau",
        "政策法规处",
        10,
    ),
)

DISTRICTS_AND_COUNTIES = tuple(
    u.code for u in UNITS if u.kind in (UnitKind.DISTRICT, UnitKind.COUNTY)
)
ZONES = tuple(u.code for u in UNITS if u.kind == UnitKind.ZONE)
