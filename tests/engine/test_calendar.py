"""Tests for the working-day calendar (rule R-70)."""
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.calendar import LONDON, WorkingCalendar, parse_closure_days, parse_instant

UTC = timezone.utc


def london_noon(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=LONDON)


@pytest.fixture
def calendar() -> WorkingCalendar:
    return WorkingCalendar()


def test_weekends_and_bank_holidays_are_not_working_days(calendar):
    assert calendar.is_working_day(date(2026, 4, 2))
    for day in [date(2026, 4, 3), date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6),
                date(2026, 5, 4), date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25),
                date(2026, 12, 26), date(2026, 12, 28), date(2027, 1, 1)]:
        assert not calendar.is_working_day(day), day


def test_easter_2026(calendar):
    # Thursday 2 April; Good Friday 3, weekend, Easter Monday 6 -> Tuesday 7 (BST).
    assert calendar.add_working_days(london_noon(2026, 4, 2), 1) == "2026-04-07T22:59:59+00:00"


def test_christmas_2026(calendar):
    # 25 Christmas, 26 Saturday, 27 Sunday, 28 Boxing Day (observed).
    assert calendar.add_working_days(london_noon(2026, 12, 24), 1) == "2026-12-29T23:59:59+00:00"


def test_five_days_across_christmas_and_new_year(calendar):
    # 29, 30, 31 Dec, (1 Jan holiday, 2-3 weekend), 4, 5 Jan.
    assert calendar.add_working_days(london_noon(2026, 12, 24), 5) == "2027-01-05T23:59:59+00:00"


def test_deadline_on_either_side_of_march_clock_change(calendar):
    # Clocks go forward on Sunday 29 March 2026.
    assert calendar.add_working_days(london_noon(2026, 3, 26), 1) == "2026-03-27T23:59:59+00:00"
    assert calendar.add_working_days(london_noon(2026, 3, 27), 1) == "2026-03-30T22:59:59+00:00"


def test_deadline_on_either_side_of_october_clock_change(calendar):
    # Clocks go back on Sunday 25 October 2026.
    assert calendar.add_working_days(london_noon(2026, 10, 22), 1) == "2026-10-23T22:59:59+00:00"
    assert calendar.add_working_days(london_noon(2026, 10, 23), 1) == "2026-10-26T23:59:59+00:00"


def test_start_counts_from_the_london_date(calendar):
    # 23:30 UTC on 30 June is 00:30 BST on Wednesday 1 July.
    assert calendar.add_working_days("2026-06-30T23:30:00+00:00", 1) == "2026-07-02T22:59:59+00:00"
    assert calendar.add_working_days("2026-06-30T22:30:00+00:00", 1) == "2026-07-01T22:59:59+00:00"


def test_closure_days_are_skipped():
    calendar = WorkingCalendar(closure_days=[date(2026, 12, 29), date(2026, 12, 30)])
    assert not calendar.is_working_day(date(2026, 12, 29))
    assert calendar.add_working_days(london_noon(2026, 12, 24), 1) == "2026-12-31T23:59:59+00:00"


def test_weekend_start_counts_from_the_next_working_day(calendar):
    saturday = london_noon(2026, 6, 6)
    assert calendar.add_working_days(saturday, 1) == "2026-06-08T22:59:59+00:00"
    assert calendar.add_working_days(saturday, 2) == "2026-06-09T22:59:59+00:00"


def test_zero_days_is_end_of_today_or_next_working_day(calendar):
    assert calendar.add_working_days(london_noon(2026, 6, 5), 0) == "2026-06-05T22:59:59+00:00"
    assert calendar.add_working_days(london_noon(2026, 6, 6), 0) == "2026-06-08T22:59:59+00:00"


def test_negative_days_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(london_noon(2026, 6, 5), -1)


def test_naive_start_refused(calendar):
    with pytest.raises(ValueError):
        calendar.add_working_days(datetime(2026, 6, 5, 12, 0), 1)
    with pytest.raises(ValueError):
        calendar.add_working_days("2026-06-05T12:00:00", 1)
    with pytest.raises(ValueError):
        calendar.working_days_between("2026-06-05T12:00:00", london_noon(2026, 6, 9))


def test_working_days_between(calendar):
    assert calendar.working_days_between(london_noon(2026, 4, 2), london_noon(2026, 4, 7)) == 1
    assert calendar.working_days_between(london_noon(2026, 4, 7), london_noon(2026, 4, 2)) == -1
    assert calendar.working_days_between(london_noon(2026, 6, 5), london_noon(2026, 6, 5)) == 0
    assert calendar.working_days_between("2026-12-24T09:00:00+00:00", "2027-01-05T22:00:00+00:00") == 5


def test_working_days_between_round_trips_with_add_working_days():
    calendar = WorkingCalendar(closure_days=[date(2026, 12, 24), date(2027, 2, 15)])
    start = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
    for offset in range(0, 430, 3):
        day = start + timedelta(days=offset)
        for n in (1, 2, 5, 10, 20):
            deadline = calendar.add_working_days(day, n)
            assert calendar.working_days_between(day, deadline) == n, (day, n)
            assert calendar.working_days_between(deadline, day) == -n, (day, n)


def test_parse_instant():
    assert parse_instant("2026-07-01T00:30:00+01:00") == datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert parse_instant("2026-07-01T00:30:00Z").tzinfo == UTC
    assert parse_instant(datetime(2026, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))) == datetime(2025, 12, 31, 23, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_instant("2026-07-01T00:30:00")


def test_parse_closure_days():
    assert parse_closure_days("2026-12-24, 2026-12-31") == [date(2026, 12, 24), date(2026, 12, 31)]
    assert parse_closure_days("2026-12-24") == [date(2026, 12, 24)]
    assert parse_closure_days("") == []
    assert parse_closure_days("   ") == []


@pytest.mark.parametrize("text, bad_item", [
    ("2026-12-24, 24/12/2026", "24/12/2026"),
    ("2026-02-30", "2026-02-30"),
    ("christmas eve", "christmas"),
])
def test_parse_closure_days_names_the_bad_item(text, bad_item):
    with pytest.raises(ValueError, match=bad_item):
        parse_closure_days(text)


def test_working_days_before_skips_bank_holidays_and_undoes_add_working_days(calendar):  # R-70 R-27
    due = calendar.end_of("2026-12-29")  # Tuesday after Christmas: Friday 25 and Monday 28 are bank holidays
    assert due == "2026-12-29T23:59:59+00:00"
    assert calendar.working_days_before(due, 1) == "2026-12-24T23:59:59+00:00"
    assert calendar.working_days_before(due, 2) == "2026-12-23T23:59:59+00:00"
    assert calendar.working_days_before(due, 0) == due
    assert calendar.add_working_days(calendar.working_days_before(due, 7), 7) == due
    with pytest.raises(ValueError):
        calendar.working_days_before(due, -1)


def test_end_of_a_date_is_its_end_in_london(calendar):  # R-70 R-27
    assert calendar.end_of("2027-06-30") == "2027-06-30T22:59:59+00:00"  # British Summer Time
    for bad in ("30/06/2027", "2027-06-30T12:00", 20270630, None):
        with pytest.raises(ValueError):
            calendar.end_of(bad)
