import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def in_english(settings):
    """Messages are asserted in English, whatever the catalogues say in Chinese."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
