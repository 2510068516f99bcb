import pytest

from campaigndesk.triage import predict


@pytest.fixture(autouse=True)
def fresh_model_cache():
    """predict caches fitted pipelines by model id per process; a test database rolled
    back hands the same id to another test's model, which must not get the old pipeline."""
    predict._cache.clear()
    yield
    predict._cache.clear()
