from .figures import LedgerFigures, LedgerStamp
from .imports import FINISHED_STATUSES, ImportJob, ImportKind, ImportStatus
from .notices import (
    Delivery,
    DeliveryStatus,
    Escalation,
    Notification,
    Reminder,
    ReminderKind,
    UnitWebhook,
)
from .reports import Attachment, ProgressReport, ReportingPeriod
from .tasks import (
    LIGHT_SEVERITY,
    OPEN_STATUSES,
    Light,
    Priority,
    SavedFilter,
    Source,
    Task,
    TaskCoUnit,
    TaskMilestone,
    TaskStatus,
)

__all__ = [
    "FINISHED_STATUSES",
    "LIGHT_SEVERITY",
    "OPEN_STATUSES",
    "Attachment",
    "Delivery",
    "DeliveryStatus",
    "Escalation",
    "ImportJob",
    "ImportKind",
    "ImportStatus",
    "LedgerFigures",
    "LedgerStamp",
    "Light",
    "Notification",
    "Priority",
    "ProgressReport",
    "Reminder",
    "ReminderKind",
    "ReportingPeriod",
    "SavedFilter",
    "Source",
    "Task",
    "TaskCoUnit",
    "TaskMilestone",
    "TaskStatus",
    "UnitWebhook",
]
