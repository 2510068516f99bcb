from django.urls import path

from . import views

app_name = "triage"

urlpatterns = [
    path("", views.models_page, name="models"),
    path("train/", views.train_now, name="train"),
    path("models/<int:pk>/activate/", views.activate, name="activate"),
    path("keywords/add/", views.add_keyword, name="add_keyword"),
    path("keywords/<int:pk>/remove/", views.remove_keyword, name="remove_keyword"),
    path("settings/", views.set_threshold, name="settings"),
]
