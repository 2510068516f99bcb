from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "campaigndesk.portal"
    label = "portal"
