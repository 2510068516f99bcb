from django.apps import AppConfig


class PerfConfig(AppConfig):
    name = "campaigndesk.perf"
    label = "perf"
    verbose_name = "Benchmarks of CampaignDesk itself"
