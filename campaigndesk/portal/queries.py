"""Reads for the public site and the public API: what a citizen without an account may see.

Nothing here returns contact details or internal notes. The portal pages and
`campaigndesk.api.public` share these functions, so both show the same things.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.query import get_related_populators
from django.http import Http404, HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _

from campaigndesk.campaigns.models import Campaign, CampaignStatus, KeyTask
from campaigndesk.org.models import PATH_STEP, Unit, UnitKind
from campaigndesk.suggestions.models import Category, Outcome, Status, Suggestion

DISTRICT_KINDS = (UnitKind.DISTRICT, UnitKind.COUNTY, UnitKind.ZONE)
# The answer has left the unit (endorsed by its head): the citizen may read it.
ANSWER_VISIBLE = (Status.ANSWERED, Status.CLOSED, Status.REOPENED)
WITHDRAWABLE = (Status.RECEIVED, Status.ROUTED, Status.ACCEPTED)
COUNTS_SECONDS = 60
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


MAX_FORWARDED_HOPS = 20


@functools.lru_cache(maxsize=8)
def _proxy_networks(proxies: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The sender's address: REMOTE_ADDR, or behind a trusted reverse proxy the address
    that proxy saw.

    X-Forwarded-For is read only when REMOTE_ADDR is one of `settings.TRUSTED_PROXIES`
    (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). Any client
    can send the header, so it is read from the right: each trusted proxy appended the
    address it saw, and the first address from the right that is not a trusted proxy is
    the client. Everything left of it was written by the client and is ignored; so is
    a header that is not a list of addresses (the proxy's own address counts then).
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    networks = _proxy_networks(tuple(settings.TRUSTED_PROXIES))
    if not networks:
        return remote

    def trusted(address: IPAddress | None) -> bool:
        return address is not None and any(address in n for n in networks)

    if not trusted(_address(remote)):
        return remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops[-MAX_FORWARDED_HOPS:]):
        address = _address(hop)
        if address is None:
            break
        if not trusted(address):
            return str(address)
    return remote


# --- campaigns ---------------------------------------------------------------------------------


def public_campaigns() -> QuerySet[Campaign]:
    """Campaigns shown to the public: those under way first, then the most recent."""
    return (
        Campaign.objects.public()
        .select_related("office_unit", "lead_unit")
        .annotate(
            running=Case(
                When(status=CampaignStatus.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("running", "-starts_on", "-pk")
    )


def get_public_campaign(code: str) -> Campaign:
    try:
        return public_campaigns().get(code=code)
    except Campaign.DoesNotExist:
        raise Http404 from None


def main_campaign() -> Campaign | None:
    return public_campaigns().first()


def _city_path(campaign: Campaign) -> str:
    unit = campaign.office_unit or campaign.lead_unit
    return unit.path[: PATH_STEP + 1] if unit else ""


def districts_of(campaign: Campaign) -> QuerySet[Unit]:
    """The districts, counties and zones of the campaign's city (a citizen's "where")."""
    units = Unit.objects.active().filter(kind__in=DISTRICT_KINDS)
    city = _city_path(campaign)
    if city:
        units = units.filter(path__startswith=city)
    return units.order_by("sort_order", "path")


def categories_of(campaign: Campaign) -> QuerySet[Category]:
    return Category.objects.filter(campaign=campaign).order_by("sort_order", "code")


def key_tasks_of(campaign: Campaign) -> QuerySet[KeyTask]:
    return KeyTask.objects.filter(campaign=campaign).order_by("number")


def counts(campaign: Campaign) -> dict[str, int]:
    """Suggestions received (spam left out) and answered: one aggregate, cached a minute.

    The home page is the most visited page; an aggregate over a large campaign on
    every view would be its most expensive part.
    """
    key = f"portal:counts:{campaign.pk}"
    found = cache.get(key)
    if found is not None:
        return found
    result = Suggestion.objects.filter(campaign=campaign).aggregate(
        received=Count("pk", filter=~Q(status=Status.SPAM)),
        answered=Count("pk", filter=Q(status__in=ANSWER_VISIBLE)),
    )
    found = {k: v or 0 for k, v in result.items()}
    cache.set(key, found, COUNTS_SECONDS)
    return found


# --- published suggestions -----------------------------------------------------------------------


def published(campaign: Campaign | None = None) -> QuerySet[Suggestion]:
    """Published suggestions with what public_view reads, newest first."""
    rows = (
        Suggestion.objects.published()
        .filter(campaign__in=Campaign.objects.public())
        .select_related("category", "district", "unit")
        .order_by("-published_at", "-id")
    )
    if campaign is not None:
        rows = rows.filter(campaign=campaign)
    return rows


def filter_published(
    rows: QuerySet[Suggestion],
    *,
    q: str = "",
    category: str = "",
    outcome: str = "",
    outstanding: bool = False,
) -> QuerySet[Suggestion]:
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if category:
        rows = rows.filter(category__code=category)
    if outcome:
        rows = rows.filter(outcome=outcome)
    if outstanding:
        rows = rows.filter(is_outstanding=True)
    return rows


def get_published(number: str) -> Suggestion:
    try:
        return published().get(tracking_number=(number or "").strip().upper()[:20])
    except Suggestion.DoesNotExist:
        raise Http404 from None


# --- tracking ------------------------------------------------------------------------------------


def citizen_rows() -> QuerySet[Suggestion]:
    """Suggestions with what the status page and `citizen_view` read."""
    return Suggestion.objects.select_related(
        "campaign", "category", "district", "key_task", "unit", "task", "duplicate_of__unit"
    )


@functools.cache
def _prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor  # needs psycopg

    class PreparedCursor(ServerBindingCursor):
        """Prepares every statement it runs (once per connection: psycopg keeps the names)."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparedCursor


