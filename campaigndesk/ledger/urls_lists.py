"""The ledger list with its bulk reminder and saved filters, the workspace, the dashboard."""

from django.urls import path

from .views import dashboard, lists

urlpatterns = [
    path("tasks/", lists.ledger_list, name="list"),
    path("tasks/remind/", lists.bulk_remind, name="bulk_remind"),
    path("tasks/filters/", lists.filter_save, name="filter_save"),
    path("tasks/filters/<int:pk>/delete/", lists.filter_delete, name="filter_delete"),
    path("workspace/", lists.workspace_page, name="workspace"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
