"""The public site: the campaign, the suggestion form, tracking and published answers.

Citizens have no account. The suggestion form counts submissions per client
address (REMOTE_ADDR, or behind a proxy listed in TRUSTED_PROXIES the address it
forwarded, see queries.client_address) and per contact; a filled honeypot gets a receipt that
looks real but nothing is saved, so a robot learns nothing. After a submission
the receipt waits in the session (POST-redirect-GET: a reload shows it again and
submits nothing). A tracking number with its code, or the private link, marks the
number as "checked" in a signed cookie; the status page and its rate and withdraw
buttons then need no code in the address.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from campaigndesk import clock
from campaigndesk.suggestions import actions, intake
from campaigndesk.suggestions.models import Channel
from campaigndesk.suggestions.queries import public_view

from . import queries
from .forms import PublishedFilterForm, RateForm, SuggestionForm, TrackForm

logger = logging.getLogger("campaigndesk.portal")

RECEIPT_KEY = "portal:receipt"
TRACKED_COOKIE = "portal_tracked"
TRACKED_SALT = "campaigndesk.portal.tracked"
RECEIPT_SECONDS = 30 * 60
MAX_TRACKED = 20
# Three files at the limit and the form's text; anything larger is refused unread.
MAX_REQUEST_BYTES = intake.MAX_FILES * intake.MAX_FILE_BYTES + 1024 * 1024
PER_PAGE = 20
LATEST = 5


# --- shared pieces ------------------------------------------------------------------------------


def _problem(
    request: HttpRequest, status: int, title: str, message: str, **headers: str
) -> HttpResponse:
    response = render(
        request,
        "portal/problem.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _problem(
        request,
        404,
        _("Not found"),
        _("There is nothing at this address. It may have been moved or never published."),
    )


def _throttled(request: HttpRequest, exc: intake.Throttled) -> HttpResponse:
    minutes = max(1, math.ceil(exc.retry_after / 60))
    message = _(
        "Too many attempts came from your connection. Please wait %(minutes)s minutes and "
        "try again."
    ) % {"minutes": minutes}
    return _problem(
        request, 429, _("Please wait a little"), message, Retry_After=str(exc.retry_after)
    )


def _campaign_or_404(code: str | None) -> Any:
    campaign = queries.get_public_campaign(code) if code else queries.main_campaign()
    if campaign is None:
        raise Http404
    return campaign


def _client(request: HttpRequest) -> str:
    return intake.client_hash(queries.client_address(request))


# --- the campaign ----------------------------------------------------------------------------------


HOME_SECONDS = 60


def _campaign_data(campaign: Any) -> dict[str, Any]:
    """What the campaign page shows besides the campaign and its counts (cached on their
    own): its phases, key tasks and latest published answers (public, the same for
    everyone)."""
    latest = queries.published(campaign)[:LATEST]
    return {
        "phases": list(campaign.phases.order_by("number")),
        "key_tasks": list(queries.key_tasks_of(campaign)),
        "latest": [public_view(s) for s in latest],
    }


def _cached_campaign_data(campaign: Any) -> dict[str, Any]:
    """The campaign page's data, kept a minute per campaign and language.

    The portal's home is its most visited page and shows everyone the same campaign:
    reading it four times a second from the database bought nothing. The data is
    cached, not the HTML, so each response keeps its own CSP nonce and CSRF token.
    Only public data is kept (public_view leaves contact details out).
    """
    key = f"portal:campaign-page:{campaign.pk}:{get_language()}"
    found = cache.get(key)
    if found is None:
        found = _campaign_data(campaign)
        cache.set(key, found, HOME_SECONDS)
    return found


def _campaign_content(campaign: Any, others: list[Any]) -> SafeString:
    """The page's content, rendered at most once a minute per campaign, language, day and
    counts: it reads no request, so it is the same for everyone (the frame around it,
    with the language form's token, is rendered for each response)."""
    if campaign is None:
        return render_to_string("portal/_home_content.html", {"campaign": None})
    counts, today = queries.counts(campaign), clock.today()
    key = (
        f"portal:campaign-html:{campaign.pk}:{'-'.join(str(o.pk) for o in others)}:"
        f"{get_language()}:{today.isoformat()}:{counts['received']}:{counts['answered']}"
    )
    found = cache.get(key)
    if found is None:
        context = {"campaign": campaign, "others": others, "counts": counts, "today": today}
        context.update(_cached_campaign_data(campaign))
        found = render_to_string("portal/_home_content.html", context)
        cache.set(key, found, HOME_SECONDS)
    return mark_safe(found)  # noqa: S308 - rendered by the template engine above


def _campaign_page(request: HttpRequest, campaign: Any, others: list[Any]) -> HttpResponse:
    context: dict[str, Any] = {
        "campaign": campaign,
        "nav": "home",
        "content": _campaign_content(campaign, others),
    }
    return render(request, "portal/home.html", context)


def _public_campaigns() -> list[Any]:
    """The public campaigns, the one under way first; kept a minute (see above)."""
    key = f"portal:public-campaigns:{get_language()}"
    found = cache.get(key)
    if found is None:
        found = list(queries.public_campaigns())
        cache.set(key, found, HOME_SECONDS)
    return found


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The campaign under way (and links to any other public one)."""
    campaigns = _public_campaigns()
    campaign = campaigns[0] if campaigns else None
    return _campaign_page(request, campaign, campaigns[1:])


@require_safe
def campaign(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = queries.get_public_campaign(code)
    except Http404:
        return _not_found(request)
    return _campaign_page(request, found, [])


# --- the suggestion form -----------------------------------------------------------------------------


class CappedUploadHandler(FileUploadHandler):
    """Drops a file as soon as it passes the size limit, so an oversized upload is never
    written out whole; remembers its name for the form's error message."""

    def __init__(self, request: HttpRequest, oversized: list[str], max_bytes: int) -> None:
        super().__init__(request)
        self.oversized = oversized
        self.max_bytes = max_bytes

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.max_bytes:
            self.oversized.append(self.file_name or "?")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _add_errors(form: SuggestionForm, exc: ValidationError) -> None:
    """intake's errors onto the form: next to their field, or at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


def _store_receipt(request: HttpRequest, campaign: Any, number: str, code: str) -> None:
    request.session[RECEIPT_KEY] = {
        "number": number,
        "code": code,
        "campaign": campaign.title,
        "at": int(time.time()),
    }


def _tracked(request: HttpRequest) -> list[str]:
    """The numbers whose code this browser has shown (within the cookie's age)."""
    value = request.get_signed_cookie(
        TRACKED_COOKIE, default="", salt=TRACKED_SALT, max_age=settings.SESSION_COOKIE_AGE
    )
    return value.split(",") if value else []


def _remember(request: HttpRequest, response: HttpResponse, number: str) -> HttpResponse:
    """Mark the number as checked, in a signed cookie of its own rather than the session:
    a citizen's tracking link then writes nothing to the database (a new session row
    and its commit were most of that request)."""
    tracked = [n for n in _tracked(request) if n != number]
    response.set_signed_cookie(
        TRACKED_COOKIE,
        ",".join([*tracked, number][-MAX_TRACKED:]),  # numbers hold no comma
        salt=TRACKED_SALT,
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def _fake_receipt() -> tuple[str, str]:
    alphabet = intake.CODE_ALPHABET
    number = f"JY{clock.now():%y%m%d}-{''.join(secrets.choice(alphabet) for _ in range(5))}"
    return number, "".join(secrets.choice(alphabet) for _ in range(8))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def suggest(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The form. CSRF is checked in _suggest: the upload handler has to be in place
    before anything reads the body, and the CSRF middleware would read it first."""
    oversized: list[str] = []
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_REQUEST_BYTES:
            return _problem(
                request,
                413,
                _("Too large"),
                _(
                    "What you sent is larger than the form accepts. Attach at most 3 files "
                    "of at most 10 MB each."
                ),
            )
        request.upload_handlers.insert(
            0, CappedUploadHandler(request, oversized, intake.MAX_FILE_BYTES)
        )
    return _suggest(request, code, oversized)


@csrf_protect
def _suggest(request: HttpRequest, code: str | None, oversized: list[str]) -> HttpResponse:
    try:
        campaign = _campaign_or_404(code)
    except Http404:
        return _not_found(request)
    context: dict[str, Any] = {"campaign": campaign, "nav": "suggest"}
    if not campaign.accepts_suggestions:
        return render(request, "portal/suggest.html", {**context, "closed": True})
    question, token = intake.make_challenge()
    if request.method == "POST":
        form = SuggestionForm(request.POST, request.FILES, campaign=campaign, oversized=oversized)
        if form.honeypot_filled:
            # Pretend success and save nothing: a robot should not learn it was caught.
            logger.info("portal: honeypot field filled; nothing saved")
            _store_receipt(request, campaign, *_fake_receipt())
            return redirect("portal:submitted")
        if form.is_valid():
            data = form.cleaned_data
            try:
                receipt = intake.submit(
                    campaign=campaign,
                    title=data["title"],
                    body=data["body"],
                    category=data["category"],
                    key_task=data["key_task"],
                    district=data["district"],
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    files=data["files"],
                    client=_client(request),
                    channel=Channel.WEB,
                    challenge_token=data["challenge_token"],
                )
            except intake.Throttled as exc:
                return _throttled(request, exc)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                _store_receipt(request, campaign, receipt.tracking_number, receipt.secret_code)
                return _remember(request, redirect("portal:submitted"), receipt.tracking_number)
        if "challenge" in form.errors or not form.data.get("challenge_token"):
            # A new question; one answered correctly stays answered.
            data = form.data.copy()
            data["challenge"] = ""
            data["challenge_token"] = token
            form.data = data
            label = question
        else:
            label = _("Check question (answered)")
        # The bound field was made (and its label copied) during validation.
        form.fields["challenge"].label = form["challenge"].label = label
    else:
        form = SuggestionForm(
            campaign=campaign, question=question, initial={"challenge_token": token}
        )
    context["form"] = form
    return render(request, "portal/suggest.html", context)


@never_cache
@require_safe
def submitted(request: HttpRequest) -> HttpResponse:
    """The receipt, shown again on reload for a while; nothing is submitted again."""
    receipt = request.session.get(RECEIPT_KEY)
    if receipt and time.time() - receipt.get("at", 0) > RECEIPT_SECONDS:
        del request.session[RECEIPT_KEY]
        receipt = None
    context: dict[str, Any] = {"receipt": receipt, "nav": "suggest"}
    if receipt:
        path = reverse("portal:track_status", args=[receipt["number"]])
        link = f"{path}?{urlencode({'code': receipt['code']})}"
        context.update(
            private_path=link,
            private_url=request.build_absolute_uri(link),
            status_path=path,
        )
    return render(request, "portal/submitted.html", context)


# --- tracking ----------------------------------------------------------------------------------------

NO_MATCH = gettext_lazy(
    "We found no suggestion with this number and code. Check both (letters and digits, "
    "as on your receipt) and try again."
)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                found = intake.check_code(
                    form.cleaned_data["number"], form.cleaned_data["code"], _client(request)
                )
            except intake.Throttled as exc:
                return _throttled(request, exc)
            if found is not None:
                return _remember(request, redirect("portal:track_status", number=found), found)
            form.add_error(None, NO_MATCH)
    else:
        form = TrackForm(initial={"number": request.GET.get("number", "")[:20]})
    return render(request, "portal/track.html", {"form": form, "nav": "track"})


def _checked(request: HttpRequest, number: str) -> Any:
    """The suggestion when this session has shown its code; else None."""
    number = number.upper()
    if number not in _tracked(request):
        return None
    return queries.get_for_citizen(number)


def _status_page(
    request: HttpRequest, s: Any, rate_form: RateForm | None = None, status: int = 200
) -> HttpResponse:
    view = queries.citizen_view(s)
    if view["can_rate"] and rate_form is None:
        rate_form = RateForm()
    context = {"s": view, "rate_form": rate_form, "nav": "track"}
    return render(request, "portal/status.html", context, status=status)


@never_cache
@require_safe
def track_status(request: HttpRequest, number: str) -> HttpResponse:
    code = request.GET.get("code")
    if code is not None:
        try:
            found = intake.check_code(number, code[:20], _client(request))
        except intake.Throttled as exc:
            return _throttled(request, exc)
        if found is None:
            form = TrackForm(initial={"number": number.upper()})
            context = {"form": form, "nav": "track", "no_match": NO_MATCH}
            return render(request, "portal/track.html", context, status=404)
        # Take the code out of the address bar (and out of the history).
        return _remember(request, redirect("portal:track_status", number=found), found)
    s = _checked(request, number)
    if s is None:
        return redirect(f"{reverse('portal:track')}?{urlencode({'number': number.upper()})}")
    return _status_page(request, s)


@require_POST
def track_rate(request: HttpRequest, number: str) -> HttpResponse:
    s = _checked(request, number)
    if s is None:
        return redirect(f"{reverse('portal:track')}?{urlencode({'number': number.upper()})}")
    form = RateForm(request.POST)
    if not form.is_valid():
        return _status_page(request, s, rate_form=form)
    try:
        actions.rate(s, form.cleaned_data["verdict"], form.cleaned_data["comment"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you. Your verdict has been recorded."))
    return redirect("portal:track_status", number=s.tracking_number)


@require_POST
def track_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    s = _checked(request, number)
    if s is None:
        return redirect(f"{reverse('portal:track')}?{urlencode({'number': number.upper()})}")
    try:
        actions.withdraw(s)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your suggestion has been withdrawn."))
    return redirect("portal:track_status", number=s.tracking_number)


# --- published suggestions ------------------------------------------------------------------------------


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", 1)), 10_000))
    except ValueError:
        return 1


@require_safe
def published(request: HttpRequest) -> HttpResponse:
    """Published suggestions with their answers. Pages without a COUNT: one row past the
    page tells whether there is a next one."""
    campaigns = list(queries.public_campaigns())
    by_code = {c.code: c for c in campaigns}
    chosen = by_code.get(request.GET.get("campaign", "")) or (campaigns[0] if campaigns else None)
    form = PublishedFilterForm(request.GET or None, campaign=chosen, campaigns=campaigns)
    filters = form.filters()
    rows = queries.published(chosen) if chosen else queries.published().none()
    rows = queries.filter_published(rows, **filters)
    page = _page_number(request)
    start = (page - 1) * PER_PAGE
    found = list(rows[start : start + PER_PAGE + 1])
    context = {
        "form": form,
        "campaign": chosen,
        "items": [public_view(s) for s in found[:PER_PAGE]],
        "page": page,
        "has_next": len(found) > PER_PAGE,
        "filtered": any(filters.values()),
        "nav": "published",
    }
    return render(request, "portal/published.html", context)


@require_safe
def published_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        s = queries.get_published(number)
    except Http404:
        return _not_found(request)
    context = {"item": public_view(s), "campaign": s.campaign, "nav": "published"}
    return render(request, "portal/published_detail.html", context)
