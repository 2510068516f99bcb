"""Word lists for synthetic Chinese place, unit and person names with their English forms.

Place names are two (or, once those run out, three) characters: a first character
from FIRST and a last from LAST, written in English as their pinyin ("兴港" ->
"Xinggang"). Everything is drawn from a seeded `random.Random`, so a seed always
gives the same names.
"""

from __future__ import annotations

import random

FIRST: tuple[tuple[str, str], ...] = (
    ("东", "dong"),
    ("西", "xi"),
    ("南", "nan"),
    ("北", "bei"),
    ("新", "xin"),
    ("华", "hua"),
    ("兴", "xing"),
    ("安", "an"),
    ("和", "he"),
    ("平", "ping"),
    ("春", "chun"),
    ("柳", "liu"),
    ("青", "qing"),
    ("金", "jin"),
    ("龙", "long"),
    ("凤", "feng"),
    ("云", "yun"),
    ("松", "song"),
    ("梅", "mei"),
    ("桃", "tao"),
    ("星", "xing"),
    ("明", "ming"),
    ("光", "guang"),
    ("荣", "rong"),
    ("福", "fu"),
    ("盛", "sheng"),
    ("永", "yong"),
    ("丰", "feng"),
    ("庆", "qing"),
    ("宁", "ning"),
    ("康", "kang"),
    ("泰", "tai"),
    ("德", "de"),
    ("长", "chang"),
    ("红", "hong"),
    ("石", "shi"),
    ("白", "bai"),
    ("大", "da"),
    ("小", "xiao"),
    ("万", "wan"),
)
MIDDLE: tuple[tuple[str, str], ...] = (
    ("家", "jia"),
    ("山", "shan"),
    ("水", "shui"),
    ("阳", "yang"),
    ("林", "lin"),
    ("泉", "quan"),
    ("岭", "ling"),
    ("河", "he"),
)
LAST: tuple[tuple[str, str], ...] = (
    ("山", "shan"),
    ("海", "hai"),
    ("湾", "wan"),
    ("港", "gang"),
    ("泉", "quan"),
    ("林", "lin"),
    ("桥", "qiao"),
    ("岭", "ling"),
    ("阳", "yang"),
    ("河", "he"),
    ("园", "yuan"),
    ("城", "cheng"),
    ("沟", "gou"),
    ("台", "tai"),
    ("店", "dian"),
    ("岗", "gang"),
    ("坊", "fang"),
    ("营", "ying"),
    ("庄", "zhuang"),
    ("口", "kou"),
    ("湖", "hu"),
    ("滨", "bin"),
    ("源", "yuan"),
    ("溪", "xi"),
    ("岛", "dao"),
    ("屯", "tun"),
    ("峰", "feng"),
    ("苑", "yuan"),
    ("洲", "zhou"),
    ("堤", "di"),
)

