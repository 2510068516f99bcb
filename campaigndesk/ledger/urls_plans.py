"""Work plans: list, page, measures, workflow buttons, versions and their comparison."""

from django.urls import path

from .views import plans

urlpatterns = [
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/start/", plans.plan_start, name="plan_start"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan"),
    path("plans/<int:pk>/summary/", plans.plan_summary, name="plan_summary"),
    path("plans/<int:pk>/measures/new/", plans.measure_create, name="measure_new"),
    path("plans/measures/<int:pk>/edit/", plans.measure_edit, name="measure_edit"),
    path("plans/measures/<int:pk>/delete/", plans.measure_delete, name="measure_delete"),
    path("plans/<int:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/endorse/", plans.plan_endorse, name="plan_endorse"),
    path("plans/<int:pk>/approve/", plans.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/return/", plans.plan_return, name="plan_return"),
    path("plans/<int:pk>/versions/", plans.plan_versions, name="plan_versions"),
    path("plans/<int:pk>/compare/", plans.plan_compare, name="plan_compare"),
]