def _planned_once(connection: Any) -> Any:
    """A cursor whose statements PostgreSQL plans once per connection (a prepared
    statement), in Django's wrapper (errors, query log). Planning the tracking query's
    nine-table join took PostgreSQL 6-8 ms each time against 0.2 ms to run it; Django's
    cursors bind on the client, which cannot prepare. Other databases: a plain cursor."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None) for connection poolers; this lets
        # statements asked to (prepare=True) be prepared, and still no other: Django's
        # own cursors bind on the client and never prepare.
        raw.prepare_threshold = 2**31
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(raw))


_NUMBER = "\x00tracking-number"  # stands for the number in the query compiled once


@functools.cache
def _citizen_plan(alias: str, vendor: str) -> tuple[str, list[Any], int, Any, list[Any], Any]:
    """`citizen_rows()` by number, compiled once per process and database, and what the
    ORM's model iterable derives from the compiler to build the objects of a row: the
    SQL, its parameters, where the number goes, the row's converters, the related
    objects' populators and the suggestion's own columns.

    Compiling this query (seven joined models) and its converters was about 60 % of a
    tracking request's CPU; the number is unique, so no ORDER BY."""
    rows = citizen_rows().filter(tracking_number=_NUMBER).order_by()[:1]
    compiler = rows.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    params = list(params)
    if params.count(_NUMBER) != 1:
        raise RuntimeError(f"unexpected parameters in the tracking query: {params!r}")
    select, klass_info = compiler.select, compiler.klass_info
    converters = list(
        compiler.get_converters([col[0] for col in select[: compiler.col_count]]).items()
    )
    own = klass_info["select_fields"]
    own_columns = (
        own[0],
        own[-1] + 1,
        [col[0].target.attname for col in select[own[0] : own[-1] + 1]],
    )
    return (
        sql,
        params,
        params.index(_NUMBER),
        converters,
        get_related_populators(klass_info, select, alias),
        own_columns,
    )


