"""The project's addresses with the offline import page mounted, as campaigndesk/urls.py
will have it once the include line is added there."""

from django.urls import include, path

from campaigndesk.urls import urlpatterns as project

urlpatterns = [
    path("desk/suggestions/import/", include("campaigndesk.suggestions.urls_import")),
    *project,
]
