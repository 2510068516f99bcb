import pytest

from campaigndesk.suggestions.models import Category


@pytest.fixture
def category(world):
    return Category.objects.create(
        campaign=world.campaign,
        code="business",
        name_zh="营商环境",
        name_en="Business environment",
        default_unit=world.bureau,
    )
