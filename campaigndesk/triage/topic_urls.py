"""Hot-topics pages. Included from the root URLconf:

path("desk/triage/topics/", include("campaigndesk.triage.topic_urls")),
"""

from django.urls import path

from . import topic_views

app_name = "triage_topics"

urlpatterns = [
    path("", topic_views.topic_list, name="list"),
    path("refresh/", topic_views.refresh, name="refresh"),
    path("block/", topic_views.block, name="block"),
]
