from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "campaigndesk.demo"
    label = "demo"
