"""Tests of the portal's calendar: BE years, fiscal years, quarters, input, display."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from projects import thaicalendar as tc
from projects.thaicalendar import DateInputError


@pytest.mark.parametrize(("ce", "be"), [(2020, 2563), (2019, 2562), (1957, 2500)])
def test_be_and_ce_years_differ_by_543(ce: int, be: int) -> None:
    assert tc.to_be(ce) == be
    assert tc.to_ce(be) == ce


# Fiscal years and quarters


@pytest.mark.parametrize(
    ("d", "fy", "quarter"),
    [
        (date(2019, 9, 30), 2562, 4),
        (date(2019, 10, 1), 2563, 1),
        (date(2019, 12, 31), 2563, 1),
        (date(2020, 1, 1), 2563, 2),
        (date(2020, 2, 29), 2563, 2),
        (date(2020, 3, 31), 2563, 2),
        (date(2020, 4, 1), 2563, 3),
        (date(2020, 6, 30), 2563, 3),
        (date(2020, 7, 1), 2563, 4),
        (date(2020, 9, 30), 2563, 4),
        (date(2020, 10, 1), 2564, 1),
    ],
)
def test_fiscal_year_and_quarter_change_on_their_boundaries(
    d: date, fy: int, quarter: int
) -> None:
    assert tc.fiscal_year_of(d) == fy
    assert tc.quarter_of(d) == quarter
    assert tc.fiscal_quarter_of(d) == (fy, quarter)


def test_fiscal_year_of_an_aware_datetime_uses_the_bangkok_date() -> None:
    # 30 Sep 2020 18:30 UTC is already 1 Oct 01:30 in Bangkok.
    moment = datetime(2020, 9, 30, 18, 30, tzinfo=UTC)
    assert tc.fiscal_quarter_of(moment) == (2564, 1)


def test_fiscal_year_2563_runs_from_october_2019_to_september_2020() -> None:
    assert tc.fiscal_year_bounds(2563) == (date(2019, 10, 1), date(2020, 9, 30))


def test_every_day_of_a_fiscal_year_belongs_to_it() -> None:
    first, last = tc.fiscal_year_bounds(2563)
    assert tc.fiscal_year_of(first - timedelta(days=1)) == 2562
    assert tc.fiscal_year_of(last + timedelta(days=1)) == 2564
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert len(days) == 366
    assert {tc.fiscal_year_of(d) for d in days} == {2563}


@pytest.mark.parametrize(
    ("quarter", "bounds"),
    [
        (1, (date(2019, 10, 1), date(2019, 12, 31))),
        (2, (date(2020, 1, 1), date(2020, 3, 31))),
        (3, (date(2020, 4, 1), date(2020, 6, 30))),
        (4, (date(2020, 7, 1), date(2020, 9, 30))),
    ],
)
def test_quarter_bounds_of_fiscal_year_2563(
    quarter: int, bounds: tuple[date, date]
) -> None:
    assert tc.quarter_bounds(2563, quarter) == bounds


def test_quarters_tile_the_fiscal_year() -> None:
    for fy in (2563, 2564, 2567):
        bounds = [tc.quarter_bounds(fy, q) for q in (1, 2, 3, 4)]
        assert bounds[0][0] == tc.fiscal_year_bounds(fy)[0]
        assert bounds[-1][1] == tc.fiscal_year_bounds(fy)[1]
        for (_, end), (start, _) in zip(bounds, bounds[1:], strict=False):
            assert start == end + timedelta(days=1)
        for q, (start, end) in enumerate(bounds, start=1):
            assert tc.fiscal_quarter_of(start) == tc.fiscal_quarter_of(end) == (fy, q)


@pytest.mark.parametrize("quarter", [0, 5, -1])
def test_quarter_outside_one_to_four_is_refused(quarter: int) -> None:
    with pytest.raises(ValueError):
        tc.quarter_bounds(2563, quarter)
    with pytest.raises(ValueError):
        tc.format_quarter(2563, quarter)


def test_fiscal_months_run_october_to_september() -> None:
    assert tc.fiscal_months(2563) == [
        (2019, 10),
        (2019, 11),
        (2019, 12),
        (2020, 1),
        (2020, 2),
        (2020, 3),
        (2020, 4),
        (2020, 5),
        (2020, 6),
        (2020, 7),
        (2020, 8),
        (2020, 9),
    ]


@pytest.mark.parametrize(
    ("year", "month", "end"),
    [
        (2020, 2, date(2020, 2, 29)),
        (2021, 2, date(2021, 2, 28)),
        (2020, 4, date(2020, 4, 30)),
        (2020, 12, date(2020, 12, 31)),
    ],
)
def test_month_end(year: int, month: int, end: date) -> None:
    assert tc.month_end(year, month) == end


@pytest.mark.parametrize("month", [0, 13])
def test_month_end_refuses_a_month_that_does_not_exist(month: int) -> None:
    with pytest.raises(ValueError):
        tc.month_end(2020, month)


# Typed input


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/9/2563", date(2020, 9, 15)),
        ("15/09/2563", date(2020, 9, 15)),
        ("15-9-2563", date(2020, 9, 15)),
        ("15.9.2563", date(2020, 9, 15)),
        ("1/1/2564", date(2021, 1, 1)),
        ("15/9/2020", date(2020, 9, 15)),
        ("2020-09-15", date(2020, 9, 15)),
        ("2020-9-5", date(2020, 9, 5)),
        ("2563-09-15", date(2020, 9, 15)),
        ("29/2/2563", date(2020, 2, 29)),
        ("29/02/2020", date(2020, 2, 29)),
        ("30/9/2563", date(2020, 9, 30)),
        ("1/10/2563", date(2020, 10, 1)),
        ("  15/9/2563\n", date(2020, 9, 15)),
        ("15 / 9 / 2563", date(2020, 9, 15)),
        ("๑๕/๙/๒๕๖๓", date(2020, 9, 15)),
        ("1/1/1900", date(1900, 1, 1)),
        ("31/12/2200", date(2200, 12, 31)),
        ("1/1/2400", date(1857, 1, 1)),
        ("31/12/2800", date(2257, 12, 31)),
    ],
)
def test_parse_date_reads_be_ce_and_iso(text: str, expected: date) -> None:
    assert tc.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "year"),
    [("15/9/63", "63"), ("15/9/20", "20"), ("1-1-64", "64"), ("20-09-15", "15")],
)
def test_parse_date_calls_a_two_digit_year_ambiguous(text: str, year: str) -> None:
    with pytest.raises(DateInputError) as caught:
        tc.parse_date(text)
    assert caught.value.code == "ambiguous"
    assert caught.value.year == year


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("29/2/2564", "no_such_day"),
        ("29/2/2021", "no_such_day"),
        ("31/4/2563", "no_such_day"),
        ("0/1/2563", "no_such_day"),
        ("32/1/2563", "no_such_day"),
        ("2563-02-30", "no_such_day"),
        ("1/13/2563", "no_such_month"),
        ("2020-13-01", "no_such_month"),
        ("1/0/2563", "no_such_month"),
        ("1/1/2300", "unknown_era"),
        ("1/1/1899", "unknown_era"),
        ("1/1/2801", "unknown_era"),
    ],
)
def test_parse_date_says_why_a_well_formed_date_is_impossible(
    text: str, code: str
) -> None:
    with pytest.raises(DateInputError) as caught:
        tc.parse_date(text)
    assert caught.value.code == code


def test_impossible_day_error_carries_the_month_read() -> None:
    with pytest.raises(DateInputError) as caught:
        tc.parse_date("29/2/2564")
    error = caught.value
    assert (error.year_ce, error.month, error.day) == (2021, 2, 29)
    assert tc.days_in_month(2021, 2) == 28
    assert tc.days_in_month(2020, 2) == 29


@pytest.mark.parametrize(
    "text",
    [
        "15/9-2563",
        "15/9/2563/1",
        "2563",
        "พรุ่งนี้",
        "15 ก.ย. 2563",
        "abc/de/fghi",
        "2020-09-15T10:00",
    ],
)
def test_parse_date_calls_garbage_and_impossible_dates_invalid(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        tc.parse_date(text)
    assert caught.value.code == "invalid"


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_parse_date_calls_blank_input_empty(text: str) -> None:
    with pytest.raises(DateInputError) as caught:
        tc.parse_date(text)
    assert caught.value.code == "empty"


def test_date_input_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        tc.parse_date("nonsense")


@pytest.mark.parametrize(
    ("d", "text"),
    [
        (date(2020, 9, 15), "15/9/2563"),
        (date(2021, 1, 1), "1/1/2564"),
        (date(2019, 10, 31), "31/10/2562"),
    ],
)
def test_to_input_writes_be_and_parses_back(d: date, text: str) -> None:
    assert tc.to_input(d) == text
    assert tc.parse_date(text) == d


# Display


@pytest.mark.parametrize(
    ("style", "lang", "text"),
    [
        ("short", "th", "15 ก.ย. 2563"),
        ("long", "th", "15 กันยายน 2563"),
        ("short", "en", "15 Sep 2020"),
        ("long", "en", "15 September 2020"),
        ("short", "en-us", "15 Sep 2020"),
        ("short", "en-GB", "15 Sep 2020"),
        ("short", "th-th", "15 ก.ย. 2563"),
        ("short", "fr", "15 ก.ย. 2563"),
    ],
)
def test_format_date_in_both_languages(style: str, lang: str, text: str) -> None:
    assert tc.format_date(date(2020, 9, 15), style, lang) == text


def test_format_date_defaults_to_thai_short() -> None:
    assert tc.format_date(date(2020, 9, 15)) == "15 ก.ย. 2563"


@pytest.mark.parametrize(
    ("month", "short", "long"),
    list(zip(range(1, 13), tc.THAI_MONTHS_SHORT, tc.THAI_MONTHS_LONG, strict=True)),
)
def test_format_date_names_every_thai_month(month: int, short: str, long: str) -> None:
    d = date(2021, month, 1)
    assert tc.format_date(d, "short") == f"1 {short} 2564"
    assert tc.format_date(d, "long") == f"1 {long} 2564"


def test_thai_month_names() -> None:
    assert tc.THAI_MONTHS_SHORT[0] == "ม.ค."
    assert tc.THAI_MONTHS_SHORT[11] == "ธ.ค."
    assert tc.THAI_MONTHS_LONG[1] == "กุมภาพันธ์"
    assert tc.THAI_MONTHS_LONG[6] == "กรกฎาคม"
    assert len(tc.THAI_MONTHS_SHORT) == len(tc.THAI_MONTHS_LONG) == 12


def test_format_date_of_none_is_empty() -> None:
    assert tc.format_date(None) == ""
    assert tc.format_date(None, "long", "en") == ""


def test_format_date_refuses_an_unknown_style() -> None:
    with pytest.raises(ValueError):
        tc.format_date(date(2020, 9, 15), "medium")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("moment", "th", "en"),
    [
        # Late at night UTC is already the next morning in Bangkok (UTC+7).
        (datetime(2020, 9, 30, 17, 0, tzinfo=UTC), "1 ต.ค. 2563", "1 Oct 2020"),
        (datetime(2020, 12, 31, 20, 0, tzinfo=UTC), "1 ม.ค. 2564", "1 Jan 2021"),
        (datetime(2020, 9, 30, 16, 59, tzinfo=UTC), "30 ก.ย. 2563", "30 Sep 2020"),
        (
            datetime(2020, 9, 15, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            "16 ก.ย. 2563",
            "16 Sep 2020",
        ),
        # A naive datetime is taken as already local.
        (datetime(2020, 9, 30, 23, 0), "30 ก.ย. 2563", "30 Sep 2020"),
    ],
)
def test_format_date_shows_a_datetime_on_its_bangkok_date(
    moment: datetime, th: str, en: str
) -> None:
    assert tc.format_date(moment, lang="th") == th
    assert tc.format_date(moment, lang="en") == en


@pytest.mark.parametrize(
    ("year", "month", "lang", "text"),
    [
        (2020, 9, "th", "ก.ย. 2563"),
        (2020, 9, "en", "Sep 2020"),
        (2021, 1, "th", "ม.ค. 2564"),
        (2019, 12, "en", "Dec 2019"),
    ],
)
def test_format_month(year: int, month: int, lang: str, text: str) -> None:
    assert tc.format_month(year, month, lang) == text


@pytest.mark.parametrize(
    ("fy", "lang", "text"),
    [
        (2563, "th", "ปีงบประมาณ 2563"),
        (2563, "en", "FY 2563 (2019–20)"),
        (2567, "en", "FY 2567 (2023–24)"),
        (2643, "en", "FY 2643 (2099–00)"),
    ],
)
def test_format_fiscal_year(fy: int, lang: str, text: str) -> None:
    assert tc.format_fiscal_year(fy, lang) == text


@pytest.mark.parametrize(
    ("quarter", "lang", "text"),
    [
        (1, "th", "ไตรมาสที่ 1/2563"),
        (2, "th", "ไตรมาสที่ 2/2563"),
        (4, "th", "ไตรมาสที่ 4/2563"),
        (2, "en", "Q2 FY 2563"),
        (3, "en", "Q3 FY 2563"),
    ],
)
def test_format_quarter(quarter: int, lang: str, text: str) -> None:
    assert tc.format_quarter(2563, quarter, lang) == text
