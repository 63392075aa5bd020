"""The small rules under the reports, without a database: achievement bands, the
months compliance counts, the data-quality rules added for the reports, and the
export writers."""

from __future__ import annotations

import csv
import io
import types
from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import load_workbook

from projects import quality
from reports import dashboard, exports
from reports.compliance import Tally, months_of


@pytest.mark.parametrize(
    ("achievement", "band"),
    [
        (None, "no_result"),
        (Decimal("250"), "met"),
        (Decimal("100"), "met"),
        (Decimal("99.99"), "near"),
        (Decimal("80"), "near"),
        (Decimal("79.99"), "partial"),
        (Decimal("50"), "partial"),
        (Decimal("49.99"), "low"),
        (Decimal("0"), "low"),
    ],
)
def test_achievement_band(achievement, band):
    assert dashboard.achievement_band(achievement) == band


@pytest.mark.parametrize("achievement", [None, Decimal("1500"), Decimal("10")])
def test_a_kpi_that_needs_checking_is_in_that_band_whatever_its_achievement(
    achievement,
):
    band = dashboard.achievement_band(achievement, needs_checking=True)
    assert band == dashboard.Band.NEEDS_CHECKING


def test_progress_days_are_the_month_ends_and_the_reading_date():
    days = dashboard.progress_days(2563, date(2020, 2, 10))
    assert days[:6] == [
        date(2019, 10, 31),
        date(2019, 11, 30),
        date(2019, 12, 31),
        date(2020, 1, 31),
        date(2020, 2, 10),
        date(2020, 2, 29),
    ]
    assert len(days) == 13
    assert len(dashboard.progress_days(2563, date(2020, 3, 31))) == 12
    # A reading date outside the year is kept inside it.
    assert dashboard.progress_days(2563, date(2024, 1, 1))[-1] == date(2020, 9, 30)


def test_months_of_a_fiscal_year_with_their_due_days():
    months = months_of(2563, 31)
    assert [m.key for m in months][:4] == ["2019-10", "2019-11", "2019-12", "2020-01"]
    assert months[4].due == date(2020, 2, 29)  # a due day past the month's end
    assert months[1].due == date(2019, 11, 30)
    assert months_of(2563, 25)[0].due == date(2019, 10, 25)
    assert months[-1].end == date(2020, 9, 30)


def test_tally_rate_is_on_time_in_per_cent_of_reports_due():
    assert Tally(2, 1, 0).rate == Decimal("66.67")
    assert Tally().rate is None
    total = Tally(1, 0, 0)
    total.add(Tally(0, 0, 1))
    assert (total.due, total.rate) == (2, Decimal("50.00"))


def test_reported_without_plan():
    assert quality.reported_without_plan(steps=0, updates=0) == []
    assert quality.reported_without_plan(steps=3, updates=2) == []
    (flag,) = quality.reported_without_plan(steps=0, updates=1)
    assert (flag.code, flag.severity) == ("no_plan", "error")


def test_evaluated_without_report():
    assert quality.evaluated_without_report(2, reports=1) == []
    (flag,) = quality.evaluated_without_report(3, reports=0)
    assert flag.code == "scored_no_report" and "3" in flag.message


TABLE_COLUMNS = [
    exports.Column("Code", exports.TEXT, 12),
    exports.Column("Score", exports.NUMBER, 8),
    exports.Column("Reported", exports.DATE, 13),
]


def sample_table(rows):
    return exports.Table("Sample", "sample", TABLE_COLUMNS, rows)


def test_a_date_column_is_written_twice_be_text_then_the_date():
    table = sample_table([])
    with translation.override("en"):
        assert table.headers()[2:] == ["Reported (B.E.)", "Reported"]
    assert table.widths() == [12, 8, 13, 13]


def test_xlsx_writer_reads_its_rows_once_as_it_goes():
    def rows():
        yield ["A-1", Decimal("12.50"), date(2020, 9, 15)]
        yield ["A-2", None, None]

    generated = rows()
    assert isinstance(generated, types.GeneratorType)
    with translation.override("th"):
        file = exports.write_xlsx(sample_table(generated))
    sheet = load_workbook(file).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1][:3] == ["A-1", 12.5, "15 ก.ย. 2563"]
    assert values[1][3].date() == date(2020, 9, 15)
    assert values[2] == ["A-2", None, None, None]
    assert sheet.freeze_panes == "A2"


def test_csv_writer_sends_chunks_of_rows():
    rows = [[f"A-{n}", Decimal(n), date(2020, 1, 1)] for n in range(1200)]
    with translation.override("th"):
        chunks = list(exports.csv_chunks(sample_table(rows)))
    assert len(chunks) == 3  # 500 + 500 + 200 rows
    lines = list(csv.reader(io.StringIO("".join(chunks).lstrip("\ufeff"))))
    assert len(lines) == 1201
    assert lines[1] == ["A-0", "0", "1 ม.ค. 2563", "2020-01-01"]
