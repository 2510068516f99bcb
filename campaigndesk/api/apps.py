from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "campaigndesk.api"
    label = "api"
