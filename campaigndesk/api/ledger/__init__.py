"""The ledger under /api/v1/: tasks and their workflow, reporting periods, the inbox and
the dashboard.

/tasks lists with the ledger's own filter (`ledger.filters.LedgerFilter`) and pages by
an opaque `cursor` (follow `next`); it is never counted. Every change calls the same
ledger action as the desk's task page: a refusal is a 422 with the action's message,
a task outside the caller's units a 404, an action the caller may not take a 403.
Files are sent as multipart to /progress/upload and /report-done/upload and downloaded
from /attachments/{id} (`download`).

Beside the tasks: the workspace, saved filters, the bulk reminder, the Excel export and
imports (`lists`, `excel`) and units' webhooks (`webhooks`). Their routers come first:
/tasks/remind and /tasks/export must be matched before /tasks/{task_id}.
"""

from __future__ import annotations

from ninja import Router

from . import dashboard, evidence, excel, inbox, lists, periods, tasks, webhooks, workflow

router = Router()
router.add_router("", lists.router)
router.add_router("", excel.router)
router.add_router("", tasks.router)
router.add_router("", workflow.router)
router.add_router("", evidence.router)
router.add_router("", periods.router)
router.add_router("", inbox.router)
router.add_router("", dashboard.router)
router.add_router("", webhooks.router)
