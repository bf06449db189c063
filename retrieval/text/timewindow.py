"""Parse the user's time filters: '7d', '24h', '2w', '3m' (months), or a date 'YYYY-MM-DD'."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from retrieval.errors import BadInputError
from retrieval.ingest.articles import in_future, parse_date

_UNITS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30, "y": 365}


def parse_since(value: str | None, today: date | None = None) -> date | None:
    """The first day included by a `--since` value; None when no value is given. `today` is the
    window's last day (`--as-of`): a date after it is refused."""
    if value is None or not value.strip():
        return None
    v = value.strip().lower()
    m = re.fullmatch(r"(\d+)\s*([hdwmy])", v)
    if m:
        try:
            # dates have day granularity: '24h' reaches back to yesterday, '7d' to a week ago
            days = math.ceil(int(m.group(1)) * _UNITS[m.group(2)])
            return (today or date.today()) - timedelta(days=days)
        except (OverflowError, ValueError):  # past year 1, or too many digits for an int
            raise BadInputError(
                f"the time window {value!r} is too long: use a shorter one or a date"
            ) from None
    d = parse_date(v)
    if d is None:
        raise BadInputError(f"can't read the time window {value!r}: use 24h, 7d, 2w, 3m or YYYY-MM-DD")
    if today is not None and d > today:
        raise BadInputError(f"the time window starts on {d} but ends on {today}: the start must come first")
    if today is None and in_future(d):
        raise BadInputError(
            f"the time window starts on {d}, after today ({date.today()}): nothing is published there yet"
        )
    return d


def parse_day(value: str | None) -> date | None:
    if value is None or not value.strip():
        return None
    d = parse_date(value.strip())
    if d is None:
        raise BadInputError(f"can't read the date {value!r}: use YYYY-MM-DD")
    return d
