"""The project's URLs with the hot-topics pages, until the root URLconf includes them."""

from django.urls import include, path

from campaigndesk.urls import urlpatterns as project

urlpatterns = [
    *project,
    path("desk/triage/topics/", include("campaigndesk.triage.topic_urls")),
]
