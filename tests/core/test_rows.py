"""One row written without the ORM's INSERT, as save() would write it."""

from __future__ import annotations

import pytest

from campaigndesk import clock
from campaigndesk.core import rows
from campaigndesk.suggestions.models import Suggestion


def test_insert_writes_the_row_as_save_would_and_sets_its_key(world):
    now = clock.now()
    s = Suggestion(
        campaign=world.campaign,
        tracking_number="JY181203-AAAAA",
        title="t",
        body="b",
        created_at=now,
        updated_at=now,
    )
    rows.insert(s)
    assert s.pk is not None and not s._state.adding and s._state.db == "default"
    stored = Suggestion.objects.get(pk=s.pk)
    assert (stored.tracking_number, stored.status, stored.created_at) == (
        "JY181203-AAAAA",
        s.status,
        now,
    )
    with pytest.raises(ValueError, match="has one already"):
        rows.insert(s)
