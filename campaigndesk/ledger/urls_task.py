"""The task page, its actions (one POST address each), create and edit, and evidence files."""

from django.urls import path

from .views import task

urlpatterns = [
    path("tasks/new/", task.task_create, name="task_new"),
    path("tasks/<int:pk>/", task.task_detail, name="task"),
    path("tasks/<int:pk>/edit/", task.task_edit, name="task_edit"),
    path("tasks/<int:pk>/accept/", task.task_accept, name="task_accept"),
    path("tasks/<int:pk>/return/", task.task_return, name="task_return"),
    path("tasks/<int:pk>/report/", task.task_report, name="task_report"),
    path("tasks/<int:pk>/done/", task.task_done, name="task_done"),
    path("tasks/<int:pk>/split/", task.task_split, name="task_split"),
    path("tasks/<int:pk>/close/", task.task_close, name="task_close"),
    path("tasks/<int:pk>/send-back/", task.task_send_back, name="task_send_back"),
    path("tasks/<int:pk>/reopen/", task.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/cancel/", task.task_cancel, name="task_cancel"),
    path("tasks/<int:pk>/reassign/", task.task_reassign, name="task_reassign"),
    path("tasks/<int:pk>/remind/", task.task_remind, name="task_remind"),
    path("attachments/<int:pk>/", task.attachment_download, name="attachment"),
]
