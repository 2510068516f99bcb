"""The OpenAPI document lists every address with every response it can give, and the
responses keep to it (a small stand-in for schemathesis)."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from campaigndesk import clock
from campaigndesk.campaigns import plans
from campaigndesk.ledger import actions as ledger_actions
from campaigndesk.ledger import saved_filters
from campaigndesk.ledger.models import ImportJob, ImportKind
from campaigndesk.ledger.periods import ensure_periods
from campaigndesk.org.models import Role, RoleGrant
from campaigndesk.suggestions import intake
from campaigndesk.triage import routing
from campaigndesk.triage.models import RoutingModel, UnitKeyword

from .conftest import API

PATHS = {
    "/api/v1/units": {"get", "post"},
    "/api/v1/units/{unit_id}": {"get", "patch"},
    "/api/v1/units/{unit_id}/move": {"post"},
    "/api/v1/people": {"get", "post"},
    "/api/v1/people/{person_id}": {"get", "patch"},
    "/api/v1/people/{person_id}/roles": {"post"},
    "/api/v1/people/{person_id}/roles/{grant_id}": {"delete"},
    "/api/v1/me": {"get"},
    "/api/v1/campaigns": {"get", "post"},
    "/api/v1/campaigns/{campaign_id}": {"get", "patch"},
    "/api/v1/campaigns/{campaign_id}/phases": {"get", "post"},
    "/api/v1/campaigns/{campaign_id}/key-tasks": {"get", "post"},
    "/api/v1/campaigns/{campaign_id}/calendar-days": {"get"},
    "/api/v1/campaigns/{campaign_id}/calendar-days/{date}": {"put"},
    "/api/v1/phases/{phase_id}": {"patch", "delete"},
    "/api/v1/key-tasks/{key_task_id}": {"patch", "delete"},
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    # The public API (campaigndesk/api/public.py): no sign-in, so no 401 and no security.
    "/api/v1/public/challenge": {"get"},
    "/api/v1/public/suggestions": {"post"},
    "/api/v1/public/suggestions/{number}": {"get"},
    "/api/v1/public/suggestions/{number}/rating": {"post"},
    "/api/v1/public/suggestions/{number}/withdraw": {"post"},
    "/api/v1/public/published": {"get"},
    "/api/v1/tasks": {"get", "post"},
    "/api/v1/tasks/{task_id}": {"get", "patch"},
    "/api/v1/tasks/{task_id}/reports": {"get"},
    "/api/v1/tasks/{task_id}/history": {"get"},
    **{
        f"/api/v1/tasks/{{task_id}}/{action}": {"post"}
        for action in (
            "accept",
            "return",
            "reassign",
            "split",
            "progress",
            "report-done",
            "close",
            "send-back",
            "reopen",
            "cancel",
            "remind",
        )
    },
    # The list's companions, Excel and webhooks (campaigndesk/api/ledger/lists.py,
    # excel.py, webhooks.py).
    "/api/v1/tasks/{task_id}/progress/upload": {"post"},
    "/api/v1/tasks/{task_id}/report-done/upload": {"post"},
    "/api/v1/attachments/{attachment_id}": {"get"},
    "/api/v1/workspace": {"get"},
    "/api/v1/saved-filters": {"get", "post"},
    "/api/v1/saved-filters/{filter_id}": {"delete"},
    "/api/v1/tasks/remind": {"post"},
    "/api/v1/tasks/export": {"get"},
    "/api/v1/imports": {"get", "post"},
    "/api/v1/imports/{job_id}": {"get"},
    "/api/v1/imports/templates/{kind}": {"get"},
    "/api/v1/webhooks": {"get"},
    "/api/v1/units/{unit_id}/webhook": {"get", "put", "delete"},
    "/api/v1/units/{unit_id}/webhook/test": {"post"},
    "/api/v1/campaigns/{campaign_id}/periods": {"get"},
    "/api/v1/periods/{period_id}/lock": {"post"},
    "/api/v1/notifications": {"get"},
    "/api/v1/notifications/read": {"post"},
    "/api/v1/campaigns/{campaign_id}/dashboard": {"get"},
    "/api/v1/plans": {"get", "post"},
    "/api/v1/plans/{plan_id}": {"get", "patch"},
    "/api/v1/plans/{plan_id}/compare": {"get"},
    "/api/v1/plans/{plan_id}/versions": {"get"},
    "/api/v1/plans/{plan_id}/measures": {"post"},
    "/api/v1/measures/{measure_id}": {"patch", "delete"},
    **{
        f"/api/v1/plans/{{plan_id}}/{step}": {"post"}
        for step in ("submit", "endorse", "approve", "return")
    },
    # Suggestions for the desk (campaigndesk/api/suggestions.py).
    "/api/v1/suggestions": {"get"},
    "/api/v1/suggestions/{suggestion_id}": {"get"},
    "/api/v1/suggestions/route": {"post"},
    "/api/v1/suggestions/import": {"post"},
    # The office's other suggestion screens (campaigndesk/api/suggestions_staff.py).
    "/api/v1/suggestions/overdue": {"get"},
    "/api/v1/suggestions/publication": {"get", "post"},
    "/api/v1/suggestions/figures": {"get"},
    "/api/v1/suggestions/imports": {"get", "post"},
    "/api/v1/suggestions/imports/template": {"get"},
    "/api/v1/suggestions/imports/{job_id}": {"get"},
    # Learned triage (campaigndesk/api/triage.py).
    "/api/v1/suggestions/{suggestion_id}/hints": {"get"},
    "/api/v1/suggestions/{suggestion_id}/duplicates": {"get"},
    "/api/v1/triage/models": {"get"},
    "/api/v1/triage/models/{model_id}/activate": {"post"},
    "/api/v1/triage/train": {"post"},
    "/api/v1/triage/settings": {"get"},
    "/api/v1/triage/settings/{campaign_id}": {"put"},
    "/api/v1/triage/keywords": {"get", "post"},
    "/api/v1/triage/keywords/{keyword_id}": {"delete"},
    "/api/v1/triage/topics": {"get"},
    "/api/v1/triage/topics/refresh": {"post"},
    # The audit trail (campaigndesk/api/audit.py).
    "/api/v1/audit": {"get"},
    "/api/v1/audit/{seq}": {"get"},
    "/api/v1/campaigns/{campaign_id}/suggestion-categories": {"get"},
    **{
        f"/api/v1/suggestions/{{suggestion_id}}/{step}": {"post"}
        for step in (
            "route",
            "duplicate",
            "dismiss",
            "send-back",
            "accept",
            "answer",
            "endorse",
            "return-answer",
            "close-reopened",
            "publish",
        )
    },
}


PUBLIC = "/api/v1/public/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUCCESS = {"200", "201", "202"}


@pytest.fixture
def document(db):
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_document_lists_every_path_and_method(document):
    assert document["openapi"].startswith("3.")
    assert {p: set(ops) for p, ops in document["paths"].items()} == PATHS


def test_every_operation_declares_its_error_responses_with_the_shared_schema(document):
    error_ref = "#/components/schemas/Error"
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"detail", "errors"}
    for path, method, operation in operations(document):
        codes = set(operation["responses"])
        assert codes & SUCCESS, (path, method)
        needed = {"422"} if path.startswith(PUBLIC) else {"401", "422"}
        assert needed <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if "requestBody" in operation:  # a body that is not JSON is a 400
            assert "400" in codes, (path, method)
        for code in codes - SUCCESS:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == {"$ref": error_ref}, (path, method, code)


def test_every_operation_requires_a_token_or_a_session(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"]["scheme"] == "bearer"
    assert schemes["SessionCookieAuth"]["in"] == "cookie"
    for path, method, operation in operations(document):
        if not path.startswith(PUBLIC):
            assert operation["security"], (path, method)


def test_ids_and_limits_are_bounded_in_the_document(document):
    unit = document["paths"]["/api/v1/units/{unit_id}"]["get"]["parameters"]
    unit_id = next(p for p in unit if p["name"] == "unit_id")
    assert unit_id["schema"]["minimum"] == 1
    assert unit_id["schema"]["maximum"] == 2**63 - 1
    listing = document["paths"]["/api/v1/units"]["get"]["parameters"]
    limit = next(p for p in listing if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)


def _fill(path: str, value: object, ids: dict[str, object]) -> str:
    """The first parameter set to `value`, any further ones to their real ids."""
    first = re.search(r"\{([a-z_]+)\}", path).group(1)
    return re.sub(
        r"\{([a-z_]+)\}",
        lambda m: str(value if m.group(1) == first else ids[m.group(1)]),
        path,
    )


@pytest.mark.parametrize("persona", ["office", "gjz_liaison", "zs_liaison", "nobody", "citizen"])
def test_every_response_is_declared_and_every_error_is_json(
    world, api_client, persona, issue_key, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path  # the evidence file below
    token, _ = issue_key(world.gjz_liaison)
    document = Client().get(f"{API}/openapi.json").json()
    client = api_client(getattr(world, persona))
    task = ledger_actions.create_task(
        world.office,
        campaign=world.campaign,
        title="task",
        lead_unit=world.ganjingzi,
        starts_on=world.campaign.starts_on,
        deadline=world.campaign.ends_on,
    )
    ensure_periods(world.campaign)
    ledger_actions.accept_task(world.gjz_liaison, task)
    evidence = SimpleUploadedFile("e.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    ledger_actions.report_done(world.gjz_liaison, task, "done", [evidence])
    attachment = task.attachments.get()
    plan = plans.start_plan(world.gjz_liaison, world.campaign, world.ganjingzi)
    measure = plans.add_measure(
        world.gjz_liaison, plan, title="measure", deadline=world.campaign.ends_on
    )
    ids = {
        "unit_id": world.ganjingzi.pk,
        "person_id": world.gjz_liaison.pk,
        "campaign_id": world.campaign.pk,
        "token_id": token.pk,
        "number": "JY181203-AAAAA",
        "task_id": task.pk,
        "period_id": world.campaign.reporting_periods.first().pk,
        "plan_id": plan.pk,
        "measure_id": measure.pk,
        "filter_id": saved_filters.save_filter(world.office, name="f", query="light=red").pk,
        "job_id": ImportJob.objects.create(
            created_by=world.gjz_liaison,
            kind=ImportKind.PROGRESS,
            file_name="x.xlsx",
            language="en",
            created_at=clock.now(),
        ).pk,
        "kind": "progress",
        "attachment_id": attachment.pk,
        "phase_id": world.phase1.pk,
        "date": "2018-10-08",
        "key_task_id": world.key_task.pk,
        "model_id": RoutingModel.objects.create(
            version=1, blob=routing.dumps({"not": "a model"}), is_active=False
        ).pk,
        "seq": 1,
        "grant_id": RoleGrant.objects.create(
            user=world.gjz_liaison, role=Role.VIEWER, unit=world.street
        ).pk,
        "keyword_id": UnitKeyword.objects.create(unit=world.zhongshan, keyword="学区").pk,
        "suggestion_id": intake.submit(
            campaign=world.campaign, title="建议", body="建议的内容写在这里。", client="t"
        ).suggestion.pk,
    }
    for path, method, operation in operations(document):
        name = re.search(r"\{([a-z_]+)\}", path)
        values = [ids[name.group(1)], 999999, "abc", 0, 2**64] if name else [None]
        for value in values:
            url = _fill(path, value, ids) if name else path
            for query in ({}, {"limit": 0}, {"lang": "en", "limit": 201}, {"q": ""}):
                response = getattr(client, method)(
                    url, query if method == "get" else {}, content_type="application/json"
                )
                declared = set(operation["responses"])
                assert str(response.status_code) in declared, (url, method, query, response.content)
                declared_types = operation["responses"][str(response.status_code)].get("content")
                if response.streaming:  # a file (a workbook, an attachment), declared as one
                    assert "application/json" not in declared_types, (url, method)
                    if response["Content-Type"] == XLSX:
                        assert XLSX in declared_types, (url, method)
                    assert b"".join(response.streaming_content), (url, method)
                    continue
                body = response.json()
                if response.status_code >= 400:
                    assert isinstance(body["detail"], str) and body["detail"], (url, body)


def test_docs_page_loads_nothing_from_outside(db):
    response = Client().get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    for asset in re.findall(r"(?:src|href)=\"/static/([^\"]+)\"", html):
        assert finders.find(asset), asset
    assert '"validatorUrl": null' in html
    # The page keeps the project's strict policy (checked in chromium: no violations).
    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
