"""One formatter of moments (service.dates): every form in UTC, naive moments refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.dates import format_utc
from service.errors import InputError

HAMBURG_SUMMER = timezone(timedelta(hours=2))


def test_every_precision_is_utc() -> None:
    moment = datetime(2025, 7, 1, 1, 30, 15, tzinfo=HAMBURG_SUMMER)
    assert format_utc(moment) == "2025-06-30T23:30:15Z"
    assert format_utc(moment, "minute") == "2025-06-30 23:30 UTC"
    assert format_utc(moment, "day") == "2025-06-30"


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(InputError, match="timezone-aware"):
        format_utc(datetime(2025, 7, 1, 9, 30))


def test_a_moment_with_no_utc_form_is_given_as_written() -> None:
    moment = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert format_utc(moment, "minute") == "0001-01-01T00:00:00+01:00"
    assert format_utc(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
