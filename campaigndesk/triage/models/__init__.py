"""Triage models, one module per part: routing (learned models, predictions,
corrections) and topics (duplicates, clusters)."""

from importlib.util import find_spec

if find_spec("campaigndesk.triage.models.routing") is not None:
    from .routing import *  # noqa: F403
if find_spec("campaigndesk.triage.models.topics") is not None:
    from .topics import *  # noqa: F403
