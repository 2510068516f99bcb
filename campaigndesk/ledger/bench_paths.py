"""What `campaigndesk bench` asks of the ledger (see campaigndesk/perf/paths.py).

Each function takes the bench user and returns an address found in the bench database,
resolved once by `bench_probe`: a deep page of the list, a filtered list, one task's
page, the export. Like the list, they use the campaign under way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

LIST = "/desk/ledger/tasks/"
WORKSPACE = "/desk/ledger/workspace/"
DASHBOARD = "/desk/ledger/dashboard/"
EXPORT = "/desk/ledger/export.xlsx"
API_TASKS = "/api/v1/tasks"
WORKSPACE_USER = "gjz_liaison"  # the demo's (and the tests') Ganjingzi District liaison


def _campaign() -> Any:
    from campaigndesk.campaigns.queries import current_campaign

    return current_campaign()


def _tasks(user: Any) -> Any:
    """What the person sees of the campaign under way, in the list's default order."""
    from .filters import DEFAULT_SORT, SORTS
    from .queries import visible_tasks

    campaign = _campaign()
    tasks = visible_tasks(user)
    if campaign is not None:
        tasks = tasks.filter(campaign=campaign)
    field, desc = SORTS[DEFAULT_SORT]
    return tasks.order_by(*([f"-{field}", "-id"] if desc else [field, "id"]))


def deep_list_url(user: Any) -> str:
    """The list from half-way down the ledger: a cursor at the middle task."""
    from .filters import DEFAULT_SORT, SORTS, _encode

    field, _desc = SORTS[DEFAULT_SORT]
    tasks = _tasks(user)
    middle = tasks.count() // 2
    row = tasks.values_list(field, "id")[middle : middle + 1].first()
    if row is None:
        return LIST
    return f"{LIST}?{urlencode({'cursor': _encode(*row)})}"


def filtered_list_url(user: Any) -> str:
    """One district (or bureau) and its units, red and yellow tasks only: the district of
    the middle task, so that at city scale it holds generated tasks."""
    from campaigndesk.org.models import PATH_STEP, Unit

    tasks = _tasks(user)
    middle = tasks.count() // 2
    path = tasks.values_list("unit_path", flat=True)[middle : middle + 1].first()
    params: list[tuple[str, str]] = [("light", "red"), ("light", "yellow")]
    if path:
        branch = path[: 2 * (PATH_STEP + 1)]  # the unit right below the city
        unit = Unit.objects.filter(path=branch).values_list("pk", flat=True).first()
        if unit is not None:
            params.insert(0, ("unit", str(unit)))
    return f"{LIST}?{urlencode(params)}"


def task_url(user: Any) -> str:
    """One task's page: a split task half-way down the ledger (its page lists children
    and reports), else any task, else one made here for the purpose."""
    from .queries import visible_tasks

    tasks = _tasks(user)
    parents = tasks.filter(children__isnull=False).distinct()
    middle = parents.count() // 2
    pk = parents.values_list("id", flat=True)[middle : middle + 1].first()
    if pk is None:
        pk = visible_tasks(user).values_list("id", flat=True).first()
    if pk is None:
        pk = _make_task(user).pk
    return f"{LIST}{pk}/"


def _make_task(user: Any) -> Any:
    from campaigndesk import clock
    from campaigndesk.org.models import Unit

    from . import actions

    campaign = _campaign()
    unit = Unit.objects.filter(depth=1).order_by("path").first()
    # Within the campaign's dates, whatever today is.
    starts_on = min(max(clock.today(), campaign.starts_on), campaign.ends_on)
    return actions.create_task(
        user,
        campaign=campaign,
        title="基准测试任务",
        lead_unit=unit,
        starts_on=starts_on,
        deadline=min(campaign.ends_on, starts_on + dt.timedelta(days=30)),
    )


def export_url(user: Any) -> str:
    """The export behind the list's button: the campaign under way, every task."""
    campaign = _campaign()
    return f"{EXPORT}?{urlencode({'campaign': campaign.pk})}" if campaign else EXPORT
