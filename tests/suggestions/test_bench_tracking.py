"""The bench's tracking paths resolve to a number and code that track (200 / 302)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from campaigndesk.campaigns.models import Campaign
from campaigndesk.suggestions import bench_paths, intake
from campaigndesk.suggestions.models import Suggestion
from campaigndesk.suggestions.scale_generators import SCALE_CODE


@pytest.fixture
def generated(world):
    """A generated suggestion (client_hash "scale:<seed>") whose code was hashed under
    another SECRET_KEY, as the demo's scale data is for the bench server."""
    Campaign.objects.filter(pk=world.campaign.pk).update(is_public=True, accepts_suggestions=True)
    s = intake.submit(
        campaign=world.campaign,
        title="生成的建议",
        body="规模数据生成的一条建议，用于测试跟踪。",
        client="c",
        throttle=False,
    ).suggestion
    other = hmac.new(b"another-key", f"code:{SCALE_CODE}".encode(), hashlib.sha256).hexdigest()
    Suggestion.objects.filter(pk=s.pk).update(client_hash="scale:7", secret_hash=other)
    return s


def test_a_generated_code_hashed_under_another_key_is_not_used(generated, client):
    url = bench_paths.track_url()
    assert generated.tracking_number not in url
    assert client.get(url).status_code == 200
    portal = bench_paths.portal_track_url()
    assert client.get(portal).status_code == 302


def test_a_generated_code_hashed_under_this_key_is_used(generated, client):
    Suggestion.objects.filter(pk=generated.pk).update(secret_hash=intake.hash_code(SCALE_CODE))
    before = Suggestion.objects.count()
    url = bench_paths.track_url()
    assert generated.tracking_number in url
    assert Suggestion.objects.count() == before  # nothing submitted for the purpose
    assert client.get(url).status_code == 200
