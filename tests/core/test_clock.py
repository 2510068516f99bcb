import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from campaigndesk import clock


def test_demo_date_shifts_the_clock_but_keeps_time_running(monkeypatch):
    monkeypatch.setenv("CAMPAIGNDESK_TODAY", "2018-12-20")
    offset = clock._offset_from_env()
    assert (dt.date.today() + offset) == dt.date(2018, 12, 20)


def test_a_bad_demo_date_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("CAMPAIGNDESK_TODAY", "yesterday")
    with pytest.raises(ImproperlyConfigured, match="CAMPAIGNDESK_TODAY"):
        clock._offset_from_env()


def test_frozen_clock_needs_an_aware_datetime():
    with pytest.raises(ValueError, match="aware"), clock.frozen_at(dt.datetime(2018, 1, 1)):
        pass
