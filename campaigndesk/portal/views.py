from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from campaigndesk.campaigns.models import Campaign


def home(request: HttpRequest) -> HttpResponse:
    campaign = (
        Campaign.objects.public()
        .prefetch_related("phases", "key_tasks")
        .order_by("-starts_on")
        .first()
    )
    return render(request, "portal/home.html", {"campaign": campaign})
