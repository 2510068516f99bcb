"""Tracking by number and code: the status in plain words, the answer once endorsed, the
task's progress, duplicates, the verdict and withdrawal. Never contact details."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Outcome, Status, Verdict

from .conftest import EMAIL, PHONE, answered, at, frozen_clock

EN = {"accept-language": "en"}


@pytest.fixture
def sent(world):
    """A suggestion with contact details, and its receipt."""
    with at(dt.date(2018, 12, 3)):
        return intake.submit(
            campaign=world.campaign,
            title="增设便民服务站",
            body="建议增设社区便民服务站。",
            client="c1",
            name="王先生",
            phone=PHONE,
            email=EMAIL,
        )


def tracked(receipt, address: str = "198.51.100.7") -> Client:
    """A citizen's client that has shown the number and code on the tracking form."""
    client = Client(REMOTE_ADDR=address, headers=EN)
    response = client.post(
        "/track/", {"number": receipt.tracking_number, "code": receipt.secret_code}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/track/{receipt.tracking_number}/"
    return client


def status_page(client: Client, receipt) -> str:
    response = client.get(f"/track/{receipt.tracking_number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_number_and_code_show_the_status_in_plain_words_without_contact_details(world, sent):
    page = status_page(tracked(sent), sent)
    assert "We have received your suggestion." in page
    assert "建议增设社区便民服务站。" in page
    assert PHONE not in page and EMAIL not in page and "王先生" not in page


def test_the_code_is_accepted_in_lower_case_and_with_spaces(world, sent):
    client = Client()
    response = client.post(
        "/track/",
        {"number": f" {sent.tracking_number.lower()} ", "code": sent.secret_code.lower()},
    )
    assert response.status_code == 302


def test_a_wrong_code_and_a_wrong_number_get_the_same_generic_message(world, sent):
    client = Client(headers=EN)
    wrong_code = client.post("/track/", {"number": sent.tracking_number, "code": "WRONG123"})
    wrong_number = client.post("/track/", {"number": "JY000000-AAAAA", "code": sent.secret_code})
    for response in (wrong_code, wrong_number):
        assert response.status_code == 200
        assert "We found no suggestion with this number and code." in response.content.decode()
    assert "建议增设" not in wrong_code.content.decode()


def test_the_private_link_opens_the_status_and_drops_the_code_from_the_address(world, sent):
    client = Client(headers=EN)
    link = f"/track/{sent.tracking_number}/?code={sent.secret_code}"
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"/track/{sent.tracking_number}/"
    assert "We have received your suggestion." in status_page(client, sent)


def test_a_number_put_in_the_cookie_by_hand_does_not_open_the_status(world, sent):
    client = Client(REMOTE_ADDR="198.51.100.8", headers=EN)
    client.cookies["portal_tracked"] = sent.tracking_number  # unsigned
    response = client.get(f"/track/{sent.tracking_number}/")
    assert response.status_code == 302 and response["Location"].startswith("/track/?")
    other = tracked(sent, "198.51.100.9").cookies["portal_tracked"].value
    forged = other.replace(sent.tracking_number, "JY000000-AAAAA")
    client.cookies["portal_tracked"] = forged
    assert client.get("/track/JY000000-AAAAA/").status_code == 302


def test_a_private_link_with_a_wrong_code_gets_the_generic_message(world, sent):
    response = Client(headers=EN).get(f"/track/{sent.tracking_number}/?code=WRONG")
    assert response.status_code == 404
    page = response.content.decode()
    assert "We found no suggestion with this number and code." in page
    assert "建议增设" not in page


def test_the_status_page_without_the_code_sends_to_the_tracking_form(world, sent):
    response = Client().get(f"/track/{sent.tracking_number}/")
    assert response.status_code == 302
    assert response["Location"] == f"/track/?number={sent.tracking_number}"
    for action in ("rate", "withdraw"):
        response = Client().post(f"/track/{sent.tracking_number}/{action}/", {"verdict": "basic"})
        assert response.status_code == 302
    sent.suggestion.refresh_from_db()
    assert sent.suggestion.status == Status.RECEIVED


def test_too_many_tracking_attempts_get_429(world, sent):
    with frozen_clock():
        client = Client(REMOTE_ADDR="203.0.113.9")
        limit = intake.TRACK_ATTEMPTS[0]
        for _ in range(limit):
            client.post("/track/", {"number": sent.tracking_number, "code": "WRONG"})
        response = client.post("/track/", {"number": sent.tracking_number, "code": "WRONG"})
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        link = client.get(f"/track/{sent.tracking_number}/?code={sent.secret_code}")
        assert link.status_code == 429
        # Another address still tracks.
        assert (
            Client(REMOTE_ADDR="203.0.113.10")
            .post("/track/", {"number": sent.tracking_number, "code": sent.secret_code})
            .status_code
            == 302
        )


def test_a_routed_suggestion_shows_the_unit_and_the_due_date_but_not_the_routing_note(world, sent):
    with at(dt.date(2018, 12, 3)):
        actions.route(world.office, [sent.suggestion], world.ganjingzi, note="内部：请区长阅")
    page = status_page(tracked(sent), sent)
    assert "Ganjingzi District" in page
    assert "24 Dec 2018" in page
    assert "内部" not in page


def test_a_drafted_answer_stays_hidden_until_the_unit_head_endorses_it(world, sent):
    s = sent.suggestion
    with at(dt.date(2018, 12, 3)):
        actions.route(world.office, [s], world.ganjingzi)
        s.refresh_from_db()
        actions.accept(world.gjz_liaison, s)
        actions.draft_answer(world.gjz_liaison, s, outcome=Outcome.REFERENCE, answer="草稿答复内容")
    client = tracked(sent)
    assert "草稿答复内容" not in status_page(client, sent)
    with at(dt.date(2018, 12, 4)):
        actions.endorse_answer(world.gjz_head, s)
    page = status_page(client, sent)
    assert "草稿答复内容" in page and "Taken for reference" in page
    assert "Rate the answer" in page


def test_an_adopted_suggestion_shows_the_progress_of_its_task(world, sent):
    answered(world, sent.suggestion, Outcome.ADOPTED, task_deadline=dt.date(2019, 6, 30))
    page = status_page(tracked(sent), sent)
    assert "Progress of the work it started" in page
    assert '<progress id="progress-' in page and 'value="0"' in page
    assert "Accepted" in page


def test_an_out_of_scope_note_is_shown_to_the_citizen(world, sent):
    actions.dismiss(world.office, sent.suggestion, Status.OUT_OF_SCOPE, "请拨打12345热线反映。")
    page = status_page(tracked(sent), sent)
    assert "请拨打12345热线反映。" in page
    assert "outside what this campaign can act on" in page


def test_a_duplicate_follows_the_original_and_its_answer(world, sent):
    with at(dt.date(2018, 12, 3)):
        later = intake.submit(
            campaign=world.campaign, title="便民站", body="希望多建便民服务站点。", client="c2"
        )
    actions.mark_duplicate(world.office, later.suggestion, sent.suggestion)
    client = tracked(later)
    page = status_page(client, later)
    assert f"It follows suggestion {sent.tracking_number}" in page
    assert "Received" in page
    assert "建议增设社区便民服务站。" not in page  # not the original's text
    answered(world, sent.suggestion)
    page = status_page(client, later)
    assert "已研究，纳入明年计划。" in page
    assert "Rate the answer" not in page  # the original's author rates it


def test_the_citizen_rates_the_answer_and_not_satisfied_reopens_it(world, sent):
    s = answered(world, sent.suggestion)
    client = tracked(sent)
    response = client.post(
        f"/track/{s.tracking_number}/rate/",
        {"verdict": Verdict.NOT_SATISFIED, "comment": "没有时间表\x07"},
    )
    assert response.status_code == 302
    s.refresh_from_db()
    assert s.status == Status.REOPENED and s.verdict == Verdict.NOT_SATISFIED
    assert s.verdict_comment == "没有时间表"
    page = status_page(client, sent)
    assert "Thank you. Your verdict has been recorded." in page
    assert "You rated the answer: Not satisfied." in page
    assert "Rate the answer" not in page


def test_a_satisfied_verdict_closes_it_and_a_second_verdict_is_refused(world, sent):
    s = answered(world, sent.suggestion)
    client = tracked(sent)
    client.post(f"/track/{s.tracking_number}/rate/", {"verdict": Verdict.SATISFIED})
    s.refresh_from_db()
    assert s.status == Status.CLOSED
    client.post(f"/track/{s.tracking_number}/rate/", {"verdict": Verdict.NOT_SATISFIED})
    s.refresh_from_db()
    assert s.status == Status.CLOSED and s.verdict == Verdict.SATISFIED


def test_a_verdict_must_be_one_of_the_three(world, sent):
    s = answered(world, sent.suggestion)
    response = tracked(sent).post(f"/track/{s.tracking_number}/rate/", {"verdict": "great"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    s.refresh_from_db()
    assert s.status == Status.ANSWERED


def test_the_citizen_withdraws_before_the_answer_but_not_after(world, sent):
    client = tracked(sent)
    page = status_page(client, sent)
    assert "Withdraw my suggestion" in page
    assert client.post(f"/track/{sent.tracking_number}/withdraw/").status_code == 302
    sent.suggestion.refresh_from_db()
    assert sent.suggestion.status == Status.WITHDRAWN
    page = status_page(client, sent)
    assert "You withdrew this suggestion." in page and "Withdraw my suggestion" not in page
    client.post(f"/track/{sent.tracking_number}/withdraw/")
    assert "cannot be withdrawn" in status_page(client, sent)


def test_an_answered_suggestion_cannot_be_withdrawn(world, sent):
    s = answered(world, sent.suggestion)
    client = tracked(sent)
    assert "Withdraw my suggestion" not in status_page(client, sent)
    client.post(f"/track/{s.tracking_number}/withdraw/")
    s.refresh_from_db()
    assert s.status == Status.ANSWERED


def test_tracking_pages_answer_405_to_wrong_methods_and_are_not_cached(world, sent):
    client = tracked(sent)
    assert client.put("/track/").status_code == 405
    assert client.post(f"/track/{sent.tracking_number}/").status_code == 405
    assert client.get(f"/track/{sent.tracking_number}/rate/").status_code == 405
    assert client.get(f"/track/{sent.tracking_number}/withdraw/").status_code == 405
    response = client.get(f"/track/{sent.tracking_number}/")
    assert "no-store" in response["Cache-Control"]
