"""Every change to a suggestion after intake.

received → routed (office) → accepted (unit) → answer awaiting the unit head →
answered (head endorses; the answer leaves the unit) → closed when the citizen is
satisfied, or reopened when not, for the office to decide. Side exits: duplicate
(the citizen then follows the original), out of scope, spam, withdrawn.
A unit that is not responsible sends it back at once and the office re-routes.
Adopting a suggestion opens a ledger task linked to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigndesk import clock
from campaigndesk.audit import trail
from campaigndesk.core import writes
from campaigndesk.ledger import actions as ledger_actions
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.org.models import Unit

from .models import AWAITING_ANSWER, OPEN_STATUSES, Outcome, Status, Suggestion, Verdict

MAX_BATCH = 500

# Called as hook(actor, suggestions, unit) inside route()'s transaction, after the
# suggestions are routed (the triage app records whether its guess was followed).
ROUTE_HOOKS: list[Any] = []


# One whole sentence per action (not "cannot be %(verb)s"), so that every language
# can word it its own way.
_STATE_ERRORS = {
    "route": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be routed."),
    "mark_duplicate": gettext_lazy(
        "Suggestion %(number)s is %(status)s and cannot be marked as a duplicate."
    ),
    "dismiss": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be dismissed."),
    "send_back": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be sent back."),
    "accept": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be accepted."),
    "answer": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be answered."),
    "endorse": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be endorsed."),
    "return": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be returned."),
    "rate": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be rated."),
    "withdraw": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be withdrawn."),
    "close": gettext_lazy("Suggestion %(number)s is %(status)s and cannot be closed."),
}


def _wrong_state(s: Suggestion, action: str) -> ValidationError:
    return ValidationError(
        _STATE_ERRORS[action] % {"number": s.tracking_number, "status": s.get_status_display()}
    )


def _save(actor: Any, s: Suggestion, changes: dict[str, Any], action: str) -> Suggestion:
    changes = {**changes, "updated_at": clock.now(), "version": s.version + 1}
    return writes.update(actor, s, changes, action=action)


def _need(text: str, field: str, message: str) -> None:
    if not (text or "").strip():
        raise ValidationError({field: message})


def route(
    actor: Any,
    suggestions: Iterable[Suggestion],
    unit: Unit,
    co_units: Iterable[Unit] = (),
    note: str = "",
) -> int:
    """Send one or many suggestions to the unit that answers them; returns how many."""
    access.require(actor, "suggestions.triage")
    suggestions = list(suggestions)
    if len(suggestions) > MAX_BATCH:
        raise ValidationError(_("Route at most %(max)s suggestions at once.") % {"max": MAX_BATCH})
    co_units = [u for u in co_units if u.pk != unit.pk]
    today = clock.today()
    calendars: dict[int, Any] = {}  # one working-day calendar per campaign, not per suggestion
    with transaction.atomic():
        for s in suggestions:
            if s.status not in (Status.RECEIVED, Status.ROUTED, Status.REOPENED):
                raise _wrong_state(s, "route")
            if s.campaign_id not in calendars:
                calendars[s.campaign_id] = for_campaign(s.campaign)
            due = calendars[s.campaign_id].add(today, s.campaign.answer_limit_days)
            _save(
                actor,
                s,
                {
                    "status": Status.ROUTED,
                    "unit": unit,
                    "unit_path": unit.path,
                    "routed_at": clock.now(),
                    "answer_due": due,
                    "status_note": note,
                    "light": "green",
                },
                "suggestions.route",
            )
            s.co_units.set(co_units)
        for hook in ROUTE_HOOKS:
            hook(actor, suggestions, unit)
    return len(suggestions)


def mark_duplicate(actor: Any, s: Suggestion, original: Suggestion) -> Suggestion:
    access.require(actor, "suggestions.triage")
    if original.pk == s.pk or original.duplicate_of_id:
        raise ValidationError({"original": _("Choose the original suggestion, not a duplicate.")})
    if s.status not in OPEN_STATUSES:
        raise _wrong_state(s, "mark_duplicate")
    with transaction.atomic():
        return _save(
            actor,
            s,
            {"status": Status.DUPLICATE, "duplicate_of": original},
            "suggestions.mark_duplicate",
        )


def dismiss(actor: Any, s: Suggestion, status: str, note: str) -> Suggestion:
    """Out of scope (with a note the citizen sees) or spam."""
    access.require(actor, "suggestions.triage")
    if status not in (Status.OUT_OF_SCOPE, Status.SPAM):
        raise ValueError(status)
    if status == Status.OUT_OF_SCOPE:
        _need(note, "note", _("Tell the citizen why this is outside the campaign's remit."))
    if s.status not in OPEN_STATUSES:
        raise _wrong_state(s, "dismiss")
    with transaction.atomic():
        return _save(actor, s, {"status": status, "status_note": note}, f"suggestions.{status}")


def send_back_to_office(actor: Any, s: Suggestion, reason: str) -> Suggestion:
    """The unit says it is not its remit; the office routes it again."""
    access.require(actor, "suggestions.handle", s)
    if s.status not in (Status.ROUTED, Status.ACCEPTED):
        raise _wrong_state(s, "send_back")
    _need(reason, "reason", _("Say which unit should answer it, or why it is not yours."))
    with transaction.atomic():
        return _save(
            actor,
            s,
            {
                "status": Status.RECEIVED,
                "unit": None,
                "unit_path": "",
                "answer_due": None,
                "status_note": reason,
            },
            "suggestions.send_back",
        )


def accept(actor: Any, s: Suggestion) -> Suggestion:
    access.require(actor, "suggestions.handle", s)
    if s.status != Status.ROUTED:
        raise _wrong_state(s, "accept")
    with transaction.atomic():
        return _save(
            actor, s, {"status": Status.ACCEPTED, "accepted_at": clock.now()}, "suggestions.accept"
        )


def draft_answer(
    actor: Any, s: Suggestion, *, outcome: str, answer: str, task_deadline: dt.date | None = None
) -> Suggestion:
    """The liaison writes the answer; it waits for the unit head before it leaves the unit."""
    access.require(actor, "suggestions.handle", s)
    if s.status not in (Status.ACCEPTED, Status.PENDING_ENDORSEMENT):
        raise _wrong_state(s, "answer")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    _need(answer, "answer", _("Write the answer the citizen will read."))
    if outcome == Outcome.ADOPTED:
        if task_deadline is None:
            raise ValidationError(
                {"task_deadline": _("An adopted suggestion becomes a task: give its deadline.")}
            )
        if task_deadline < clock.today():
            raise ValidationError({"task_deadline": _("The task's deadline is in the past.")})
    with transaction.atomic():
        return _save(
            actor,
            s,
            {
                "status": Status.PENDING_ENDORSEMENT,
                "outcome": outcome,
                "answer": answer.strip(),
                "answered_by": actor,
                "task_deadline": task_deadline if outcome == Outcome.ADOPTED else None,
            },
            "suggestions.draft_answer",
        )


def endorse_answer(actor: Any, s: Suggestion) -> Suggestion:
    """The unit head signs off; the citizen sees the answer, and an adoption opens a task."""
    access.require(actor, "suggestions.endorse", s)
    if s.status != Status.PENDING_ENDORSEMENT:
        raise _wrong_state(s, "endorse")
    today = clock.today()
    with transaction.atomic():
        changes: dict[str, Any] = {
            "status": Status.ANSWERED,
            "endorsed_by": actor,
            "answered_at": clock.now(),
            "answered_late": bool(s.answer_due and today > s.answer_due),
            "light": "none",
        }
        if s.outcome == Outcome.ADOPTED and s.task_id is None:
            deadline = s.task_deadline or s.campaign.ends_on
            # The unit head's endorsement is what opens the task; the ledger records it
            # as created by the system on the suggestion's behalf.
            with trail.source(f"suggestion:{s.tracking_number}"):
                task = ledger_actions.create_task(
                    access.SYSTEM,
                    campaign=s.campaign,
                    title=s.title,
                    description=f"{s.body}\n\n{s.answer}",
                    lead_unit=s.unit,
                    deadline=min(deadline, s.campaign.ends_on),
                    key_task=s.key_task,
                    source="suggestion",
                    source_ref=s.tracking_number,
                    status="accepted",
                    accepted_at=clock.now(),
                )
            changes["task"] = task
        return _save(actor, s, changes, "suggestions.endorse_answer")


def return_answer(actor: Any, s: Suggestion, comment: str) -> Suggestion:
    """The unit head sends the draft back to the liaison."""
    access.require(actor, "suggestions.endorse", s)
    if s.status != Status.PENDING_ENDORSEMENT:
        raise _wrong_state(s, "return")
    _need(comment, "comment", _("Say what the answer needs."))
    with transaction.atomic():
        return _save(
            actor,
            s,
            {"status": Status.ACCEPTED, "status_note": comment},
            "suggestions.return_answer",
        )


def rate(s: Suggestion, verdict: str, comment: str = "") -> Suggestion:
    """The citizen's verdict (authenticated by number and code before this is called)."""
    if s.status != Status.ANSWERED:
        raise _wrong_state(s, "rate")
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": _("Choose how satisfied you are.")})
    comment = (comment or "").strip()[:1000]
    status = Status.REOPENED if verdict == Verdict.NOT_SATISFIED else Status.CLOSED
    with transaction.atomic():
        return _save(
            None,
            s,
            {
                "verdict": verdict,
                "verdict_comment": comment,
                "verdict_at": clock.now(),
                "status": status,
            },
            "suggestions.rate",
        )


