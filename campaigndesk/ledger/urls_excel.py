"""The ledger's Excel export, the import templates, uploads and import jobs."""

from django.urls import path

from .views import excel

urlpatterns = [
    path("export.xlsx", excel.export, name="export"),
    path("import/", excel.import_page, name="import"),
    path("import/template/<str:kind>.xlsx", excel.import_template, name="import_template"),
    path("import/<int:pk>/", excel.import_job, name="import_job"),
]
