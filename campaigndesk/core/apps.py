from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "campaigndesk.core"
    label = "core"
