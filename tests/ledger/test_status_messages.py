"""Refusals for a task in the wrong status are whole sentences, one per action."""

from __future__ import annotations

import pytest

from campaigndesk.ledger import actions
from campaigndesk.ledger.models import TaskStatus


@pytest.mark.parametrize("action", sorted(actions._STATUS_ERRORS))
def test_each_action_has_its_own_sentence_with_only_the_status_to_fill_in(action):
    class Task:
        def get_status_display(self):
            return TaskStatus.CLOSED.label

    error = actions._status_error(Task(), action)
    [message] = error.messages
    assert message.startswith("A task that is Verified and closed cannot be ")
    assert message.endswith(".") and "%(" not in message