# Municipal departments not already in the Dalian demo: (Chinese, English).
BUREAUS: tuple[tuple[str, str], ...] = (
    ("市水务局", "Municipal Water Affairs Bureau"),
    ("市林业和草原局", "Municipal Forestry and Grassland Bureau"),
    ("市海洋发展局", "Municipal Ocean Development Bureau"),
    ("市体育局", "Municipal Sports Bureau"),
    ("市审计局", "Municipal Audit Bureau"),
    ("市司法局", "Municipal Justice Bureau"),
    ("市退役军人事务局", "Municipal Veterans Affairs Bureau"),
    ("市医疗保障局", "Municipal Healthcare Security Bureau"),
    ("市粮食和物资储备局", "Municipal Grain and Material Reserves Bureau"),
    ("市机关事务管理局", "Municipal Government Offices Administration"),
    ("市人民防空办公室", "Municipal Civil Air Defence Office"),
    ("市档案局", "Municipal Archives Bureau"),
    ("市口岸办公室", "Municipal Port of Entry Office"),
    ("市国有资产监督管理委员会", "Municipal State-owned Assets Supervision Commission"),
    ("市外事办公室", "Municipal Foreign Affairs Office"),
    ("市民族和宗教事务委员会", "Municipal Ethnic and Religious Affairs Commission"),
    ("市供销合作社", "Municipal Supply and Marketing Cooperative"),
    ("市气象局", "Municipal Meteorological Bureau"),
    ("市地震局", "Municipal Earthquake Bureau"),
    ("市住房公积金管理中心", "Municipal Housing Provident Fund Centre"),
    ("市大数据管理局", "Municipal Big Data Administration"),
    ("市港口与口岸局", "Municipal Port Bureau"),
    ("市政务服务中心", "Municipal Government Service Centre"),
    ("市总工会", "Municipal Federation of Trade Unions"),
    ("市妇女联合会", "Municipal Women's Federation"),
    ("团市委", "Municipal Committee of the Communist Youth League"),
    ("市科学技术协会", "Municipal Association for Science and Technology"),
    ("市工商业联合会", "Municipal Federation of Industry and Commerce"),
    ("市残疾人联合会", "Municipal Disabled Persons' Federation"),
    ("市广播电视台", "Municipal Radio and Television Station"),
)

# Divisions of a bureau: (Chinese, English).
DIVISIONS: tuple[tuple[str, str], ...] = (
    ("办公室", "General Office"),
    ("政策法规处", "Policy and Regulations Division"),
    ("规划发展处", "Planning and Development Division"),
    ("督查室", "Supervision Office"),
    ("财务审计处", "Finance and Audit Division"),
    ("人事处", "Personnel Division"),
    ("综合协调处", "Coordination Division"),
    ("行政审批处", "Administrative Approvals Division"),
    ("安全监管处", "Safety Supervision Division"),
    ("宣传教育处", "Publicity and Education Division"),
    ("机关党委", "Party Committee of the Bureau"),
    ("信息中心", "Information Centre"),
)

# Departments of a development zone's administrative committee: (Chinese, English).
ZONE_DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("党群工作部", "Party and Mass Work Department"),
    ("经济发展局", "Economic Development Bureau"),
    ("招商局", "Investment Promotion Bureau"),
    ("规划建设局", "Planning and Construction Bureau"),
    ("财政局", "Finance Bureau"),
    ("社会事业局", "Social Affairs Bureau"),
    ("综合执法局", "Law Enforcement Bureau"),
    ("营商环境建设局", "Business Environment Bureau"),
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰飞鹏辉建国志海波宁林雪梅晶婷斌宇浩凯琳佳欣博文睿思远航"


def pinyin_join(syllables: list[str]) -> str:
    """Join pinyin syllables into a capitalised name, with the apostrophe pinyin puts
    before a syllable that starts with a, o or e ("Xi'an")."""
    text = syllables[0]
    for s in syllables[1:]:
        text += ("'" if s[0] in "aoe" else "") + s
    return text[:1].upper() + text[1:]


class NameMaker:
    """Draws place and person names from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def place(self, taken: set[str]) -> tuple[str, str]:
        """A place name not in `taken` (which it then joins): (Chinese, English)."""
        for _attempt in range(30):
            first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
            parts = [first, last]
            if first[0] != last[0] and first[0] + last[0] not in taken:
                break
        else:
            # Two-character names are used up: go to three. Names need not be unique
            # (codes are), so after enough tries a repeat is accepted.
            for _attempt in range(100):
                parts = [self.rng.choice(FIRST), self.rng.choice(MIDDLE), self.rng.choice(LAST)]
                if "".join(p[0] for p in parts) not in taken:
                    break
        zh = "".join(p[0] for p in parts)
        taken.add(zh)
        return zh, pinyin_join([p[1] for p in parts])

    def person(self) -> str:
        given = self.rng.choice(GIVEN)
        if self.rng.random() < 0.6:
            given += self.rng.choice(GIVEN)
        return self.rng.choice(SURNAMES) + given
