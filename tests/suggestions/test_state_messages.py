"""Refusals for a suggestion in the wrong state are whole sentences, one per action."""

from __future__ import annotations

import pytest

from campaigndesk.suggestions import actions
from campaigndesk.suggestions.models import Status


@pytest.mark.parametrize("action", sorted(actions._STATE_ERRORS))
def test_each_action_has_its_own_sentence_with_number_and_state_to_fill_in(action):
    class Suggestion:
        tracking_number = "DL-0001"

        def get_status_display(self):
            return Status.CLOSED.label

    [message] = actions._wrong_state(Suggestion(), action).messages
    assert message.startswith("Suggestion DL-0001 is Closed and cannot be ")
    assert message.endswith(".") and "%(" not in message