def get_for_citizen(number: str) -> Suggestion | None:
    """The suggestion by number, with what the status page reads (the caller has checked the
    code or holds a session that did): the rows of `citizen_rows()`, as the ORM builds them."""
    alias = router.db_for_read(Suggestion)
    connection = connections[alias]
    sql, params, at, converters, populators, (start, end, names) = _citizen_plan(
        alias, connection.vendor
    )
    params = [*params[:at], (number or "").strip().upper()[:20], *params[at + 1 :]]
    with _planned_once(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = list(row)
    for pos, (funcs, expression) in converters:
        for convert in funcs:
            row[pos] = convert(row[pos], expression, connection)
    suggestion = Suggestion.from_db(alias, names, row[start:end])
    for populator in populators:
        populator.populate(row, suggestion)
    return suggestion


def _date(value: Any) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def status_text(s: Suggestion) -> str:
    """Where the suggestion stands, in a plain sentence for the citizen."""
    unit = s.unit.name if s.unit_id else ""
    due = _date(s.answer_due)
    if s.status == Status.RECEIVED:
        return _(
            "We have received your suggestion. The campaign office will send it to the unit "
            "that can answer it."
        )
    if s.status in (Status.ROUTED, Status.ACCEPTED, Status.PENDING_ENDORSEMENT) and due:
        if s.status == Status.PENDING_ENDORSEMENT:
            return _(
                "%(unit)s has written an answer; the head of the unit is reviewing it. "
                "It is due by %(due)s."
            ) % {"unit": unit, "due": due}
        if s.status == Status.ACCEPTED:
            return _("%(unit)s is working on an answer, due by %(due)s.") % {
                "unit": unit,
                "due": due,
            }
        return _("Your suggestion has been sent to %(unit)s, which will answer by %(due)s.") % {
            "unit": unit,
            "due": due,
        }
    if s.status in (Status.ROUTED, Status.ACCEPTED, Status.PENDING_ENDORSEMENT):
        return _("%(unit)s is working on an answer.") % {"unit": unit}
    if s.status == Status.ANSWERED:
        return _(
            "%(unit)s has answered your suggestion. Please tell us whether the answer "
            "satisfies you."
        ) % {"unit": unit}
    if s.status == Status.REOPENED:
        return _(
            "You were not satisfied with the answer. The campaign office is looking at it again."
        )
    if s.status == Status.CLOSED:
        return _("Your suggestion has been answered and is closed. Thank you for taking part.")
    if s.status == Status.DUPLICATE:
        return _(
            "Another citizen made the same suggestion earlier. Yours follows that suggestion "
            "and gets the same answer."
        )
    if s.status == Status.OUT_OF_SCOPE:
        return _("Your suggestion lies outside what this campaign can act on.")
    if s.status == Status.SPAM:
        return _("Your suggestion was not accepted for handling.")
    if s.status == Status.WITHDRAWN:
        return _("You withdrew this suggestion.")
    return str(s.get_status_display())


def _task_view(s: Suggestion) -> dict[str, Any] | None:
    """The progress of the ledger task an adoption opened: status, percent, light."""
    if not s.task_id or s.status not in ANSWER_VISIBLE:
        return None
    task = s.task
    return {
        "status": task.status,
        "status_label": str(task.get_status_display()),
        "progress": task.progress,
        "light": task.light,
        "light_label": str(task.get_light_display()),
        "deadline": task.deadline,
    }


def _answer_view(s: Suggestion) -> dict[str, Any]:
    shown = s.status in ANSWER_VISIBLE
    return {
        "answered_at": s.answered_at if shown else None,
        "outcome": s.outcome if shown else "",
        "outcome_label": str(s.get_outcome_display()) if shown and s.outcome else "",
        "answer": s.answer if shown else "",
        "adopted": shown and s.outcome == Outcome.ADOPTED,
        "task": _task_view(s),
    }


def citizen_view(s: Suggestion) -> dict[str, Any]:
    """What the citizen who holds the code sees: never contact details or internal notes.

    The status note is shown only for "out of scope": the office writes it for the
    citizen. Other notes (routing, returns, complaints closed) are internal.
    """
    original = s.duplicate_of if s.status == Status.DUPLICATE else None
    return {
        "tracking_number": s.tracking_number,
        "campaign": s.campaign.title,
        "title": s.title,
        "body": s.body,
        "category": s.category.name if s.category_id else "",
        "key_task": s.key_task.title if s.key_task_id else "",
        "district": s.district.name if s.district_id else "",
        "status": s.status,
        "status_label": str(s.get_status_display()),
        "status_text": status_text(s),
        "note": s.status_note if s.status == Status.OUT_OF_SCOPE else "",
        "received_at": s.created_at,
        "routed_at": s.routed_at,
        "answer_due": s.answer_due if s.status not in ANSWER_VISIBLE else None,
        "unit": s.unit.name if s.unit_id else "",
        **_answer_view(s),
        "verdict": s.verdict,
        "verdict_label": str(s.get_verdict_display()) if s.verdict else "",
        "verdict_comment": s.verdict_comment,
        "can_rate": s.status == Status.ANSWERED,
        "can_withdraw": s.status in WITHDRAWABLE,
        "duplicate_of": _original_view(original) if original else None,
    }


def _original_view(o: Suggestion) -> dict[str, Any]:
    """The original a duplicate follows: its number, state and answer, not its text."""
    return {
        "tracking_number": o.tracking_number,
        "status": o.status,
        "status_label": str(o.get_status_display()),
        "unit": o.unit.name if o.unit_id else "",
        "answer_due": o.answer_due if o.status not in ANSWER_VISIBLE else None,
        **_answer_view(o),
    }
