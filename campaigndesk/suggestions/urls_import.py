"""The office's upload page for suggestions gathered offline, under /desk/suggestions/import/."""

from django.urls import path

from . import views_import

app_name = "suggestions_import"
urlpatterns = [
    path("", views_import.upload, name="upload"),
    path("template.xlsx", views_import.template, name="template"),
    path("jobs/<int:pk>/", views_import.job, name="job"),
]