def withdraw(s: Suggestion) -> Suggestion:
    """The citizen takes the suggestion back before it is answered."""
    if s.status not in (Status.RECEIVED, Status.ROUTED, Status.ACCEPTED):
        raise _wrong_state(s, "withdraw")
    with transaction.atomic():
        return _save(
            None, s, {"status": Status.WITHDRAWN, "is_published": False}, "suggestions.withdraw"
        )


def close_reopened(actor: Any, s: Suggestion, note: str) -> Suggestion:
    """The office decides a complaint needs no new answer, and says why."""
    access.require(actor, "suggestions.triage")
    if s.status != Status.REOPENED:
        raise _wrong_state(s, "close")
    _need(note, "note", _("Record why the complaint is closed without a new answer."))
    with transaction.atomic():
        return _save(
            actor, s, {"status": Status.CLOSED, "status_note": note}, "suggestions.close_reopened"
        )


def publish(
    actor: Any, s: Suggestion, *, published: bool = True, outstanding: bool | None = None
) -> Suggestion:
    """Show the suggestion and its answer on the portal (without contact details)."""
    access.require(actor, "suggestions.triage")
    if published and s.status not in (Status.ANSWERED, Status.CLOSED):
        raise ValidationError(_("Only an answered suggestion can be published."))
    changes: dict[str, Any] = {"is_published": published}
    if published and not s.published_at:
        changes["published_at"] = clock.now()
    if outstanding is not None:
        changes["is_outstanding"] = outstanding
    with transaction.atomic():
        return _save(
            actor, s, changes, "suggestions.publish" if published else "suggestions.unpublish"
        )


__all__ = [
    "AWAITING_ANSWER",
    "accept",
    "close_reopened",
    "dismiss",
    "draft_answer",
    "endorse_answer",
    "mark_duplicate",
    "publish",
    "rate",
    "return_answer",
    "route",
    "send_back_to_office",
    "withdraw",
]
