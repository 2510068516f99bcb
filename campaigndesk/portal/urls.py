from django.urls import path, re_path

from . import views

app_name = "portal"

NUMBER = r"(?P<number>[A-Za-z0-9-]{1,20})"

urlpatterns = [
    path("", views.home, name="home"),
    path("campaigns/<slug:code>/", views.campaign, name="campaign"),
    path("campaigns/<slug:code>/suggest/", views.suggest, name="suggest_for"),
    path("suggest/", views.suggest, name="suggest"),
    path("suggest/received/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    re_path(rf"^track/{NUMBER}/$", views.track_status, name="track_status"),
    re_path(rf"^track/{NUMBER}/rate/$", views.track_rate, name="track_rate"),
    re_path(rf"^track/{NUMBER}/withdraw/$", views.track_withdraw, name="track_withdraw"),
    path("answers/", views.published, name="published"),
    re_path(rf"^answers/{NUMBER}/$", views.published_detail, name="published_detail"),
]
