"""The suggestion page with every action on it, and its attachments.

The page offers only the actions the person may take in the suggestion's current
state: the office routes, marks duplicates, dismisses, publishes and decides
reopened ones; the answering unit accepts, sends back and drafts the answer; its
head endorses or returns the answer. Each action is a POST to its own address; it
calls the action in `actions.py` and, when the action refuses, shows the page again
(status 400) with the message in that action's form. The actions check again, so a
stale page cannot do more.

Suggestions outside the person's units are 404 (`get_suggestion_for_user`); one they
see but may not act on answers 403 to the action. Contact details are shown only to
those `suggestions.view_contact` allows; the history masks them for everyone else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from campaigndesk import clock
from campaigndesk.core.actionviews import perform
from campaigndesk.ledger.workdays import for_campaign
from campaigndesk.org import access
from campaigndesk.org.access import OVERSIGHT_ROLES
from campaigndesk.org.models import Unit

from .. import actions
from ..forms import (
    AnswerForm,
    CommentForm,
    DuplicateForm,
    FlagForm,
    NoteForm,
    ReasonForm,
    RouteForm,
    share_choices,
)
from ..models import AWAITING_ANSWER, OPEN_STATUSES, Status, Suggestion, SuggestionAttachment
from ..queries import get_suggestion_for_user

DUPLICATES_SHOWN = 50
PUBLISHABLE = (Status.ANSWERED, Status.CLOSED)


def _url(s: Suggestion) -> str:
    return reverse("suggestions:detail", args=[s.pk])


def offers_for(user: Any, s: Suggestion) -> dict[str, bool]:
    """Which actions the page offers this person, now."""
    triage = access.can(user, "suggestions.triage", s)
    handle = access.can(user, "suggestions.handle", s)
    endorse = access.can(user, "suggestions.endorse", s)
    status = s.status
    is_open = status in OPEN_STATUSES
    answered = status in PUBLISHABLE
    return {
        "route": triage and status in (Status.RECEIVED, Status.ROUTED, Status.REOPENED),
        "duplicate": triage and is_open,
        "out_of_scope": triage and is_open,
        "spam": triage and is_open,
        "publish": triage and answered and not s.is_published,
        "unpublish": triage and s.is_published,
        "outstanding": triage and answered,
        "close": triage and status == Status.REOPENED,
        "accept": handle and status == Status.ROUTED,
        "send_back": handle and status in (Status.ROUTED, Status.ACCEPTED),
        "answer": handle and status in (Status.ACCEPTED, Status.PENDING_ENDORSEMENT),
        "endorse": endorse and status == Status.PENDING_ENDORSEMENT,
        "return": endorse and status == Status.PENDING_ENDORSEMENT,
    }


def _route_form(s: Suggestion, data: Any = None) -> RouteForm:
    initial = {}
    if s.unit_id:
        initial = {"unit": s.unit.code, "co_units": [u.code for u in s.co_units.all()]}
    form = RouteForm(data, prefix="route", initial=initial)
    units = list(Unit.objects.filter(is_active=True).order_by("path"))
    share_choices([form.fields["unit"], form.fields["co_units"]], units)
    return form


def _answer_form(s: Suggestion, data: Any = None) -> AnswerForm:
    initial = {"outcome": s.outcome, "answer": s.answer, "task_deadline": s.task_deadline}
    return AnswerForm(data, prefix="answer", initial=initial)


def _action_forms(user: Any, s: Suggestion, offers: dict[str, bool]) -> dict[str, BaseForm]:
    made: dict[str, BaseForm] = {}
    if offers["route"]:
        made["route"] = _route_form(s)
    if offers["duplicate"]:
        made["duplicate"] = DuplicateForm(prefix="duplicate", user=user, suggestion=s)
    for key in ("out_of_scope", "close"):
        if offers[key]:
            made[key] = NoteForm(prefix=key)
    if offers["send_back"]:
        made["send_back"] = ReasonForm(prefix="send_back")
    if offers["answer"]:
        made["answer"] = _answer_form(s)
    if offers["return"]:
        made["return"] = CommentForm(prefix="return")
    return made


def _due(s: Suggestion, today: Any) -> dict[str, Any]:
    """Whether an answer is due today, ahead (working days left) or overdue (by how many)."""
    if s.status not in AWAITING_ANSWER or s.answer_due is None:
        return {"due": None}
    if s.answer_due == today:
        return {"due": "today"}
    workdays = for_campaign(s.campaign)
    if s.answer_due > today:
        return {"due": "ahead", "days_left": workdays.count_between(today, s.answer_due)}
    return {"due": "overdue", "overdue_days": workdays.count_between(s.answer_due, today)}


def _refusal(offers: dict[str, bool], bound: dict[str, BaseForm] | None) -> list[str]:
    """Messages of a refused action whose form the page no longer offers (the suggestion
    moved on meanwhile), shown at the top instead."""
    found = []
    for key, form in (bound or {}).items():
        if not offers.get(key):
            found += [str(m) for errors in form.errors.values() for m in errors]
    return found


def _page(
    request: HttpRequest,
    s: Suggestion,
    bound: dict[str, BaseForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    today = clock.today()
    offers = offers_for(user, s)
    forms = _action_forms(user, s, offers)
    forms.update(bound or {})
    duplicates = list(s.duplicates.order_by("created_at", "id")[: DUPLICATES_SHOWN + 1])
    context = {
        "s": s,
        "today": today,
        **_due(s, today),
        "contact": access.can(user, "suggestions.view_contact", s),
        "attachments": list(s.attachments.order_by("pk")),
        "co_units": list(s.co_units.order_by("path")),
        "duplicates": duplicates[:DUPLICATES_SHOWN],
        "more_duplicates": len(duplicates) > DUPLICATES_SHOWN,
        # Duplicates lie with no unit: only those who see every suggestion open them.
        "open_duplicates": access.sees_whole_city(user, OVERSIGHT_ROLES),
        "offers": offers,
        "forms": forms,
        "open_form": next(iter(bound or {}), ""),
        "any_action": any(offers.values()),
        "refusal": _refusal(offers, bound),
    }
    return render(request, "suggestions/detail.html", context, status=status)


@require_safe
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, get_suggestion_for_user(request.user, pk))


# --- actions ------------------------------------------------------------------------------------


def _act(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    perm: str,
    form: Callable[[Suggestion], BaseForm] | None,
    run: Callable[[Suggestion, dict[str, Any]], str],
) -> HttpResponse:
    def load() -> Suggestion:
        s = get_suggestion_for_user(request.user, pk)
        access.require(request.user, perm, s)
        return s

    return perform(
        request,
        load=load,
        key=key,
        form=form,
        run=run,
        url=_url,
        page=lambda req, s, bound, status: _page(req, s, bound, status=status),
    )


TRIAGE, HANDLE, ENDORSE = "suggestions.triage", "suggestions.handle", "suggestions.endorse"


@require_POST
@login_required
def act_route(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.route(request.user, [s], data["unit"], list(data["co_units"]), data["note"])
        return _("The suggestion was sent to %(unit)s.") % {"unit": data["unit"].name}

    def form(s: Suggestion) -> BaseForm:
        return _route_form(s, request.POST)

    return _act(request, pk, key="route", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        original = data["original"]
        actions.mark_duplicate(request.user, s, original)
        return _("The suggestion was marked as a duplicate of %(number)s.") % {
            "number": original.tracking_number
        }

    def form(s: Suggestion) -> BaseForm:
        return DuplicateForm(request.POST, prefix="duplicate", user=request.user, suggestion=s)

    return _act(request, pk, key="duplicate", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_out_of_scope(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.dismiss(request.user, s, Status.OUT_OF_SCOPE, data["note"])
        return _("The suggestion was closed as outside the campaign's remit.")

    def form(s: Suggestion) -> BaseForm:
        return NoteForm(request.POST, prefix="out_of_scope")

    return _act(request, pk, key="out_of_scope", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_spam(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, _data: dict[str, Any]) -> str:
        actions.dismiss(request.user, s, Status.SPAM, "")
        return _("The suggestion was marked as spam.")

    return _act(request, pk, key="spam", perm=TRIAGE, form=None, run=run)


@require_POST
@login_required
def act_publish(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.publish(request.user, s, published=data["value"])
        if data["value"]:
            return _("The suggestion and its answer are published on the portal.")
        return _("The suggestion was taken off the portal.")

    def form(s: Suggestion) -> BaseForm:
        return FlagForm(request.POST, prefix="publish")

    return _act(request, pk, key="publish", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_outstanding(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        if s.status not in PUBLISHABLE:
            raise ValidationError(_("Only an answered suggestion can be marked as outstanding."))
        actions.publish(request.user, s, published=s.is_published, outstanding=data["value"])
        if data["value"]:
            return _("The suggestion is marked as outstanding.")
        return _("The suggestion is no longer marked as outstanding.")

    def form(s: Suggestion) -> BaseForm:
        return FlagForm(request.POST, prefix="outstanding")

    return _act(request, pk, key="outstanding", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_close(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.close_reopened(request.user, s, data["note"])
        return _("The complaint was closed without a new answer.")

    def form(s: Suggestion) -> BaseForm:
        return NoteForm(request.POST, prefix="close")

    return _act(request, pk, key="close", perm=TRIAGE, form=form, run=run)


@require_POST
@login_required
def act_accept(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, _data: dict[str, Any]) -> str:
        actions.accept(request.user, s)
        return _("You accepted the suggestion. Answer it by %(date)s.") % {
            "date": s.answer_due.isoformat() if s.answer_due else "—"
        }

    return _act(request, pk, key="accept", perm=HANDLE, form=None, run=run)


@require_POST
@login_required
def act_send_back(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.send_back_to_office(request.user, s, data["reason"])
        return _("The suggestion was sent back to the office, which will route it again.")

    def form(s: Suggestion) -> BaseForm:
        return ReasonForm(request.POST, prefix="send_back")

    return _act(request, pk, key="send_back", perm=HANDLE, form=form, run=run)


@require_POST
@login_required
def act_answer(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.draft_answer(
            request.user,
            s,
            outcome=data["outcome"],
            answer=data["answer"],
            task_deadline=data["task_deadline"],
        )
        return _("The answer was saved. It leaves the unit once the unit head endorses it.")

    def form(s: Suggestion) -> BaseForm:
        return _answer_form(s, request.POST)

    return _act(request, pk, key="answer", perm=HANDLE, form=form, run=run)


@require_POST
@login_required
def act_endorse(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, _data: dict[str, Any]) -> str:
        actions.endorse_answer(request.user, s)
        if s.task_id:
            return _("The answer was endorsed and sent; the adopted suggestion is now a task.")
        return _("The answer was endorsed and sent to the citizen.")

    return _act(request, pk, key="endorse", perm=ENDORSE, form=None, run=run)


@require_POST
@login_required
def act_return(request: HttpRequest, pk: int) -> HttpResponse:
    def run(s: Suggestion, data: dict[str, Any]) -> str:
        actions.return_answer(request.user, s, data["comment"])
        return _("The answer was returned to the liaison.")

    def form(s: Suggestion) -> BaseForm:
        return CommentForm(request.POST, prefix="return")

    return _act(request, pk, key="return", perm=ENDORSE, form=form, run=run)


# --- attachments --------------------------------------------------------------------------------


@require_safe
@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A file the citizen attached, for people who may see the suggestion (never public)."""
    attachment = SuggestionAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    get_suggestion_for_user(request.user, attachment.suggestion_id)  # 404 outside scope
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type or "application/octet-stream",
    )
