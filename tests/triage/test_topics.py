"""Hot topics: clustering, key terms, ranking, the cache, and clustering a file."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from campaigndesk import clock
from campaigndesk.suggestions import intake
from campaigndesk.suggestions.models import Suggestion
from campaigndesk.triage import topics
from campaigndesk.triage.models import TopicRun

HEATING = [
    "老旧小区冬季供暖温度不达标，室内只有十五度，请热力公司尽快处理",
    "我家暖气不热，供暖温度太低，老人孩子受冻",
    "供暖季开始后小区暖气一直不热，温度不达标",
    "希望热力公司检修供暖管道，暖气温度太低",
    "冬季供暖不足，暖气片冰凉，室内温度很低",
    "暖气温度上不去，供暖费照交，热力公司不管",
]
PARKING = [
    "星海广场附近停车位太少，周末停车非常困难",
    "小区周边停车难，建议增加停车位或建立体停车场",
    "医院门口停车位不足，车辆乱停乱放堵塞道路",
    "建议在商业街附近修建停车场，解决停车难问题",
    "老城区停车位紧张，晚上回家找不到停车位",
    "学校附近停车位不够，接送孩子停车难",
]
PERMITS = [
    "企业办理营业执照审批手续太繁琐，跑了很多次",
    "建议简化营业执照审批流程，实现网上办理",
    "开办企业审批时间太长，营业执照迟迟办不下来",
    "营业执照变更审批需要的材料太多，希望精简",
    "小微企业办理营业执照审批效率低，建议一窗受理",
    "个体户营业执照审批要跑好几个窗口，办理太慢",
]
ENGLISH = [
    "The bus to the airport comes only once an hour; more buses please",
    "Bus routes to the new district are too few and the bus is always late",
    "Please add a bus stop near the hospital and run buses more often",
    "Rubbish bins on our street overflow; rubbish collection should be daily",
    "Rubbish is collected only twice a week and the bins smell in summer",
    "More rubbish bins and rubbish sorting points are needed in the park",
]


def clusters_as_sets(texts, clusters):
    return sorted(sorted(texts[i] for i in c.members) for c in clusters)


def test_three_chinese_topics_give_three_clusters_named_by_their_key_terms():
    texts = HEATING + PARKING + PERMITS
    found = topics.cluster_texts(texts)
    assert clusters_as_sets(texts, found) == sorted(
        sorted(group) for group in (HEATING, PARKING, PERMITS)
    )
    named = {frozenset(texts[i] for i in c.members): c.terms for c in found}
    assert {"供暖", "暖气"} <= set(named[frozenset(HEATING)])
    assert "停车位" in named[frozenset(PARKING)]
    assert {"营业执照", "审批"} <= set(named[frozenset(PERMITS)])
    assert all(len(c.representatives) == 3 for c in found)


def test_english_topics_are_named_by_english_words():
    found = topics.cluster_texts(ENGLISH)
    assert len(found) == 2
    terms = {t for c in found for t in c.terms[:1]}
    assert terms == {"bus", "rubbish"}


def test_empty_texts_are_left_out_and_too_few_texts_give_no_clusters():
    assert topics.cluster_texts(["", "  ", "供暖"]) == []
    found = topics.cluster_texts([*HEATING, "", "。", *PERMITS])
    assert sorted(c.size for c in found) == [6, 6]


def add(world, text: str, when: dt.datetime, support: int = 0) -> Suggestion:
    with clock.frozen_at(when):
        s = intake.submit(
            campaign=world.campaign, title=text[:20], body=text, client="c", throttle=False
        ).suggestion
    if support:
        Suggestion.objects.filter(pk=s.pk).update(support_count=support)
    return s


PARKING_BEFORE = ["火车站附近停车位太少，停车费也太贵", "商场周边停车位不足，周末停车难"]


@pytest.fixture
def period(world):
    """Parking is biggest now and grew a little; heating is smaller but new and supported;
    permits were bigger in the previous period than now."""
    end = dt.date(2018, 12, 20)
    start = end - dt.timedelta(days=9)
    now = dt.datetime(2018, 12, 15, 10, tzinfo=dt.UTC)
    before = dt.datetime(2018, 12, 5, 10, tzinfo=dt.UTC)
    for text in PARKING:
        add(world, text, now)
    for text in PARKING_BEFORE:
        add(world, text, before)
    for text in HEATING[:4]:
        add(world, text, now, support=5)
    for text in PERMITS[:2]:
        add(world, text, now)
    for text in PERMITS[2:]:
        add(world, text, before)
    add(world, HEATING[5], before - dt.timedelta(days=30))  # before both periods: left out
    return start, end


def test_hot_topics_rank_by_size_growth_and_support(world, period):
    start, end = period
    found = topics.hot_topics(world.campaign, start, end, compute=True)
    assert len(found) == 3
    named = {t.terms[0]: t for t in found}
    parking = next(t for t in found if "停车位" in t.terms)
    heating = next(t for t in found if "供暖" in t.terms)
    permits = next(t for t in found if "营业执照" in t.terms)
    assert len(named) == 3
    assert (parking.size, parking.previous, parking.support) == (6, 2, 0)
    assert (heating.size, heating.previous, heating.support) == (4, 0, 20)
    assert (permits.size, permits.previous) == (2, 4)
    assert heating.growth is None and parking.growth_percent == 200
    assert permits.growth_percent == -50
    # "hot": size boosted by growth, plus support: new, supported heating comes first.
    assert found == [heating, parking, permits]
    by_size = topics.hot_topics(world.campaign, start, end, order="size")
    assert [t.size for t in by_size] == [6, 4, 2]
    assert topics.hot_topics(world.campaign, start, end, order="growth")[-1] == permits
    assert topics.hot_topics(world.campaign, start, end, order="support")[0] == heating
    assert topics.hot_topics(world.campaign, start, end, limit=1) == [heating]
    assert all(len(t.representatives) == 3 for t in (heating, parking))
    assert {r["title"] for r in parking.representatives} <= {p[:20] for p in PARKING}
    assert heating.label == " · ".join(heating.terms[:3])


def test_a_second_call_reads_the_stored_run(world, period, django_assert_num_queries):
    start, end = period
    first = topics.hot_topics(world.campaign, start, end, compute=True)
    assert TopicRun.objects.count() == 1
    # 1: the stored TopicRun of the campaign and period (fresh: no refresh is queued).
    with django_assert_num_queries(1):
        assert topics.hot_topics(world.campaign, start, end) == first
    with django_assert_num_queries(1):
        assert topics.hot_topics(world.campaign, start, end, compute=True) == first


def test_computing_now_clusters_again_a_run_older_than_an_hour(world, period):
    start, end = period
    topics.hot_topics(world.campaign, start, end, compute=True)
    TopicRun.objects.update(computed_at=clock.now() - dt.timedelta(hours=2), result=[])
    assert topics.hot_topics(world.campaign, start, end) == []  # a read shows what is stored
    assert topics.hot_topics(world.campaign, start, end, compute=True) != []
    assert TopicRun.objects.count() == 1


def test_a_period_without_suggestions_has_no_topics(world):
    found = topics.hot_topics(
        world.campaign, dt.date(2000, 1, 1), dt.date(2000, 1, 31), compute=True
    )
    assert found == []
    assert TopicRun.objects.get().result == []


def test_cluster_file_reads_a_csv_and_writes_json(tmp_path):
    path = tmp_path / "messages.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["title", "body", "label"])
        for n, text in enumerate(HEATING + PARKING + PERMITS):
            writer.writerow([f"留言{n}", text, "x"])
        writer.writerow(["", "", "x"])
    out = tmp_path / "clusters.json"
    result = topics.cluster_file(path, "body", json_out=out)
    assert sorted(c["size"] for c in result) == [6, 6, 6]
    assert json.loads(out.read_text("utf-8")) == result
    first = result[0]
    assert len(first["representatives"]) == 3
    row = first["representatives"][0]["row"]
    assert first["representatives"][0]["text"] == (HEATING + PARKING + PERMITS)[row - 1]


def test_cluster_file_reads_xlsx_with_several_columns(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["title", "body"])
    for text in HEATING + PERMITS:
        sheet.append([text[:6], text])
    path = tmp_path / "m.xlsx"
    book.save(path)
    result = topics.cluster_file(path, ["title", "body"])
    assert sorted(c["size"] for c in result) == [6, 6]


def test_cluster_file_names_a_missing_column(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("title\n供暖\n", "utf-8")
    with pytest.raises(ValueError, match="no column body"):
        topics.cluster_file(path, "body")
    with pytest.raises(ValueError, match=r"only \.csv and \.xlsx"):
        topics.cluster_file(tmp_path / "m.txt", "body")
