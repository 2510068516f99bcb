from django.urls import path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/phases/new/", views.phase_create, name="phase_new"),
    path("phases/<int:pk>/edit/", views.phase_edit, name="phase_edit"),
    path("phases/<int:pk>/delete/", views.phase_delete, name="phase_delete"),
    path("<int:pk>/key-tasks/new/", views.key_task_create, name="key_task_new"),
    path("key-tasks/<int:pk>/edit/", views.key_task_edit, name="key_task_edit"),
    path("key-tasks/<int:pk>/delete/", views.key_task_delete, name="key_task_delete"),
    path("<int:pk>/calendar/", views.calendar, name="calendar"),
]
