from ninja import NinjaAPI

api = NinjaAPI(title="CampaignDesk API", version="1", urls_namespace="api")
