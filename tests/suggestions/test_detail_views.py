"""The suggestion page, every action on it, and its attachments."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from campaigndesk import clock
from campaigndesk.ledger.models import Task
from campaigndesk.org.models import Role
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Outcome, Status, Suggestion, Verdict
from tests.factories import UserFactory, grant

DAY = dt.date(2018, 12, 3)
PHONE = "13912345678"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def at(day: dt.date):
    return clock.frozen_at(dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC))


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def on_day():
    with at(DAY):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client_for(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def bureau_liaison(world):
    person = UserFactory(username="kjj_liaison", unit=world.bureau)
    grant(person, Role.LIAISON, world.bureau)
    return person


def submit(world, title="优化企业开办流程", **fields) -> Suggestion:
    return intake.submit(
        campaign=world.campaign,
        title=title,
        body="建议把企业开办时间压缩到三个工作日以内。",
        client="c",
        throttle=False,
        **fields,
    ).suggestion


@pytest.fixture
def received(world, category):
    return submit(world, category=category, name="张三", phone=PHONE, email="zs@example.com")


@pytest.fixture
def routed(world, received):
    """Routed to Ganjingzi, shared with the bureau."""
    actions.route(world.office, [received], world.ganjingzi, [world.bureau])
    return fresh(received)


@pytest.fixture
def accepted(world, routed):
    return actions.accept(world.gjz_liaison, routed)


@pytest.fixture
def drafted(world, accepted):
    return actions.draft_answer(
        world.gjz_liaison,
        accepted,
        outcome=Outcome.ADOPTED,
        answer="采纳，纳入明年工作计划。",
        task_deadline=dt.date(2019, 3, 29),
    )


@pytest.fixture
def answered(world, drafted):
    return actions.endorse_answer(world.gjz_head, drafted)


def fresh(s: Suggestion) -> Suggestion:
    return Suggestion.objects.get(pk=s.pk)


def url(name: str, s: Suggestion) -> str:
    return reverse(f"suggestions:{name}", args=[s.pk])


def login_url_in(response) -> bool:
    return response.status_code == 302 and reverse("login") in response["Location"]


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- the page -----------------------------------------------------------------------------------


def test_office_sees_the_whole_suggestion_with_contact_details_and_history(
    world, client_for, routed
):
    response = client_for(world.office).get(url("detail", routed))
    assert response.status_code == 200
    page = text(response)
    for expected in (
        routed.tracking_number,
        "优化企业开办流程",
        "建议把企业开办时间压缩到三个工作日以内。",
        "Business environment",
        "Public portal",  # the channel
        "张三",
        PHONE,
        "zs@example.com",
        "Ganjingzi District",
        "Municipal Science and Technology Bureau",  # the co-unit
        "2018-12-24",  # the answer due
        "15 working days left.",
        "suggestions.route",  # the history
    ):
        assert expected in page, expected
    offers = response.context["offers"]
    assert offers["route"] and offers["duplicate"] and offers["spam"]
    assert not offers["accept"] and not offers["answer"] and not offers["endorse"]


def test_the_answering_units_liaison_sees_contacts_and_is_offered_accept(world, client_for, routed):
    response = client_for(world.gjz_liaison).get(url("detail", routed))
    assert response.status_code == 200
    assert PHONE in text(response)
    offers = response.context["offers"]
    assert offers["accept"] and offers["send_back"]
    assert not offers["route"] and not offers["endorse"] and not offers["answer"]


def test_the_unit_head_is_offered_endorse_and_return_for_a_drafted_answer(
    world, client_for, drafted
):
    response = client_for(world.gjz_head).get(url("detail", drafted))
    offers = response.context["offers"]
    assert offers["endorse"] and offers["return"] and offers["answer"]
    assert "采纳，纳入明年工作计划。" in text(response)
    liaison = client_for(world.gjz_liaison).get(url("detail", drafted)).context["offers"]
    assert not liaison["endorse"] and not liaison["return"]


@pytest.mark.parametrize("person", ["leader", "viewer", "inspector"])
def test_read_only_roles_see_the_page_without_contacts_or_actions(
    world, client_for, routed, person
):
    response = client_for(getattr(world, person)).get(url("detail", routed))
    assert response.status_code == 200
    page = text(response)
    assert PHONE not in page  # neither in the facts nor in the history
    assert "zs@example.com" not in page and "张三" not in page
    assert "Seen only by the office and the unit that answers." in page
    assert response.context["any_action"] is False
    assert "What you can do" not in page


def test_a_co_unit_reads_the_suggestion_without_contacts_and_may_not_act(
    world, client_for, routed, bureau_liaison
):
    client = client_for(bureau_liaison)
    response = client.get(url("detail", routed))
    assert response.status_code == 200
    assert PHONE not in text(response)
    assert response.context["any_action"] is False
    assert client.post(url("accept", routed)).status_code == 403
    assert fresh(routed).status == Status.ROUTED


def test_liaison_of_another_district_gets_404(world, client_for, routed):
    client = client_for(world.zs_liaison)
    assert client.get(url("detail", routed)).status_code == 404
    assert client.post(url("accept", routed)).status_code == 404


def test_a_unit_does_not_see_a_suggestion_before_it_is_routed_to_it(world, client_for, received):
    assert client_for(world.gjz_liaison).get(url("detail", received)).status_code == 404


def test_unknown_suggestion_is_404(world, client_for):
    assert client_for(world.office).get("/desk/suggestions/999999/").status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in_from_the_page_and_its_actions(
    world, client_for, routed
):
    assert login_url_in(client_for(None).get(url("detail", routed)))
    assert login_url_in(client_for(None).post(url("route", routed)))


def test_page_refuses_post_and_actions_refuse_get(world, client_for, routed):
    client = client_for(world.office)
    assert client.post(url("detail", routed)).status_code == 405
    for name in ACTIONS:
        assert client.get(url(name, routed)).status_code == 405, name


ACTIONS = [
    "route",
    "duplicate",
    "out_of_scope",
    "spam",
    "publish",
    "outstanding",
    "close",
    "accept",
    "send_back",
    "answer",
    "endorse",
    "return",
]


def test_user_input_is_never_rendered_as_html(world, client_for):
    s = submit(world, title="<script>alert(1)</script>标题")
    page = text(client_for(world.office).get(url("detail", s)))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- office actions -----------------------------------------------------------------------------


def test_office_routes_and_reroutes_with_co_units(world, client_for, received):
    client = client_for(world.office)
    response = client.post(
        url("route", received),
        {"route-unit": world.zhongshan.code, "route-co_units": [world.bureau.code]},
        follow=True,
    )
    assert "The suggestion was sent to Zhongshan District." in messages_of(response)
    s = fresh(received)
    assert s.unit == world.zhongshan and list(s.co_units.all()) == [world.bureau]
    client.post(url("route", s), {"route-unit": world.ganjingzi.code, "route-note": "改派"})
    s = fresh(s)
    assert s.unit == world.ganjingzi and s.status_note == "改派"
    assert list(s.co_units.all()) == []


def test_routing_without_a_unit_shows_the_form_again(world, client_for, received):
    response = client_for(world.office).post(url("route", received), {"route-unit": ""})
    assert response.status_code == 400
    assert "Choose the unit that answers." in text(response)
    assert response.context["open_form"] == "route"


def test_routing_is_refused_once_the_unit_has_accepted(world, client_for, accepted):
    response = client_for(world.office).post(url("route", accepted), {"route-unit": "ZS"})
    assert response.status_code == 400
    assert "cannot be routed" in text(response)
    assert fresh(accepted).unit == world.ganjingzi


def test_only_the_office_routes(world, client_for, received):
    assert (
        client_for(world.leader).post(url("route", received), {"route-unit": "GJZ"}).status_code
        == 403
    )


def test_office_marks_a_duplicate_by_tracking_number(world, client_for, received):
    repeat = submit(world, "重复的建议")
    client = client_for(world.office)
    response = client.post(url("duplicate", repeat), {"duplicate-original": "JY-NOPE"})
    assert response.status_code == 400
    assert "No suggestion has the tracking number JY-NOPE." in text(response)
    response = client.post(url("duplicate", repeat), {"duplicate-original": repeat.tracking_number})
    assert response.status_code == 400
    assert "Choose the original suggestion, not a duplicate." in text(response)
    response = client.post(
        url("duplicate", repeat), {"duplicate-original": received.tracking_number}, follow=True
    )
    assert fresh(repeat).duplicate_of == received
    # The original lists it among its duplicates.
    page = text(client.get(url("detail", received)))
    assert repeat.tracking_number in page and "Duplicates of this suggestion" in page


def test_office_closes_out_of_scope_only_with_a_note(world, client_for, received):
    client = client_for(world.office)
    response = client.post(url("out_of_scope", received), {"out_of_scope-note": ""})
    assert response.status_code == 400
    assert "Tell the citizen why this is outside the campaign&#x27;s remit." in text(response)
    client.post(url("out_of_scope", received), {"out_of_scope-note": "请向12345热线反映"})
    assert fresh(received).status == Status.OUT_OF_SCOPE


def test_office_marks_spam_and_spam_cannot_be_marked_again(world, client_for, received):
    client = client_for(world.office)
    response = client.post(url("spam", received), follow=True)
    assert "The suggestion was marked as spam." in messages_of(response)
    assert fresh(received).status == Status.SPAM
    response = client.post(url("spam", received))
    assert response.status_code == 400
    assert "cannot be dismissed" in text(response)


def test_office_publishes_an_answered_suggestion_and_takes_it_off(world, client_for, answered):
    client = client_for(world.office)
    response = client.post(url("publish", answered), {"publish-value": "1"}, follow=True)
    assert "The suggestion and its answer are published on the portal." in messages_of(response)
    assert fresh(answered).is_published
    client.post(url("outstanding", answered), {"outstanding-value": "1"})
    s = fresh(answered)
    assert s.is_outstanding and s.is_published
    client.post(url("outstanding", answered), {"outstanding-value": "0"})
    client.post(url("publish", answered), {"publish-value": "0"})
    s = fresh(answered)
    assert not s.is_published and not s.is_outstanding


def test_an_unanswered_suggestion_is_neither_published_nor_outstanding(world, client_for, routed):
    client = client_for(world.office)
    response = client.post(url("publish", routed), {"publish-value": "1"})
    assert response.status_code == 400
    assert "Only an answered suggestion can be published." in text(response)
    response = client.post(url("outstanding", routed), {"outstanding-value": "1"})
    assert response.status_code == 400
    assert not fresh(routed).is_outstanding


def test_office_closes_a_reopened_suggestion_with_a_note(world, client_for, answered):
    actions.rate(fresh(answered), Verdict.NOT_SATISFIED, "没有时间表")
    client = client_for(world.office)
    page = client.get(url("detail", answered))
    assert page.context["offers"]["close"] and page.context["offers"]["route"]
    assert "没有时间表" in text(page)
    response = client.post(url("close", answered), {"close-note": ""})
    assert response.status_code == 400
    assert "Record why the complaint is closed without a new answer." in text(response)
    client.post(url("close", answered), {"close-note": "已电话说明"})
    assert fresh(answered).status == Status.CLOSED


# --- the answering unit -------------------------------------------------------------------------


def test_liaison_accepts_and_cannot_accept_twice(world, client_for, routed):
    client = client_for(world.gjz_liaison)
    response = client.post(url("accept", routed), follow=True)
    assert "You accepted the suggestion. Answer it by 2018-12-24." in messages_of(response)
    assert fresh(routed).status == Status.ACCEPTED
    response = client.post(url("accept", routed))
    assert response.status_code == 400
    assert "cannot be accepted" in text(response)


@pytest.mark.parametrize("person", ["leader", "viewer", "office"])
def test_roles_outside_the_unit_may_not_accept(world, client_for, routed, person):
    assert client_for(getattr(world, person)).post(url("accept", routed)).status_code == 403


def test_liaison_sends_back_what_is_not_the_units_remit(world, client_for, routed):
    client = client_for(world.gjz_liaison)
    response = client.post(url("send_back", routed), {"send_back-reason": ""})
    assert response.status_code == 400
    assert "Say which unit should answer it, or why it is not yours." in text(response)
    response = client.post(
        url("send_back", routed), {"send_back-reason": "属于中山区"}, follow=True
    )
    s = fresh(routed)
    assert s.status == Status.RECEIVED and s.unit is None
    # The unit no longer sees it: the redirect lands on a 404.
    assert response.status_code == 404


def test_liaison_drafts_an_answer_and_an_adoption_needs_the_tasks_deadline(
    world, client_for, accepted
):
    client = client_for(world.gjz_liaison)
    response = client.post(
        url("answer", accepted), {"answer-outcome": "adopted", "answer-answer": "采纳"}
    )
    assert response.status_code == 400
    assert "An adopted suggestion becomes a task: give its deadline." in text(response)
    response = client.post(url("answer", accepted), {"answer-outcome": "", "answer-answer": "x"})
    assert "Choose an outcome." in text(response)
    response = client.post(
        url("answer", accepted),
        {"answer-outcome": Outcome.REFERENCE, "answer-answer": "感谢，将参考。"},
        follow=True,
    )
    assert response.status_code == 200
    s = fresh(accepted)
    assert s.status == Status.PENDING_ENDORSEMENT and s.answer == "感谢，将参考。"


def test_unit_head_endorses_an_adopted_answer_and_the_page_links_its_task(
    world, client_for, drafted
):
    client = client_for(world.gjz_head)
    assert client_for(world.gjz_liaison).post(url("endorse", drafted)).status_code == 403
    response = client.post(url("endorse", drafted), follow=True)
    assert "The answer was endorsed and sent; the adopted suggestion is now a task." in messages_of(
        response
    )
    s = fresh(drafted)
    assert s.status == Status.ANSWERED and s.task_id
    assert reverse("ledger:task", args=[s.task_id]) in text(response)
    assert Task.objects.get(pk=s.task_id).lead_unit == world.ganjingzi
    response = client.post(url("endorse", drafted))
    assert response.status_code == 400
    assert "cannot be endorsed" in text(response)


def test_unit_head_returns_an_answer_only_with_a_comment(world, client_for, drafted):
    client = client_for(world.gjz_head)
    response = client.post(url("return", drafted), {"return-comment": ""})
    assert response.status_code == 400
    assert "Say what the answer needs." in text(response)
    client.post(url("return", drafted), {"return-comment": "补充时间表"})
    s = fresh(drafted)
    assert s.status == Status.ACCEPTED and s.status_note == "补充时间表"


def test_the_citizens_verdict_shows_on_the_page(world, client_for, answered):
    actions.rate(fresh(answered), Verdict.BASIC, "基本满意")
    page = text(client_for(world.gjz_head).get(url("detail", answered)))
    assert "Basically satisfied" in page and "基本满意" in page


# --- attachments --------------------------------------------------------------------------------


@pytest.fixture
def with_file(world, media):
    s = submit(world, files=[SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")])
    actions.route(world.office, [s], world.ganjingzi)
    return fresh(s)


def test_people_who_see_the_suggestion_download_its_files(world, client_for, with_file):
    attachment = with_file.attachments.get()
    address = reverse("suggestions:attachment", args=[attachment.pk])
    page = text(client_for(world.gjz_liaison).get(url("detail", with_file)))
    assert address in page and "plan.pdf" in page
    response = client_for(world.gjz_liaison).get(address)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert 'filename="plan.pdf"' in response["Content-Disposition"]


def test_files_are_404_outside_scope_and_need_sign_in(world, client_for, with_file):
    address = reverse("suggestions:attachment", args=[with_file.attachments.get().pk])
    assert client_for(world.zs_liaison).get(address).status_code == 404
    assert login_url_in(client_for(None).get(address))
    assert client_for(world.office).post(address).status_code == 405
    assert client_for(world.office).get("/desk/suggestions/files/999999/").status_code == 404
