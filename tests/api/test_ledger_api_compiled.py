"""GET /tasks from SQL compiled once per filter shape (ledger/filters.py compile_shape)
answers byte for byte what the ORM's queries answer, for each role, filter, sort and
page, co-units included."""

from __future__ import annotations

import datetime as dt

import pytest

from campaigndesk.api.ledger import tasks as task_api
from tests.ledger.conftest import on_start_day, spread_tasks

from .conftest import API


@pytest.fixture(autouse=True)
def frozen():
    with on_start_day():
        yield


@pytest.fixture
def ledger(world):
    spread_tasks(
        world,
        rounds=2,
        first_deadline=dt.date(2018, 11, 1),
        deadline_days=3,
        co_units={world.bureau: [world.zhongshan, world.ganjingzi]},
    )


QUERIES = [
    {},
    {"light": ["grey", "grey"]},
    {"status": "assigned", "sort": "priority", "limit": 3},
    {"sort": "updated", "limit": 1},
    {"sort": "-deadline", "limit": 5, "top_level": "true"},
    {"led_by_mine": "true", "sort": "created"},
]


def _walk(client, params):
    """Every page's body, following `next`."""
    bodies, response = [], client.get(f"{API}/tasks", params)
    while True:
        bodies.append((response.status_code, response.content))
        if response.status_code != 200 or not response.json()["next"]:
            return bodies
        response = client.get(response.json()["next"])


@pytest.mark.parametrize("username", ["office", "gjz_liaison", "zs_liaison", "street_liaison"])
def test_the_compiled_list_answers_as_the_orm_does(
    world, ledger, client_for, monkeypatch, username
):
    client = client_for(getattr(world, username))
    queries = [*QUERIES, {"unit": world.ganjingzi.pk}, {"campaign": world.campaign.pk}]
    compiled = [_walk(client, {"lang": "en", **q}) for q in queries]
    # The same requests through the ORM's queries only.
    monkeypatch.setattr(task_api, "compiled_page", lambda *args: None)
    monkeypatch.setattr(task_api, "compile_shape", lambda *args: None)
    orm = [_walk(client, {"lang": "en", **q}) for q in queries]
    assert compiled == orm
    assert sum(len(pages) for pages in orm) > len(queries)  # some were walked page by page
