"""The demo's sign-in accounts: one per role, plus unit people at three levels.

The people are fictional. Real officials named in the source article (Tan Zuojun,
Tan Chengxu) appear only in the campaign's text, never as accounts.
The passwords are printed by `campaigndesk demo`; they are for the demo only.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigndesk.org.models import Role

from . import dalian_units as units

ROLE_LABELS_ZH = {
    Role.LEADER: "领导小组成员",
    Role.OFFICE: "领导小组办公室督查",
    Role.INSPECTOR: "督查组",
    Role.UNIT_HEAD: "单位主要负责人",
    Role.LIAISON: "联络员",
    Role.VIEWER: "查阅/审计",
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    unit: str  # code of the unit the role is granted over
    home: str  # code of the unit the person belongs to
    full_name: str
    title: str

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)

    @property
    def role_label_zh(self) -> str:
        return ROLE_LABELS_ZH[Role(self.role)]


def _a(username, password, role, unit, home, full_name, title) -> DemoAccount:
    return DemoAccount(username, password, role, unit, home, full_name, title)


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    _a(
        "leader",
        "Demo-2018-leader",
        Role.LEADER,
        units.CITY,
        units.LEADING_GROUP,
        "张建华",
        "领导小组副组长",
    ),
    _a(
        "office",
        "Demo-2018-office",
        Role.OFFICE,
        units.CITY,
        units.OFFICE,
        "李雪梅",
        "领导小组办公室督查组组长",
    ),
    _a(
        "inspector",
        "Demo-2018-inspector",
        Role.INSPECTOR,
        units.CITY,
        units.OFFICE,
        "王立新",
        "督查组督查员",
    ),
    _a(
        "viewer",
        "Demo-2018-viewer",
        Role.VIEWER,
        units.CITY,
        units.CITY,
        "刘静",
        "审计员",
    ),
    _a(
        "gjz_head",
        "Demo-2018-gjz-head",
        Role.UNIT_HEAD,
        units.GANJINGZI,
        units.GANJINGZI,
        "陈志刚",
        "甘井子区主要负责人",
    ),
    _a(
        "gjz_liaison",
        "Demo-2018-gjz-liaison",
        Role.LIAISON,
        units.GANJINGZI,
        units.GANJINGZI,
        "赵敏",
        "甘井子区大讨论办联络员",
    ),
    _a(
        "jjs_liaison",
        "Demo-2018-jjs-liaison",
        Role.LIAISON,
        units.JIAOJINSHAN,
        units.JIAOJINSHAN,
        "孙丽娜",
        "椒金山街道联络员",
    ),
    _a(
        "kjj_head",
        "Demo-2018-kjj-head",
        Role.UNIT_HEAD,
        units.SCIENCE_BUREAU,
        units.SCIENCE_BUREAU,
        "周海涛",
        "市科技局主要负责人",
    ),
    _a(
        "kjj_liaison",
        "Demo-2018-kjj-liaison",
        Role.LIAISON,
        units.SCIENCE_BUREAU,
        units.SCIENCE_BUREAU,
        "吴婷",
        "市科技局联络员",
    ),
    _a(
        "zs_liaison",
        "Demo-2018-zs-liaison",
        Role.LIAISON,
        units.ZHONGSHAN,
        units.ZHONGSHAN,
        "郑磊",
        "中山区联络员",
    ),
    _a(
        "gxq_liaison",
        "Demo-2018-gxq-liaison",
        Role.LIAISON,
        units.HIGH_TECH_ZONE,
        units.HIGH_TECH_ZONE,
        "马骏",
        "高新区联络员",
    ),
)
