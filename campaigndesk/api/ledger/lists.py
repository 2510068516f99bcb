"""The ledger list's companions: the workspace, saved filters and the bulk reminder.

The same functions as the desk's list and workspace screens (`ledger.workspace`,
`ledger.saved_filters`, `ledger.reminders`), under the same rules.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import StringConstraints

from campaigndesk import clock
from campaigndesk.campaigns.models import Campaign
from campaigndesk.campaigns.queries import current_campaign
from campaigndesk.ledger import reminders, saved_filters, workspace
from campaigndesk.ledger.filters import LedgerFilter
from campaigndesk.ledger.models import SavedFilter
from campaigndesk.ledger.queries import visible_tasks
from campaigndesk.org import access

from ..auth import person
from ..common import Id, Page, PageQuery, StrictQuery, keyset_page, responses
from ..org import UnitRef
from .schemas import NO_NUL, NO_SUCH_CAMPAIGN, CampaignRef, Message, TaskBrief

router = Router(tags=["ledger"])

NO_SUCH_TASK = gettext_lazy("There is no such task among the tasks you can see.")
FilterQuery = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]
FilterName = Annotated[str, StringConstraints(max_length=200, pattern=NO_NUL)]


def query_error(field: str, message: Any, kind: str = "invalid") -> Status:
    """A 422 for a query parameter, shaped like a validation error."""
    msg = _("%(field)s: %(message)s") % {"field": field, "message": message}
    item = {"loc": ["query", field], "msg": msg, "type": kind}
    return Status(422, {"detail": msg, "errors": [item]})


# --- the workspace --------------------------------------------------------------------------


class PlanBrief(Schema):
    id: int
    unit: UnitRef
    status: str
    status_label: str
    endorsed_at: dt.datetime | None

    @staticmethod
    def resolve_status_label(obj: Any) -> str:
        return str(obj.get_status_display())


class GroupOut(Schema):
    key: str = Field(
        description="to_accept, red, due_soon, reports_due, reported (a unit's groups); "
        "to_verify, returned, escalated, plans (the office's)."
    )
    title: str
    empty: str = Field(description="What to say when the group is empty.")
    tasks: list[TaskBrief] = Field(description="Empty for the `plans` group.")
    plans: list[PlanBrief] = Field(description="Endorsed work plans (the `plans` group only).")
    more: bool = Field(description="More rows than `limit`: list them with `tasks_query`.")
    tasks_query: str | None = Field(
        description="Query string for GET /tasks listing the whole group; null when the "
        "list cannot express it."
    )


class WorkspaceOut(Schema):
    campaign: CampaignRef | None = Field(description="null when there is no campaign yet.")
    today: dt.date
    unread: int = Field(description="The caller's unread notifications.")
    unit_groups: list[GroupOut] = Field(description="For a unit's liaison or head.")
    office_groups: list[GroupOut] = Field(description="For the office and those who oversee.")


class WorkspaceQuery(StrictQuery):
    campaign: Id | None = Field(None, description="Default: the campaign under way.")
    limit: int = Field(workspace.LIMIT, ge=1, le=100, description="Rows per group.")


def _group(group: workspace.Group) -> dict[str, Any]:
    is_plans = group.key == "plans"
    return {
        "key": group.key,
        "title": str(group.title),
        "empty": str(group.empty),
        "tasks": [] if is_plans else group.rows,
        "plans": group.rows if is_plans else [],
        "more": group.more,
        "tasks_query": group.list_query,
    }


@router.get(
    "/workspace",
    response=responses(WorkspaceOut, 403),
    summary="What is due from me and my units",
)
def get_workspace(request: HttpRequest, query: Query[WorkspaceQuery]) -> Any:
    """The desk's workspace: what the caller's units must do today and this week (to
    accept, red, due within a week, this period's reports, reported done) and what waits
    for the office (to verify, returned, escalated, endorsed plans). Each group is one
    query of at most `limit + 1` rows."""
    user = person(request)
    access.require(user, "ledger.view")
    if query.campaign is not None:
        campaign = Campaign.objects.filter(pk=query.campaign).first()
        if campaign is None:
            return query_error("campaign", NO_SUCH_CAMPAIGN)
        access.require(user, "campaigns.view", campaign)
    else:
        campaign = current_campaign()
    today = clock.today()
    unit_groups: list[workspace.Group] = []
    office_groups: list[workspace.Group] = []
    if campaign is not None:
        if workspace.shows_unit_groups(user):
            unit_groups = workspace.unit_groups(user, campaign, today, query.limit)
        if workspace.shows_office_groups(user):
            office_groups = workspace.office_groups(user, campaign, today, query.limit)
    return {
        "campaign": campaign,
        "today": today,
        "unread": reminders.unread_count(user),
        "unit_groups": [_group(g) for g in unit_groups],
        "office_groups": [_group(g) for g in office_groups],
    }


# --- saved filters --------------------------------------------------------------------------


class SavedFilterOut(Schema):
    id: int
    name: str
    query: str = Field(description="The filter as GET /tasks parameters (no cursor).")
    created_at: dt.datetime
    url: str = Field(description="The ledger list on the desk, filtered.")

    @staticmethod
    def resolve_query(obj: SavedFilter) -> str:
        params = QueryDict(obj.query, mutable=True)
        params.pop("size", None)  # the desk's page size: GET /tasks takes `limit`
        return params.urlencode()

    @staticmethod
    def resolve_url(obj: SavedFilter) -> str:
        return f"{reverse('ledger:list')}?{obj.query}"


class SavedFilterPage(Page[SavedFilterOut]):
    pass


class SavedFilterIn(Schema):
    model_config = {"extra": "forbid"}

    name: FilterName = Field(  # type: ignore[valid-type]
        description="A filter of the same name is replaced."
    )
    query: FilterQuery = Field(  # type: ignore[valid-type]
        description="GET /tasks parameters, e.g. `status=assigned&light=red`; unknown "
        "parameters, `cursor` and `limit` are dropped."
    )


def _check_filter(user: Any, query: str, field: str) -> None:
    """422 when the ledger's filter refuses the query (a unit out of scope, a bad date)."""
    form = LedgerFilter(QueryDict(query.lstrip("?")), user)
    if not form.is_valid():
        messages = [
            f"{name}: {message}" if name != "__all__" else str(message)
            for name, errors in form.errors.items()
            for message in errors
        ]
        raise ValidationError({field: messages})


@router.get(
    "/saved-filters",
    response=responses(SavedFilterPage, 403),
    summary="List my saved filters",
)
def list_saved_filters(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The caller's own saved ledger filters, by name (at most 50)."""
    user = person(request)
    access.require(user, "ledger.view")
    mine = SavedFilter.objects.filter(owner_id=user.pk)
    return keyset_page(request, mine, filters, order=["name", "id"])


@router.post(
    "/saved-filters",
    response={**responses(SavedFilterOut, 400, 403, ok_status=201), 200: SavedFilterOut},
    summary="Save a filter",
)
def save_filter(request: HttpRequest, payload: SavedFilterIn, query: Query[StrictQuery]) -> Any:
    """Keep a ledger filter under a name: 201 when new, 200 when it replaces the filter of
    that name. At most 50 per person."""
    user = person(request)
    access.require(user, "ledger.view")
    _check_filter(user, payload.query, "query")
    name = " ".join(payload.name.split())
    existed = SavedFilter.objects.filter(owner_id=user.pk, name=name).exists()
    saved = saved_filters.save_filter(user, name=payload.name, query=payload.query)
    return Status(200 if existed else 201, saved)


@router.delete(
    "/saved-filters/{filter_id}",
    response=responses(SavedFilterOut, 403, 404),
    summary="Delete a saved filter",
)
def delete_saved_filter(request: HttpRequest, filter_id: Id, query: Query[StrictQuery]) -> Any:
    """One of the caller's own filters; anyone else's is a 404. The answer is the filter
    as it was."""
    user = person(request)
    access.require(user, "ledger.view")
    saved = saved_filters.get_filter_for_owner(user, filter_id)
    gone = copy.copy(saved)  # deleting clears the instance's pk
    saved_filters.delete_filter(user, saved)
    return gone


# --- the bulk reminder ----------------------------------------------------------------------


class BulkRemindIn(Schema):
    model_config = {"extra": "forbid"}

    message: Message = Field(description="What the units should do.")  # type: ignore[valid-type]
    tasks: list[Id] | None = Field(
        None,
        min_length=1,
        max_length=reminders.MAX_MANUAL_BATCH,
        description="Remind these tasks (closed ones are skipped).",
    )
    query: FilterQuery | None = Field(  # type: ignore[valid-type]
        None,
        description="Or remind every open task matching this filter (GET /tasks parameters, "
        f"or a saved filter's `query`); refused when more than {reminders.MAX_MANUAL_BATCH} "
        "match.",
    )


class BulkRemindOut(Schema):
    matched: int = Field(description="The tasks named or matching the filter.")
    sent: int = Field(
        description="Reminders sent: closed tasks, and tasks reminded the same minute, are "
        "left out."
    )


@router.post(
    "/tasks/remind",
    response=responses(BulkRemindOut, 400, 403),
    summary="Remind many tasks' units (催办)",
)
def bulk_remind(request: HttpRequest, payload: BulkRemindIn, query: Query[StrictQuery]) -> Any:
    """The office's reminder by hand to the lead units of many tasks: send `tasks` (ids) or
    `query` (a ledger filter), not both. Each lead unit's liaisons get it in their inbox,
    by e-mail and on the unit's webhook."""
    user = person(request)
    access.require(user, "ledger.supervise")
    if (payload.tasks is None) == (payload.query is None):
        raise ValidationError(_("Send either a list of task ids or a filter query."))
    rows = visible_tasks(user).select_related("campaign", "lead_unit")
    if payload.tasks is not None:
        wanted = set(payload.tasks)
        tasks = list(rows.filter(pk__in=wanted))
        if len(tasks) != len(wanted):
            raise ValidationError({"tasks": NO_SUCH_TASK})
    else:
        clean = saved_filters.clean_query(payload.query or "")
        _check_filter(user, clean, "query")
        chosen = LedgerFilter(QueryDict(clean), user)
        chosen.is_valid()
        limit = reminders.MAX_MANUAL_BATCH
        tasks = list(chosen.queryset().open().select_related("campaign", "lead_unit")[: limit + 1])
        if len(tasks) > limit:
            raise ValidationError(
                {
                    "query": _(
                        "More than %(max)s open tasks match this filter, so no reminder was "
                        "sent. Narrow the filter, or name the tasks."
                    )
                    % {"max": limit}
                }
            )
    sent = reminders.send_manual_reminder(user, tasks, payload.message)
    return {"matched": len(tasks), "sent": sent}
