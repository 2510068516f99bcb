"""The ledger's addresses, gathered from one module per screen family."""

from . import urls_excel, urls_inbox, urls_lists, urls_plans, urls_task

app_name = "ledger"
urlpatterns = [
    *urls_lists.urlpatterns,
    *urls_task.urlpatterns,
    *urls_plans.urlpatterns,
    *urls_excel.urlpatterns,
    *urls_inbox.urlpatterns,
]
