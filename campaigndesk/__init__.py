"""CampaignDesk: run a city-wide campaign from launch to summing-up."""
