from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("people/", views.person_list, name="person_list"),
]
