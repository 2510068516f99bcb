"""Factories shared by every app's tests. They write through the ORM directly:
they build the world a test starts from, they are not the thing under test."""

from __future__ import annotations

import datetime as dt

import factory

from campaigndesk.campaigns.models import Campaign, CampaignStatus, KeyTask, Phase, WorkCalendar
from campaigndesk.org.models import Role, RoleGrant, Unit, UnitKind, User

PASSWORD = "pass-for-tests-1"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:05d}")
    name_zh = factory.Sequence(lambda n: f"单位{n}")
    name_en = factory.Sequence(lambda n: f"Unit {n}")
    kind = UnitKind.BUREAU
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        unit = model_class(*args, **kwargs)
        unit.path = f"~{kwargs['code']}/"
        unit.depth = parent.depth + 1 if parent else 0
        unit.save()
        unit.path = Unit.path_for(unit.pk, parent.path if parent else "")
        unit.save(update_fields=["path"])
        return unit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    full_name = factory.Sequence(lambda n: f"测试人员{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def grant(user: User, role: str, unit: Unit) -> RoleGrant:
    return RoleGrant.objects.create(user=user, role=role, unit=unit)


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkCalendar

    name_zh = "中国大陆工作日"
    name_en = "Mainland China working days"
    country = "CN"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    code = factory.Sequence(lambda n: f"campaign-{n}")
    title_zh = factory.Sequence(lambda n: f"测试活动{n}")
    title_en = factory.Sequence(lambda n: f"Test campaign {n}")
    starts_on = dt.date(2018, 9, 1)
    ends_on = dt.date(2019, 12, 31)
    status = CampaignStatus.ACTIVE
    calendar = factory.SubFactory(CalendarFactory)


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    name_zh = factory.LazyAttribute(lambda o: f"第{o.number}阶段")
    name_en = factory.LazyAttribute(lambda o: f"Phase {o.number}")
    starts_on = factory.LazyAttribute(lambda o: o.campaign.starts_on)
    ends_on = factory.LazyAttribute(lambda o: o.campaign.ends_on)


class KeyTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyTask

    campaign = factory.SubFactory(CampaignFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_zh = factory.LazyAttribute(lambda o: f"重点任务{o.number}")
    title_en = factory.LazyAttribute(lambda o: f"Key task {o.number}")


__all__ = [
    "PASSWORD",
    "CampaignFactory",
    "KeyTaskFactory",
    "PhaseFactory",
    "Role",
    "UnitFactory",
    "UserFactory",
    "grant",
]
