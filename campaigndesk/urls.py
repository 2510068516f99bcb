from django.urls import include, path

from campaigndesk.api.urls import api
from campaigndesk.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    # Before the desk's dozen prefixes: the citizens' submissions come through the API.
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("campaigndesk.core.account_urls")),
    path("desk/", core_views.home, name="home"),
    path("desk/org/", include("campaigndesk.org.urls")),
    path("desk/campaigns/", include("campaigndesk.campaigns.urls")),
    path("desk/ledger/", include("campaigndesk.ledger.urls")),
    path("desk/audit/", include("campaigndesk.audit.urls")),
    path("desk/suggestions/import/", include("campaigndesk.suggestions.urls_import")),
    path("desk/suggestions/", include("campaigndesk.suggestions.urls")),
    path("desk/triage/topics/", include("campaigndesk.triage.topic_urls")),
    path("desk/triage/", include("campaigndesk.triage.urls")),
    path("", include("campaigndesk.portal.urls")),
]

handler400 = "campaigndesk.core.views.bad_request"
handler403 = "campaigndesk.core.views.permission_denied"
handler404 = "campaigndesk.core.views.page_not_found"
handler500 = "campaigndesk.core.views.server_error"
